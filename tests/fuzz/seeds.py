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
for sub in ('decode', 'pipeline', 'json', 'policy', 'dns', 'pfcp'):
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

# the policy fuzzer starts from the shipped example and the test policies
import glob
import shutil
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for i, f in enumerate(sorted(glob.glob(os.path.join(root, 'policies', 'examples', '*.yaml')))):
    shutil.copy(f, os.path.join(outdir, 'policy', 'ex%d.yaml' % i))
