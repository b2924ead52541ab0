#!/usr/bin/python3
"""Water SCADA for the ICS tests: Modbus/TCP and DNP3 between an engineering
station (the master, 10.30.0.5) and a PLC (10.30.1.10:502) and an
outstation (10.30.1.20:20000). Deterministic.

    gen_ics.py OUTDIR      writes OUTDIR/<case>.pcap

  benign        the master reads holding registers every second, writes a
                set point now and then; DNP3 class 0 polls
  rogue_write   another host (10.30.0.66) writes a holding register
  rogue_operate another host sends a DNP3 DIRECT_OPERATE
  exc_flood     another host reads 40 register ranges the PLC does not
                have in one second: 40 exception responses
  new_function  the master writes multiple registers (function 16), which
                it never did while the PLC was learnt
  master_operate the master sends a DNP3 DIRECT_OPERATE (allowed: a master;
                new for the outstation)
  rogue_dnp3_write  another host sends a DNP3 WRITE (time and date)
  rogue_restart another host sends a DNP3 COLD_RESTART
  dnp3_exc_flood another host asks the outstation 40 times in a second for
                an object it does not have: 40 responses with IIN2 'object
                unknown'
"""
import os
import struct
import sys

from scapy.all import IP, TCP, Ether, Raw, wrpcap

T0 = 1796000000.0
MASTER, ROGUE, PLC, RTU = '10.30.0.5', '10.30.0.66', '10.30.1.10', '10.30.1.20'


def dnp3_crc(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return struct.pack('<H', ~crc & 0xffff)


def dnp3_frame(ctrl, dst, src, user):
    hdr = b'\x05\x64' + bytes([5 + len(user), ctrl]) + struct.pack('<HH', dst, src)
    out = hdr + dnp3_crc(hdr)
    for i in range(0, len(user), 16):
        blk = user[i:i + 16]
        out += blk + dnp3_crc(blk)
    return out


class Cap:
    def __init__(self):
        self.pk = []
        self.sp = 41000
        self.seq = {}

    def add(self, t, p):
        p = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / p
        p.time = t
        self.pk.append(p)

    def conn(self, t, cli, srv, port):
        """A TCP connection: returns a function sending (t, to_server, bytes)."""
        self.sp += 1
        sp, st = self.sp, {'c': 1000, 's': 9000}
        self.add(t, IP(src=cli, dst=srv) / TCP(sport=sp, dport=port, flags='S', seq=999))
        self.add(t + 0.001, IP(src=srv, dst=cli) / TCP(sport=port, dport=sp, flags='SA',
                                                       seq=8999, ack=1000))
        self.add(t + 0.002, IP(src=cli, dst=srv) / TCP(sport=sp, dport=port, flags='A',
                                                       seq=1000, ack=9000))

        def send(ts, up, data):
            if up:
                self.add(ts, IP(src=cli, dst=srv) / TCP(sport=sp, dport=port, flags='PA',
                                                        seq=st['c'], ack=st['s']) / Raw(data))
                st['c'] += len(data)
            else:
                self.add(ts, IP(src=srv, dst=cli) / TCP(sport=port, dport=sp, flags='PA',
                                                        seq=st['s'], ack=st['c']) / Raw(data))
                st['s'] += len(data)
        return send

    def write(self, path):
        self.pk.sort(key=lambda p: p.time)
        wrpcap(path, self.pk)


def mb(tid, unit, pdu):
    return struct.pack('>HHHB', tid, 0, len(pdu) + 1, unit) + pdu


def benign(c, secs=60):
    send = c.conn(T0, MASTER, PLC, 502)
    for i in range(secs):
        t = T0 + 1 + i
        send(t, True, mb(i, 1, struct.pack('>BHH', 3, 100, 10)))
        send(t + 0.005, False, mb(i, 1, bytes([3, 20]) + bytes(20)))
        if i % 15 == 0:
            send(t + 0.5, True, mb(1000 + i, 1, struct.pack('>BHH', 6, 200, 42)))
            send(t + 0.505, False, mb(1000 + i, 1, struct.pack('>BHH', 6, 200, 42)))
    dnp = c.conn(T0 + 0.5, MASTER, RTU, 20000)
    for i in range(secs // 5):
        t = T0 + 1.2 + i * 5
        req = bytes([0xC0 | (i & 63), 0xC0 | (i & 15), 1]) + bytes([60, 1, 6])  # READ class 0
        dnp(t, True, dnp3_frame(0xC4, 10, 1, req))
        rsp = bytes([0xC0 | (i & 63), 0xC0 | (i & 15), 129, 0x00, 0x00])
        dnp(t + 0.01, False, dnp3_frame(0x44, 1, 10, rsp))


def rogue_write(c):
    send = c.conn(T0 + 30, ROGUE, PLC, 502)
    send(T0 + 30.1, True, mb(7, 1, struct.pack('>BHH', 6, 300, 9999)))
    send(T0 + 30.105, False, mb(7, 1, struct.pack('>BHH', 6, 300, 9999)))


def rogue_operate(c):
    dnp = c.conn(T0 + 30, ROGUE, RTU, 20000)
    crob = bytes([12, 1, 0x28, 1, 0, 0, 0, 0x03, 1]) + struct.pack('<II', 100, 100) + b'\x00'
    req = bytes([0xC0, 0xC0, 5]) + crob   # DIRECT_OPERATE
    dnp(T0 + 30.1, True, dnp3_frame(0xC4, 10, 3, req))


def exc_flood(c):
    send = c.conn(T0 + 30, ROGUE, PLC, 502)
    for i in range(40):
        t = T0 + 30.1 + i * 0.02
        send(t, True, mb(500 + i, 1, struct.pack('>BHH', 3, 40000 + i * 10, 10)))
        send(t + 0.002, False, mb(500 + i, 1, bytes([0x83, 2])))   # illegal data address


def new_function(c):
    send = c.conn(T0 + 70, MASTER, PLC, 502)
    send(T0 + 70.1, True, mb(9, 1, struct.pack('>BHHB', 16, 200, 2, 4) + struct.pack('>HH', 1, 2)))
    send(T0 + 70.105, False, mb(9, 1, struct.pack('>BHH', 16, 200, 2)))


def dnp3_req(c, t, src, fc, objs=b''):
    dnp = c.conn(t, src, RTU, 20000)
    dnp(t + 0.1, True, dnp3_frame(0xC4, 10, 3, bytes([0xC0, 0xC0, fc]) + objs))
    return dnp


def master_operate(c):
    crob = bytes([12, 1, 0x28, 1, 0, 0, 0, 0x03, 1]) + struct.pack('<II', 100, 100) + b'\x00'
    dnp3_req(c, T0 + 30, MASTER, 5, crob)


def rogue_dnp3_write(c):
    # group 50 var 1 (time and date), one object: 6-byte milliseconds
    dnp3_req(c, T0 + 30, ROGUE, 2, bytes([50, 1, 0x07, 1]) + struct.pack('<Q', 0)[:6])


def rogue_restart(c):
    dnp3_req(c, T0 + 30, ROGUE, 13)


def dnp3_exc_flood(c):
    dnp = c.conn(T0 + 30, ROGUE, RTU, 20000)
    for i in range(40):
        t = T0 + 30.1 + i * 0.02
        req = bytes([0xC0 | (i & 63), 0xC0 | (i & 15), 1]) + bytes([120, 99, 6])  # READ g120v99
        dnp(t, True, dnp3_frame(0xC4, 10, 3, req))
        rsp = bytes([0xC0 | (i & 63), 0xC0 | (i & 15), 129, 0x00, 0x02])  # IIN2: object unknown
        dnp(t + 0.005, False, dnp3_frame(0x44, 3, 10, rsp))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, fn in (('benign', None), ('rogue_write', rogue_write),
                     ('rogue_operate', rogue_operate), ('exc_flood', exc_flood),
                     ('new_function', new_function), ('master_operate', master_operate),
                     ('rogue_dnp3_write', rogue_dnp3_write), ('rogue_restart', rogue_restart),
                     ('dnp3_exc_flood', dnp3_exc_flood)):
        c = Cap()
        benign(c)
        if fn:
            fn(c)
        c.write(os.path.join(out, name + '.pcap'))


if __name__ == '__main__':
    main()
