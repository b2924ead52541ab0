"""The benchmark capture generator: deterministic, well-formed for tshark,
and carrying the mix it promises."""
import hashlib
import json
import os
import shutil

import pytest

from conftest import ROOT, run

GEN = os.path.join(ROOT, 'build', 'vigia-gen')


def gen(tmp_path, name, *args):
    out = str(tmp_path / name)
    p = run([GEN, '-o', out] + list(args))
    assert p.returncode == 0, p.stderr
    return out


def digest(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def test_deterministic(tmp_path):
    a = gen(tmp_path, 'a.pcap', '-n', '20000', '-s', '7')
    b = gen(tmp_path, 'b.pcap', '-n', '20000', '-s', '7')
    c = gen(tmp_path, 'c.pcap', '-n', '20000', '-s', '8')
    assert digest(a) == digest(b) != digest(c)


@pytest.mark.skipif(not shutil.which('tshark'), reason='tshark not installed')
def test_tshark_parses_without_malformed(tmp_path):
    cap = gen(tmp_path, 's.pcap', '-n', '30000')
    p = run(['tshark', '-r', cap, '-Y', '_ws.malformed || _ws.expert.severity == "error"'])
    assert p.returncode == 0
    assert p.stdout.strip() == b'', p.stdout[:2000]
    # the mix is there: GTP-U with QFI, IPv6, QUIC Initials, TLS SNI, MQTT, Modbus
    p = run(['tshark', '-r', cap, '-T', 'fields', '-e', 'gtp.ext_hdr.pdu_ses_con.qos_flow_id',
             '-e', 'ipv6.src', '-e', 'quic.long.packet_type', '-e', 'tls.handshake.extensions_server_name',
             '-e', 'mqtt.msgtype', '-e', 'mbtcp.trans_id'])
    cols = [l.split(b'\t') for l in p.stdout.splitlines()]
    assert sum(1 for c in cols if c[0]) > 1000
    assert sum(1 for c in cols if c[1]) > 1000
    assert any(c[2] == b'0' for c in cols)
    assert any(c[3] for c in cols)
    assert any(c[4] for c in cols) and any(c[5] for c in cols)


def test_options(tmp_path):
    assert run([GEN, '-o', str(tmp_path / 'x.pcap'), '--mix', 'tls:50,dns:20']).returncode == 2
    assert run([GEN, '-o', str(tmp_path / 'x.pcap'), '--mix', 'bogus:100']).returncode == 2
    assert run([GEN]).returncode == 2
    cap = gen(tmp_path, 'dns.pcap', '-n', '1000', '--mix', 'dns:100', '--gtp', '0', '--ipv6', '0')
    p = run([os.path.join(ROOT, 'build', 'vigia'), 'replay', '-q', '-o', '-', cap])
    labels = {json.loads(l)['ndpi']['proto'].split('.')[0] for l in p.stdout.splitlines()}
    assert labels == {'DNS'}


def test_bench_smoke_results():
    """make bench-smoke ran before the e2e tests in make test; when its
    results exist, they hold every figure the table promises."""
    path = os.path.join(ROOT, 'build', 'bench-smoke', 'latest.json')
    if not os.path.exists(path):
        pytest.skip('bench-smoke has not run')
    r = json.load(open(path))
    names = [row['config'] for row in r['rows']]
    assert names[:4] == ['raw-read (limit)', 'vigia -w 1', 'vigia -w 2', 'ndpiReader']
    assert r['agreement']['share'] >= 0.99
    assert r['flow_stress']['flows_tracked'] >= 19000
    assert 'decode only' in names and r['decode_ns_per_pkt'] > 0
    for row in r['rows']:
        assert row['pps']['min'] <= row['pps']['median'] <= row['pps']['max']
        if row['config'].startswith('vigia -w'):
            assert row['cpu_ns_per_pkt'] > 0
    assert os.path.exists(os.path.join(ROOT, 'build', 'bench-smoke', 'latest.png'))
