"""5G user plane: PDU sessions learnt from PFCP (N4) select policy segments
by DNN, for uplink and downlink flows, through a modification and a
deletion, the same with one or two workers."""
import json
import os
import subprocess

import pytest

from conftest import ROOT, run

GEN = os.path.join(ROOT, 'tests', 'captures', 'gen_5g.py')

POLICY = '''core_networks: [10.200.0.0/16]
segments:
  - name: iot-5g
    dnn: [iot.city]
    allow:
      apps: [MQTT]
  - name: 5g-n3
    cidrs: [10.45.0.0/16]
'''


@pytest.fixture(scope='module')
def n3n4(tmp_path_factory):
    d = tmp_path_factory.mktemp('5g')
    cap = d / '5g.pcap'
    subprocess.run(['/usr/bin/python3', GEN, str(cap)], check=True)
    pol = d / 'p.yaml'
    pol.write_text(POLICY)
    return str(cap), str(pol)


def flows(path, sessions=None):
    out = {}
    for l in open(path):
        e = json.loads(l)
        if e['event_type'] == 'flow' and 'tunnel' in e:
            out[(e['src_ip'], e['src_port'])] = (e.get('segment'), e['tunnel']['teid'])
            if sessions is not None:
                sessions[(e['src_ip'], e['src_port'])] = e.get('session')
    return out


@pytest.mark.parametrize('workers', ['1', '2'])
def test_dnn_selects_segment(vigia, n3n4, tmp_path, workers):
    cap, pol = n3n4
    ev = tmp_path / 'ev.json'
    p = run([vigia, 'replay', '-q', '-w', workers, '--policy', pol, '-o', str(ev), cap])
    assert p.returncode == 0, p.stderr
    sess = {}
    f = flows(ev, sess)
    # session A (DNN iot.city) by its uplink TEID and UE address
    assert f[('10.45.1.5', 40000)] == ('iot-5g', 0x1001)
    # every flow event names its PDU session, even after PFCP deleted it
    assert sess[('10.45.1.5', 40000)] == {'seid': 0x2222, 'ue_ip': '10.45.1.5',
                                          'dnn': 'iot.city'}
    assert sess[('10.45.1.6', 40001)] == {'seid': 0x4444, 'ue_ip': '10.45.1.6',
                                          'dnn': 'internet'}
    assert sess[('10.99.0.1', 1883)]['seid'] == 0x2222
    assert sess[('10.45.1.5', 40200)] is None   # after the deletion
    # ... and a downlink-first flow on the TEID its modification added
    assert f[('10.99.0.1', 1883)] == ('iot-5g', 0x5001)
    # session B's DNN (internet) is in no segment: the UE pool's CIDR
    assert f[('10.45.1.6', 40001)] == ('5g-n3', 0x1002)
    # after the deletion the old TEID belongs to no session
    assert f[('10.45.1.5', 40200)] == ('5g-n3', 0x1001)


def test_dnn_segment_policy_alert(vigia, n3n4, tmp_path):
    """The DNN's segment allows only MQTT: the session's MQTT is fine."""
    cap, pol = n3n4
    ev = tmp_path / 'ev.json'
    p = run([vigia, 'replay', '-q', '--policy', pol, '-o', str(ev), cap])
    assert p.returncode == 0
    alerts = [json.loads(l) for l in open(ev) if '"event_type":"alert"' in l]
    pol_alerts = [a for a in alerts if a['alert']['signature_id'] == 200001]
    # the session's MQTT to its broker is allowed ...
    assert not [a for a in pol_alerts if a.get('dest_port') == 1883]
    # ... the TLS a spoofed source sent through its tunnel is not
    assert [a for a in pol_alerts if a.get('segment') == 'iot-5g' and
            a.get('dest_port') == 443]


@pytest.mark.parametrize('workers', ['1', '2'])
def test_5g_detectors(vigia, n3n4, tmp_path, workers):
    """Spoofed UE source, UE to the core, a QFI not granted, a TEID nobody
    owns: each once, naming the session's UE (or the gNB); the sessions'
    ordinary flows raise nothing."""
    cap, pol = n3n4
    ev = tmp_path / 'ev.json'
    p = run([vigia, 'replay', '-q', '-w', workers, '--policy', pol, '-o', str(ev), cap])
    assert p.returncode == 0, p.stderr
    al = [json.loads(l) for l in open(ev) if '"event_type":"alert"' in l]
    g = {}
    for a in al:
        if a['alert'].get('detector') == '5g':
            g.setdefault(a['alert']['signature_id'], []).append(a)
    assert sorted(g) == [100601, 100602, 100603, 100604], g
    assert all(len(v) == 1 for v in g.values())
    spoof = g[100601][0]
    assert spoof['src_ip'] == '10.45.1.5' and 'dest_ip' not in spoof
    assert spoof['alert']['evidence']['spoofed_sources'] == ['10.45.9.9']
    assert spoof['alert']['evidence']['teid'] == 0x1001
    assert spoof['alert']['evidence']['seid'] == 0x2222
    core = g[100602][0]
    assert core['src_ip'] == '10.45.1.6' and core['dest_ip'] == '10.200.0.1'
    assert g[100603][0]['alert']['evidence']['qfi'] == 7
    unk = g[100604][0]
    assert unk['src_ip'] == '10.201.0.1' and unk['dest_ip'] == '10.201.0.2'
    assert unk['alert']['evidence']['teid'] == 0x9999


def test_check_policy_with_dnn(vigia, n3n4):
    p = run([vigia, 'check-policy', n3n4[1]])
    assert p.returncode == 0
    assert b'iot-5g' in p.stdout and b'1 DNNs' in p.stdout


@pytest.mark.parametrize('n4_queue', [0, 1])
def test_dpdk_workers_share_sessions(vigia, n3n4, tmp_path, n4_queue):
    """DPDK, two queues: N4 arrives on one, the user plane on the other (and
    each inner flow goes to the worker that owns it); the worker that never
    saw PFCP still knows the sessions (control packets are shared with every
    worker). One of the two placements needs the sharing, whichever worker
    owns the flows."""
    import shutil
    import uuid
    from scapy.all import IP, UDP, Ether, Raw, rdpcap, wrpcap
    cap, pol = n3n4
    pk = rdpcap(cap)
    n4 = [p for p in pk if p.haslayer(UDP) and p[UDP].dport == 8805][:4]  # establishments
    n3 = [p for p in pk if p.haslayer(UDP) and p[UDP].dport == 2152 and p.time < pk[0].time + 2]
    # the user plane queue starts with unrelated packets: N4 is learnt first
    filler = []
    for i in range(3000):
        f = Ether() / IP(src='192.0.2.1', dst='192.0.2.2') / UDP(sport=9, dport=9) / Raw(b'x')
        f.time = pk[0].time + 0.5 + i * 1e-5
        filler.append(f)
    qa, qb = str(tmp_path / 'q0.pcap'), str(tmp_path / 'q1.pcap')
    wrpcap(qa if n4_queue == 0 else qb, n4)
    wrpcap(qb if n4_queue == 0 else qa, filler + n3)
    out = tmp_path / 'd.json'
    prefix = 'vigia-test-%s' % uuid.uuid4().hex[:8]
    try:
        p = run([vigia, 'dpdk', '-q', '-o', str(out), '--policy', pol, '--idle-stop', '300',
                 '--', '--no-huge', '--no-pci', '-m', '256', '--log-level=warning',
                 '--no-telemetry', '--file-prefix', prefix,
                 '--vdev=net_pcap0,rx_pcap=%s,rx_pcap=%s' % (qa, qb), '-l', '0-1'])
    finally:
        shutil.rmtree('/var/run/dpdk/' + prefix, ignore_errors=True)
    assert p.returncode == 0, p.stderr
    f = flows(out)
    assert f[('10.45.1.5', 40000)] == ('iot-5g', 0x1001)
    assert f[('10.45.1.6', 40001)] == ('5g-n3', 0x1002)
