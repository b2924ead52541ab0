"""Hostile input: a random-source SYN flood of 5M flows against a table of
1M. Memory stays inside the bound the configuration sets, evictions are
counted, the flood is still detected, and established connections keep
their state (eviction takes half-open flows first)."""
import json
import os
import subprocess

from conftest import ROOT

FLOOD = 5000000
LONG = 100
MAX_FLOWS = 1000000


def test_syn_flood_exhausts_the_table_not_the_sensor(vigia, tmp_path):
    cap = str(tmp_path / 'flood.pcap')
    gen = os.path.join(ROOT, 'build', 'vigia-gen')
    r = subprocess.run([gen, '-o', cap, '--syn-flood', str(FLOOD), '--long', str(LONG)],
                       stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr
    summ = tmp_path / 's.json'
    keep = tmp_path / 'kept.json'
    # 5M flow events: only the alerts and the long connections are kept
    sh = ('%s replay -q --max-flows %d --summary-json %s -o - %s | '
          'grep -E \'"event_type":"alert"|"dest_port":443\' > %s'
          % (vigia, MAX_FLOWS, summ, cap, keep))
    r = subprocess.run(['bash', '-o', 'pipefail', '-c', sh], stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr
    os.unlink(cap)
    s = json.loads(summ.read_text())
    assert s['pkts'] == FLOOD + LONG * (3 + 2) + FLOOD // 1000
    assert s['flows_created'] == FLOOD + LONG
    assert s['flows_peak'] <= 1048576 and s['flows_evicted'] >= FLOOD - MAX_FLOWS
    # the bound: the table as configured, plus what does not grow with flows
    bound = MAX_FLOWS * s['bytes_per_flow'] + 512 * 1024 * 1024
    print('peak RSS %d MiB, bound %d MiB, %d evictions' % (
        s['peak_rss_kib'] // 1024, bound >> 20, s['flows_evicted']))
    assert s['peak_rss_kib'] * 1024 < bound
    evs = [json.loads(l) for l in open(keep)]
    alerts = [e for e in evs if e['event_type'] == 'alert']
    flood = [a for a in alerts if a['alert']['signature_id'] == 100101]
    assert flood and flood[0]['dest_ip'] == '10.50.0.80'
    longs = [e for e in evs if e['event_type'] == 'flow']
    assert len(longs) == LONG
    for f in longs:
        # every packet of the connection in one flow, closed, never evicted
        assert f['flow']['pkts_toserver'] == 2 + FLOOD // 1000 // LONG + 1, f['flow']
        assert f['flow']['reason'] != 'evicted' and f['flow']['state'] == 'closed'


def test_valgrind_memcheck_clean(vigia, demo_pcap):
    """One replay (two workers, analytics, telemetry) under valgrind's
    memcheck: no invalid access, no uninitialised use, nothing definitely
    lost."""
    import shutil
    import pytest
    if not shutil.which('valgrind'):
        pytest.skip('valgrind not installed')
    r = subprocess.run(['valgrind', '-q', '--error-exitcode=9', '--leak-check=full',
                        '--errors-for-leak-kinds=definite', '--show-leak-kinds=definite',
                        vigia, 'replay', '-q', '-w', '2', '-o', '/dev/null', demo_pcap],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    assert r.returncode == 0, r.stderr.decode()[-3000:]


def pcap_file(path, recs, link=1, snap=65535):
    import struct
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snap, link))
        for ts, data, wl in recs:
            f.write(struct.pack('<IIII', int(ts), int((ts - int(ts)) * 1e6), len(data), wl) + data)


def replay_summary(vigia, cap, tmp_path):
    summ = tmp_path / (os.path.basename(cap) + '.s.json')
    r = subprocess.run([vigia, 'replay', '-q', '-o', '/dev/null', '--summary-json', str(summ), cap],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r, (json.loads(summ.read_text()) if summ.exists() else None)


def test_pathological_captures(vigia, tmp_path):
    """Zero-length and snaplen-cut packets, timestamps backwards and in
    2100, a link type vigia does not know, a pcapng whose interfaces have
    different link types: each as the README says, with counters."""
    import struct
    from scapy.all import IP, UDP, Ether, Raw
    pkt = bytes(Ether() / IP(src='10.0.0.1', dst='10.0.0.2') / UDP(sport=1000, dport=53) /
                Raw(b'x' * 20))
    T = 1795000000
    d = str(tmp_path)
    pcap_file(d + '/zero.pcap', [(T, b'', 0), (T + 1, pkt, len(pkt)), (T + 2, b'', 60)])
    r, s = replay_summary(vigia, d + '/zero.pcap', tmp_path)
    assert r.returncode == 0 and s['pkts'] == 3 and s['decode_bad'] == 2
    assert s['anomaly_kinds'] == {'ethernet.pkt_too_small': 2} and s['flows_created'] == 1
    pcap_file(d + '/cut.pcap', [(T, pkt[:20], len(pkt)), (T + 1, pkt[:38], len(pkt)),
                                (T + 2, pkt, len(pkt))], snap=38)
    r, s = replay_summary(vigia, d + '/cut.pcap', tmp_path)
    assert r.returncode == 0 and s['pkts'] == 3 and s['flows_created'] == 1
    assert s['decode_bad'] == 1   # 6 bytes of IP header: nothing to key a flow on
    pcap_file(d + '/times.pcap', [(T + 10, pkt, len(pkt)), (T, pkt, len(pkt)),
                                  (4102444805, pkt, len(pkt)), (T + 11, pkt, len(pkt)),
                                  (0, pkt, len(pkt))])
    r, s = replay_summary(vigia, d + '/times.pcap', tmp_path)
    assert r.returncode == 0 and s['pkts'] == 5
    assert s['timestamps'] == {'jumps': 1, 'followed': 0, 'backwards': 2}
    assert s['flows_created'] == 1    # the year-2100 packet did not end the flow
    pcap_file(d + '/l147.pcap', [(T, pkt, len(pkt))], link=147)
    r, s = replay_summary(vigia, d + '/l147.pcap', tmp_path)
    assert r.returncode == 1 and b'unsupported link type 147' in r.stderr and s is None

    def blk(t, body):
        body += b'\x00' * ((4 - len(body) % 4) % 4)
        return struct.pack('<II', t, len(body) + 12) + body + struct.pack('<I', len(body) + 12)

    def epb(ifid, ts, data):
        us = int(ts * 1e6)
        return blk(6, struct.pack('<IIIII', ifid, us >> 32, us & 0xffffffff, len(data),
                                  len(data)) + data)
    ng = (blk(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1)) +
          blk(1, struct.pack('<HHI', 1, 0, 65535)) + blk(1, struct.pack('<HHI', 101, 0, 65535)) +
          epb(0, T, pkt) + epb(1, T + 1, pkt[14:]) + epb(0, T + 2, pkt))
    open(d + '/multi.pcapng', 'wb').write(ng)
    r, s = replay_summary(vigia, d + '/multi.pcapng', tmp_path)
    # libpcap refuses a second link type; vigia reads such a file itself,
    # each packet with its interface's link type: one flow, three packets
    assert r.returncode == 0, r.stderr
    assert s['pkts'] == 3 and s['flows_created'] == 1 and s['decode_bad'] == 0


def test_live_capture_rides_out_a_stalled_redis(vigia, demo_pcap, netns, tmp_path):
    """Live capture while Redis stalls (DEBUG SLEEP 3 s): the worker keeps
    capturing (every packet counted), the sink spools and catches up, and
    every alert of the file reaches the alerts stream."""
    import signal
    import threading
    import time
    from conftest import redis_in_netns, run
    pol = tmp_path / 'p.yaml'
    pol.write_text('segments:\n  - name: municipal-office\n    cidrs: [10.10.0.0/16]\n'
                   '    allow:\n      apps: [DNS]\n')
    ev, summ = tmp_path / 'ev.json', tmp_path / 's.json'
    with redis_in_netns(netns) as port:
        cli = ['ip', 'netns', 'exec', netns, 'redis-cli', '-p', str(port)]
        p = subprocess.Popen(['ip', 'netns', 'exec', netns, vigia, 'live', '-i', 'va', '-q',
                              '--policy', str(pol), '-o', str(ev), '--summary-json', str(summ),
                              '--sensor', 'stall', '--redis', '127.0.0.1:%d' % port,
                              '--spool-dir', str(tmp_path / 'spool')],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)
        assert p.poll() is None, p.stderr.read()
        slept = []
        t = threading.Timer(0.3, lambda: slept.append(run(cli + ['DEBUG', 'SLEEP', '3']).stdout))
        t.start()
        r = run(['ip', 'netns', 'exec', netns, 'tcpreplay', '-q', '-i', 'vb', '--pps', '4000',
                 demo_pcap])
        assert r.returncode == 0, r.stderr
        t.join()
        assert slept == [b'OK\n']   # Redis really stalled
        time.sleep(4)   # the stall ends, the sink catches up
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=60) == 0, p.stderr.read()
        sm = json.loads(summ.read_text())
        assert sm['pkts'] >= 5780           # captured everything while Redis slept
        want = [json.loads(l) for l in open(ev) if '"event_type":"alert"' in l]
        assert len(want) > 100
        got = run(cli + ['XLEN', 'vigia:{stall}:alerts']).stdout.strip()
        assert int(got) == len(want)
        assert sm['redis']['left_in_spool'] == 0 and sm['redis']['errors'] == 0
        # the stall did hit the sink: alerts waited seconds for their XADD
        assert sm['redis']['latency_p99_ms'] > 1000


def test_tsan_multi_worker_replay(vigia, demo_pcap, tmp_path):
    """Three workers, the analytics and telemetry threads, the Redis sink,
    interim session reports, the metrics listener scraped while they run,
    and the state saved at the end: clean under ThreadSanitizer (it found the metrics
    reading the workers' counters as they wrote them, and a worker handing a
    sketch back into a ring only the analytics thread may fill), and the
    same events as the plain build."""
    import socket
    import urllib.request
    import pytest
    from conftest import ROOT, pkey, run
    tsan = os.path.join(ROOT, 'build-tsan', 'vigia')
    if not os.path.exists(tsan):
        pytest.skip('no ThreadSanitizer build (make SAN=thread)')
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    import shutil
    from test_redis import Redis
    st = tmp_path / 'state'
    st.mkdir()
    ev = tmp_path / 'tsan.json'
    args = ['replay', '-q', '-w', '3', '--stats-interval', '1', '--state-dir', str(st)] + pkey()
    redis = None
    if shutil.which('redis-server'):   # the sink's counters, read by the metrics too
        redis = Redis(tmp_path)
        args += ['--redis', '127.0.0.1:%d' % redis.port, '--sensor', 'tsan']
    p = subprocess.Popen([tsan] + args + ['-o', str(ev), '--metrics-listen', '127.0.0.1:%d' % port,
                                          '--metrics-linger', '2', demo_pcap],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, TSAN_OPTIONS='halt_on_error=1'))
    scraped = 0
    while p.poll() is None:
        try:
            with urllib.request.urlopen('http://127.0.0.1:%d/api/status' % port, timeout=2) as r:
                scraped += r.status == 200
        except OSError:
            pass
    out, err = p.communicate(timeout=300)
    assert b'ThreadSanitizer' not in err, err.decode()[-3000:]
    assert p.returncode == 0 and scraped > 0
    ref = run([vigia] + args + ['-o', '-', demo_pcap]).stdout
    if redis:
        redis.stop()
    # stats events carry the telemetry thread's own counters (timing)
    same = lambda b: sorted(l for l in b.splitlines() if b'"event_type":"stats"' not in l)
    assert same(ev.read_bytes()) == same(ref) and len(same(ref)) > 700


def test_detector_state_bounded_under_many_devices(vigia, tmp_path):
    """Far more devices, DNS names and clients than the detectors keep
    (a segment learning everything, 600k packets of vigia-gen's mix): their
    tables stay at their size, what they give up is counted per detector in
    the summary, and memory stays bounded."""
    from conftest import run
    gen = os.path.join(ROOT, 'build', 'vigia-gen')
    cap = tmp_path / 'many.pcap'
    assert run([gen, '-o', str(cap), '-n', '600000']).returncode == 0
    pol = tmp_path / 'p.yaml'
    pol.write_text('segments:\n  - name: all\n    cidrs: [0.0.0.0/0, "::/0"]\n    mode: learn\n')
    summ = tmp_path / 's.json'
    st = tmp_path / 'state'
    st.mkdir()
    p = run([vigia, 'replay', '-q', '--policy', str(pol), '--state-dir', str(st), '-o', '/dev/null',
             '--summary-json', str(summ), str(cap)])
    assert p.returncode == 0, p.stderr
    s = json.loads(summ.read_text())
    ev = s['detector_state_evictions']
    assert set(ev) >= {'dns', 'baseline', 'ics', 'scan', 'flood', 'brute', 'beacon', '5g'}
    assert ev['dns'] > 0 and ev['baseline'] > 0
    # the profiles kept: no more than the detector's table (16384)
    lines = (st / 'state.tsv').read_text().splitlines()
    assert 0 < sum(1 for l in lines if l.startswith('baseline\t')) <= 16384
    assert s['peak_rss_kib'] < 1024 * 1024
