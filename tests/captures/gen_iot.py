#!/usr/bin/python3
"""Street lights for the device-baseline tests: a learning period of
regular traffic, then one capture per deviation. Deterministic.

    gen_iot.py OUTDIR      writes OUTDIR/learn.pcap and OUTDIR/<case>.pcap

Devices 10.20.1.17 and 10.20.1.18 (segment 10.20.1.0/24) each: an MQTT
connection to the broker 10.20.0.1:1883 every 30 s (connect, publish,
disconnect), a DNS query to 10.20.0.3 every 60 s, NTP to 10.20.0.2 every
300 s. learn.pcap: 30 minutes of it. The cases continue the same timeline
for 10 more minutes, both devices regular, and 10.20.1.17 deviates:
  unchanged    nothing odd
  new_peer     MQTT to 203.0.113.50 (a broker it never used)
  telnet       telnet to the broker's address (port 23)
  volume       one MQTT publish ten times its usual size
  periodicity  silent for 5 minutes, then five connections in 2 s
  packets      an MQTT connection of 50 bare ACKs (few bytes, many packets)
"""
import os
import sys

from scapy.all import DNS, DNSQR, DNSRR, IP, TCP, UDP, Ether, Raw, wrpcap

T0 = 1795900000.0
LEARN_S = 1800
CASE_S = 600
BROKER, NTP, DNSSRV = '10.20.0.1', '10.20.0.2', '10.20.0.3'
DEVICES = ['10.20.1.17', '10.20.1.18']


class Cap:
    def __init__(self):
        self.pk = []
        self.port = 30000

    def add(self, t, p):
        p = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / p
        p.time = t
        self.pk.append(p)

    def sport(self):
        self.port += 1
        return self.port

    def tcp_session(self, t, cli, srv, dport, c2s, s2c=b''):
        sp, a, b = self.sport(), 1000, 5000
        self.add(t, IP(src=cli, dst=srv) / TCP(sport=sp, dport=dport, flags='S', seq=a))
        self.add(t + 0.01, IP(src=srv, dst=cli) / TCP(sport=dport, dport=sp, flags='SA',
                                                      seq=b, ack=a + 1))
        self.add(t + 0.02, IP(src=cli, dst=srv) / TCP(sport=sp, dport=dport, flags='A',
                                                      seq=a + 1, ack=b + 1))
        self.add(t + 0.03, IP(src=cli, dst=srv) / TCP(sport=sp, dport=dport, flags='PA',
                                                      seq=a + 1, ack=b + 1) / Raw(c2s))
        a += len(c2s)
        if s2c:
            self.add(t + 0.04, IP(src=srv, dst=cli) / TCP(sport=dport, dport=sp, flags='PA',
                                                          seq=b + 1, ack=a + 1) / Raw(s2c))
            b += len(s2c)
        self.add(t + 0.05, IP(src=cli, dst=srv) / TCP(sport=sp, dport=dport, flags='FA',
                                                      seq=a + 1, ack=b + 1))
        self.add(t + 0.06, IP(src=srv, dst=cli) / TCP(sport=dport, dport=sp, flags='FA',
                                                      seq=b + 1, ack=a + 2))
        self.add(t + 0.07, IP(src=cli, dst=srv) / TCP(sport=sp, dport=dport, flags='A',
                                                      seq=a + 2, ack=b + 2))

    def mqtt(self, t, dev, broker=BROKER, size=24):
        cid = b'lamp-' + dev.split('.')[-1].encode()
        connect = b'\x10' + bytes([12 + len(cid)]) + b'\x00\x04MQTT\x04\x02\x00\x3c' + \
            len(cid).to_bytes(2, 'big') + cid
        topic = b'city/lights/' + dev.split('.')[-1].encode()
        body = b'{"lux":%d}' % 400 + b' ' * size
        pub = b'\x30' + bytes([2 + len(topic) + len(body)]) + len(topic).to_bytes(2, 'big') + \
            topic + body if 2 + len(topic) + len(body) < 128 else \
            b'\x30' + bytes([0x80 | ((2 + len(topic) + len(body)) & 0x7f),
                             (2 + len(topic) + len(body)) >> 7]) + \
            len(topic).to_bytes(2, 'big') + topic + body
        self.tcp_session(t, dev, broker, 1883, connect + pub + b'\xe0\x00', b'\x20\x02\x00\x00')

    def dns(self, t, dev):
        sp = self.sport()
        q = DNS(id=sp & 0xffff, rd=1, qd=DNSQR(qname='broker.city.example'))
        self.add(t, IP(src=dev, dst=DNSSRV) / UDP(sport=sp, dport=53) / q)
        a = DNS(id=sp & 0xffff, qr=1, aa=1, qd=DNSQR(qname='broker.city.example'),
                an=DNSRR(rrname='broker.city.example', rdata=BROKER))
        self.add(t + 0.002, IP(src=DNSSRV, dst=dev) / UDP(sport=53, dport=sp) / a)

    def ntp(self, t, dev):
        sp = self.sport()
        self.add(t, IP(src=dev, dst=NTP) / UDP(sport=sp, dport=123) / Raw(b'\x23' + b'\x00' * 47))
        self.add(t + 0.003, IP(src=NTP, dst=dev) / UDP(sport=123, dport=sp) /
                 Raw(b'\x24\x02' + b'\x00' * 46))

    def chatter(self, t, dev, n=50):
        """An MQTT connection of n bare ACKs: no more bytes than a normal
        one, far more packets."""
        sp = self.sport()
        self.add(t, IP(src=dev, dst=BROKER) / TCP(sport=sp, dport=1883, flags='S', seq=1000))
        self.add(t + 0.01, IP(src=BROKER, dst=dev) / TCP(sport=1883, dport=sp, flags='SA',
                                                         seq=5000, ack=1001))
        for i in range(n):
            self.add(t + 0.02 + i * 0.001, IP(src=dev, dst=BROKER) /
                     TCP(sport=sp, dport=1883, flags='A', seq=1001, ack=5001))

    def regular(self, start, secs, dev, skip=None):
        off = 1.0 + DEVICES.index(dev) * 3.0
        for k in range(int(secs // 30)):
            t = start + off + k * 30
            if skip and skip[0] <= t < skip[1]:
                continue
            self.mqtt(t, dev)
            if k % 2 == 0:
                self.dns(t + 5, dev)
            if k % 10 == 0:
                self.ntp(t + 10, dev)

    def write(self, path):
        self.pk.sort(key=lambda p: p.time)
        wrpcap(path, self.pk)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    c = Cap()
    for d in DEVICES:
        c.regular(T0, LEARN_S, d)
    c.write(os.path.join(out, 'learn.pcap'))
    T1 = T0 + LEARN_S
    dev = DEVICES[0]
    cases = {
        'unchanged': None,
        'new_peer': lambda c: c.mqtt(T1 + 200.5, dev, broker='203.0.113.50'),
        'telnet': lambda c: c.tcp_session(T1 + 200.5, dev, BROKER, 23, b'\xff\xfd\x18root\r\n',
                                          b'\xff\xfb\x01login: '),
        'volume': lambda c: c.mqtt(T1 + 200.5, dev, size=5000),
        'periodicity': lambda c: [c.mqtt(T1 + 400 + i * 0.4, dev) for i in range(5)],
        'packets': lambda c: c.chatter(T1 + 200.5, dev),
    }
    for name, fn in cases.items():
        c = Cap()
        c.port = 40000
        for d in DEVICES:
            skip = (T1 + 90, T1 + 400) if name == 'periodicity' and d == dev else None
            c.regular(T1, CASE_S, d, skip)
        if fn:
            fn(c)
        c.write(os.path.join(out, name + '.pcap'))


if __name__ == '__main__':
    main()
