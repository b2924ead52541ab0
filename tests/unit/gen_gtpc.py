#!/usr/bin/python3
"""GTPv2-C messages (S11, MME <-> SGW) for the parser's unit tests, written
as a C header. Deterministic.

    gen_gtpc.py [OUT.h]        (stdout without OUT.h)

One PDN connection: IMSI 001010123456789, MSISDN 34600111222, APN
internet.city, UE 10.60.0.7, default bearer EBI 5 (QCI 9) with S1-U TEIDs
eNB 0xa001 (later 0xa002) / SGW 0xb001; then a dual-stack one whose response
carries a piggybacked Create Bearer Request (dedicated bearer EBI 6, QCI 1),
and an IPv6-only one.

scapy 2.5's GTPv2 classes inherit GTPv1's length rules: an IE's length
comes out two too long (its own length field and the spare/instance octet
counted) and the header's four too short (the first eight octets left out,
as in GTPv1, where TS 29.274 leaves out four). So the IE classes only encode
the values here, ie() writes each type-length-instance header, and msg()
sets the header's length itself."""
import struct
import sys
import textwrap

from scapy.all import raw
from scapy.contrib.gtp_v2 import (GTPHeader, IE_APN, IE_Bearer_QoS, IE_Cause,
                                  IE_EPSBearerID, IE_FTEID, IE_IMSI, IE_MEI,
                                  IE_MSISDN, IE_PAA, IE_RAT, IE_RecoveryRestart,
                                  IE_ServingNetwork)

MME, SGW, PGW, ENB = '192.0.2.1', '198.51.100.1', '203.0.113.5', '192.0.2.10'


def ie(t, value, instance=0):
    """One IE: type, length of the value, spare/instance, the value."""
    return struct.pack('!BHB', t, len(value), instance) + value


def enc(obj, instance=0):
    """A scapy IE's value, with a correct header."""
    b = raw(obj)
    return ie(b[0], b[4:], instance)


def fteid(iface, teid, ipv4=None, ipv6=None, instance=0):
    f = IE_FTEID(InterfaceType=iface, GRE_Key=teid,
                 ipv4_present=int(ipv4 is not None), ipv6_present=int(ipv6 is not None))
    if ipv4 is not None:
        f.ipv4 = ipv4
    if ipv6 is not None:
        f.ipv6 = int.from_bytes(ipv6, 'big')
    return enc(f, instance)


def bearer(*ies, instance=0):
    return ie(93, b''.join(ies), instance)


def qos(qci):
    return enc(IE_Bearer_QoS(PriorityLevel=9, QCI=qci))


def msg(gtp_type, ies, seq, teid=None, piggy=b''):
    h = GTPHeader(version=2, P=int(bool(piggy)), T=int(teid is not None), MP=0,
                  gtp_type=gtp_type, seq=seq, teid=teid or 0)
    b = raw(h / b''.join(ies))
    return b[:2] + struct.pack('!H', len(b) - 4) + b[4:] + piggy


def messages():
    v6 = bytes.fromhex('20010db8006000000000000000000007')
    v6only = bytes.fromhex('20010db8006100000000000000000000')
    cbr = msg(95, [enc(IE_EPSBearerID(EBI=5)),  # linked: the default bearer
                   bearer(enc(IE_EPSBearerID(EBI=0)), fteid(1, 0xb002, SGW), qos(1))],
              seq=0x800010, teid=0xc002)
    return [
        ('Create Session Request, MME to SGW: IMSI, MSISDN, MEI, serving network '
         '(skipped), RAT EUTRAN, sender F-TEID S11 MME 0xc001, PGW S5/S8 F-TEID '
         '(instance 1), APN internet.city, PAA 0.0.0.0 (dynamic), bearer context '
         'EBI 5 S1-U eNB 0xa001 192.0.2.10 QCI 9',
         msg(32, [enc(IE_IMSI(IMSI='001010123456789')),
                  enc(IE_MSISDN(digits='34600111222')),
                  enc(IE_MEI(MEI='3569380356438091')),
                  enc(IE_ServingNetwork(MCC='001', MNC='01')),
                  enc(IE_RAT(RAT_type=6)),
                  fteid(10, 0xc001, MME),
                  fteid(7, 0, PGW, instance=1),
                  enc(IE_APN(APN='internet.city')),
                  enc(IE_PAA(PDN_type=1, ipv4='0.0.0.0')),
                  bearer(enc(IE_EPSBearerID(EBI=5)), fteid(0, 0xa001, ENB), qos(9))],
             seq=1, teid=0)),
        ('Create Session Response, SGW to MME: cause 16 accepted, sender F-TEID '
         'S11 SGW 0xd001, PAA 10.60.0.7, bearer context EBI 5 cause 16 S1-U SGW '
         '0xb001 198.51.100.1, S5/S8-U PGW 0xe001 203.0.113.5 (instance 2)',
         msg(33, [enc(IE_Cause(Cause=16)),
                  fteid(11, 0xd001, SGW),
                  enc(IE_PAA(PDN_type=1, ipv4='10.60.0.7')),
                  bearer(enc(IE_EPSBearerID(EBI=5)), enc(IE_Cause(Cause=16)),
                         fteid(1, 0xb001, SGW), fteid(5, 0xe001, PGW, instance=2))],
             seq=1, teid=0xc001)),
        ('Modify Bearer Request, MME to SGW: bearer context EBI 5, S1-U eNB '
         '0xa002 192.0.2.11 (handover)',
         msg(34, [bearer(enc(IE_EPSBearerID(EBI=5)), fteid(0, 0xa002, '192.0.2.11'))],
             seq=2, teid=0xd001)),
        ('Modify Bearer Response, SGW to MME: cause 16, bearer context EBI 5 '
         'cause 16 S1-U SGW 0xb001',
         msg(35, [enc(IE_Cause(Cause=16)),
                  bearer(enc(IE_EPSBearerID(EBI=5)), enc(IE_Cause(Cause=16)),
                         fteid(1, 0xb001, SGW))],
             seq=2, teid=0xc001)),
        ('Delete Session Request, MME to SGW: linked EBI 5',
         msg(36, [enc(IE_EPSBearerID(EBI=5))], seq=3, teid=0xd001)),
        ('Delete Session Response, SGW to MME: cause 16',
         msg(37, [enc(IE_Cause(Cause=16))], seq=3, teid=0xc001)),
        ('Echo Request: no TEID, recovery 7',
         msg(1, [enc(IE_RecoveryRestart(restart_counter=7))], seq=4)),
        ('Create Session Response, dual stack: cause 16, sender F-TEID S11 SGW '
         '0xd002 with IPv4 and IPv6, PAA IPv4v6 /64 2001:db8:60::7 10.60.0.8, '
         'bearer context EBI 5; piggybacked (P) Create Bearer Request: linked '
         'EBI 5, bearer context EBI 0 (to assign) S1-U SGW 0xb002 QCI 1',
         msg(33, [enc(IE_Cause(Cause=16)),
                  fteid(11, 0xd002, SGW, bytes.fromhex('20010db8000000000000000000000001')),
                  enc(IE_PAA(PDN_type=3, ipv6_prefix_length=64,
                             ipv6=int.from_bytes(v6, 'big'), ipv4='10.60.0.8')),
                  bearer(enc(IE_EPSBearerID(EBI=5)), enc(IE_Cause(Cause=16)))],
             seq=5, teid=0xc002, piggy=cbr)),
        ('Create Session Response, IPv6 only: cause 16, PAA IPv6 /64 '
         '2001:db8:61::',
         msg(33, [enc(IE_Cause(Cause=16)),
                  enc(IE_PAA(PDN_type=2, ipv6_prefix_length=64,
                             ipv6=int.from_bytes(v6only, 'big')))],
             seq=6, teid=0xc003)),
    ]


def main():
    out = open(sys.argv[1], 'w') if len(sys.argv) > 1 else sys.stdout
    w = out.write
    # no braces in the comments: tests/fuzz/seeds.py finds the arrays by them
    w('/* generated by tests/unit/gen_gtpc.py: GTPv2-C messages (UDP payloads)\n'
      ' * of S11 sessions, for the parser\'s unit tests and fuzz seeds */\n')
    w('#include <stdint.h>\n')
    for n, (what, b) in enumerate(messages()):
        w('/* ' + '\n * '.join(textwrap.wrap(what, 72)) + ' */\n')
        w('static const uint8_t gtpc_msg%d[] = {\n' % n)
        for i in range(0, len(b), 12):
            w('\t' + ' '.join('0x%02x,' % x for x in b[i:i + 12]) + '\n')
        w('};\n')


if __name__ == '__main__':
    main()
