#!/usr/bin/python3
"""Attack scenarios for the detector tests: one capture per attack, each
with the same benign background, deterministic (fixed seed, fixed clock).

    gen_attacks.py OUTDIR [NAME...]   -> OUTDIR/NAME.pcap + OUTDIR/scenarios.json

scenarios.json tells the tests, per capture, when the attack starts (packet
time), who attacks whom and which signature must fire."""
import json
import os
import random
import struct
import sys

from scapy.all import (ARP, BOOTP, DHCP, DNS, DNSQR, DNSRR, ICMP, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6ND_RA, ICMPv6NDOptDstLLAddr, ICMPv6NDOptPrefixInfo,
                       ICMPv6NDOptSrcLLAddr, IP, IPv6, TCP, UDP, Ether, Raw)

T0 = 1795687200.0          # 2026-11-26 10:00:00 UTC
ATTACK = T0 + 1.0          # every attack starts one second in
MAC = dict(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')


class Cap:
    def __init__(self, path):
        self.pk = []

    def add(self, t, p):
        self.pk.append((t, p))

    def write(self, path):
        # by hand (classic pcap, microseconds): scapy's writer is the slow
        # part for the floods' tens of thousands of frames
        self.pk.sort(key=lambda x: x[0])
        with open(path, 'wb') as f:
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for t, p in self.pk:
                b = p if isinstance(p, bytes) else bytes(p)
                us = int(round(t * 1e6))
                f.write(struct.pack('<IIII', us // 1000000, us % 1000000, len(b), len(b)))
                f.write(b)


def eth(p):
    return Ether(**MAC) / p


def tcp_conn(cap, t, c, s, sport, dport, req=b'', resp=b'', v6=False, rtt=0.002):
    """A whole TCP connection: handshake, one request/answer, FIN."""
    L3 = IPv6 if v6 else IP
    seq, ack = 1000, 5000
    cap.add(t, eth(L3(src=c, dst=s) / TCP(sport=sport, dport=dport, flags='S', seq=seq)))
    cap.add(t + rtt, eth(L3(src=s, dst=c) / TCP(sport=dport, dport=sport, flags='SA', seq=ack,
                                                 ack=seq + 1)))
    cap.add(t + 2 * rtt, eth(L3(src=c, dst=s) / TCP(sport=sport, dport=dport, flags='A',
                                                     seq=seq + 1, ack=ack + 1)))
    tt = t + 2 * rtt
    if req:
        tt += 0.0005
        cap.add(tt, eth(L3(src=c, dst=s) / TCP(sport=sport, dport=dport, flags='PA', seq=seq + 1,
                                                ack=ack + 1) / Raw(req)))
    if resp:
        tt += rtt
        cap.add(tt, eth(L3(src=s, dst=c) / TCP(sport=dport, dport=sport, flags='PA', seq=ack + 1,
                                                ack=seq + 1 + len(req)) / Raw(resp)))
    tt += 0.001
    cap.add(tt, eth(L3(src=c, dst=s) / TCP(sport=sport, dport=dport, flags='FA',
                                            seq=seq + 1 + len(req), ack=ack + 1 + len(resp))))
    cap.add(tt + rtt, eth(L3(src=s, dst=c) / TCP(sport=dport, dport=sport, flags='FA',
                                                  seq=ack + 1 + len(resp),
                                                  ack=seq + 2 + len(req))))
    cap.add(tt + 2 * rtt, eth(L3(src=c, dst=s) / TCP(sport=sport, dport=dport, flags='A',
                                                      seq=seq + 2 + len(req),
                                                      ack=ack + 2 + len(resp))))


def tcp_talk(cap, t, c, s, sport, dport, talk, rtt=0.002):
    """A TCP connection carrying several segments: talk is (delay, 0 client
    / 1 server, payload), each delay after the previous segment."""
    seq = [1000, 5000]
    ends = [(c, sport), (s, dport)]

    def seg(tt, d, flags, data=b''):
        (a, ap), (b, bp) = ends[d], ends[1 - d]
        cap.add(tt, eth(IP(src=a, dst=b) / TCP(sport=ap, dport=bp, flags=flags, seq=seq[d],
                                               ack=seq[1 - d]) / Raw(data)) if data else
                eth(IP(src=a, dst=b) / TCP(sport=ap, dport=bp, flags=flags, seq=seq[d],
                                           ack=seq[1 - d])))
        seq[d] += len(data) + (1 if 'S' in flags or 'F' in flags else 0)

    seg(t, 0, 'S')
    seq[0] = 1001
    cap.add(t + rtt, eth(IP(src=s, dst=c) / TCP(sport=dport, dport=sport, flags='SA', seq=5000,
                                                 ack=1001)))
    seq[1] = 5001
    tt = t + 2 * rtt
    seg(tt, 0, 'A')
    for delay, d, data in talk:
        tt += delay
        seg(tt, d, 'PA', data)
    seg(tt + 0.001, 0, 'FA')
    seg(tt + 0.001 + rtt, 1, 'FA')
    seg(tt + 0.001 + 2 * rtt, 0, 'A')


def ssh_try(rnd, n):
    # an encrypted SSH packet: random bytes of the size a password try has
    return bytes(rnd.randrange(256) for _ in range(n))


def dns(cap, t, c, s, sport, name, qtype='A', rcode=0, answer='192.0.2.10'):
    q = DNS(id=sport & 0xffff, rd=1, qd=DNSQR(qname=name, qtype=qtype))
    cap.add(t, eth(IP(src=c, dst=s) / UDP(sport=sport, dport=53) / q))
    if rcode:
        r = DNS(id=sport & 0xffff, qr=1, rd=1, ra=1, rcode=rcode, qd=DNSQR(qname=name, qtype=qtype))
    elif qtype == 'TXT':
        r = DNS(id=sport & 0xffff, qr=1, rd=1, ra=1, qd=DNSQR(qname=name, qtype=qtype),
                an=DNSRR(rrname=name, type='TXT', rdata='ok'))
    else:
        r = DNS(id=sport & 0xffff, qr=1, rd=1, ra=1, qd=DNSQR(qname=name, qtype=qtype),
                an=DNSRR(rrname=name, rdata=answer))
    cap.add(t + 0.003, eth(IP(src=s, dst=c) / UDP(sport=53, dport=sport) / r))


# The LAN's own: its gateway (IPv4 and the IPv6 router), its DHCP server,
# two devices
GW, GW6, GW_MAC = '10.60.0.1', 'fe80::1', '02:00:00:00:01:01'
DEV = [('10.60.0.5', '2001:db8:60::5', '02:00:00:00:01:05'),
       ('10.60.0.6', '2001:db8:60::6', '02:00:00:00:01:06')]
BAD_MAC = '02:00:00:00:06:66'
BCAST = 'ff:ff:ff:ff:ff:ff'


def arp(cap, t, op, smac, sip, tip, tmac='00:00:00:00:00:00', dst=None):
    cap.add(t, Ether(src=smac, dst=dst or (BCAST if op == 1 else tmac)) /
            ARP(op=op, hwsrc=smac, psrc=sip, hwdst=tmac, pdst=tip))


def dhcp(cap, t, msg, server, server_mac, client_mac, yiaddr='0.0.0.0', xid=1):
    chaddr = bytes.fromhex(client_mac.replace(':', ''))
    if msg in ('discover', 'request'):
        p = (Ether(src=client_mac, dst=BCAST) / IP(src='0.0.0.0', dst='255.255.255.255') /
             UDP(sport=68, dport=67) / BOOTP(op=1, chaddr=chaddr, xid=xid) /
             DHCP(options=[('message-type', msg), 'end']))
    else:
        p = (Ether(src=server_mac, dst=client_mac) / IP(src=server, dst=yiaddr) /
             UDP(sport=67, dport=68) / BOOTP(op=2, chaddr=chaddr, xid=xid, yiaddr=yiaddr) /
             DHCP(options=[('message-type', msg), ('server_id', server), 'end']))
    cap.add(t, p)


def ra(cap, t, src, mac, prefix='2001:db8:60::'):
    cap.add(t, Ether(src=mac, dst='33:33:00:00:00:01') / IPv6(src=src, dst='ff02::1') /
            ICMPv6ND_RA(routerlifetime=1800) / ICMPv6NDOptSrcLLAddr(lladdr=mac) /
            ICMPv6NDOptPrefixInfo(prefix=prefix, prefixlen=64))


def na(cap, t, target, mac, dst, dst_mac, override=1):
    cap.add(t, Ether(src=mac, dst=dst_mac) / IPv6(src=target, dst=dst) /
            ICMPv6ND_NA(tgt=target, R=0, S=1, O=override) / ICMPv6NDOptDstLLAddr(lladdr=mac))


def ns(cap, t, src, mac, target):
    cap.add(t, Ether(src=mac, dst='33:33:ff:00:00:%02x' % int(target.split(':')[-1], 16)) /
            IPv6(src=src, dst='ff02::1:ff00:%x' % int(target.split(':')[-1], 16)) /
            ICMPv6ND_NS(tgt=target) / ICMPv6NDOptSrcLLAddr(lladdr=mac))


def lan(cap, end):
    """The LAN's control traffic: a device's DHCP lease, ARP for the
    gateway and between devices, router advertisements, neighbour
    discovery; nothing the L2 detectors should mind."""
    (ip5, ip65, mac5), (ip6, ip66, mac6) = DEV
    dhcp(cap, T0 + 0.01, 'discover', GW, GW_MAC, mac6, xid=7)
    dhcp(cap, T0 + 0.02, 'offer', GW, GW_MAC, mac6, ip6, xid=7)
    dhcp(cap, T0 + 0.03, 'request', GW, GW_MAC, mac6, xid=7)
    dhcp(cap, T0 + 0.04, 'ack', GW, GW_MAC, mac6, ip6, xid=7)
    arp(cap, T0 + 0.05, 1, mac6, ip6, ip6)                        # announcement
    t = T0 + 0.1
    while t < end:
        for ip, ip_6, mac in DEV:
            arp(cap, t, 1, mac, ip, GW)
            arp(cap, t + 0.001, 2, GW_MAC, GW, ip, mac)
            ns(cap, t + 0.01, ip_6, mac, '2001:db8:60::1')
        arp(cap, t + 0.02, 1, mac5, ip5, ip6)
        arp(cap, t + 0.021, 2, mac6, ip6, ip5, mac5)
        ns(cap, t + 0.03, ip65, mac5, ip66)
        na(cap, t + 0.031, ip66, mac6, ip65, mac5)
        ra(cap, t + 0.05, GW6, GW_MAC)
        t += 3.0


def background(cap, end):
    """Ordinary city traffic: DNS, web, TLS, MQTT, the LAN's ARP, DHCP and
    neighbour discovery; nothing any detector should mind."""
    lan(cap, end)
    # an operator logging in over SSH with a password, now and then
    srnd = random.Random(5)
    for k in range(int((end - T0) // 4) + 1):
        ssh_guess(cap, T0 + 0.3 + k * 4.0, '10.60.0.8', '10.60.0.22', 44000 + k, 1, srnd, ok=True)
    rnd = random.Random(7)
    t, i = T0, 0
    while t < end:
        dns(cap, t, '10.60.0.5', '10.60.0.53', 30000 + i, 'www.city.example')
        if i % 3 == 0:
            tcp_conn(cap, t + 0.05, '10.60.0.6', '93.184.216.34', 40000 + i, 80,
                     b'GET / HTTP/1.1\r\nHost: www.city.example\r\nUser-Agent: Mozilla/5.0\r\n\r\n',
                     b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
        if i % 5 == 2:
            tcp_conn(cap, t + 0.1, '10.60.0.7', '10.60.0.9', 41000 + i, 1883,
                     b'\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04lamp', b'\x20\x02\x00\x00')
        t += 0.2 + rnd.random() * 0.05
        i += 1


SCEN = {}


def scenario(name, sid, src, dst=None, start=ATTACK, window=1.0):
    def deco(fn):
        SCEN[name] = dict(fn=fn, sid=sid, src=src, dst=dst, start=start, window=window)
        return fn
    return deco


@scenario('scan_tcp_horizontal', 100001, '10.9.9.9')
def _(cap):
    for i in range(60):   # SYN to 22 on 60 hosts, nobody answers
        cap.add(ATTACK + i * 0.004, eth(IP(src='10.9.9.9', dst='10.50.0.%d' % (i + 1)) /
                                         TCP(sport=50000, dport=22, flags='S')))


@scenario('scan_tcp_vertical_v6_xmas', 100002, '2001:db8:bad::9', '2001:db8:50::1')
def _(cap):
    for i in range(40):   # XMAS probes to 40 ports; closed ports answer RST
        p = 1000 + i * 7
        t = ATTACK + i * 0.003
        cap.add(t, eth(IPv6(src='2001:db8:bad::9', dst='2001:db8:50::1') /
                       TCP(sport=51000, dport=p, flags='FPU')))
        cap.add(t + 0.0005, eth(IPv6(src='2001:db8:50::1', dst='2001:db8:bad::9') /
                                TCP(sport=p, dport=51000, flags='RA')))


@scenario('scan_udp_horizontal', 100003, '10.9.9.10')
def _(cap):
    for i in range(50):   # SNMP sweep
        cap.add(ATTACK + i * 0.005, eth(IP(src='10.9.9.10', dst='10.51.0.%d' % (i + 1)) /
                                         UDP(sport=40001, dport=161) / Raw(b'0\x26\x02\x01\x01')))


@scenario('scan_icmp_sweep', 100005, '10.9.9.11')
def _(cap):
    for i in range(40):
        cap.add(ATTACK + i * 0.005, eth(IP(src='10.9.9.11', dst='10.52.0.%d' % (i + 1)) /
                                         ICMP(type=8, id=7, seq=i)))


@scenario('mirai_telnet', 100006, '10.20.0.66')
def _(cap):
    rnd = random.Random(3)
    for i in range(40):   # 23 and 2323 on random city hosts
        cap.add(ATTACK + i * 0.006, eth(IP(src='10.20.0.66', dst='10.%d.%d.%d' % (
            rnd.randint(30, 40), rnd.randint(0, 255), rnd.randint(1, 254))) /
            TCP(sport=rnd.randint(1024, 65000), dport=rnd.choice((23, 2323)), flags='S')))


@scenario('syn_flood', 100101, None, '10.50.0.80')
def _(cap):
    rnd = random.Random(4)
    n = 1500               # 5000 SYN/s for 0.3 s from spoofed sources
    for i in range(n):
        cap.add(ATTACK + i / 5000.0, eth(IP(src='%d.%d.%d.%d' % (
            rnd.randint(1, 223), rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254)),
            dst='10.50.0.80') / TCP(sport=rnd.randint(1024, 65535), dport=80, flags='S')))


@scenario('volumetric_flood', 100102, None, '10.50.0.81')
def _(cap):
    payload = Raw(b'\x00' * 1400)  # 1.4 Gbit/s of UDP for 0.3 s from 4 hosts
    frames = [bytes(eth(IP(src='198.51.100.%d' % (1 + k), dst='10.50.0.81') /
                        UDP(sport=7000 + k, dport=9999) / payload)) for k in range(4)]
    for i in range(36000):
        cap.add(ATTACK + i / 120000.0, frames[i % 4])


@scenario('dns_amplification', 100103, None, '10.50.0.82')
def _(cap):
    big = Raw(b'\x00' * 1200)     # answers nobody asked for, from 50 resolvers
    frames = [bytes(eth(IP(src='203.0.113.%d' % (1 + k), dst='10.50.0.82') /
                        UDP(sport=53, dport=40000 + k) / big)) for k in range(50)]
    for i in range(900):
        cap.add(ATTACK + i / 3000.0, frames[i % 50])


@scenario('ssh_brute_force', 100201, '10.9.9.12', '10.50.0.22')
def _(cap):
    for i in range(30):   # 30 logins in ~0.9 s
        tcp_conn(cap, ATTACK + i * 0.03, '10.9.9.12', '10.50.0.22', 45000 + i, 22,
                 b'SSH-2.0-libssh_0.9\r\n', b'SSH-2.0-OpenSSH_8.9\r\n')


def ssh_guess(cap, t, c, s, sport, tries, rnd, ok=False):
    # hydra against OpenSSH: banners, key exchange, NEWKEYS, the service
    # request, "none", then password tries answered after the server's delay
    talk = [(0.0, 0, b'SSH-2.0-libssh_0.9.6\r\n'), (0.01, 1, b'SSH-2.0-OpenSSH_9.2p1\r\n'),
            (0.01, 0, bytes([0, 0, 3, 0x84, 4, 20]) + ssh_try(rnd, 898)),
            (0.005, 1, bytes([0, 0, 4, 0x3c, 4, 20]) + ssh_try(rnd, 1082)),
            (0.001, 0, bytes([0, 0, 0, 0x2c, 6, 30]) + ssh_try(rnd, 42)),
            (0.006, 1, bytes([0, 0, 0, 0xbc, 4, 31]) + ssh_try(rnd, 518)),
            (0.001, 0, bytes([0, 0, 0, 12, 10, 21]) + bytes(10)),
            (0.04, 0, ssh_try(rnd, 44)), (0.001, 1, ssh_try(rnd, 44)),
            (0.001, 0, ssh_try(rnd, 68)), (0.008, 1, ssh_try(rnd, 52))]
    for i in range(tries):
        talk += [(0.004, 0, ssh_try(rnd, 84)), (0.25, 1, ssh_try(rnd, 52))]
    if ok:   # let in: OpenSSH's host keys, then the session
        talk[-1] = (0.05, 1, ssh_try(rnd, 28))
        talk += [(0.001, 1, ssh_try(rnd, 620)), (0.01, 0, ssh_try(rnd, 96)),
                 (0.01, 1, ssh_try(rnd, 1200))]
    tcp_talk(cap, t, c, s, sport, 22, talk)


@scenario('ssh_password_guessing', 100201, '10.9.9.15', '10.50.0.22')
def _(cap):
    rnd = random.Random(12)
    for task in range(4):   # hydra -t 4, 3 tries a connection
        ssh_guess(cap, ATTACK + task * 0.002, '10.9.9.15', '10.50.0.22', 45100 + task, 3, rnd)


# the login won comes 3 s in: its answer is the alert's moment
_WON = ATTACK + 3.0 + 0.004 + 0.04 + 0.001 + 0.001 + 0.008 + 0.004 + 0.05


@scenario('ssh_guessing_succeeds', 100210, '10.9.9.19', '10.50.0.22', start=_WON, window=0.1)
def _(cap):
    rnd = random.Random(13)
    for task in range(4):
        ssh_guess(cap, ATTACK + task * 0.002, '10.9.9.19', '10.50.0.22', 45150 + task, 3, rnd)
    ssh_guess(cap, ATTACK + 3.0, '10.9.9.19', '10.50.0.22', 45160, 1, rnd, ok=True)


@scenario('ftp_brute_force', 100203, '10.9.9.16', '10.50.0.21')
def _(cap):
    for task in range(4):   # 4 tasks, 3 passwords each, vsftpd's 530s
        talk = [(0.0, 1, b'220 (vsFTPd 3.0.3)\r\n')]
        for i in range(3):
            talk += [(0.05, 0, b'USER vrange\r\n'), (0.001, 1, b'331 Please specify the password.\r\n'),
                     (0.001, 0, b'PASS guess%02d\r\n' % (task * 3 + i)),
                     (0.3, 1, b'530 Login incorrect.\r\n')]
        tcp_talk(cap, ATTACK + task * 0.003, '10.9.9.16', '10.50.0.21', 45200 + task, 21, talk)


@scenario('telnet_brute_force', 100202, '10.9.9.17', '10.50.0.23')
def _(cap):
    for task in range(4):
        talk = [(0.0, 1, b'\r\nDebian GNU/Linux 12\r\nvm login: ')]
        for i in range(2):
            talk += [(0.05, 0, b'vrange\r\n'), (0.001, 1, b'Password: '),
                     (0.05, 0, b'guess%02d\r\n' % (task * 2 + i)),
                     (0.4, 1, b'\r\nLogin incorrect\r\nvm login: ')]
        tcp_talk(cap, ATTACK + task * 0.003, '10.9.9.17', '10.50.0.23', 45300 + task, 23, talk)


@scenario('http_form_brute_force', 100206, '10.9.9.18', '10.50.0.80')
def _(cap):
    # a portal's login form: 200 "Login failed" to every wrong password, on
    # one keep-alive connection
    talk = []
    for i in range(10):
        body = b'user=operator&pass=guess%02d' % i
        page = b'<p>Login failed</p>'
        talk += [(0.01, 0, b'POST /cgi-bin/login.py HTTP/1.1\r\nHost: portal.city.example\r\n'
                  b'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n'
                  % len(body) + body),
                 (0.005, 1, b'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n'
                  % len(page) + page)]
    tcp_talk(cap, ATTACK, '10.9.9.18', '10.50.0.80', 45400, 80, talk)


@scenario('http_401_brute_force', 100206, '10.9.9.13', '10.50.0.90')
def _(cap):
    for i in range(30):
        tcp_conn(cap, ATTACK + i * 0.03, '10.9.9.13', '10.50.0.90', 46000 + i, 80,
                 b'GET /admin HTTP/1.1\r\nHost: cam.city.example\r\nAuthorization: Basic '
                 b'YWRtaW46MTIzNA==\r\n\r\n',
                 b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\n'
                 b'Content-Length: 0\r\n\r\n')


@scenario('http_smuggling', 100501, '10.9.9.14', '10.50.0.91')
def _(cap):
    # Content-Length and chunked together: front end and back end disagree
    tcp_conn(cap, ATTACK, '10.9.9.14', '10.50.0.91', 48000, 80,
             b'POST /login HTTP/1.1\r\nHost: portal.city.example\r\nContent-Length: 4\r\n'
             b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n'
             b'Host: portal.city.example\r\n\r\n',
             b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')


@scenario('dns_tunnel', 100301, '10.60.0.44')
def _(cap):
    rnd = random.Random(5)
    alpha = 'abcdefghijklmnopqrstuvwxyz234567'
    for i in range(40):   # base32 chunks of a file, one query each
        label = ''.join(rnd.choice(alpha) for _ in range(50))
        dns(cap, ATTACK + i * 0.02, '10.60.0.44', '10.60.0.53', 52000 + i,
            '%s.%d.t.exfil-tunnel.example' % (label, i), qtype='TXT')


@scenario('dga', 100303, '10.60.0.45')
def _(cap):
    rnd = random.Random(6)
    for i in range(20):   # random names, none exists
        name = ''.join(rnd.choice('bcdfghjklmnpqrstvwxz0123456789') for _ in range(14)) + '.com'
        dns(cap, ATTACK + i * 0.03, '10.60.0.45', '10.60.0.53', 53000 + i, name, rcode=3)


@scenario('beacon', 100401, '10.60.0.46', '203.0.113.77', start=ATTACK + 8 * 30.0)
def _(cap):
    rnd = random.Random(8)
    for i in range(12):   # every 30 s, +-100 ms
        tcp_conn(cap, ATTACK + i * 30.0 + rnd.uniform(-0.1, 0.1), '10.60.0.46', '203.0.113.77',
                 47000 + i, 443, b'\x17\x03\x03\x00\x10' + b'\x00' * 16,
                 b'\x17\x03\x03\x00\x10' + b'\x00' * 16)


# a RAT calling home every 3 s over HTTPS with +-25% jitter: the 9th
# connection completes 8 intervals (beacon_min_count)
_FAST = [ATTACK]
_r = random.Random(11)
for _i in range(11):
    _FAST.append(_FAST[-1] + 3.0 * (1 + _r.uniform(-0.25, 0.25)))


@scenario('beacon_jittered', 100401, '10.60.0.47', '203.0.113.78', start=_FAST[8], window=0.1)
def _(cap):
    for i, t in enumerate(_FAST):
        tcp_conn(cap, t, '10.60.0.47', '203.0.113.78', 47100 + i, 443,
                 b'\x17\x03\x03\x00\x10' + b'\x00' * 16, b'\x17\x03\x03\x00\x10' + b'\x00' * 16)


@scenario('arp_poisoning', 101002, GW, DEV[0][0])
def _(cap):
    for i in range(6):   # arpspoof: "the gateway is at me", to the victim, unasked
        arp(cap, ATTACK + i * 0.15, 2, BAD_MAC, GW, DEV[0][0], DEV[0][2])


@scenario('arp_sweep', 101005, '10.60.0.66')
def _(cap):
    for i in range(100):   # nmap -sn on its own LAN: who-has, 100 addresses
        arp(cap, ATTACK + i * 0.002, 1, BAD_MAC, '10.60.0.66', '10.60.1.%d' % (i + 1))


@scenario('dhcp_starvation', 101101, None)
def _(cap):
    rnd = random.Random(9)
    for i in range(120):   # yersinia: DISCOVERs from random MACs
        mac = '02:%02x:%02x:%02x:%02x:%02x' % tuple(rnd.randrange(256) for _ in range(5))
        dhcp(cap, ATTACK + i * 0.005, 'discover', None, None, mac, xid=1000 + i)


@scenario('rogue_dhcp', 101103, '10.60.0.66', DEV[1][0])
def _(cap):
    dhcp(cap, ATTACK, 'discover', GW, GW_MAC, DEV[1][2], xid=77)
    dhcp(cap, ATTACK + 0.001, 'offer', '10.60.0.66', BAD_MAC, DEV[1][2], DEV[1][0], xid=77)
    dhcp(cap, ATTACK + 0.002, 'offer', GW, GW_MAC, DEV[1][2], DEV[1][0], xid=77)


@scenario('rogue_ra', 101202, 'fe80::66')
def _(cap):
    for i in range(3):   # fake_router6: a default router and a prefix of its own
        ra(cap, ATTACK + i * 0.3, 'fe80::66', BAD_MAC, prefix='2001:db8:666::')


@scenario('nd_spoofing', 101203, DEV[1][1], DEV[0][1])
def _(cap):
    # parasite6: answers the solicitation for a neighbour with its own MAC
    ns(cap, ATTACK, DEV[0][1], DEV[0][2], DEV[1][1])
    na(cap, ATTACK + 0.0005, DEV[1][1], BAD_MAC, DEV[0][1], DEV[0][2])
    na(cap, ATTACK + 0.001, DEV[1][1], DEV[1][2], DEV[0][1], DEV[0][2])


@scenario('benign', None, None)
def _(cap):
    pass


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or list(SCEN)
    os.makedirs(out, exist_ok=True)
    meta = {}
    for n in names:
        s = SCEN[n]
        random.seed(1)
        cap = Cap(None)
        s['fn'](cap)
        end = max([t for t, _ in cap.pk] + [ATTACK + 2.0]) + 0.5
        background(cap, end)
        cap.write(os.path.join(out, n + '.pcap'))
        meta[n] = {k: v for k, v in s.items() if k != 'fn'}
    with open(os.path.join(out, 'scenarios.json'), 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
