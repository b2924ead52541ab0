"""hydra guessing FTP passwords on vsftpd: 12 tries with 4 tasks, the last
one right."""
import os

import benign
import servers

NAME = 'hydra-ftp'
KIND = 'brute-force'
TOOLS = ['hydra', 'vsftpd', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = True
EXPECT = [100203]
DETECTORS = ['brute']
ATTACKER, VICTIM = '198.51.100.66', '10.50.0.21'


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    lab.host('victim', [VICTIM + '/24'])
    servers.ensure_user(ctx.users)
    servers.ftp(lab, 'victim', ctx.dir)
    words = os.path.join(ctx.dir, 'words.txt')
    with open(words, 'w') as f:
        f.write(''.join('guess%02d\n' % i for i in range(11)) + servers.FTP_PASS + '\n')
    cmd = ['hydra', '-l', servers.FTP_USER, '-P', words, '-t', '4', '-f', '-I',
           'ftp://%s' % VICTIM]
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=8)
    lab.run('attacker', cmd, timeout=120, log=ctx.log('hydra'))
    return {'tool': 'hydra', 'command': ' '.join(cmd).replace(words, 'words.txt'),
            'attacker': [ATTACKER], 'victim': [VICTIM], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && tcp.dstport==21 && tcp.flags.syn==1' % ATTACKER}
