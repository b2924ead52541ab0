"""SYN-ACK reflection: hping3 sends SYNs spoofed from the victim to the web
and ssh servers, which answer the victim with SYN-ACKs it never asked for."""
import benign
import servers

NAME = 'synack-reflection'
KIND = 'reflection'
TOOLS = ['hping3', 'lighttpd', 'dnsmasq', 'mosquitto', 'sshd', 'tcpdump']
FAST = False
EXPECT = [100103, 100101]
DETECTORS = ['flood']
ATTACKER, VICTIM = '198.51.100.66', '10.10.0.40'


def run(lab, ctx):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    lab.host('victim', [VICTIM + '/24'])
    lab.host('sshsrv', ['10.50.0.22/24'])
    servers.ssh(lab, 'sshsrv', ctx.dir)
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=8)
    cmds = []
    for dst, port in ((benign.WEB, '80'), ('10.50.0.22', '22')):
        cmd = ['hping3', '-S', '-a', VICTIM, '-p', port, '-c', '10000', '-i', 'u100', '-q', dst]
        cmds.append(' '.join(cmd))
        lab.run('attacker', cmd, timeout=60, log=ctx.log('hping3'))
    return {'tool': 'hping3', 'command': '; '.join(cmds), 'attacker': [ATTACKER],
            'victim': [VICTIM], 'benign': benign.ADDRS, 'spoofed': True,
            'first': 'ip.src==%s && tcp.flags.syn==1 && tcp.flags.ack==1' % benign.WEB}
