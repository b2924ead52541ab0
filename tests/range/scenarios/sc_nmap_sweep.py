"""nmap ping sweep (-sn) of the IoT /24 from a compromised device, with
IP probes (--send-ip: echo, SYN 443, ACK 80, timestamp), not ARP."""
import benign

NAME = 'nmap-sweep'
KIND = 'scan'
TOOLS = ['nmap', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100005, 100001]
DETECTORS = ['scan', 'arp']
ATTACKER = '10.20.0.66'
CMD = ['nmap', '-sn', '-n', '--send-ip', '-T4', '--max-retries', '1', '10.20.0.0/24']


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=6)
    lab.run('attacker', CMD, timeout=90, log=ctx.log('nmap'))
    return {'tool': 'nmap', 'command': ' '.join(CMD), 'attacker': [ATTACKER],
            'victim': ['10.20.0.%d' % i for i in range(256)], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && (icmp || tcp)' % ATTACKER}
