"""hydra against one of the range's login services: a word list of wrong
passwords, the right one last (a success after failures)."""
import os

import benign
import servers

ATTACKER = '198.51.100.66'


def run(lab, ctx, service, victim, start, tries=16, user=None, password=None, target=None,
        extra=(), tasks=4, timeout=90):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    if victim != benign.WEB:
        lab.host('victim', [victim + '/24'])
    servers.ensure_user(ctx.users)
    start(lab, ctx)
    words = os.path.join(ctx.dir, 'words.txt')
    with open(words, 'w') as f:
        f.write(''.join('guess%02d\n' % i for i in range(tries - 1)) +
                (password or servers.FTP_PASS) + '\n')
    cmd = ['hydra', '-l', user or servers.FTP_USER, '-P', words, '-t', str(tasks), '-f', '-I',
           '-w', '10'] + list(extra) + [target or '%s://%s' % (service, victim)]
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=8)
    lab.run('attacker', cmd, timeout=timeout, log=ctx.log('hydra'))
    return {'tool': 'hydra', 'command': ' '.join(cmd).replace(words, 'words.txt'),
            'attacker': [ATTACKER], 'victim': [victim], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && ip.dst==%s && tcp.flags.syn==1' % (ATTACKER, victim)}
