"""thc-ipv6 parasite6: answers every neighbour solicitation on the LAN
with the attacker's MAC (IPv6's ARP spoofing), while two devices ping."""
import benign

NAME = 'parasite6'
KIND = 'nd-spoofing'
TOOLS = ['atk6-parasite6', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = []
DETECTORS = ['nd']
ATTACKER = 'fd00:72:20::66'


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', ['10.20.0.66/24'], [ATTACKER + '/64'])
    lab.host('dev6a', ['10.20.0.41/24'], ['fd00:72:20::41/64'])
    lab.host('dev6b', ['10.20.0.42/24'], ['fd00:72:20::42/64'])
    cmd = ['atk6-parasite6', '-l', 'eth0']
    lab.start('attacker', cmd, log=ctx.log('parasite6'))
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=8)
    lab.run('dev6a', ['ping', '-6', '-c', '10', '-i', '0.5', 'fd00:72:20::42'], timeout=15,
            log=ctx.log('ping6'))
    return {'tool': 'parasite6', 'command': ' '.join(cmd), 'attacker': [ATTACKER],
            'victim': ['fd00:72:20::41', 'fd00:72:20::42'], 'benign': benign.ADDRS,
            'spoofed': True,
            'first': 'icmpv6.type==136 && eth.src==%s' % lab.hosts['attacker']['mac']}
