"""hping3 ACK, UDP and ICMP floods against the web server, 15,000 packets
each at about 10,000 per second."""
import benign

NAME = 'hping-floods'
KIND = 'flood'
TOOLS = ['hping3', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100102]
DETECTORS = ['flood']
ATTACKER = '198.51.100.66'
MODES = [['-A', '-p', '80'], ['--udp', '-p', '5000', '-d', '512'], ['--icmp', '-d', '512']]


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=8)
    cmds = []
    for m in MODES:
        cmd = ['hping3'] + m + ['-c', '15000', '-i', 'u100', '-q', benign.WEB]
        cmds.append(' '.join(cmd))
        lab.run('attacker', cmd, timeout=60, log=ctx.log('hping3'))
    return {'tool': 'hping3', 'command': '; '.join(cmds), 'attacker': [ATTACKER],
            'victim': [benign.WEB], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && ip.dst==%s' % (ATTACKER, benign.WEB)}
