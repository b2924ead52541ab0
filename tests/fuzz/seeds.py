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
for sub in ('decode', 'pipeline', 'json', 'policy', 'dns', 'pfcp', 'gtpc', 'reasm', 'gtpu', 'config'):
    os.makedirs(os.path.join(outdir, sub), exist_ok=True)
for i, f in enumerate(frames[::4]):
    open(os.path.join(outdir, 'decode', 's%03d' % i), 'wb').write(b'\x00\x00' + f)
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
