"""memcached amplification (UDP 11211 on): spoofed "stats" requests onto
an office PC."""
import amp
import servers

NAME = 'amp-memcached'
KIND = 'amplification'
TOOLS = ['hping3', 'memcached', 'dnsmasq', 'lighttpd', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100103]
DETECTORS = ['flood']


def setup(lab, ctx):
    lab.host('cache', ['10.50.0.11/24'])
    servers.memcached(lab, 'cache', ctx.dir)
    return '10.50.0.11'


def run(lab, ctx):
    return amp.run(lab, ctx, 'memcached', 11211, amp.memcached_stats(), setup)
