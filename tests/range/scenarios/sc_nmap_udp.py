"""nmap UDP scan of the top 50 UDP ports of the resolver host."""
import benign

NAME = 'nmap-udp'
KIND = 'scan'
TOOLS = ['nmap', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100004]
DETECTORS = ['scan']
ATTACKER = '10.10.0.66'
CMD = ['nmap', '-sU', '-Pn', '-n', '--top-ports', '50', '-T4', '--max-retries', '1',
       '--host-timeout', '60s', benign.DNS]


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=6)
    lab.run('attacker', CMD, timeout=90, log=ctx.log('nmap'))
    return {'tool': 'nmap', 'command': ' '.join(CMD), 'attacker': [ATTACKER],
            'victim': [benign.DNS], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && udp && ip.dst==%s' % (ATTACKER, benign.DNS)}
