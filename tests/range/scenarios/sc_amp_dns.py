"""DNS amplification through the city's resolver (dnsmasq): spoofed TXT
queries with EDNS0 for a 3 KB answer, onto an office PC."""
import amp
import benign

NAME = 'amp-dns'
KIND = 'amplification'
TOOLS = ['hping3', 'dnsmasq', 'lighttpd', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100103]
DETECTORS = ['flood']


def run(lab, ctx):
    return amp.run(lab, ctx, 'dns', 53, amp.dns_query(), lambda lab, ctx: benign.DNS)
