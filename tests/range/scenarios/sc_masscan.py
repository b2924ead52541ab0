"""masscan at 2,000 packets per second over 400 ports of the servers' /28."""
import benign
import servers

NAME = 'masscan'
KIND = 'scan'
TOOLS = ['masscan', 'lighttpd', 'dnsmasq', 'mosquitto', 'sshd', 'tcpdump']
FAST = False
EXPECT = [100001, 100002]
DETECTORS = ['scan']
ATTACKER = '198.51.100.66'


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('victim', ['10.50.0.22/24'])
    servers.ssh(lab, 'victim', ctx.dir)
    att = lab.host('attacker', [ATTACKER + '/24'])
    cmd = ['masscan', '10.50.0.16/28', '-p1-400', '--rate', '2000', '--wait', '1',
           '--router-mac', lab.hosts['victim']['mac'], '--adapter-ip', ATTACKER, '-e', 'eth0']
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=6)
    lab.run('attacker', cmd, timeout=60, log=ctx.log('masscan'))
    del att
    return {'tool': 'masscan', 'command': ' '.join(cmd), 'attacker': [ATTACKER],
            'victim': ['10.50.0.%d' % i for i in range(16, 32)], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && tcp.flags.syn==1' % ATTACKER}
