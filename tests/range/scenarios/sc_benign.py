"""Benign city traffic alone: browsing (HTTP and HTTPS), lookups, MQTT
telemetry, NTP, Modbus polling by the SCADA master, a DHCP lease, ssh
logins with a key and scp, a 20 MB download. Nothing may alert."""
import os
import subprocess

import benign
import servers

NAME = 'benign'
KIND = 'benign'
TOOLS = ['curl', 'dig', 'mosquitto_pub', 'lighttpd', 'dnsmasq', 'mosquitto', 'sshd', 'chronyd',
         'dhclient', 'tcpdump']
FAST = True
EXPECT = []
DETECTORS = []
SSH = '10.50.0.22'


def run(lab, ctx):
    import modbus_poll
    benign.city(lab, ctx, dns_extra=['dhcp-range=10.20.0.100,10.20.0.149,255.255.255.0,1h',
                                     'interface=eth0', 'dhcp-leasefile=%s/leases' % ctx.dir])
    lab.host('plc', [modbus_poll.PLC + '/24'])
    lab.host('master', [modbus_poll.MASTER + '/24'])
    lab.host('newdev', [])
    servers.modbus(lab, 'plc', ctx.dir)
    lab.host('sshsrv', [SSH + '/24'])
    servers.ensure_user(ctx.users)
    key = os.path.join(ctx.dir, 'id_ed25519')
    if not os.path.exists(key):
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], check=True)
    servers.ssh(lab, 'sshsrv', ctx.dir, authorized=key + '.pub')
    lab.capture(ctx.pcap)
    procs = benign.start(lab, ctx, rounds=10)
    procs.append(modbus_poll.start(lab, ctx, 'master', 'poll'))
    # a device joining the LAN takes a lease from the city's DHCP server
    lab.run('newdev', ['dhclient', '-1', '-v', '-sf', '/bin/true', '-lf',
                       os.path.join(ctx.dir, 'cl.leases'), '-pf', os.path.join(ctx.dir, 'cl.pid'),
                       'eth0'], timeout=20, log=ctx.log('dhclient'))
    ssh = ['ssh', '-i', key, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
           '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5']
    for i in range(3):
        lab.run('office', ssh + ['%s@%s' % (servers.KEY_USER, SSH), 'true'], timeout=20,
                log=ctx.log('ssh'))
    lab.run('office', ['scp'] + ssh[1:] + [os.path.join(ctx.dir, 'lighttpd.conf'),
                                           '%s@%s:/dev/null' % (servers.KEY_USER, SSH)],
            timeout=20, log=ctx.log('scp'))
    lab.run('office', ['curl', '-s', '-o', '/dev/null', '-m', '30', 'http://%s/big.bin' % benign.WEB],
            timeout=40, log=ctx.log('download'))
    # NTP: the office PC asks the city's server (chronyd -Q: it only
    # measures, the machine's clock is left alone)
    lab.run('office', ['chronyd', '-Q', '-t', '8', 'server %s iburst maxsamples 4' % benign.DNS,
                       'pidfile %s/chronyd-q.pid' % ctx.dir], timeout=12, log=ctx.log('ntp'))
    benign.wait(procs)
    return {'tool': 'curl, dig, mosquitto_pub, ssh, scp',
            'command': 'browsing (HTTP, HTTPS), lookups, telemetry, NTP, Modbus polls, DHCP, '
                       '3 ssh logins, scp, '
                       '20 MB download',
            'benign': benign.ADDRS + [modbus_poll.MASTER, modbus_poll.PLC, benign.DNS],
            'attacker': [], 'victim': []}
