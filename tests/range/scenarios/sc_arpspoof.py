"""arpspoof (dsniff) between a street-light controller and its gateway:
gratuitous ARP replies for 10 s, while the controller talks to the broker."""
import benign

NAME = 'arpspoof'
KIND = 'arp-poisoning'
TOOLS = ['arpspoof', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = []
DETECTORS = ['arp']
ATTACKER, GW = '10.20.0.66', '10.20.0.1'


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    lab.host('gw', [GW + '/24'])
    cmd = ['arpspoof', '-i', 'eth0', '-t', benign.IOT[0], GW]
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=10)
    lab.run('attacker', cmd, timeout=10, log=ctx.log('arpspoof'))
    return {'tool': 'arpspoof', 'command': ' '.join(cmd), 'attacker': [ATTACKER],
            'victim': [benign.IOT[0], GW], 'benign': benign.ADDRS,
            'first': 'arp.opcode==2 && eth.src==%s' % lab.hosts['attacker']['mac']}
