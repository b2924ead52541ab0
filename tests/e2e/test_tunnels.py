"""Tunnels opened as Suricata and Zeek open them: Teredo (with and without
origin indication; DNS on 3544 left alone), VXLAN-GPE, ERSPAN types I and
II, and PPTP's enhanced GRE, whose key (the peer's call id) differs in each
direction and must not split the conversation. The inner flows vigia
reports, with their `tunnel` object, are the innermost 5-tuples tshark
decodes from the same capture."""
import json
import shutil
import struct

import pytest

from conftest import pcap_header, pcap_record, run

scapy = pytest.importorskip('scapy.all')
Ether, IP, IPv6, TCP, UDP, ICMPv6EchoRequest, Raw, GRE = (
    scapy.Ether, scapy.IP, scapy.IPv6, scapy.TCP, scapy.UDP, scapy.ICMPv6EchoRequest,
    scapy.Raw, scapy.GRE)

O1, O2 = '198.51.100.1', '198.51.100.2'


def outer_udp(sport, dport, payload, a=O1, b=O2):
    return bytes(Ether() / IP(src=a, dst=b) / UDP(sport=sport, dport=dport) / Raw(payload))


def outer_gre(gre_hdr, payload, a=O1, b=O2):
    return bytes(Ether() / IP(src=a, dst=b, proto=47) / Raw(gre_hdr + payload))


def inner_tcp(i, back=False):
    c, s = ('10.9.0.2', 40100), ('10.9.0.1', 80)
    if back:
        c, s = s, c
    return IP(src=c[0], dst=s[0]) / TCP(sport=c[1], dport=s[1], flags='PA', seq=i) / Raw(b'x' * 10)


def frames(kind):
    if kind == 'teredo':
        v6 = bytes(IPv6(src='2001:0:4137:9e50::1', dst='2001:db8::68') / ICMPv6EchoRequest(id=1))
        back = bytes(IPv6(src='2001:db8::68', dst='2001:0:4137:9e50::1') / UDP(sport=53, dport=5000) /
                     Raw(b'\x00' * 12))
        origin = b'\x00\x00' + b'\x0c\x38' + b'\xc0\x00\x02\x01'  # origin indication
        dns = bytes(Raw(b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01'))
        return [outer_udp(3797, 3544, v6), outer_udp(3544, 3797, origin + back, O2, O1),
                outer_udp(3544, 3544, dns)]  # not IPv6: the UDP flow itself
    if kind == 'vxlan-gpe':
        hdr = bytes([0x0c, 0, 0, 1]) + struct.pack('>I', 77 << 8)  # I, P; next: IPv4
        return [outer_udp(50000, 4790, hdr + bytes(inner_tcp(k, k % 2))) for k in range(4)]
    if kind == 'erspan':
        out = []
        for k in range(4):
            eth = bytes(Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / inner_tcp(k, k % 2))
            if k < 2:  # type I: GRE without sequence number, no ERSPAN header
                out.append(outer_gre(b'\x00\x00\x88\xbe', eth))
            else:      # type II: sequence number, 8-byte ERSPAN header
                out.append(outer_gre(b'\x10\x00\x88\xbe' + struct.pack('>I', k),
                                     struct.pack('>II', 0x10010064, 0) + eth))
        return out
    if kind == 'pptp':
        out = []
        for k in range(4):
            back = k % 2
            call = 0x4000 if back else 0x0101  # each side's peer call id
            ppp = b'\xff\x03\x00\x21' + bytes(inner_tcp(k, back))
            hdr = struct.pack('>HHHHI', 0x3001, 0x880b, len(ppp), call, k)  # K, S, version 1
            out.append(outer_gre(hdr, ppp, *((O2, O1) if back else (O1, O2))))
        return out
    raise ValueError(kind)


def capture(path, kind):
    with open(path, 'wb') as f:
        f.write(pcap_header(1))
        for k, fr in enumerate(frames(kind)):
            f.write(pcap_record(fr, ts=1700000000 + k))
    return path


def key(a, b, sp, dp, proto):
    ends = sorted([(a, int(sp)), (b, int(dp))])
    return (ends[0], ends[1], int(proto))


def vigia_flows(vigia, cap, tmp_path):
    out = str(tmp_path / 'eve.json')
    p = run([vigia, 'replay', '-q', '-o', out, cap])
    assert p.returncode == 0, p.stderr
    return [json.loads(l) for l in open(out) if '"event_type":"flow"' in l]


def tshark_inner(cap):
    """Innermost 5-tuple of every packet (tshark lists each layer's field,
    outermost first)."""
    p = run(['tshark', '-r', cap, '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=l',
             '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'ip.dst', '-e', 'ipv6.dst',
             '-e', 'ip.proto', '-e', 'ipv6.nxt', '-e', 'tcp.srcport', '-e', 'udp.srcport',
             '-e', 'tcp.dstport', '-e', 'udp.dstport'])
    assert p.returncode == 0, p.stderr
    got = set()
    for line in p.stdout.decode().splitlines():
        f = line.split('|')
        v6 = bool(f[1])
        src, dst = (f[1], f[3]) if v6 else (f[0], f[2])
        proto = int(f[5] if v6 else f[4])
        # the innermost layer's ports (an outer UDP's are not an ICMP's)
        sp, dp = {6: (f[6], f[8]), 17: (f[7], f[9])}.get(proto, (0, 0))
        got.add(key(src, dst, sp or 0, dp or 0, proto))
    return got


PROTOS = {'TCP': 6, 'UDP': 17, 'ICMP': 1, 'IPv6-ICMP': 58}


@pytest.mark.skipif(not shutil.which('tshark'), reason='tshark not installed')
@pytest.mark.parametrize('kind,tun,flows', [('teredo', 'teredo', 3), ('vxlan-gpe', 'vxlan-gpe', 1),
                                            ('erspan', 'gre', 1), ('pptp', 'gre', 1)])
def test_inner_flows_match_tshark(vigia, tmp_path, kind, tun, flows):
    cap = capture(str(tmp_path / (kind + '.pcap')), kind)
    evs = vigia_flows(vigia, cap, tmp_path)
    mine = {key(e['src_ip'], e['dest_ip'], e.get('src_port', 0), e.get('dest_port', 0),
                PROTOS[e['proto']]) for e in evs}
    assert mine == tshark_inner(cap)
    assert len(evs) == flows  # both directions one flow, PPTP's two call ids too
    tunnelled = [e for e in evs if 'tunnel' in e]
    assert tunnelled and all(e['tunnel']['type'] == tun for e in tunnelled)
    assert all(e['tunnel']['outer_src'] in (O1, O2) for e in tunnelled)
    if kind == 'teredo':
        assert len(tunnelled) == 2  # ICMPv6 echo, UDP after an origin indication
        assert all('vni' not in e['tunnel'] and 'key' not in e['tunnel'] for e in tunnelled)
    if kind == 'vxlan-gpe':
        assert tunnelled[0]['tunnel']['vni'] == 77
        assert tunnelled[0]['flow']['pkts_toserver'] == 2 == tunnelled[0]['flow']['pkts_toclient']
    if kind == 'pptp':
        t = tunnelled[0]['tunnel']
        assert {t['key'], t['key_toclient']} == {0x0101, 0x4000}
        assert tunnelled[0]['flow']['pkts_toserver'] == 2 == tunnelled[0]['flow']['pkts_toclient']
