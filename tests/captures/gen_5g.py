#!/usr/bin/python3
"""A small N3/N4 capture: PFCP sessions set up, used, modified and deleted,
with the GTP-U traffic of their UEs. Deterministic.

    gen_5g.py OUT.pcap
    gen_5g.py --dual-stack OUT.pcap

Session A: UE 10.45.1.5, DNN iot.city, uplink TEID 0x1001,
           later downlink TEID 0x5001 (modification), then deleted.
Session B: UE 10.45.1.6, DNN internet, uplink TEID 0x1002.

--dual-stack: session C, an IPv4v6 UE (10.45.2.7 and 2001:db8:45:7::/64),
subscriber IMSI 214070000000007 / MSISDN 34600111333 (PFCP User ID), with
two uplink PDRs (TEIDs 0x3001, 0x3002) and downlink TEID 0x7001; an
IPv4 flow on one PDR, an IPv6 one on the other (the UE's address inside its
/64), then one uplink packet from a /64 that is not the UE's."""
import sys

from scapy.all import IP, TCP, UDP, Ether, IPv6, Raw, wrpcap
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
from scapy.contrib.pfcp import (PFCP, IE_CreateFAR, IE_CreatePDR, IE_FSEID, IE_FTEID,
                                IE_ForwardingParameters, IE_NetworkInstance,
                                IE_OuterHeaderCreation, IE_PDI, IE_QFI, IE_SourceInterface,
                                IE_UE_IP_Address, IE_UpdateFAR, IE_UpdateForwardingParameters,
                                IE_UserId,
                                PFCPSessionDeletionRequest, PFCPSessionEstablishmentRequest,
                                PFCPSessionEstablishmentResponse,
                                PFCPSessionModificationRequest)

T0 = 1795700000.0
SMF, UPF, GNB, UPF_N3 = '10.200.0.1', '10.200.0.2', '10.201.0.1', '10.201.0.2'
pk = []


def add(t, p):
    p = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / p
    p.time = t
    pk.append(p)


def n4(t, src, dst, msg, seid=None, seq=1):
    h = PFCP(S=1 if seid is not None else 0, seid=seid or 0, seq=seq)
    add(t, IP(src=src, dst=dst) / UDP(sport=8805, dport=8805) / h / msg)


def est(t, cp, up, ue, dnn, teid, qfi, seq):
    pdi = IE_PDI(IE_list=[IE_SourceInterface(interface=0),
                          IE_FTEID(V4=1, TEID=teid, ipv4=UPF_N3),
                          IE_NetworkInstance(instance=dnn),
                          IE_UE_IP_Address(V4=1, ipv4=ue),
                          IE_QFI(QFI=qfi)])
    req = PFCPSessionEstablishmentRequest(IE_list=[
        IE_FSEID(v4=1, seid=cp, ipv4=SMF),
        IE_CreatePDR(IE_list=[pdi]),
        IE_CreateFAR(IE_list=[IE_ForwardingParameters(IE_list=[])])])
    n4(t, SMF, UPF, req, seid=0, seq=seq)
    n4(t + 0.001, UPF, SMF, PFCPSessionEstablishmentResponse(IE_list=[
        IE_FSEID(v4=1, seid=up, ipv4=UPF)]), seid=cp, seq=seq)


def gtp(t, teid, src, dst, sport, dport, payload, up=True, qfi=None):
    outer = IP(src=GNB, dst=UPF_N3) if up else IP(src=UPF_N3, dst=GNB)
    g = GTP_U_Header(teid=teid)
    if qfi is not None:  # PDU session container (uplink), with its QFI
        g = GTP_U_Header(teid=teid, E=1, next_ex=0x85) / GTPPDUSessionContainer(type=1, QFI=qfi)
    add(t, outer / UDP(sport=2152, dport=2152) / g /
        IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags='PA') / Raw(payload))


def tcp(t, teid, src, dst, sport, dport, flags, seq, ack, payload=b'', up=True, teid_dl=None):
    outer = IP(src=GNB, dst=UPF_N3) if up else IP(src=UPF_N3, dst=GNB)
    add(t, outer / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid_dl or teid) /
        IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack) /
        Raw(payload))


def tbcd(digits):
    """TS 29.274 8.3 (as PFCP's User ID codes IMSI and MSISDN)."""
    d = digits + ('f' if len(digits) % 2 else '')
    return bytes(int(d[i + 1], 16) << 4 | int(d[i], 16) for i in range(0, len(d), 2))


def dual_stack(out):
    cp, up = 0x7111, 0x7222
    pdis = [IE_PDI(IE_list=[IE_SourceInterface(interface=0),
                            IE_FTEID(V4=1, TEID=teid, ipv4=UPF_N3),
                            IE_NetworkInstance(instance=b'internet'),
                            IE_UE_IP_Address(V4=1, V6=1, ipv4='10.45.2.7',
                                             ipv6='2001:db8:45:7::'),
                            IE_QFI(QFI=5)]) for teid in (0x3001, 0x3002)]
    req = PFCPSessionEstablishmentRequest(IE_list=[
        IE_FSEID(v4=1, seid=cp, ipv4=SMF),
        IE_UserId(IMSIF=1, imsi=tbcd('214070000000007'), MSISDNF=1, msisdn=tbcd('34600111333')),
        IE_CreatePDR(IE_list=[pdis[0]]), IE_CreatePDR(IE_list=[pdis[1]]),
        IE_CreateFAR(IE_list=[IE_ForwardingParameters(IE_list=[
            IE_OuterHeaderCreation(GTPUUDPIPV4=1, TEID=0x7001, ipv4=GNB)])])])
    n4(T0, SMF, UPF, req, seid=0, seq=1)
    n4(T0 + 0.001, UPF, SMF, PFCPSessionEstablishmentResponse(IE_list=[
        IE_FSEID(v4=1, seid=up, ipv4=UPF)]), seid=cp, seq=1)

    def g(t, teid, inner, up=True):
        outer = IP(src=GNB, dst=UPF_N3) if up else IP(src=UPF_N3, dst=GNB)
        add(t, outer / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid) / inner)
    ue6, web6 = '2001:db8:45:7:a:b:c:d', '2001:db8:99::80'
    for i in range(3):
        t = T0 + 1 + i * 0.1
        g(t, 0x3001, IP(src='10.45.2.7', dst='93.184.216.34') /
          TCP(sport=42000, dport=80, flags='PA') / Raw(b'GET / HTTP/1.1\r\nHost: a\r\n\r\n'))
        g(t + 0.01, 0x3002, IPv6(src=ue6, dst=web6) /
          TCP(sport=42001, dport=443, flags='PA') / Raw(b'\x16\x03\x01'))
        g(t + 0.02, 0x7001, IPv6(src=web6, dst=ue6) /
          TCP(sport=443, dport=42001, flags='PA') / Raw(b'\x16\x03\x03'), up=False)
    # a source outside the UE's /64 on its IPv6 PDR: spoofed
    g(T0 + 2, 0x3002, IPv6(src='2001:db8:45:8::1', dst=web6) /
      TCP(sport=42002, dport=443, flags='S'))
    wrpcap(out, pk)


def main():
    if sys.argv[1] == '--dual-stack':
        dual_stack(sys.argv[2])
        return
    est(T0, 0x1111, 0x2222, '10.45.1.5', b'iot.city', 0x1001, 9, 1)
    est(T0 + 0.01, 0x3333, 0x4444, '10.45.1.6', b'internet', 0x1002, 5, 2)
    mqtt = b'\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04lamp'
    http = b'GET / HTTP/1.1\r\nHost: www.city.example\r\n\r\n'
    for i in range(5):
        gtp(T0 + 1 + i * 0.1, 0x1001, '10.45.1.5', '10.99.0.1', 40000, 1883, mqtt)
        gtp(T0 + 1.05 + i * 0.1, 0x1002, '10.45.1.6', '93.184.216.34', 40001, 80, http)
    # the session's own QFI: fine
    gtp(T0 + 1.6, 0x1001, '10.45.1.5', '10.99.0.1', 41004, 1883, mqtt, qfi=9)
    # attacks: a spoofed source on A's uplink TEID, B's UE to the SMF, a QFI
    # A was not granted, a TEID nobody owns
    gtp(T0 + 1.5, 0x1001, '10.45.9.9', '93.184.216.34', 41000, 443, b'\x16\x03\x01')
    gtp(T0 + 1.51, 0x1002, '10.45.1.6', '10.200.0.1', 41001, 22, b'SSH-2.0-x\r\n')
    gtp(T0 + 1.52, 0x1001, '10.45.1.5', '10.99.0.1', 41002, 1883, mqtt, qfi=7)
    gtp(T0 + 1.53, 0x9999, '10.45.7.7', '10.99.0.1', 41003, 1883, mqtt)
    # session B: a timed handshake (60 ms from SYN to the client's ACK) and
    # one segment sent twice
    web = '198.51.100.80'
    tcp(T0 + 1.70, 0x1002, '10.45.1.6', web, 40050, 443, 'S', 1000, 0)
    tcp(T0 + 1.73, 0x1002, web, '10.45.1.6', 443, 40050, 'SA', 5000, 1001, up=False,
        teid_dl=0x6002)
    tcp(T0 + 1.76, 0x1002, '10.45.1.6', web, 40050, 443, 'A', 1001, 5001)
    tcp(T0 + 1.77, 0x1002, '10.45.1.6', web, 40050, 443, 'PA', 1001, 5001, b'x' * 100)
    tcp(T0 + 1.80, 0x1002, '10.45.1.6', web, 40050, 443, 'PA', 1001, 5001, b'x' * 100)
    tcp(T0 + 1.81, 0x1002, web, '10.45.1.6', 443, 40050, 'PA', 5001, 1101, b'y' * 300, up=False,
        teid_dl=0x6002)
    # handover: the gNB's downlink TEID becomes 0x5001
    n4(T0 + 2, SMF, UPF, PFCPSessionModificationRequest(IE_list=[
        IE_UpdateFAR(IE_list=[IE_UpdateForwardingParameters(IE_list=[
            IE_OuterHeaderCreation(GTPUUDPIPV4=1, TEID=0x5001, ipv4=GNB)])])]),
       seid=0x2222, seq=3)
    # a flow the server side starts, downlink, on the new TEID
    gtp(T0 + 2.5, 0x5001, '10.99.0.1', '10.45.1.5', 1883, 40100, b'\x30\x05\x00\x01ab', up=False)
    n4(T0 + 3, SMF, UPF, PFCPSessionDeletionRequest(), seid=0x2222, seq=4)
    # the old TEID again after deletion: no session any more
    gtp(T0 + 4, 0x1001, '10.45.1.5', '10.99.0.1', 40200, 1883, mqtt)
    if sys.argv[1] == '--c-header':
        # the N4 payloads, for the parser's unit tests
        print('/* generated by tests/captures/gen_5g.py --c-header: the PFCP messages of')
        print(' * the 5G test capture (UDP payloads), in order */')
        print('#include <stdint.h>')
        n = 0
        for p in pk:
            if p.haslayer(UDP) and p[UDP].dport == 8805:
                b = bytes(p[UDP].payload)
                print('static const uint8_t pfcp_msg%d[] = {' % n)
                for i in range(0, len(b), 12):
                    print('\t' + ' '.join('0x%02x,' % x for x in b[i:i + 12]))
                print('};')
                n += 1
        return
    wrpcap(sys.argv[1], pk)


if __name__ == '__main__':
    main()
