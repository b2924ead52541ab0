"""nmap SYN scan over IPv6 (-6) of a server's top 200 ports."""
import benign

NAME = 'nmap-v6'
KIND = 'scan'
TOOLS = ['nmap', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100002]
DETECTORS = ['scan']
ATTACKER, VICTIM = 'fd00:72:10::66', 'fd00:72:50::22'
CMD = ['nmap', '-6', '-sS', '-Pn', '-n', '--top-ports', '200', '-T4', '--max-retries', '1',
       '--host-timeout', '60s', VICTIM]


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', ['10.10.0.66/24'], [ATTACKER + '/32'])
    lab.host('victim', ['10.50.0.22/24'], [VICTIM + '/32'])
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=6)
    lab.run('attacker', CMD, timeout=90, log=ctx.log('nmap'))
    return {'tool': 'nmap', 'command': ' '.join(CMD), 'attacker': [ATTACKER],
            'victim': [VICTIM], 'benign': benign.ADDRS,
            'first': 'ipv6.src==%s && tcp.flags.syn==1' % ATTACKER}
