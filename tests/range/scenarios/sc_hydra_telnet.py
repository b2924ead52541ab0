"""hydra guessing telnet passwords (telnetd under inetd): 8 tries, 4 tasks,
the last one right. Only 8: against Debian's telnetd a failed try holds a
task for long (hydra waits out the login's delay and prompt)."""
import hydra
import servers

NAME = 'hydra-telnet'
KIND = 'brute-force'
TOOLS = ['hydra', 'inetd', 'telnetd', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100202]
DETECTORS = ['brute']


def run(lab, ctx):
    return hydra.run(lab, ctx, 'telnet', '10.50.0.23',
                     lambda lab, ctx: servers.telnet(lab, 'victim', ctx.dir), tries=8, tasks=4,
                     timeout=150)
