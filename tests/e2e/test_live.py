"""vigia live on a veth pair inside a network namespace made by the test:
the demo capture is replayed into it with tcpreplay, SIGTERM stops vigia,
and every flow must be flushed with the same classification as replay."""
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import run


def key(e):
    return (e['src_ip'], e.get('src_port'), e['dest_ip'], e.get('dest_port'),
            e['proto'], e.get('ndpi', {}).get('proto'))


@pytest.fixture
def netns():
    if os.geteuid() != 0:
        pytest.skip('live capture test needs root (network namespace)')
    if not shutil.which('tcpreplay'):
        pytest.skip('tcpreplay not installed')
    ns = 'vigia-live-%d' % os.getpid()
    r = run(['ip', 'netns', 'add', ns])
    if r.returncode != 0:
        pytest.skip('cannot create a network namespace: %s' % r.stderr.decode())
    try:
        for cmd in (['ip', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb'],
                    ['ip', 'link', 'set', 'va', 'up'], ['ip', 'link', 'set', 'vb', 'up'],
                    ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']):
            r = run(['ip', 'netns', 'exec', ns] + cmd)
            assert r.returncode == 0, r.stderr
        yield ns
    finally:
        run(['ip', 'netns', 'del', ns])


def test_live_capture_flushes_on_sigterm(vigia, demo_pcap, netns, tmp_path):
    out = tmp_path / 'live.json'
    summ = tmp_path / 'summary.json'
    p = subprocess.Popen(['ip', 'netns', 'exec', netns, vigia, 'live', '-i', 'va',
                          '-o', str(out), '--summary-json', str(summ), '-q'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        assert p.poll() is None, p.stderr.read()
        r = run(['ip', 'netns', 'exec', netns, 'tcpreplay', '-q', '-i', 'vb',
                 '--pps', '4000', demo_pcap])
        assert r.returncode == 0, r.stderr
        time.sleep(0.5)
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    assert rc == 0, p.stderr.read()
    s = json.loads(summ.read_text())
    assert s['status'] == 'ok'
    assert s['pkts'] >= 5780   # the demo, plus whatever the kernel adds
    live = [json.loads(l) for l in out.read_text().splitlines()]
    live_flows = {key(e) for e in live if e['event_type'] == 'flow'}
    ref = run([vigia, 'replay', '-q', '-o', '-', demo_pcap]).stdout.decode()
    ref_flows = {key(json.loads(l)) for l in ref.splitlines()
                 if json.loads(l)['event_type'] == 'flow'}
    # every flow of the capture was seen live, classified the same, and
    # flushed at shutdown rather than lost
    assert ref_flows <= live_flows, sorted(ref_flows - live_flows)[:5]
