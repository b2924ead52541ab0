"""nmap service and OS detection (-sV -O) of the web and ssh servers."""
import benign
import servers

NAME = 'nmap-sv-os'
KIND = 'scan'
TOOLS = ['nmap', 'lighttpd', 'dnsmasq', 'mosquitto', 'sshd', 'tcpdump']
FAST = False
EXPECT = [100002]
DETECTORS = ['scan']
ATTACKER = '10.10.0.66'
VICTIM = '10.50.0.22'
CMD = ['nmap', '-sV', '-O', '-Pn', '-n', '-T4', '--top-ports', '100', '--max-retries', '1',
       '--host-timeout', '90s', VICTIM]


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    lab.host('victim', [VICTIM + '/24'])
    servers.ssh(lab, 'victim', ctx.dir)
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=6)
    lab.run('attacker', CMD, timeout=120, log=ctx.log('nmap'))
    return {'tool': 'nmap', 'command': ' '.join(CMD), 'attacker': [ATTACKER],
            'victim': [VICTIM], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && ip.dst==%s' % (ATTACKER, VICTIM)}
