#!/usr/bin/python3
"""Deterministic demo capture: a few minutes of a municipal edge link.

Usage: /usr/bin/python3 tests/captures/gen_demo.py OUT.pcap [--scale N]

Same bytes on every run (fixed seed, fixed clock). What it holds, so that
tests can assert on it:
  * office clients: TLS 1.2 ClientHello/ServerHello with SNI
    (portal.city.example), HTTP/1.1 GET with Host and User-Agent, DNS A
    queries and answers, NTP; full TCP handshakes and FIN teardown;
  * IoT: MQTT CONNECT/PUBLISH from streetlights on VLAN 20, CoAP GET from
    parking sensors over IPv6, Modbus/TCP reads to a pump station PLC;
  * 5G N3: GTP-U between gNB 172.16.0.1 and UPF 172.16.0.2, uplink TEID
    0x1001 and downlink TEID 0x2002, PDU session container QFI 9, carrying
    the UE 10.45.0.7's DNS and HTTP;
  * decoder anomalies: one IPv4 packet whose total length exceeds the frame
    and one truncated TCP header.
"""
import random
import struct
import sys

from scapy.all import (Ether, Dot1Q, IP, IPv6, TCP, UDP, DNS, DNSQR, DNSRR,
                       Raw, wrpcap)
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer

T0 = 1795000000.0  # 2026-11-18, a fixed clock
MAC_C = '02:00:00:00:00:01'
MAC_S = '02:00:00:00:00:02'


class Cap:
    def __init__(self):
        self.pkts = []
        self.t = T0

    def add(self, p, dt=0.001):
        self.t += dt
        p.time = self.t
        self.pkts.append(p)


def tcp_session(cap, l2, ip_c, ip_s, sport, dport, exchanges, v6=False,
                wrap=None):
    """Handshake, request/response pairs, FIN teardown."""
    IPc = (lambda: IPv6(src=ip_c, dst=ip_s)) if v6 else (lambda: IP(src=ip_c, dst=ip_s))
    IPs = (lambda: IPv6(src=ip_s, dst=ip_c)) if v6 else (lambda: IP(src=ip_s, dst=ip_c))
    w = wrap or (lambda p, up: p)
    cs, ss = 1000, 5000
    cap.add(w(l2() / IPc() / TCP(sport=sport, dport=dport, flags='S', seq=cs), 1))
    cap.add(w(l2() / IPs() / TCP(sport=dport, dport=sport, flags='SA', seq=ss, ack=cs + 1), 0))
    cs += 1
    ss += 1
    cap.add(w(l2() / IPc() / TCP(sport=sport, dport=dport, flags='A', seq=cs, ack=ss), 1))
    for req, resp in exchanges:
        if req:
            cap.add(w(l2() / IPc() / TCP(sport=sport, dport=dport, flags='PA', seq=cs, ack=ss) / req, 1))
            cs += len(req)
        if resp:
            cap.add(w(l2() / IPs() / TCP(sport=dport, dport=sport, flags='PA', seq=ss, ack=cs) / resp, 0))
            ss += len(resp)
    cap.add(w(l2() / IPc() / TCP(sport=sport, dport=dport, flags='FA', seq=cs, ack=ss), 1))
    cap.add(w(l2() / IPs() / TCP(sport=dport, dport=sport, flags='FA', seq=ss, ack=cs + 1), 0))
    cap.add(w(l2() / IPc() / TCP(sport=sport, dport=dport, flags='A', seq=cs + 1, ack=ss + 1), 1))


def tls_client_hello(sni):
    name = sni.encode()
    sni_ext = struct.pack('!HHHBH', 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    groups = struct.pack('!HHH', 10, 4, 2) + struct.pack('!H', 0x001d)
    ecpf = struct.pack('!HHB', 11, 2, 1) + b'\x00'
    alpn = struct.pack('!HHH', 16, 5, 3) + b'\x02h2'
    exts = sni_ext + groups + ecpf + alpn
    ciphers = [0xc02b, 0xc02f, 0xc02c, 0xc030, 0x009c, 0x002f]
    body = (b'\x03\x03' + bytes(range(32)) + b'\x00' +
            struct.pack('!H', 2 * len(ciphers)) + b''.join(struct.pack('!H', c) for c in ciphers) +
            b'\x01\x00' + struct.pack('!H', len(exts)) + exts)
    hs = b'\x01' + struct.pack('!I', len(body))[1:] + body
    return b'\x16\x03\x01' + struct.pack('!H', len(hs)) + hs


def tls_server_hello():
    exts = struct.pack('!HH', 0xff01, 1) + b'\x00'
    body = (b'\x03\x03' + bytes(range(32, 64)) + b'\x00' + struct.pack('!H', 0xc02f) +
            b'\x00' + struct.pack('!H', len(exts)) + exts)
    hs = b'\x02' + struct.pack('!I', len(body))[1:] + body
    return b'\x16\x03\x03' + struct.pack('!H', len(hs)) + hs


def http_get(host, path, ua):
    return ('GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n\r\n'
            % (path, host, ua)).encode()


HTTP_OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"status":"ok"}'


def mqtt_connect(client_id):
    cid = client_id.encode()
    var = b'\x00\x04MQTT\x04\x02\x00\x3c'
    payload = struct.pack('!H', len(cid)) + cid
    rem = var + payload
    return b'\x10' + bytes([len(rem)]) + rem


def mqtt_publish(topic, msg):
    t = topic.encode()
    rem = struct.pack('!H', len(t)) + t + msg
    return b'\x30' + bytes([len(rem)]) + rem


def modbus_read(tid, unit=1, addr=0, count=10):
    pdu = struct.pack('!BHH', 3, addr, count)
    return struct.pack('!HHHB', tid, 0, len(pdu) + 1, unit) + pdu


def modbus_resp(tid, unit=1, count=10):
    pdu = bytes([3, 2 * count]) + bytes(2 * count)
    return struct.pack('!HHHB', tid, 0, len(pdu) + 1, unit) + pdu


def coap_get(mid, path):
    opts = b''
    for seg in path.split('/'):
        s = seg.encode()
        opts += bytes([(11 << 4) | len(s) if not opts else len(s)]) + s
    return bytes([0x40, 0x01]) + struct.pack('!H', mid) + opts


def main():
    out = sys.argv[1]
    scale = 1
    if '--scale' in sys.argv:
        scale = int(sys.argv[sys.argv.index('--scale') + 1])
    rnd = random.Random(20261118)
    cap = Cap()
    eth = lambda: Ether(src=MAC_C, dst=MAC_S)
    vlan20 = lambda: Ether(src=MAC_C, dst=MAC_S) / Dot1Q(vlan=20)

    when = random.Random(7)
    for rep in range(scale):
        # municipal office: DNS, TLS, HTTP, NTP - 20 visits a round by people
        # who come when they like (one visit each, every round, would make
        # each of them a 2 s beacon)
        round_start, round_end = cap.t, cap.t
        for i in range(20):
            cap.t = round_start + when.uniform(0, 2.0)
            k = when.randrange(20)
            c = '10.10.%d.%d' % (1 + k % 4, 10 + k)
            qid = rnd.randrange(65536)
            sport = 30000 + rnd.randrange(20000)
            name = ['portal.city.example', 'tickets.city.example', 'www.google.com',
                    'updates.city.example'][i % 4]
            cap.add(eth() / IP(src=c, dst='10.10.0.53') / UDP(sport=sport, dport=53) /
                    DNS(id=qid, rd=1, qd=DNSQR(qname=name)), 0.05)
            cap.add(eth() / IP(src='10.10.0.53', dst=c) / UDP(sport=53, dport=sport) /
                    DNS(id=qid, qr=1, ra=1, qd=DNSQR(qname=name),
                        an=DNSRR(rrname=name, ttl=300, rdata='192.0.2.%d' % (10 + i % 4))), 0.002)
            tcp_session(cap, eth, c, '192.0.2.10', 40000 + i + 100 * rep, 443,
                        [(tls_client_hello('portal.city.example'), tls_server_hello()),
                         (bytes([0x17, 3, 3, 0, 32]) + bytes(32), bytes([0x17, 3, 3, 0, 64]) + bytes(64))])
            tcp_session(cap, eth, c, '192.0.2.20', 42000 + i + 100 * rep, 80,
                        [(http_get('tickets.city.example', '/api/v1/status?id=%d' % i,
                                   'CityKiosk/2.1 (Linux)'), HTTP_OK)])
            round_end = max(round_end, cap.t)
        cap.t = round_end
        for i in range(4):
            c = '10.10.1.%d' % (100 + i)
            # NTP built by hand: scapy's NTP stamps the current time
            req = bytes([0x23]) + bytes(39) + struct.pack('!II', 3972000000 + i, 0)
            rsp = bytes([0x24, 2, 6, 0xe9]) + bytes(36) + struct.pack('!II', 3972000000 + i, 1)
            cap.add(eth() / IP(src=c, dst='10.10.0.123') / UDP(sport=123, dport=123) /
                    Raw(req), 0.01)
            cap.add(eth() / IP(src='10.10.0.123', dst=c) / UDP(sport=123, dport=123) /
                    Raw(rsp), 0.001)

        # IoT: streetlights on VLAN 20 (MQTT), parking sensors (CoAP, IPv6)
        for i in range(10):
            c = '10.20.0.%d' % (10 + i)
            tcp_session(cap, vlan20, c, '10.20.0.1', 50000 + i + 100 * rep, 1883,
                        [(mqtt_connect('streetlight-%03d' % i), b'\x20\x02\x00\x00'),
                         (mqtt_publish('city/lights/%03d/state' % i, b'{"lum":%d}' % (40 + i)), None)])
        for i in range(10):
            c = '2001:db8:30::%x' % (0x10 + i)
            mid = rnd.randrange(65536)
            cap.add(eth() / IPv6(src=c, dst='2001:db8:30::1') / UDP(sport=5683, dport=5683) /
                    Raw(coap_get(mid, 'parking/bay%d' % i)), 0.02)
            cap.add(eth() / IPv6(src='2001:db8:30::1', dst=c) / UDP(sport=5683, dport=5683) /
                    Raw(bytes([0x60, 0x45]) + struct.pack('!H', mid) + b'\xff{"free":1}'), 0.003)

        # SCADA: Modbus/TCP reads to the pump station PLC
        for i in range(3):
            tcp_session(cap, eth, '10.40.0.10', '10.40.0.2', 51000 + i + 100 * rep, 502,
                        [(modbus_read(t), modbus_resp(t)) for t in range(1, 6)])

        # 5G N3: GTP-U between gNB and UPF, UE traffic inside
        def gtp(p, up):
            inner = p[IP] if IP in p else p
            if up:
                return (Ether(src=MAC_C, dst=MAC_S) / IP(src='172.16.0.1', dst='172.16.0.2') / UDP(sport=2152, dport=2152) /
                        GTP_U_Header(teid=0x1001, next_ex=0x85) / GTPPDUSessionContainer(type=1, QFI=9) / inner)
            return (Ether(src=MAC_S, dst=MAC_C) / IP(src='172.16.0.2', dst='172.16.0.1') / UDP(sport=2152, dport=2152) /
                    GTP_U_Header(teid=0x2002, next_ex=0x85) / GTPPDUSessionContainer(type=0, QFI=9) / inner)
        ue = '10.45.0.7'
        cap.add(gtp(IP(src=ue, dst='10.10.0.53') / UDP(sport=34567, dport=53) /
                    DNS(id=77, rd=1, qd=DNSQR(qname='traffic.city.example')), 1), 0.05)
        cap.add(gtp(IP(src='10.10.0.53', dst=ue) / UDP(sport=53, dport=34567) /
                    DNS(id=77, qr=1, qd=DNSQR(qname='traffic.city.example'),
                        an=DNSRR(rrname='traffic.city.example', rdata='192.0.2.30')), 0), 0.01)
        tcp_session(cap, eth, ue, '192.0.2.30', 45000 + rep, 80,
                    [(http_get('traffic.city.example', '/cams/12.jpg', 'UE-Browser/1.0'), HTTP_OK)],
                    wrap=gtp)

        # decoder anomalies
        bad = eth() / IP(src='10.10.9.9', dst='10.10.0.1', len=1400) / UDP(sport=9999, dport=9) / (b'x' * 20)
        cap.add(bad, 0.1)
        trunc = eth() / IP(src='10.10.9.8', dst='10.10.0.1', proto=6) / (b'\x00' * 10)
        cap.add(trunc, 0.01)

    cap.pkts.sort(key=lambda p: p.time)  # stable: each flow keeps its order
    wrpcap(out, cap.pkts)
    print('%s: %d packets' % (out, len(cap.pkts)))


if __name__ == '__main__':
    main()
