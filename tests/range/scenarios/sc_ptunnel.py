"""ptunnel-ng: TCP through ICMP echo to a proxy, from an IoT device to the
city's web server (a 1 MB download through the tunnel)."""
import time

import benign

NAME = 'ptunnel'
KIND = 'icmp-tunnel'
TOOLS = ['ptunnel-ng', 'lighttpd', 'dnsmasq', 'mosquitto', 'curl', 'tcpdump']
FAST = False
EXPECT = []
DETECTORS = ['tunnel']
ATTACKER, PROXY = '10.20.0.66', '198.51.100.9'


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    lab.host('proxy', [PROXY + '/24'])
    lab.start('proxy', ['ptunnel-ng', '-v', '1'], log=ctx.log('ptunnel-proxy'))
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=8)
    cmd = ['ptunnel-ng', '-p' + PROXY, '-l8000', '-r' + benign.WEB, '-R80']
    lab.start('attacker', cmd, log=ctx.log('ptunnel'))
    lab.wait_port('attacker', 8000)
    time.sleep(0.5)
    lab.run('attacker', ['curl', '-s', '-o', '/dev/null', '-m', '20', '-r', '0-1048575',
                         'http://127.0.0.1:8000/big.bin'], timeout=30, log=ctx.log('curl'))
    return {'tool': 'ptunnel-ng', 'command': ' '.join(cmd) + '; curl through it',
            'attacker': [ATTACKER], 'victim': [PROXY], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && icmp && ip.dst==%s' % (ATTACKER, PROXY)}
