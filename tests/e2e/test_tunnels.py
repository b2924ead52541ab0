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


SMF, UPF, GNB, UPF_N3 = '10.200.0.1', '10.200.0.2', '10.201.0.1', '10.201.0.2'
TEID_UL, TEID_DL = 0x1111, 0x2222


def n4_establishment():
    """The SMF tells the UPF where uplink arrives (its N3 F-TEID) and where
    downlink goes (outer header creation towards the gNB)."""
    from scapy.contrib.pfcp import (PFCP, IE_CreateFAR, IE_CreatePDR, IE_FSEID, IE_FTEID,
                                    IE_ForwardingParameters, IE_OuterHeaderCreation, IE_PDI,
                                    IE_SourceInterface, IE_UE_IP_Address,
                                    PFCPSessionEstablishmentRequest)
    pdi = IE_PDI(IE_list=[IE_SourceInterface(interface=0),
                          IE_FTEID(V4=1, TEID=TEID_UL, ipv4=UPF_N3),
                          IE_UE_IP_Address(V4=1, ipv4='10.45.0.7')])
    far = IE_CreateFAR(IE_list=[IE_ForwardingParameters(IE_list=[
        IE_OuterHeaderCreation(GTPUUDPIPV4=1, TEID=TEID_DL, ipv4=GNB)])])
    req = PFCPSessionEstablishmentRequest(IE_list=[IE_FSEID(v4=1, seid=7, ipv4=SMF),
                                                   IE_CreatePDR(IE_list=[pdi]), far])
    return bytes(Ether() / IP(src=SMF, dst=UPF) / UDP(sport=8805, dport=8805) /
                 PFCP(S=1, seid=0, seq=1) / req)


def gpdu(teid, inner, up, sport, dport):
    g = struct.pack('>BBHI', 0x30, 0xff, len(inner), teid)
    a, b = (GNB, UPF_N3) if up else (UPF_N3, GNB)
    return bytes(Ether() / IP(src=a, dst=b) / UDP(sport=sport, dport=dport) / Raw(g + inner))


def gtpu_off_port_frames(with_n4):
    c, s = ('10.45.0.7', 40100), ('192.0.2.80', 80)
    out = [n4_establishment()] if with_n4 else []
    for k in range(4):
        up = k % 2 == 0
        a, b = (c, s) if up else (s, c)
        inner = bytes(IP(src=a[0], dst=b[0]) / TCP(sport=a[1], dport=b[1], flags='PA', seq=k) /
                      Raw(b'x' * 10))
        # uplink to the UPF on 3386, downlink to the gNB on 3387, each from
        # an ephemeral port: the tunnel is the address pair
        out.append(gpdu(TEID_UL, inner, True, 50000, 3386) if up else
                   gpdu(TEID_DL, inner, False, 50001, 3387))
    # a G-PDU-shaped datagram for a TEID nobody announced: plain UDP
    out.append(gpdu(0x9999, b'\x45' + b'\x00' * 27, True, 50002, 3386))
    return out


@pytest.mark.skipif(not shutil.which('tshark'), reason='tshark not installed')
@pytest.mark.parametrize('workers', [1, 2])
def test_gtpu_on_ports_n4_announced(vigia, tmp_path, workers):
    cap = str(tmp_path / 'gtpu-ports.pcap')
    with open(cap, 'wb') as f:
        f.write(pcap_header(1))
        for k, fr in enumerate(gtpu_off_port_frames(True)):
            f.write(pcap_record(fr, ts=1700000000 + k))
    out = str(tmp_path / 'eve.json')
    p = run([vigia, 'replay', '-q', '-w', str(workers), '-o', out, cap])
    assert p.returncode == 0, p.stderr
    evs = [json.loads(l) for l in open(out) if '"event_type":"flow"' in l]
    inner = [e for e in evs if 'tunnel' in e]
    assert len(inner) == 1, evs  # both directions, whichever ports: one flow
    t = inner[0]['tunnel']
    assert t['type'] == 'gtp-u' and t['teid'] == TEID_UL and t['teid_toclient'] == TEID_DL
    assert inner[0]['flow']['pkts_toserver'] == 2 == inner[0]['flow']['pkts_toclient']
    assert inner[0]['session']['seid'] == 7
    # what tshark decodes when told those ports carry GTP
    p = run(['tshark', '-r', cap, '-d', 'udp.port==3386,gtp', '-d', 'udp.port==3387,gtp',
             '-Y', 'gtp.teid != 0x9999 && tcp', '-T', 'fields', '-E', 'occurrence=l',
             '-e', 'ip.src', '-e', 'ip.dst', '-e', 'tcp.srcport', '-e', 'tcp.dstport'])
    theirs = {key(*l.split('\t'), 6) for l in p.stdout.decode().splitlines()}
    e = inner[0]
    # the UE's address is a pseudonym in events: compare it by the session's
    ue = e['session']['ue_ip']
    assert ue.startswith('pseudo:') and e['src_ip'] == ue
    assert theirs == {key('10.45.0.7', e['dest_ip'], e['src_port'], e['dest_port'], 6)}
    # the unannounced TEID stays a UDP flow of the outer addresses
    plain = [e for e in evs if 'tunnel' not in e and e['proto'] == 'UDP' and e['dest_port'] == 3386]
    assert len(plain) == 1 and plain[0]['src_port'] == 50002


def test_gtpu_off_port_without_n4_is_udp(vigia, tmp_path):
    cap = str(tmp_path / 'no-n4.pcap')
    with open(cap, 'wb') as f:
        f.write(pcap_header(1))
        for k, fr in enumerate(gtpu_off_port_frames(False)):
            f.write(pcap_record(fr, ts=1700000000 + k))
    evs = vigia_flows(vigia, cap, tmp_path)
    assert not [e for e in evs if 'tunnel' in e]
    assert {(e['src_ip'], e['dest_port']) for e in evs} == {(GNB, 3386), (UPF_N3, 3387)}
