#!/usr/bin/python3
"""A 4G (no CUPS) capture: S11 GTPv2-C sets up, moves and deletes a session
(the messages of tests/unit/gen_gtpc.py), with its S1-U GTP-U traffic.
Deterministic.

    gen_s11.py OUT.pcap

Session: IMSI 001010123456789, APN internet.city, UE 10.60.0.7 (PAA),
uplink TEID 0xb001 (SGW), downlink TEID 0xa001 then 0xa002 (eNB, after
Modify Bearer); MME S11 TEID 0xc001, SGW S11 TEID 0xd001."""
import os
import sys

from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap
from scapy.contrib.gtp import GTP_U_Header

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'unit'))
from gen_gtpc import ENB, MME, SGW, messages  # noqa: E402

T0 = 1795900000.0
UE, WEB = '10.60.0.7', '198.51.100.80'


def main():
    msgs = [m for _, m in messages()]
    cs_req, cs_resp, mb_req, mb_resp, ds_req, ds_resp = msgs[:6]
    pk = []

    def add(t, p):
        p = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / p
        p.time = t
        pk.append(p)

    def s11(t, up, m):
        src, dst = (MME, SGW) if up else (SGW, MME)
        add(t, IP(src=src, dst=dst) / UDP(sport=2123, dport=2123) / Raw(m))

    def s1u(t, teid, up, inner):
        outer = IP(src=ENB, dst=SGW) if up else IP(src=SGW, dst=ENB)
        add(t, outer / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid) / inner)

    s11(T0, True, cs_req)
    s11(T0 + 0.01, False, cs_resp)
    http = b'GET / HTTP/1.1\r\nHost: www.city.example\r\n\r\n'
    for i in range(3):
        s1u(T0 + 1 + i * 0.1, 0xb001, True, IP(src=UE, dst=WEB) /
            TCP(sport=40000, dport=80, flags='PA', seq=1 + i * len(http)) / Raw(http))
    s11(T0 + 2, True, mb_req)          # handover: downlink now to 0xa002
    s11(T0 + 2.01, False, mb_resp)
    s1u(T0 + 2.5, 0xa002, False, IP(src=WEB, dst=UE) /
        TCP(sport=80, dport=40000, flags='PA', seq=1, ack=1 + 3 * len(http)) / Raw(b'HTTP/1.1 200 OK\r\n\r\n'))
    s11(T0 + 3, True, ds_req)
    s11(T0 + 3.01, False, ds_resp)
    wrpcap(sys.argv[1], pk)


if __name__ == '__main__':
    main()
