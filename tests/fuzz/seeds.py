#!/usr/bin/python3
"""Seed corpora for the fuzzers from the demo capture and unit packets."""
import os
import struct
import sys

pcap, outdir = sys.argv[1], sys.argv[2]
data = open(pcap, 'rb').read()
off, n = 24, 0
frames = []
while off + 16 <= len(data) and n < 400:
    caplen = struct.unpack_from('<I', data, off + 8)[0]
    frames.append(data[off + 16:off + 16 + caplen])
    off += 16 + caplen
    n += 1
for sub in ('decode', 'pipeline', 'json', 'policy', 'dns', 'pfcp', 'gtpc', 'reasm', 'gtpu', 'config', 'mqtt', 'coap',
            'modbus', 'dnp3', 'pcapng', 'state', 'spool'):
    os.makedirs(os.path.join(outdir, sub), exist_ok=True)
for i, f in enumerate(frames[::4]):
    open(os.path.join(outdir, 'decode', 's%03d' % i), 'wb').write(b'\x00\x00' + f)
# the other link types (fuzz_decode's table: 8 PPP, 9 PPP/HDLC, 10 Cisco
# HDLC, 11 ipnet, 12 NFLOG) around the demo's IPv4 packets
for i, f in enumerate(frames[1::16]):
    if len(f) <= 34 or f[12:14] != b'\x08\x00':
        continue
    ip = f[14:]
    wrapped = {
        8: b'\xff\x03\x00\x21' + ip,
        9: (b'\x0f\x00\x08\x00' if i % 2 else b'\xff\x03\x00\x21') + ip,
        10: b'\x0f\x00\x08\x00' + ip,
        11: struct.pack('>BBHIIIII', 2, 2, 0, len(ip), 2, 0, 0, 0) + ip,
        12: struct.pack('>BBH', 2, 0, 5) + struct.pack('<HH', 8, 10) + b'log\x00' +
            struct.pack('<HH', 4 + len(ip), 9) + ip,
    }
    for sel, body in wrapped.items():
        open(os.path.join(outdir, 'decode', 'l%02d-%03d' % (sel, i)), 'wb').write(
            bytes([sel, 0]) + body)
    open(os.path.join(outdir, 'json', 's%03d' % i), 'wb').write(f[40:120])
# DNS messages: the UDP payloads to or from port 53 (Ethernet + IPv4 frames)
k = 0
for f in frames:
    if len(f) > 42 and f[12:14] == b'\x08\x00' and f[23] == 17:
        ihl = (f[14] & 15) * 4
        sp, dp = struct.unpack_from('>HH', f, 14 + ihl)
        if 53 in (sp, dp):
            open(os.path.join(outdir, 'dns', 's%03d' % k), 'wb').write(f[14 + ihl + 8:])
            k += 1
for i in range(0, len(frames) - 12, 12):
    open(os.path.join(outdir, 'pipeline', 's%03d' % i), 'wb').write(b'VIGIA'.join(frames[i:i + 12]))

# PFCP: the messages of the 5G test capture (its unit-test header)
import re
hdr = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'unit', 'pfcp_msgs.h')
for i, body in enumerate(re.findall(r'\{([^}]*)\}', open(hdr).read())):
    b = bytes(int(x, 16) for x in re.findall(r'0x([0-9a-f]{2})', body))
    open(os.path.join(outdir, 'pfcp', 's%02d' % i), 'wb').write(b)

# GTPv2-C: the S11 messages of the parser's unit tests (tests/unit/gen_gtpc.py)
hdr = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'unit', 'gtpc_msgs.h')
for i, body in enumerate(re.findall(r'\{([^}]*)\}', open(hdr).read())):
    b = bytes(int(x, 16) for x in re.findall(r'0x([0-9a-f]{2})', body))
    open(os.path.join(outdir, 'gtpc', 's%02d' % i), 'wb').write(b)

# the policy fuzzer starts from the shipped example and the test policies
import glob
import shutil
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for i, f in enumerate(sorted(glob.glob(os.path.join(root, 'policies', 'examples', '*.yaml')))):
    shutil.copy(f, os.path.join(outdir, 'policy', 'ex%d.yaml' % i))

# the config fuzzer starts from the shipped sensor configs
for f in sorted(glob.glob(os.path.join(root, 'deploy', '*.yaml'))):
    shutil.copy(f, os.path.join(outdir, 'config', os.path.basename(f)))

# reasm: fragmented GTP-U datagrams as [op:1][length:2][frame] records (see
# fuzz_reasm.c): in order, reversed, repeated, overlapping with other bytes,
# interleaved, in small pieces, not GTP-U, timed out, more than the table holds
def ip_csum(h):
    s = sum(struct.unpack('!%dH' % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return h[:10] + struct.pack('!H', ~s & 0xffff) + h[12:]


def udp_gtpu(ident, port, n):
    inner = ip_csum(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28 + n, ident, 0, 64, 17, 0,
                                bytes([10, 45, 1, 5]), bytes([8, 8, 8, 8])))
    inner += struct.pack('!HHHH', 40000, 443, 8 + n, 0) + bytes((i * 7 + ident) & 255 for i in range(n))
    gtp = struct.pack('!BBHI', 0x30, 0xff, len(inner), 0x1001) + inner
    return struct.pack('!HHHH', port, port, 8 + len(gtp), 0) + gtp


def ip_frags(ident, cuts, port=2152, n=1400, src=1):
    pay = udp_gtpu(ident, port, n)
    eth = bytes.fromhex('0011223344550066778899aa0800')
    ends = [0] + cuts + [len(pay)]
    out = []
    for a, b in zip(ends, ends[1:]):
        fo = 0x4000 | (0x2000 if b < len(pay) else 0) | a // 8
        h = ip_csum(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + b - a, ident, fo, 64, 17, 0,
                                bytes([10, 0, 0, src]), bytes([10, 0, 0, 2])))
        out.append(eth + h + pay[a:b])
    return out


def records(frames, ops=None):
    return b''.join(struct.pack('!BH', ops[i] if ops else 0, len(f)) + f
                    for i, f in enumerate(frames))


a, b = ip_frags(1, [1024]), ip_frags(2, [1024], src=3)
mid = ip_frags(8, [256, 768])[1]  # [256, 768), with other bytes
mid = mid[:34] + bytes(x ^ 0x5a for x in mid[34:])
reasm_seeds = [
    a,
    ip_frags(3, [512, 1024])[::-1],
    [a[0], a[0], a[1]],
    [a[0], b[0], a[1], b[1]],
    ip_frags(4, [1024], port=5000),
    ip_frags(5, list(range(64, 1436, 64))),
    [ip_frags(8, [512])[0], mid, ip_frags(8, [512])[1]],
    [f[0] for f in (ip_frags(10 + i, [1024]) for i in range(6))] +
    [f[1] for f in (ip_frags(10 + i, [1024]) for i in range(6))],
]
for i, fs in enumerate(reasm_seeds):
    open(os.path.join(outdir, 'reasm', 's%02d' % i), 'wb').write(records(fs))
# the first half, a wait past the timeout (with expiry), the second half
open(os.path.join(outdir, 'reasm', 'timeout'), 'wb').write(records(a, [0x10, 0xf4]))

# GTP-U (fuzz_gtpu: byte 0 options, then the UDP payload of port 2152): a
# G-PDU, one with a PDU session container, echo, error indication, end
# marker, GTP inside GTP
def gtpu_hdr(msg, teid, body, flags=0x30, ext=b''):
    return struct.pack('!BBHI', flags, msg, len(ext) + len(body), teid) + ext + body


inner = bytes.fromhex('4500001c00010000401100000a2d010508080808') + bytes.fromhex('9c40003500080000')
gseeds = [gtpu_hdr(0xff, 0x1001, inner),
          gtpu_hdr(0xff, 0x1001, inner, 0x34, bytes.fromhex('00000085') + bytes.fromhex('01100900')),
          gtpu_hdr(1, 0, b'', 0x32, bytes.fromhex('00010000')),
          gtpu_hdr(26, 0, bytes.fromhex('1000007000850004') + bytes([10, 201, 0, 2])),
          gtpu_hdr(254, 0x1001, b''),
          gtpu_hdr(0xff, 0x1001, bytes.fromhex('4500002c00010000401100000a2d01050ac90002') +
                   bytes.fromhex('0868086800180000') + gtpu_hdr(0xff, 0x1002, b'')[:8] + inner[:8])]
for i, g in enumerate(gseeds):
    os.makedirs(os.path.join(outdir, 'gtpu'), exist_ok=True)
    open(os.path.join(outdir, 'gtpu', 's%02d' % i), 'wb').write(bytes([i]) + g)

# MQTT (fuzz_mqtt) and CoAP (fuzz_coap): the TCP/1883 and UDP/5683 payloads
# of the demo's streetlights (IPv4 on VLAN 20) and parking sensors (IPv6).
# They come after the first 400 frames, so every frame is scanned here.
def all_frames():
    o = 24
    while o + 16 <= len(data):
        cl = struct.unpack_from('<I', data, o + 8)[0]
        yield data[o + 16:o + 16 + cl]
        o += 16 + cl


def l4_payload(f):
    """(protocol, source port, destination port, payload) of an Ethernet
    frame (802.1Q tags skipped) carrying IPv4 or IPv6 (no extension
    headers), or None."""
    o = 12
    while len(f) >= o + 2 and f[o:o + 2] in (b'\x81\x00', b'\x88\xa8'):
        o += 4
    if len(f) < o + 2:
        return None
    et, o = f[o:o + 2], o + 2
    if et == b'\x08\x00' and len(f) >= o + 20:
        proto, l4 = f[o + 9], o + (f[o] & 15) * 4
    elif et == b'\x86\xdd' and len(f) >= o + 40:
        proto, l4 = f[o + 6], o + 40
    else:
        return None
    if proto == 17 and len(f) >= l4 + 8:
        return (17,) + struct.unpack_from('>HH', f, l4) + (f[l4 + 8:],)
    if proto == 6 and len(f) >= l4 + 20:
        return (6,) + struct.unpack_from('>HH', f, l4) + (f[l4 + (f[l4 + 12] >> 4) * 4:],)
    return None


iot = {'mqtt': [], 'coap': []}
for f in all_frames():
    x = l4_payload(f)
    if not x or not x[3]:
        continue
    if x[0] == 6 and 1883 in x[1:3] and len(iot['mqtt']) < 40:
        iot['mqtt'].append(x[3])
    elif x[0] == 17 and 5683 in x[1:3] and len(iot['coap']) < 20:
        iot['coap'].append(x[3])


def mqtt_str(s):
    return struct.pack('!H', len(s)) + s


def mqtt_pkt(b0, body):
    rl, n = b'', len(body)
    while True:
        d, n = n & 0x7f, n >> 7
        rl += bytes([d | (0x80 if n else 0)])
        if not n:
            break
    return bytes([b0]) + rl + body


# 5.0 CONNECT with properties, will and credentials; 3.1 (MQIsdp); a
# SUBSCRIBE of three filters and a 5.0 one; UNSUBSCRIBE; QoS 3 PUBLISH
# (suricata-verify's invalid QoS); DUP with QoS 0; acks and pings in one
# segment; five remaining-length bytes; a PUBLISH going on past the segment
iot['mqtt'] += [
    mqtt_pkt(0x10, mqtt_str(b'MQTT') + b'\x05\xc6\x00\x1e\x08\x11\x00\x00\x0e\x10\x21\x00\x0a' +
             mqtt_str(b'sensor-1') + b'\x02\x01\x01' + mqtt_str(b't/will') + mqtt_str(b'bye') +
             mqtt_str(b'dev1') + mqtt_str(b'pw')),
    mqtt_pkt(0x10, mqtt_str(b'MQIsdp') + b'\x03\x02\x00\x3c' + mqtt_str(b'old-client')),
    mqtt_pkt(0x82, b'\x00\x0a' + mqtt_str(b'city/lights/+/state') + b'\x00' +
             mqtt_str(b'city/parking/#') + b'\x01' + mqtt_str(b'city/alarms') + b'\x02'),
    mqtt_pkt(0x82, b'\x00\x0b\x02\x0b\x05' + mqtt_str(b'a/b') + b'\x15'),
    mqtt_pkt(0xa2, b'\x00\x0c\x00' + mqtt_str(b'a/b')),
    mqtt_pkt(0x36, mqtt_str(b'topicX') + b'payload'),
    mqtt_pkt(0x38, mqtt_str(b'a') + b'z'),
    b'\x20\x02\x00\x00\x40\x02\x00\x07\x62\x02\x00\x07\x90\x03\x00\x0a\x01\xc0\x00\xd0\x00\xe0\x00',
    b'\x30\xff\xff\xff\xff\x01\x00\x01a',
    b'\x30\x90\x4e\x00\x03a/b....',
]
# GET with Uri-Host (13-form length), Uri-Path, Uri-Query; POST with the
# 13 / 14 forms of delta and length, Content-Format and a payload; ACK 2.05;
# token length 9; a reserved nibble; a payload marker with nothing after
iot['coap'] += [
    b'\x44\x01\x12\x34\xde\xad\xbe\xef\x3d\x02gw.city.example\x86lights\x0217\x05state'
    b'\x46unit=1\x03x=2',
    b'\x52\x02\xbe\xef\x01\x02\xbd\x07parking-bay-0042-xyz\x0e\x00\x1f' + b's' * 300 +
    b'\x11\x32\xd1\x23\x07\xe0\x06\xb7\xff{"on":1}',
    b'\x61\x45\x12\x34\x07\xc1\x32\xff22.5',
    b'\x49\x01\x00\x01123456789',
    b'\x40\x01\x00\x01\xf1a',
    b'\x40\x01\x00\x01\xb1a\xff',
]
for sub, seeds in iot.items():
    for i, s in enumerate(seeds):
        open(os.path.join(outdir, sub, 's%02d' % i), 'wb').write(s)

# Modbus/TCP (fuzz_modbus) and DNP3 (fuzz_dnp3): byte 0 the direction (1 to
# the server), then a TCP payload. The demo's pump-station Modbus sessions
# (Ethernet, IPv4) come after the first 400 frames, so the whole capture is
# scanned; then hand-made ADUs and frames, the unit tests' (test_ics.c).
ics = {'modbus': [], 'dnp3': []}
o = 24
while o + 16 <= len(data):
    f = data[o + 16:o + 16 + struct.unpack_from('<I', data, o + 8)[0]]
    o += 16 + len(f)
    if len(f) > 54 and f[12:14] == b'\x08\x00' and f[23] == 6:
        ihl = (f[14] & 15) * 4
        sp, dp = struct.unpack_from('>HH', f, 14 + ihl)
        end = 14 + struct.unpack_from('>H', f, 16)[0]  # not the Ethernet padding
        pay = f[14 + ihl + (f[14 + ihl + 12] >> 4) * 4:end]
        for port, sub in ((502, 'modbus'), (20000, 'dnp3')):
            if pay and port in (sp, dp) and len(ics[sub]) < 20:
                ics[sub].append(bytes([dp == port]) + pay)


def mbap(tid, unit, pdu):
    return struct.pack('!HHHB', tid, 0, len(pdu) + 1, unit) + pdu


# read coils and its answer, write single coil / register, write multiple
# registers then a read in one segment, write multiple coils, mask write,
# read/write multiple and its answer, diagnostics (force listen only), an
# exception, read device id, a FIFO answer, a write cut short
ics['modbus'] += [
    b'\x01' + mbap(1, 0x11, bytes.fromhex('01 0013 0025')),
    b'\x00' + mbap(1, 0x11, bytes.fromhex('01 05 cd6bb20e1b')),
    b'\x01' + mbap(2, 0x11, bytes.fromhex('05 00ac ff00')) + mbap(3, 0x11, bytes.fromhex('06 0001 0003')),
    b'\x01' + mbap(4, 0x11, bytes.fromhex('10 0001 0002 04 000a 0102')) +
    mbap(10, 0x11, bytes.fromhex('03 006b 0003')),
    b'\x01' + mbap(5, 0x11, bytes.fromhex('0f 0013 000a 02 cd01')),
    b'\x01' + mbap(6, 0x11, bytes.fromhex('16 0004 00f2 0025')),
    b'\x01' + mbap(7, 0x11, bytes.fromhex('17 0003 0006 000e 0003 06 00ff00ff00ff')),
    b'\x00' + mbap(7, 0x11, bytes.fromhex('17 0c 00fe0acd00010003000d00ff')),
    b'\x01' + mbap(8, 10, bytes.fromhex('08 0004 0000')),
    b'\x00' + mbap(9, 10, bytes.fromhex('81 02')),
    b'\x01' + mbap(11, 1, bytes.fromhex('2b 0e 01 00')),
    b'\x00' + mbap(12, 1, bytes.fromhex('18 0006 0002 01b8 1284')),
    b'\x01' + mbap(13, 1, bytes.fromhex('10 0000 0003 06 000100020003'))[:15],
]


def dnp3_crc(b):
    c = 0
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0xa6bc if c & 1 else c >> 1
    return struct.pack('<H', ~c & 0xffff)


def dnp3_frame(ctrl, dst, src, user):
    h = b'\x05\x64' + struct.pack('<BBHH', 5 + len(user), ctrl, dst, src)
    out = h + dnp3_crc(h)
    for i in range(0, len(user), 16):
        out += user[i:i + 16] + dnp3_crc(user[i:i + 16])
    return out


# READ class 0-3, WRITE g80 (clear restart), SELECT, DIRECT_OPERATE g41,
# COLD_RESTART (confirmed), a RESPONSE with IIN, link status request and
# answer in one segment, a three-block READ, a frame cut in its second block
ics['dnp3'] += [
    b'\x01' + dnp3_frame(0xc4, 10, 1, bytes.fromhex('c0 c1 01 3c0206 3c0306 3c0406 3c0106')),
    b'\x01' + dnp3_frame(0xc4, 10, 1, bytes.fromhex('c1 c2 02 5001 00 0707 00')),
    b'\x01' + dnp3_frame(0xc4, 2, 3, bytes.fromhex('c0 c0 03 0c01 28 0100 0100 03 01 64000000 64000000 00')),
    b'\x01' + dnp3_frame(0xc4, 2, 3, bytes.fromhex('c2 c3 05 2902 17 01 01 6400 00')),
    b'\x01' + dnp3_frame(0xf3, 2, 3, bytes.fromhex('c3 c4 0d')),
    b'\x00' + dnp3_frame(0x44, 1, 10, bytes.fromhex('c4 c4 81 9000 0102 00 0001 81 01')),
    b'\x01' + dnp3_frame(0xc9, 4, 3, b'') + dnp3_frame(0x0b, 3, 4, b''),
    b'\x01' + dnp3_frame(0xc4, 10, 1, bytes.fromhex('c0 c5 01') + bytes.fromhex('3c0106') * 12),
    b'\x01' + dnp3_frame(0xc4, 10, 1, bytes.fromhex('c0 c5 01') + bytes.fromhex('3c0106') * 12)[:40],
]
for sub, seeds in ics.items():
    for i, s in enumerate(seeds):
        open(os.path.join(outdir, sub, 's%02d' % i), 'wb').write(s)

# the corpus captures (../shared, when present): their first frames seed the
# decoder - real traffic nobody on this project wrote
shared = os.environ.get('SHARED', os.path.join(root, '..', 'shared'))
k = 0
for cap in sorted(glob.glob(os.path.join(shared, 'corpus', 'ndpi-4.2', 'pcap', '*.pcap'))):
    raw = open(cap, 'rb').read()
    if len(raw) < 24 or raw[:4] not in (b'\xd4\xc3\xb2\xa1', b'\xa1\xb2\xc3\xd4'):
        continue
    end = '<' if raw[:4] == b'\xd4\xc3\xb2\xa1' else '>'
    link = struct.unpack_from(end + 'I', raw, 20)[0]
    linkb = {1: 0, 101: 1, 113: 2, 276: 3, 0: 4, 108: 5, 228: 6, 229: 7}.get(link)
    if linkb is None:
        continue
    off, got = 24, []
    while off + 16 <= len(raw) and len(got) < 8:
        cl = struct.unpack_from(end + 'I', raw, off + 8)[0]
        got.append(raw[off + 16:off + 16 + cl])
        off += 16 + cl
    for i, f in enumerate(got):
        open(os.path.join(outdir, 'decode', 'c%04d' % k), 'wb').write(bytes([linkb, 0]) + f)
        k += 1


# pcapng: the corpus's pcapng files (their first blocks), when present
for i, f in enumerate(sorted(glob.glob(os.path.join(shared, 'corpus', '*', 'pcap', '*.pcapng')))[:20]):
    open(os.path.join(outdir, 'pcapng', 's%02d' % i), 'wb').write(open(f, 'rb').read()[:8192])
open(os.path.join(outdir, 'pcapng', 'min'), 'wb').write(
    bytes.fromhex('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000'
                  '01000000140000000100000000ffff0014000000'))

# learnt-state lines (fuzz_state: first byte even baseline, odd ICS)
STATE = [
    b'\x00' + b'10.20.1.17\tfirst=1795900000000000 last=1795901800000000 flows=90 '
    b'bytes=200-900 pkts=2-8 mac=02:00:00:00:00:01 peers=10.20.0.0/24 '
    b'svc=6/1883/60/30000000/1795901790000000/0,17/53/30/60000000/1795901760000000/0,'
    b'17/123/6/300000000/1795901500000000 apps=MQTT,DNS,NTP\n',
    b'\x00' + b'2001:db8::7\tflows=3 bytes=1-2 peers=2001:db8::/64 svc=6/502/3/0/5/1 apps=Modbus\n'
    b'10.30.1.10\tfirst=5 last=9 flows=1 bytes=10-10 svc=6/502/1/0/5/1\n',
    b'\x01' + b'10.30.1.10/1\tfcs=48,0,0,0\n10.30.1.20/2\tfcs=26,0,0,0\n',
]
for i, s_ in enumerate(STATE):
    open(os.path.join(outdir, 'state', 's%02d' % i), 'wb').write(s_)

# protocol payloads of every corpus capture (pcap and pcapng; Ethernet and
# raw IP): DNS, Modbus, DNP3, GTP-U, PFCP and GTPv2-C as real devices sent
# them, for their own fuzzers
def as_ethernet(link, f):
    """A frame of link type link as l4_payload reads it (raw IP gets a
    dummy Ethernet header), or None."""
    if link == 1:
        return f
    if link in (101, 228, 229) and f:
        return bytes(12) + (b'\x86\xdd' if f[0] >> 4 == 6 else b'\x08\x00') + f
    return None


def pcap_frames(path):
    """Frames of a classic pcap or a pcapng file (enhanced packet blocks),
    as Ethernet."""
    raw = open(path, 'rb').read()
    if raw[:4] == b'\x0a\x0d\x0d\x0a':
        off, links = 0, []
        while off + 12 <= len(raw):
            btype, blen = struct.unpack_from('<II', raw, off)
            if blen < 12 or off + blen > len(raw):
                return
            if btype == 1:
                links.append(struct.unpack_from('<H', raw, off + 8)[0])
            elif btype == 6 and blen >= 28:
                ifc, cl = struct.unpack_from('<I', raw, off + 8)[0], struct.unpack_from('<I', raw, off + 20)[0]
                f = as_ethernet(links[ifc] if ifc < len(links) else -1, raw[off + 28:off + 28 + cl])
                if f:
                    yield f
            off += blen
        return
    if len(raw) < 24 or raw[:4] not in (b'\xd4\xc3\xb2\xa1', b'\xa1\xb2\xc3\xd4'):
        return
    end = '<' if raw[:4] == b'\xd4\xc3\xb2\xa1' else '>'
    link = struct.unpack_from(end + 'I', raw, 20)[0]
    off = 24
    while off + 16 <= len(raw):
        cl = struct.unpack_from(end + 'I', raw, off + 8)[0]
        f = as_ethernet(link, raw[off + 16:off + 16 + cl])
        if f:
            yield f
        off += 16 + cl


PORTS = {(17, 53): 'dns', (6, 502): 'modbus', (6, 20000): 'dnp3', (17, 2152): 'gtpu',
         (17, 8805): 'pfcp', (17, 2123): 'gtpc'}
got = {v: 0 for v in PORTS.values()}
for cap in sorted(glob.glob(os.path.join(shared, 'corpus', '*', '**', '*.pcap*'), recursive=True)):
    for f in pcap_frames(cap):
        x = l4_payload(f)
        if not x or not x[3]:
            continue
        for port, to_server in ((x[2], 1), (x[1], 0)):
            sub = PORTS.get((x[0], port))
            if sub and got[sub] < 200:
                p = x[3]
                if sub in ('modbus', 'dnp3'):
                    p = bytes([to_server]) + p
                elif sub == 'gtpu':
                    p = b'\x00' + p
                open(os.path.join(outdir, sub, 'corpus%03d' % got[sub]), 'wb').write(p)
                got[sub] += 1
                break

# spool files (fuzz_spool: first byte odd, the magic word is added): whole
# records of every family, then the same cut inside its last record
def spool_rec(fam, etype, seg, js, ms, seq):
    total = 28 + len(etype) + len(seg) + len(js)
    return struct.pack('<IBBHHHQQ', total, fam, 2, len(etype), len(seg), 0, ms, seq) + \
        etype + seg + js
body = b''.join(spool_rec(f, b'alert' if f == 1 else b'flow', b'iot', b'{"n":%d}' % f,
                          1700000000000 + f, f + 1) for f in range(5))
open(os.path.join(outdir, 'spool', 's00'), 'wb').write(b'\x01' + body)
open(os.path.join(outdir, 'spool', 's01'), 'wb').write(b'\x01' + body[:-7])
open(os.path.join(outdir, 'spool', 's02'), 'wb').write(b'\x00' + b'PSGV' + body)

# every unit-test packet (tests/unit/packets.h: tunnels, link types) as a
# decode seed, link picked as fuzz_decode's table does (0 Ethernet, 1 raw,
# 2 Linux cooked)
hdr = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'unit', 'packets.h')
for m in re.finditer(r'static const uint8_t pkt_(\w+)\[\d+\] = \{([^}]*)\}', open(hdr).read()):
    sel = 2 if m.group(1).startswith('sll') else 1 if m.group(1).startswith('raw') else 0
    b = bytes(int(x, 16) for x in re.findall(r'0x([0-9a-f]{2})', m.group(2)))
    open(os.path.join(outdir, 'decode', 'u-' + m.group(1)), 'wb').write(bytes([sel, 0]) + b)

# GTP-U moved off 2152 to an announced F-TEID (fuzz_decode, byte 1 bit 1):
# the G-PDUs above in Ethernet/IPv4/UDP 50000 -> 3386
for i, g in enumerate(gseeds):
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 28 + len(g), 0, 0, 64, 17, 0,
                     bytes([10, 201, 0, 1]), bytes([10, 201, 0, 2]))
    udp = struct.pack('>HHHH', 50000, 3386, 8 + len(g), 0)
    eth = b'\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00'
    open(os.path.join(outdir, 'decode', 'gport%02d' % i), 'wb').write(b'\x00\x02' + eth + ip + udp + g)

# ARP, DHCP and neighbour discovery (fuzz_l2): an is-at, a DHCP offer with
# options, an RA with a prefix, an NA with its target's address
mac = bytes.fromhex('020000000666')
l2 = [bytes.fromhex('0001080006040002') + mac + bytes([10, 60, 0, 1]) + mac + bytes([10, 60, 0, 5]),
      bytes([2, 1, 6, 0]) + b'\xde\xad\xbe\xef' + bytes(8) + bytes([10, 60, 0, 6]) + bytes(8) +
      mac + bytes(202) + bytes.fromhex('63825363') + bytes.fromhex('350102') +
      bytes.fromhex('36040a3c0042') + b'\xff',
      bytes([134, 0, 0, 0, 64, 0x40, 7, 8]) + bytes(8) + b'\x01\x01' + mac +
      bytes([3, 4, 64, 0xc0]) + bytes(12) + bytes.fromhex('20010db8') + bytes(12),
      bytes([136, 0, 0, 0, 0x60, 0, 0, 0]) + bytes.fromhex('20010db8006000000000000000000006') +
      b'\x02\x01' + mac]
os.makedirs(os.path.join(outdir, 'l2'), exist_ok=True)
for i, s in enumerate(l2):
    open(os.path.join(outdir, 'l2', 's%02d' % i), 'wb').write(s)

# login replies (fuzz_auth: first byte the service, see proto/auth.h)
auth = [b'\x03530 Login incorrect.\r\n230 Login successful.\r\n',
        b'\x02\r\nLogin incorrect\r\nvm login: ', b'\x05-ERR [AUTH] Authentication failed.\r\n',
        b'\x06a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n',
        b'\x07535 5.7.8 Authentication credentials invalid\r\n',
        b'\x01' + bytes([0, 16, 0, 44, 1, 44, 0, 68, 1, 52, 0, 84, 1, 52, 0, 84, 1, 28]) +
        bytes.fromhex('0000000c0a15') + bytes(10)]
os.makedirs(os.path.join(outdir, 'auth'), exist_ok=True)
for i, s in enumerate(auth):
    open(os.path.join(outdir, 'auth', 's%02d' % i), 'wb').write(s)
