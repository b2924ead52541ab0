"""nmap SYN scan of the top 200 ports of a server, from a compromised
office PC, while the city's benign traffic goes on."""
import benign
import servers

NAME = 'nmap-syn'
KIND = 'scan'
TOOLS = ['nmap', 'lighttpd', 'dnsmasq', 'mosquitto', 'sshd', 'tcpdump']
FAST = True
LIVE = True
EXPECT = [100002]
DETECTORS = ['scan']
ATTACKER, VICTIM = '10.10.0.66', '10.50.0.22'
CMD = ['nmap', '-sS', '-Pn', '-n', '--top-ports', '200', '-T4', '--max-retries', '1',
       '--host-timeout', '60s', VICTIM]


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    lab.host('victim', [VICTIM + '/24'])
    servers.ssh(lab, 'victim', ctx.dir)
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=8)
    lab.run('attacker', CMD, timeout=90, log=ctx.log('nmap'))
    return {'tool': 'nmap', 'command': ' '.join(CMD), 'attacker': [ATTACKER],
            'victim': [VICTIM], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && tcp.flags.syn==1 && ip.dst==%s' % (ATTACKER, VICTIM)}
