"""End to end: Prometheus /metrics, /api/status and the live status page
served while vigia runs (vigia replay --metrics-listen ADDR --metrics-linger
S keeps serving S seconds after the replay ends), the page rendered by
headless chromium, and the Grafana dashboard's metric names."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import ROOT, run

DASHBOARD = os.path.join(ROOT, 'deploy', 'grafana-vigia.json')
SENSOR = 'edge-status'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
                '--disable-background-networking']
# name{label="value",...} value  (label values: \\ \" \n escapes)
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
                    r'(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\[\\"n]|[^"\\\n])*"'
                    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(\\[\\"n]|[^"\\\n])*")*)?\})?'
                    r' (NaN|[+-]Inf|[-+]?[0-9.]+(e[-+]?[0-9]+)?)$')


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def fetch(url, timeout=5):
    """(status, content type, body text); HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get('Content-Type', ''), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get('Content-Type', ''), e.read().decode()


def env():
    e = dict(os.environ)
    e.setdefault('VIGIA_ALLOW_ROOT', '1')   # as `make e2e` runs it
    return e


def parse_exposition(text):
    """{family: type}, [(name, labels text, value)]; asserts the format."""
    families, samples = {}, []
    assert text.endswith('\n')
    for line in text.splitlines():
        if line.startswith('# HELP '):
            continue
        if line.startswith('# TYPE '):
            _, _, name, typ = line.split(' ')
            assert typ in ('counter', 'gauge'), line
            assert name.startswith('vigia_'), line
            if typ == 'counter':
                assert name.endswith('_total'), line
            families[name] = typ
            continue
        m = SAMPLE.match(line)
        assert m, 'not a sample line: %r' % line
        assert m.group(1) in families, 'no # TYPE before %r' % line
        samples.append((m.group(1), m.group(3) or '', float(m.group(7))))
    return families, samples


def value(samples, name, **labels):
    """Sum of the samples of name whose labels include every given one."""
    total, seen = 0.0, False
    for n, lab, v in samples:
        if n == name and all('%s="%s"' % kv in lab for kv in labels.items()):
            total += v
            seen = True
    assert seen, 'no sample %s %s' % (name, labels)
    return total


@pytest.fixture
def serving(vigia, demo_pcap, tmp_path):
    """vigia replaying the demo capture with the status server on a free
    loopback port, lingering; yields (base url, eve path, process) once
    the replay's alerts are on /api/status."""
    port = free_port()
    eve = str(tmp_path / 'eve.json')
    # the demo is benign: a policy that allows the office only DNS makes
    # its web traffic alerts (200001, application not allowed)
    pol = tmp_path / 'office.yaml'
    pol.write_text('segments:\n  - name: municipal-office\n    cidrs: [10.10.0.0/16]\n'
                   '    allow:\n      apps: [DNS]\n')
    p = subprocess.Popen([vigia, 'replay', '-q', '-o', eve, '--sensor', SENSOR,
                          '--policy', str(pol),
                          '--metrics-listen', '127.0.0.1:%d' % port,
                          '--metrics-linger', '120', demo_pcap],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    base = 'http://127.0.0.1:%d' % port
    try:
        deadline, last = time.time() + 60, None
        while time.time() < deadline:
            assert p.poll() is None, 'vigia exited: %s' % p.stderr.read().decode()
            try:
                code, _, body = fetch(base + '/api/status', timeout=2)
                if code == 200:
                    d = json.loads(body)
                    # the replay is over once the packet count stops moving
                    # and the page has every alert the EVE file has
                    pk = d['snapshot']['packets']
                    if (d['alerts'] and pk and pk == last and
                            d['events']['alert'] == count_alerts(eve)):
                        break
                    last = pk
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            time.sleep(0.5)
        else:
            pytest.fail('no alerts on %s/api/status within 60 s' % base)
        yield base, eve, p
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                pytest.fail('vigia did not stop on SIGTERM while lingering')
    assert p.returncode == 0, p.stderr.read().decode()


def count_alerts(path):
    try:
        with open(path) as f:
            return sum('"event_type":"alert"' in l for l in f)
    except OSError:
        return -1


def eve_events(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def test_metrics_and_api(serving):
    base, eve, _ = serving
    code, ctype, text = fetch(base + '/metrics')
    assert code == 200
    assert ctype.startswith('text/plain') and 'version=0.0.4' in ctype
    families, samples = parse_exposition(text)
    for name in ('vigia_packets_total', 'vigia_bytes_total', 'vigia_drops_total',
                 'vigia_flows_active', 'vigia_alerts_total',
                 'vigia_alerts_by_severity_total', 'vigia_redis_connected',
                 'vigia_policy_reloads_total', 'vigia_worker_busy_ratio'):
        assert name in families, name
    assert value(samples, 'vigia_packets_total', sensor=SENSOR) > 0
    assert value(samples, 'vigia_bytes_total', sensor=SENSOR) > 0
    for reason in ('nic_missed', 'nic_nombuf', 'ring_full', 'events_dropped',
                   'sink_dropped'):
        value(samples, 'vigia_drops_total', reason=reason)
    evs = eve_events(eve)
    alerts = [e for e in evs if e['event_type'] == 'alert']
    assert alerts, 'the demo capture under the office policy has alerts'
    assert value(samples, 'vigia_alerts_total') == len(alerts)
    assert value(samples, 'vigia_alerts_by_severity_total') == len(alerts)
    assert value(samples, 'vigia_build_info', sensor=SENSOR) == 1

    code, ctype, body = fetch(base + '/api/status')
    assert code == 200 and ctype.startswith('application/json')
    d = json.loads(body)
    assert d['snapshot']['sensor'] == SENSOR
    # the page's alerts: the run's last ones (at most 50), newest first
    assert len(d['alerts']) == min(50, len(alerts))
    sids = {a['alert']['signature_id'] for a in alerts}
    for a in d['alerts']:
        assert a['signature_id'] in sids
        assert 1 <= a['severity'] <= 4
        assert a['signature'] and a['timestamp'].startswith('20')
    labels = {f['ndpi']['proto'] for f in evs if f['event_type'] == 'flow' and 'ndpi' in f}
    assert d['top_apps'] and len(d['top_apps']) <= 10
    for r in d['top_apps']:
        assert r['app'] in labels or r['app'] == 'unknown', r
    b = [r['bytes'] for r in d['top_apps']]
    assert b == sorted(b, reverse=True)
    assert d['top_talkers'] and len(d['top_talkers']) <= 10
    assert d['health']['sink']['state'] == 'disabled'
    assert d['health']['policy']['state'] in ('loaded', 'none')

    # other routes and methods
    assert fetch(base + '/nope')[0] == 404
    req = urllib.request.Request(base + '/metrics', data=b'x', method='POST')
    try:
        urllib.request.urlopen(req, timeout=5)
        code = 200
    except urllib.error.HTTPError as e:
        code = e.code
    assert code == 405
    # a malformed request is refused, and the server goes on
    with socket.create_connection(('127.0.0.1', int(base.rsplit(':', 1)[1])), 5) as s:
        s.sendall(b'\x01\x02 nonsense\r\n\r\n')
        assert s.recv(64).startswith(b'HTTP/1.1 400')
    assert fetch(base + '/metrics')[0] == 200


def test_dashboard_names_exist(serving):
    """Every vigia_ metric the Grafana dashboard queries is exposed."""
    base, _, _ = serving
    families, _ = parse_exposition(fetch(base + '/metrics')[2])
    with open(DASHBOARD) as f:
        dash = json.load(f)
    assert dash['schemaVersion'] >= 36
    exprs = []

    def walk(panels):
        for p in panels:
            exprs.extend(t['expr'] for t in p.get('targets', []) if 'expr' in t)
            walk(p.get('panels', []))
    walk(dash['panels'])
    assert len(exprs) >= 10
    names = {n for e in exprs for n in re.findall(r'\bvigia_[a-zA-Z0-9_]+', e)}
    assert names
    missing = names - set(families)
    assert not missing, 'dashboard queries unknown metrics: %s' % sorted(missing)
    assert '${DS_PROMETHEUS}' in json.dumps(dash)


def chromium(args, tmp_path, timeout=90):
    if not CHROMIUM:
        pytest.skip('chromium not installed: the status page is not rendered')
    return subprocess.run([CHROMIUM] + CHROME_FLAGS +
                          ['--user-data-dir=%s' % (tmp_path / 'chromium')] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, check=False)


def test_page_renders(serving, tmp_path):
    base, _, _ = serving
    code, ctype, page = fetch(base + '/')
    assert code == 200 and ctype.startswith('text/html')
    assert 'pps-chart' in page and 'http://' not in page and 'https://' not in page

    r = chromium(['--virtual-time-budget=5000', '--dump-dom', base + '/'], tmp_path)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    dom = r.stdout.decode()
    # the script ran (the Content-Security-Policy let it) and filled the tables
    assert dom.count('<tr class="alert-row') >= 1, dom[-3000:]
    # the chart was drawn through the samples (the demo replay is over in
    # well under a second: its samples during the linger may all be 0)
    m = re.search(r'<canvas id="pps-chart"[^>]*>', dom)
    assert m, dom[-3000:]
    pts = re.search(r'data-points="(\d+)"', m.group(0))
    assert pts and int(pts.group(1)) >= 1 and 'data-max="' in m.group(0), m.group(0)
    assert re.search(r'id="top-apps".*?<tbody><tr><td>[^<]+</td>', dom, re.S)
    assert re.search(r'id="health".*?(connected|disabled|down)', dom, re.S)
    assert SENSOR in dom

    # kept as the test's artifact (CI keeps build/)
    art = os.path.join(ROOT, 'build', 'test-artifacts')
    os.makedirs(art, exist_ok=True)
    shot = tmp_path / 'status.png'
    r = chromium(['--virtual-time-budget=5000', '--screenshot=%s' % shot,
                  '--window-size=1280,900', base + '/'], tmp_path)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    assert shot.exists()
    data = shot.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    assert len(data) > 20000, 'screenshot of %d bytes: a blank page?' % len(data)
    shutil.copyfile(shot, os.path.join(art, 'status-page.png'))


def test_linger_ends(vigia, demo_pcap, tmp_path):
    """After the linger, vigia exits 0 and the port is free again."""
    port = free_port()
    t0 = time.time()
    p = run([vigia, 'replay', '-q', '-o', str(tmp_path / 'eve.json'),
             '--metrics-listen', '127.0.0.1:%d' % port, '--metrics-linger', '1',
             demo_pcap], env=env(), timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    assert time.time() - t0 >= 1
    with socket.socket() as s:
        assert s.connect_ex(('127.0.0.1', port)) != 0


def test_listen_refused(vigia, demo_pcap, tmp_path):
    """A bad or busy address fails at start-up, before any packet."""
    p = run([vigia, 'replay', '-q', '-o', str(tmp_path / 'a.json'),
             '--metrics-listen', 'localhost:notaport', demo_pcap], env=env(), timeout=30)
    assert p.returncode != 0
    assert b'metrics' in p.stderr.lower()
    with socket.socket() as busy:
        busy.bind(('127.0.0.1', 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        p = run([vigia, 'replay', '-q', '-o', str(tmp_path / 'b.json'),
                 '--metrics-listen', '127.0.0.1:%d' % port, demo_pcap],
                env=env(), timeout=30)
        assert p.returncode != 0
        assert b'metrics' in p.stderr.lower()


def test_counters_grow_during_replay_and_match_summary(vigia, tmp_path):
    """Scraped while a replay runs, vigia_packets_total grows; the last
    scrape (during the linger) equals the end-of-run summary."""
    gen = os.path.join(ROOT, 'build', 'vigia-gen')
    cap = str(tmp_path / 'big.pcap')
    assert run([gen, '-o', cap, '-n', '1500000']).returncode == 0
    port = free_port()
    summ = tmp_path / 's.json'
    p = subprocess.Popen([vigia, 'replay', '-q', '-o', '/dev/null', '--summary-json', str(summ),
                          '--metrics-listen', '127.0.0.1:%d' % port, '--metrics-linger', '30',
                          cap], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    seen, busy = [], []
    try:
        end = time.time() + 120
        while time.time() < end and not summ.exists():
            try:
                code, _, body = fetch('http://127.0.0.1:%d/metrics' % port, timeout=2)
                if code == 200:
                    _, samples = parse_exposition(body)
                    seen.append(value(samples, 'vigia_packets_total'))
                    busy.append(value(samples, 'vigia_worker_busy_ratio', worker='0'))
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            time.sleep(0.05)
        assert summ.exists(), 'no summary'
        time.sleep(0.5)
        _, _, body = fetch('http://127.0.0.1:%d/metrics' % port)
        _, samples = parse_exposition(body)
        final = value(samples, 'vigia_packets_total')
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
    s = json.loads(summ.read_text())
    assert final == s['pkts'] == 1500000
    growing = [v for v in seen if 0 < v < final]
    assert len(set(growing)) >= 2 and growing == sorted(growing), seen[:20]
    assert value(samples, 'vigia_flows_created_total') == s['flows_created']
    # the worker was loaded while it replayed, and is not once it ended
    assert all(0 <= b <= 1 for b in busy)
    assert max(busy) > 0.2, busy
    assert value(samples, 'vigia_worker_busy_ratio', worker='0') == 0
