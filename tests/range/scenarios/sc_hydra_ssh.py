"""hydra guessing SSH passwords (openssh-server, PAM): 16 tries with 4
tasks, the last one right."""
import hydra
import servers

NAME = 'hydra-ssh'
KIND = 'brute-force'
TOOLS = ['hydra', 'sshd', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100201]
DETECTORS = ['brute']


def run(lab, ctx):
    return hydra.run(lab, ctx, 'ssh', '10.50.0.22',
                     lambda lab, ctx: servers.ssh(lab, 'victim', ctx.dir))
