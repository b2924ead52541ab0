#!/usr/bin/python3
"""Regenerate packets.h: the unit tests' packets as C arrays, made with scapy.
Run: /usr/bin/python3 tests/unit/gen_packets.py > tests/unit/packets.h"""
from scapy.all import (Ether, Dot1Q, Dot1AD, IP, IPv6, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrFragment, IPv6ExtHdrRouting, TCP, UDP, ICMP,
                       ICMPv6EchoRequest, ICMPv6PacketTooBig, GRE, SCTP, Raw, CookedLinux, raw)
from scapy.contrib.mpls import MPLS
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
from scapy.layers.vxlan import VXLAN

PAY = b'GET / HTTP/1.1\r\nHost: example.org\r\n\r\n'
PKTS = [
    ('eth_ipv4_tcp', 'Ethernet / IPv4 10.0.0.1:40000 -> 10.0.0.2:80 TCP SYN+payload',
     Ether() / IP(src='10.0.0.1', dst='10.0.0.2') / TCP(sport=40000, dport=80, flags='S') / PAY),
    ('qinq_ipv4_udp', '802.1ad 100 / 802.1Q 200 / IPv4 10.1.1.1:5353 -> 10.1.1.2:53 UDP',
     Ether() / Dot1AD(vlan=100) / Dot1Q(vlan=200) / IP(src='10.1.1.1', dst='10.1.1.2') / UDP(sport=5353, dport=53) / (b'\x00' * 12)),
    ('mpls_ipv4_icmp', 'MPLS label 16 (bottom) / IPv4 192.0.2.1 -> 192.0.2.2 ICMP echo',
     Ether(type=0x8847) / MPLS(label=16, s=1) / IP(src='192.0.2.1', dst='192.0.2.2') / ICMP(type=8) / b'ping'),
    ('ipv4_opts_tcp', 'IPv4 with 4 bytes of options (NOP x3, EOL) / TCP 1.2.3.4:1000 -> 5.6.7.8:443',
     Ether() / IP(src='1.2.3.4', dst='5.6.7.8', options=b'\x01\x01\x01\x00') / TCP(sport=1000, dport=443, flags='PA') / b'x'),
    ('ipv4_frag_first', 'IPv4 first fragment (MF) of UDP 10.9.9.1:1111 -> 10.9.9.2:2222',
     Ether() / IP(src='10.9.9.1', dst='10.9.9.2', flags='MF', id=7) / UDP(sport=1111, dport=2222, len=1000) / (b'a' * 64)),
    ('ipv4_frag_later', 'IPv4 later fragment (offset 72 bytes) of the same datagram',
     Ether() / IP(src='10.9.9.1', dst='10.9.9.2', frag=9, proto=17, id=7) / (b'b' * 64)),
    ('ipv6_ext_tcp', 'IPv6 / hop-by-hop / routing / TCP [2001:db8::1]:5000 -> [2001:db8::2]:22',
     Ether() / IPv6(src='2001:db8::1', dst='2001:db8::2') / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() / TCP(sport=5000, dport=22, flags='A') / b'SSH-2.0-x\r\n'),
    ('ipv6_frag_udp', 'IPv6 / fragment header (first, M) / UDP [2001:db8::a]:53000 -> [2001:db8::b]:53',
     Ether() / IPv6(src='2001:db8::a', dst='2001:db8::b') / IPv6ExtHdrFragment(m=1, offset=0, id=1) / UDP(sport=53000, dport=53) / (b'q' * 16)),
    ('gtpu_qfi_udp', 'IPv4 gNB 172.16.0.1 -> UPF 172.16.0.2 UDP 2152 / GTP-U TEID 0x1234 + PDU session container QFI 9 / IPv4 10.45.0.7:40001 -> 8.8.8.8:53 UDP',
     Ether() / IP(src='172.16.0.1', dst='172.16.0.2') / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x1234, next_ex=0x85) / GTPPDUSessionContainer(type=1, QFI=9) / IP(src='10.45.0.7', dst='8.8.8.8') / UDP(sport=40001, dport=53) / (b'\x12\x34' + b'\x00' * 10)),
    ('vxlan_tcp', 'IPv4 UDP 4789 / VXLAN VNI 5000 / Ethernet / IPv4 192.168.5.1:1234 -> 192.168.5.2:502 TCP',
     Ether() / IP(src='10.0.0.10', dst='10.0.0.20') / UDP(sport=33333, dport=4789) / VXLAN(vni=5000) / Ether() / IP(src='192.168.5.1', dst='192.168.5.2') / TCP(sport=1234, dport=502, flags='S')),
    ('gre_ipv4_udp', 'IPv4 proto 47 / GRE key 42 / IPv4 10.2.2.1:1000 -> 10.2.2.2:2000 UDP',
     Ether() / IP(src='203.0.113.1', dst='203.0.113.2') / GRE(key_present=1, key=42, proto=0x0800) / IP(src='10.2.2.1', dst='10.2.2.2') / UDP(sport=1000, dport=2000) / b'hello'),
    ('sctp', 'IPv4 / SCTP 10.3.3.1:38412 -> 10.3.3.2:38412 (NGAP)',
     Ether() / IP(src='10.3.3.1', dst='10.3.3.2') / SCTP(sport=38412, dport=38412)),
    ('icmpv6_echo', 'IPv6 / ICMPv6 echo request fe80::1 -> fe80::2',
     Ether() / IPv6(src='fe80::1', dst='fe80::2') / ICMPv6EchoRequest() / b'ping'),
    ('sll_ipv4_udp', 'Linux cooked (SLL v1) / IPv4 10.4.4.1:123 -> 10.4.4.2:123 UDP (NTP)',
     CookedLinux(proto=0x0800) / IP(src='10.4.4.1', dst='10.4.4.2') / UDP(sport=123, dport=123) / (b'\x23' + b'\x00' * 47)),
    ('teredo_icmpv6', 'IPv4 UDP 3797 -> 3544 / Teredo origin indication / IPv6 2001:0:4137:9e50::1 -> 2001:db8::68 ICMPv6 echo',
     Ether() / IP(src='192.168.2.16', dst='65.55.158.80') / UDP(sport=3797, dport=3544) / b'\x00\x00\x0c\x38\xc0\x00\x02\x01' / IPv6(src='2001:0:4137:9e50::1', dst='2001:db8::68') / ICMPv6EchoRequest() / b'ping'),
    ('vxlan_gpe_tcp', 'IPv4 UDP 4790 / VXLAN-GPE VNI 77, next protocol IPv4 / IPv4 10.9.0.2:40100 -> 10.9.0.1:80 TCP',
     Ether() / IP(src='198.51.100.1', dst='198.51.100.2') / UDP(sport=50000, dport=4790) / b'\x0c\x00\x00\x01\x00\x00\x4d\x00' / IP(src='10.9.0.2', dst='10.9.0.1') / TCP(sport=40100, dport=80, flags='S')),
    ('erspan1_tcp', 'IPv4 proto 47 / GRE 0x88be without sequence (ERSPAN type I) / Ethernet / IPv4 10.9.0.2:40100 -> 10.9.0.1:80 TCP',
     Ether() / IP(src='198.51.100.1', dst='198.51.100.2', proto=47) / b'\x00\x00\x88\xbe' / Ether() / IP(src='10.9.0.2', dst='10.9.0.1') / TCP(sport=40100, dport=80, flags='S')),
    ('pptp_tcp', 'IPv4 proto 47 / enhanced GRE (PPTP) call id 0x0101, sequence / PPP / IPv4 10.9.0.2:40100 -> 10.9.0.1:80 TCP',
     Ether() / IP(src='198.51.100.1', dst='198.51.100.2', proto=47) / b'\x30\x01\x88\x0b\x00\x2c\x01\x01\x00\x00\x00\x01' / b'\xff\x03\x00\x21' / IP(src='10.9.0.2', dst='10.9.0.1') / TCP(sport=40100, dport=80, flags='S')),
    ('icmp_unreach_udp', 'IPv4 192.0.2.254 -> 10.0.0.1 ICMP port unreachable quoting UDP 10.0.0.1:5000 -> 10.0.0.2:53',
     Ether() / IP(src='192.0.2.254', dst='10.0.0.1') / ICMP(type=3, code=3) / IP(src='10.0.0.1', dst='10.0.0.2') / UDP(sport=5000, dport=53) / (b'\x00' * 12)),
    ('icmpv6_too_big_tcp', 'IPv6 2001:db8::fe -> 2001:db8::1 ICMPv6 packet too big quoting TCP [2001:db8::1]:40000 -> [2001:db8::2]:443',
     Ether() / IPv6(src='2001:db8::fe', dst='2001:db8::1') / ICMPv6PacketTooBig(mtu=1280) / IPv6(src='2001:db8::1', dst='2001:db8::2') / TCP(sport=40000, dport=443, flags='A')),
    ('raw_ipv6_udp', 'raw IP (no link header) / IPv6 [2001:db8::5]:5683 -> [2001:db8::6]:5683 UDP (CoAP)',
     IPv6(src='2001:db8::5', dst='2001:db8::6') / UDP(sport=5683, dport=5683) / b'\x40\x01\x00\x01'),
]

print('/* Generated by tests/unit/gen_packets.py (scapy): do not edit. */')
print('#ifndef VIGIA_TEST_PACKETS_H\n#define VIGIA_TEST_PACKETS_H\n#include <stdint.h>\n')
for name, desc, p in PKTS:
    b = raw(p)
    print('/* %s */' % desc)
    print('static const uint8_t pkt_%s[%d] = {' % (name, len(b)))
    for i in range(0, len(b), 12):
        print('\t' + ', '.join('0x%02x' % x for x in b[i:i + 12]) + ',')
    print('};\n')
print('#endif')
