"""Link types edge servers write besides Ethernet - PPP, PPP in HDLC
framing, Cisco HDLC, Solaris ipnet, Linux NFLOG - replay into the same
pipeline: the flows vigia reports are the 5-tuples tshark decodes from the
same capture, and 802.11 radiotap stays refused with its clear message."""
import json
import os
import shutil
import struct

import pytest

from conftest import pcap_header, pcap_record, run

scapy = pytest.importorskip('scapy.all')
IP, IPv6, TCP, UDP, ICMP, Raw = (scapy.IP, scapy.IPv6, scapy.TCP, scapy.UDP, scapy.ICMP,
                                 scapy.Raw)


def packets():
    """A TCP exchange, DNS over UDP, ICMP echo, and IPv6 UDP: (ip bytes, v6)."""
    out = []
    c, s = '10.20.0.5', '192.0.2.80'
    for i, (fl, d) in enumerate([('S', c), ('SA', s), ('A', c), ('PA', c), ('FA', s)]):
        src, dst = (c, s) if d == c else (s, c)
        sp, dp = (40001, 80) if d == c else (80, 40001)
        pl = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n' if fl == 'PA' else b''
        out.append((bytes(IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags=fl, seq=100 + i) /
                          Raw(pl)), False))
    out.append((bytes(IP(src=c, dst='192.0.2.53') / UDP(sport=5353, dport=53) /
                      Raw(b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x00\x00\x01\x00\x01')),
                False))
    out.append((bytes(IP(src=c, dst='192.0.2.1') / ICMP(type=8, id=7, seq=1)), False))
    out.append((bytes(IPv6(src='2001:db8::5', dst='2001:db8::1') / UDP(sport=40002, dport=5683) /
                      Raw(b'\x40\x01\x00\x01')), True))
    return out


def frame(link, ip, v6, k):
    if link == 9:  # PPP: with and without address/control, compressed protocol
        proto = b'\x00\x57' if v6 else b'\x00\x21'
        return [b'\xff\x03' + proto, proto, proto[1:]][k % 3] + ip
    if link == 50:  # PPP in HDLC framing; the odd frame is Cisco HDLC
        if k % 2:
            return b'\x0f\x00' + (b'\x86\xdd' if v6 else b'\x08\x00') + ip
        return b'\xff\x03' + (b'\x00\x57' if v6 else b'\x00\x21') + ip
    if link == 104:  # Cisco HDLC
        return (b'\x8f' if k % 2 else b'\x0f') + b'\x00' + (b'\x86\xdd' if v6 else b'\x08\x00') + ip
    if link == 226:  # ipnet: version 2, family, htype, length, ifindex, grifindex, zones
        return struct.pack('>BBHIIIII', 2, 26 if v6 else 2, 0, len(ip), 2, 0, 0, 0) + ip
    if link == 239:  # NFLOG: family, version, group; a prefix TLV, then the payload
        prefix = b'vigia\x00'
        tlv = struct.pack('<HH', 4 + len(prefix), 10) + prefix + b'\x00' * (-len(prefix) % 4)
        tlv += struct.pack('<HH', 4 + len(ip), 9) + ip + b'\x00' * (-len(ip) % 4)
        return struct.pack('>BBH', 10 if v6 else 2, 0, 5) + tlv
    raise ValueError(link)


def capture(path, link):
    with open(path, 'wb') as f:
        f.write(pcap_header(link))
        for k, (ip, v6) in enumerate(packets()):
            f.write(pcap_record(frame(link, ip, v6, k), ts=1700000000 + k))
    return path


def key(a, b, sp, dp, proto):
    ends = sorted([(a, sp), (b, dp)])
    return (ends[0], ends[1], proto)


def vigia_tuples(vigia, cap, tmp_path):
    out = str(tmp_path / 'eve.json')
    p = run([vigia, 'replay', '-q', '-o', out, cap])
    assert p.returncode == 0, p.stderr
    flows = [json.loads(l) for l in open(out) if '"event_type":"flow"' in l]
    protos = {'TCP': 6, 'UDP': 17, 'ICMP': 1, 'IPv6-ICMP': 58}
    return {key(e['src_ip'], e['dest_ip'], e.get('src_port', 0), e.get('dest_port', 0),
                protos[e['proto']]) for e in flows}


def tshark_tuples(cap):
    p = run(['tshark', '-r', cap, '-T', 'fields', '-E', 'separator=,', '-e', 'ip.src',
             '-e', 'ipv6.src', '-e', 'ip.dst', '-e', 'ipv6.dst', '-e', 'ip.proto',
             '-e', 'ipv6.nxt', '-e', 'tcp.srcport', '-e', 'udp.srcport', '-e', 'tcp.dstport',
             '-e', 'udp.dstport'])
    assert p.returncode == 0, p.stderr
    got = set()
    for line in p.stdout.decode().splitlines():
        f = line.split(',')
        src, dst = f[0] or f[1], f[2] or f[3]
        proto = int(f[4] or f[5])
        sp = int(f[6] or f[7] or 0)
        dp = int(f[8] or f[9] or 0)
        got.add(key(src, dst, sp, dp, proto))
    return got


@pytest.mark.skipif(not shutil.which('tshark'), reason='tshark not installed')
@pytest.mark.parametrize('link', [9, 50, 104, 226, 239],
                         ids=['ppp', 'ppp-hdlc', 'c-hdlc', 'ipnet', 'nflog'])
def test_link_type_flows_match_tshark(vigia, tmp_path, link):
    cap = capture(str(tmp_path / ('l%d.pcap' % link)), link)
    mine = vigia_tuples(vigia, cap, tmp_path)
    theirs = tshark_tuples(cap)
    assert len(theirs) == 4  # the TCP flow, DNS, ICMP echo, IPv6 UDP
    assert mine == theirs


def test_radiotap_still_refused(vigia, tmp_path):
    cap = str(tmp_path / 'wifi.pcap')
    with open(cap, 'wb') as f:
        f.write(pcap_header(127))
        f.write(pcap_record(b'\x00\x00\x08\x00\x00\x00\x00\x00' + b'\x80\x00' + b'\x00' * 22))
    p = run([vigia, 'replay', '-q', '-o', os.devnull, cap])
    assert p.returncode == 1
    assert b'unsupported link type 127' in p.stderr
