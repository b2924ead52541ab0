"""A beacon: an implant on an IoT device fetches its C2 page "outside"
every 3 s with 20% jitter, 12 times."""
import os
import random

import benign
import servers

NAME = 'beacon'
KIND = 'c2-beacon'
TOOLS = ['curl', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100401]
DETECTORS = ['beacon']
IMPLANT, C2 = '10.20.0.77', '203.0.113.80'


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('implant', [IMPLANT + '/24'])
    lab.host('c2', [C2 + '/24'])
    c2dir = os.path.join(ctx.dir, 'c2')
    os.makedirs(c2dir)
    servers.web(lab, 'c2', c2dir)
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=60, pace=0.6)
    rnd = random.Random(7)
    gaps = ['%.2f' % (3 * (1 + rnd.uniform(-0.2, 0.2))) for _ in range(12)]
    loop = ''.join('curl -s -o /dev/null -m 2 http://%s/index.html; sleep %s; ' % (C2, g)
                   for g in gaps)
    lab.run('implant', ['sh', '-c', loop], timeout=60, log=ctx.log('beacon'))
    return {'tool': 'curl', 'command': 'curl http://%s/ every 3 s +-20%%, 12 times' % C2,
            'attacker': [IMPLANT, C2], 'victim': [], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && tcp.flags.syn==1' % IMPLANT}
