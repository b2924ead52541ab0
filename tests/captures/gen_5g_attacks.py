#!/usr/bin/python3
"""One capture per 5G user-plane / N4 attack, each over the same benign
N3/N4 background (two PDU sessions, their traffic, GTP-U echo keep-alives,
a deletion by the session's own SMF). Deterministic.

    gen_5g_attacks.py OUTDIR        writes OUTDIR/<scenario>.pcap

Scenarios (the signature each must raise, and nothing else):
  benign          -                 the background alone
  ue_spoof        100601            session A's uplink TEID carries another
                                    inner source
  ue_to_core      100602            session B's UE opens SSH to the SMF (run
                                    with core_networks: the N4 subnet)
  qfi_not_granted 100603            session A's uplink marked QFI 7 (granted 9)
  unknown_teid    100604            G-PDUs on a TEID no session owns
  gtp_in_gtp      100605            a UE's uplink carries GTP-U to the UPF
  pfcp_in_gtp     100606            a UE's uplink carries a PFCP deletion
  gtpc_in_gtp     100606            a UE's uplink carries GTPv2-C to a SGW
  echo_flood      100607            300 echo requests to the UPF in 1 s
  errind_flood    100608            spoofed error indications to the gNB
  malformed_gtp   100609            GTP-U length beyond the packet, broken
                                    extension header chain
  gtp_bad_ext     100609            the broken extension chain alone
  pfcp_est_flood  100610            1000 establishment requests in 1 s
  pfcp_est_unanswered 100610        the same, never answered by the UPF
  pfcp_del_flood  100611            1000 deletion requests in 1 s
  pfcp_del_peer   100612            session A deleted by a host that is
                                    not its SMF
  gtp_fragments   -                 session A's large uplink packets cross
                                    N3 as outer IPv4 fragments (MTU 576, in
                                    order, reversed, one duplicated), with a
                                    fragmented non-GTP UDP datagram beside"""
import os
import sys

from scapy.all import IP, TCP, UDP, Ether, Raw, fragment, wrpcap
from scapy.contrib.gtp import (GTP_U_Header, GTPEchoRequest, GTPEchoResponse,
                               GTPPDUSessionContainer)
from scapy.contrib.gtp_v2 import GTPHeader as GTPv2Header, GTPV2CreateSessionRequest
from scapy.contrib.pfcp import (PFCP, IE_CreateFAR, IE_CreatePDR, IE_FSEID, IE_FTEID,
                                IE_ForwardingParameters, IE_NetworkInstance, IE_PDI, IE_QFI,
                                IE_SourceInterface, IE_UE_IP_Address,
                                PFCPSessionDeletionRequest, PFCPSessionDeletionResponse,
                                PFCPSessionEstablishmentRequest,
                                PFCPSessionEstablishmentResponse)

T0 = 1795800000.0
SMF, UPF, GNB, UPF_N3 = '10.200.0.1', '10.200.0.2', '10.201.0.1', '10.201.0.2'
ROGUE_CP, ROGUE_GNB = '10.200.9.9', '10.201.9.9'
UE_A, UE_B = '10.45.1.5', '10.45.1.6'


class Cap:
    def __init__(self):
        self.pk = []

    def add(self, t, p):
        p = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / p
        p.time = t
        self.pk.append(p)

    def n4(self, t, src, dst, msg, seid=None, seq=1):
        h = PFCP(S=1 if seid is not None else 0, seid=seid or 0, seq=seq)
        self.add(t, IP(src=src, dst=dst) / UDP(sport=8805, dport=8805) / h / msg)

    def est(self, t, cp, up, ue, dnn, teid, seq, smf=SMF):
        pdi = IE_PDI(IE_list=[IE_SourceInterface(interface=0),
                              IE_FTEID(V4=1, TEID=teid, ipv4=UPF_N3),
                              IE_NetworkInstance(instance=dnn),
                              IE_UE_IP_Address(V4=1, ipv4=ue), IE_QFI(QFI=9)])
        req = PFCPSessionEstablishmentRequest(IE_list=[
            IE_FSEID(v4=1, seid=cp, ipv4=smf), IE_CreatePDR(IE_list=[pdi]),
            IE_CreateFAR(IE_list=[IE_ForwardingParameters(IE_list=[])])])
        self.n4(t, smf, UPF, req, seid=0, seq=seq)
        self.n4(t + 0.001, UPF, smf, PFCPSessionEstablishmentResponse(IE_list=[
            IE_FSEID(v4=1, seid=up, ipv4=UPF)]), seid=cp, seq=seq)

    def gtp(self, t, teid, inner, up=True):
        outer = IP(src=GNB, dst=UPF_N3) if up else IP(src=UPF_N3, dst=GNB)
        self.add(t, outer / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid) / inner)

    def write(self, path):
        self.pk.sort(key=lambda p: p.time)
        wrpcap(path, self.pk)


def background(c):
    c.est(T0, 0x1111, 0x2222, UE_A, b'iot.city', 0x1001, 1)
    c.est(T0 + 0.01, 0x3333, 0x4444, UE_B, b'internet', 0x1002, 2)
    mqtt = b'\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04lamp'
    http = b'GET / HTTP/1.1\r\nHost: www.city.example\r\n\r\n'
    for i in range(20):
        c.gtp(T0 + 1 + i * 0.5, 0x1001, IP(src=UE_A, dst='10.99.0.1') /
              TCP(sport=40000, dport=1883, flags='PA') / Raw(mqtt))
        c.gtp(T0 + 1.05 + i * 0.5, 0x1002, IP(src=UE_B, dst='93.184.216.34') /
              TCP(sport=40001, dport=80, flags='PA') / Raw(http))
    # path keep-alives both ways, every 2 s
    for i in range(6):
        t = T0 + 0.5 + i * 2
        c.add(t, IP(src=GNB, dst=UPF_N3) / UDP(sport=2152, dport=2152) /
              GTP_U_Header(gtp_type=1, S=1, seq=i) / GTPEchoRequest())
        c.add(t + 0.001, IP(src=UPF_N3, dst=GNB) / UDP(sport=2152, dport=2152) /
              GTP_U_Header(gtp_type=2, S=1, seq=i) / GTPEchoResponse())
    # session B ends the ordinary way: its own SMF deletes it
    c.n4(T0 + 12, SMF, UPF, PFCPSessionDeletionRequest(), seid=0x4444, seq=3)
    c.n4(T0 + 12.001, UPF, SMF, PFCPSessionDeletionResponse(), seid=0x3333, seq=3)


def gtp_in_gtp(c):
    inner = (IP(src=UE_A, dst=UPF_N3) / UDP(sport=2152, dport=2152) /
             GTP_U_Header(teid=0x1002) / IP(src=UE_B, dst='10.200.0.1') /
             TCP(sport=5555, dport=22, flags='S'))
    c.gtp(T0 + 5.2, 0x1001, inner)


def ue_spoof(c):
    c.gtp(T0 + 5.2, 0x1001, IP(src='10.45.9.9', dst='93.184.216.34') /
          TCP(sport=41000, dport=443, flags='S'))


def ue_to_core(c):
    c.gtp(T0 + 5.2, 0x1002, IP(src=UE_B, dst=SMF) / TCP(sport=41001, dport=22, flags='S'))


def qfi_not_granted(c):
    c.add(T0 + 5.2, IP(src=GNB, dst=UPF_N3) / UDP(sport=2152, dport=2152) /
          GTP_U_Header(teid=0x1001, E=1, next_ex=0x85) / GTPPDUSessionContainer(type=1, QFI=7) /
          IP(src=UE_A, dst='10.99.0.1') / TCP(sport=41002, dport=8883, flags='S'))


def unknown_teid(c):
    for i in range(3):
        c.gtp(T0 + 5.2 + i * 0.01, 0x9999, IP(src='10.45.7.7', dst='10.99.0.1') /
              TCP(sport=41003, dport=1883, flags='S'))


def gtpc_in_gtp(c):
    inner = (IP(src=UE_A, dst='10.200.0.3') / UDP(sport=2123, dport=2123) /
             GTPv2Header(gtp_type=32, T=1, teid=0, seq=5) / GTPV2CreateSessionRequest())
    c.gtp(T0 + 5.2, 0x1001, inner)


def gtp_bad_ext(c):
    raw = bytes(GTP_U_Header(gtp_type=255, teid=0x1001, E=1, next_ex=0x85, length=8)) + b'\x09\x01\x09\x00'
    c.add(T0 + 5.3, IP(src=ROGUE_GNB, dst=UPF_N3) / UDP(sport=2152, dport=2152) / Raw(raw))


def pfcp_in_gtp(c):
    inner = (IP(src=UE_A, dst=UPF) / UDP(sport=8805, dport=8805) /
             PFCP(S=1, seid=0x4444, seq=77) / PFCPSessionDeletionRequest())
    c.gtp(T0 + 5.2, 0x1001, inner)


def echo_flood(c):
    for i in range(300):
        c.add(T0 + 5 + i * 0.003, IP(src=ROGUE_GNB, dst=UPF_N3) /
              UDP(sport=2152, dport=2152) / GTP_U_Header(gtp_type=1, S=1, seq=i) /
              GTPEchoRequest())


def errind_flood(c):
    # error indications "from the UPF" about random TEIDs: the gNB tears
    # down bearers; sources vary (spoofed)
    for i in range(120):
        c.add(T0 + 5 + i * 0.005, IP(src='10.201.%d.%d' % (i // 200, 2 + i % 200), dst=GNB) /
              UDP(sport=2152 + i, dport=2152) / GTP_U_Header(gtp_type=26) /
              Raw(b'\x10' + (0x7000 + i).to_bytes(4, 'big') + b'\x85\x00\x04\x0a\xc9\x00\x02'))


def malformed_gtp(c):
    # the header says 400 bytes follow; 40 do
    g = GTP_U_Header(teid=0x1001, length=400) / IP(src=UE_A, dst='10.99.0.1') / \
        UDP(sport=41000, dport=53)
    c.add(T0 + 5.2, IP(src=ROGUE_GNB, dst=UPF_N3) / UDP(sport=2152, dport=2152) / g)
    # an extension header whose length runs past the packet
    raw = bytes(GTP_U_Header(gtp_type=255, teid=0x1001, E=1, next_ex=0x85, length=8)) + b'\x09\x01\x09\x00'
    c.add(T0 + 5.3, IP(src=ROGUE_GNB, dst=UPF_N3) / UDP(sport=2152, dport=2152) / Raw(raw))


def pfcp_est_flood(c):
    for i in range(1000):
        c.est(T0 + 5 + i * 0.0009, 0x900000 + i, 0xa00000 + i, '10.46.%d.%d' % (i // 250, i % 250 + 1),
              b'internet', 0x20000 + i, 100 + i, smf=ROGUE_CP)


def pfcp_est_unanswered(c):
    # the same flood, which the UPF never answers (it is overwhelmed)
    for i in range(1000):
        pdi = IE_PDI(IE_list=[IE_SourceInterface(interface=0),
                              IE_FTEID(V4=1, TEID=0x30000 + i, ipv4=UPF_N3),
                              IE_UE_IP_Address(V4=1, ipv4='10.47.%d.%d' % (i // 250, i % 250 + 1))])
        req = PFCPSessionEstablishmentRequest(IE_list=[
            IE_FSEID(v4=1, seid=0xc00000 + i, ipv4=ROGUE_CP), IE_CreatePDR(IE_list=[pdi]),
            IE_CreateFAR(IE_list=[IE_ForwardingParameters(IE_list=[])])])
        c.n4(T0 + 5 + i * 0.0009, ROGUE_CP, UPF, req, seid=0, seq=3000 + i)


def pfcp_del_flood(c):
    for i in range(1000):
        c.n4(T0 + 5 + i * 0.0009, ROGUE_CP, UPF, PFCPSessionDeletionRequest(),
             seid=0xb00000 + i, seq=200 + i)


def pfcp_del_peer(c):
    c.n4(T0 + 5.2, ROGUE_CP, UPF, PFCPSessionDeletionRequest(), seid=0x2222, seq=99)


def gtp_fragments(c):
    for i in range(4):
        inner = (IP(src=UE_A, dst='10.99.0.2') /
                 TCP(sport=42000, dport=8883, flags='PA', seq=1 + i * 1300) / Raw(b'%c' % (65 + i) * 1300))
        outer = (IP(src=GNB, dst=UPF_N3, id=0x4000 + i) / UDP(sport=2152, dport=2152) /
                 GTP_U_Header(teid=0x1001) / inner)
        frs = fragment(outer, fragsize=552)
        if i == 1:
            frs = frs[::-1]
        if i == 2:
            frs = frs[:1] + frs[:1] + frs[1:]
        for k, f in enumerate(frs):
            c.add(T0 + 5 + i * 0.1 + k * 0.001, f)
    # a big syslog datagram, fragmented: not GTP-U, goes on as it came
    big = IP(src='10.200.0.50', dst='10.200.0.60', id=0x777) / UDP(sport=5140, dport=514) / \
        Raw(b'<13>' + b'x' * 1800)
    for k, f in enumerate(fragment(big, fragsize=800)):
        c.add(T0 + 6 + k * 0.001, f)


SCENARIOS = {
    'benign': None, 'ue_spoof': ue_spoof, 'ue_to_core': ue_to_core,
    'qfi_not_granted': qfi_not_granted, 'unknown_teid': unknown_teid,
    'gtpc_in_gtp': gtpc_in_gtp, 'gtp_bad_ext': gtp_bad_ext,
    'gtp_in_gtp': gtp_in_gtp, 'pfcp_in_gtp': pfcp_in_gtp,
    'echo_flood': echo_flood, 'errind_flood': errind_flood,
    'malformed_gtp': malformed_gtp, 'pfcp_est_flood': pfcp_est_flood,
    'pfcp_del_flood': pfcp_del_flood, 'pfcp_del_peer': pfcp_del_peer,
    'pfcp_est_unanswered': pfcp_est_unanswered,
    'gtp_fragments': gtp_fragments,
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, fn in SCENARIOS.items():
        c = Cap()
        background(c)
        if fn:
            fn(c)
        c.write(os.path.join(out, name + '.pcap'))


if __name__ == '__main__':
    main()
