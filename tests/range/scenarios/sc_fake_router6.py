"""thc-ipv6 fake_router6: rogue router advertisements on the IoT LAN for
8 s, claiming to be the default router for fd00:72:20::/64."""
import benign

NAME = 'fake-router6'
KIND = 'rogue-ra'
TOOLS = ['atk6-fake_router6', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = []
DETECTORS = ['nd']
ATTACKER = 'fd00:72:20::66'


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', ['10.20.0.66/24'], [ATTACKER + '/64'])
    cmd = ['atk6-fake_router6', 'eth0', 'fd00:72:20::/64']
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=8)
    lab.run('attacker', cmd, timeout=8, log=ctx.log('fake_router6'))
    return {'tool': 'fake_router6', 'command': ' '.join(cmd), 'attacker': [ATTACKER],
            'victim': [], 'benign': benign.ADDRS, 'spoofed': True,
            'first': 'icmpv6.type==134 && eth.src==%s' % lab.hosts['attacker']['mac']}
