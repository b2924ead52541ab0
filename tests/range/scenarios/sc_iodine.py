"""iodine: an IP tunnel through the city's resolver (dnsmasq delegates
t.range.test to iodined), from an IoT device; 40 pings of 400 bytes
through it."""
import time

import benign

NAME = 'iodine'
KIND = 'dns-tunnel'
TOOLS = ['iodine', 'iodined', 'dnsmasq', 'lighttpd', 'mosquitto', 'tcpdump']
FAST = True
LIVE = True
EXPECT = [100301, 100302]
DETECTORS = ['dns']
ATTACKER, TUNSRV = '10.20.0.66', '10.50.0.54'
DOMAIN = 't.range.test'


def run(lab, ctx):
    benign.city(lab, ctx, zone_ns=(DOMAIN, TUNSRV))
    lab.host('attacker', [ATTACKER + '/24'])
    lab.host('tunsrv', [TUNSRV + '/24'])
    lab.start('tunsrv', ['iodined', '-f', '-c', '-P', 'range-secret', '-l', TUNSRV, '-p', '53',
                         '10.99.0.1/27', DOMAIN], log=ctx.log('iodined'))
    lab.wait_port('tunsrv', 53, 'udp')
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=12)
    cmd = ['iodine', '-f', '-r', '-m', '900', '-P', 'range-secret', benign.DNS, DOMAIN]
    lab.start('attacker', cmd, log=ctx.log('iodine'))
    end = time.time() + 30
    while time.time() < end:
        with open(ctx.log('iodine'), 'rb') as f:
            if b'Connection setup complete' in f.read():
                break
        time.sleep(0.2)
    else:
        raise RuntimeError('the iodine tunnel did not come up')
    lab.run('attacker', ['ping', '-c', '40', '-i', '0.1', '-s', '400', '-W', '2', '10.99.0.1'],
            timeout=40, log=ctx.log('ping'))
    return {'tool': 'iodine', 'command': ' '.join(cmd) + '; ping -c 40 -s 400 through it',
            'attacker': [ATTACKER], 'victim': [benign.DNS, TUNSRV], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && dns.qry.name contains "%s"' % (ATTACKER, DOMAIN)}
