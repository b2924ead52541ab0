"""CoAP amplification through an IoT gateway's CoAP server (libcoap):
spoofed GET /.well-known/core onto an office PC."""
import amp
import servers

NAME = 'amp-coap'
KIND = 'amplification'
TOOLS = ['hping3', 'coap-server-notls', 'dnsmasq', 'lighttpd', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100103]
DETECTORS = ['flood']


def setup(lab, ctx):
    lab.host('coapgw', ['10.20.0.5/24'])
    servers.coap(lab, 'coapgw', ctx.dir)
    return '10.20.0.5'


def run(lab, ctx):
    return amp.run(lab, ctx, 'coap', 5683, amp.coap_core(), setup)
