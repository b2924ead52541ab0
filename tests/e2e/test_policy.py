"""City policies end to end: check-policy, segments on events, policy and
threat-intel alerts on the demo capture, atomic reload under SIGHUP."""
import glob
import json
import os
import re
import signal
import subprocess
import time

from conftest import ROOT, run

DEMO_JA3 = 'fc5049cac41ba821413381c1ed06677f'   # the demo's TLS clients


def write_policy(tmp_path, name='p.yaml', office_apps='[TLS, DNS, NTP]', extra=''):
    (tmp_path / 'ips.txt').write_text('# intel\n192.0.2.20\n')
    (tmp_path / 'dom.txt').write_text('tickets.city.example\nity.example\n')
    (tmp_path / 'ja3.txt').write_text(DEMO_JA3 + '\n')
    p = tmp_path / name
    p.write_text(f"""version: 1
segments:
  - name: municipal-office
    cidrs: [10.10.0.0/16]
    allow:
      apps: {office_apps}
  - name: iot-streetlights
    cidrs: [10.20.0.0/16]
    vlans: [20]
    allow:
      apps: [MQTT]
      destinations: [10.20.0.1/32]
      ports: [1883]
{extra}
intel:
  - name: test-ips
    severity: 1
    ips: ips.txt
  - name: test-domains
    severity: 2
    domains: dom.txt
  - name: test-ja3
    severity: 3
    ja3: ja3.txt
""")
    return str(p)


def test_check_policy(vigia, tmp_path):
    examples = glob.glob(os.path.join(ROOT, 'policies', 'examples', '*.yaml'))
    assert examples
    for ex in examples:
        p = run([vigia, 'check-policy', ex])
        assert p.returncode == 0, p.stderr
        assert b'segments' in p.stdout
    bad = tmp_path / 'bad.yaml'
    bad.write_text('segments:\n  - name: x\n    allow:\n      apps: [MQTT, Telnetz]\n')
    p = run([vigia, 'check-policy', str(bad)])
    assert p.returncode == 1
    assert re.match(rb'.*bad\.yaml:4:20: unknown application .Telnetz.', p.stderr.strip())
    # a replay refuses to start on a bad policy, with the same line
    p = run([vigia, 'replay', '-q', '--policy', str(bad), '-o', '/dev/null', str(bad)])
    assert p.returncode == 1 and b'bad.yaml:4:20' in p.stderr


def test_segments_and_alerts(vigia, demo_pcap, tmp_path):
    pol = write_policy(tmp_path)
    out = tmp_path / 'eve.json'
    summ = tmp_path / 's.json'
    p = run([vigia, 'replay', '-q', '--policy', pol, '-o', str(out), '--summary-json',
             str(summ), demo_pcap])
    assert p.returncode == 0, p.stderr
    evs = [json.loads(l) for l in out.read_text().splitlines()]
    flows = [e for e in evs if e['event_type'] == 'flow']
    alerts = [e for e in evs if e['event_type'] == 'alert']
    seg = {f['flow_id']: f.get('segment') for f in flows}
    assert {f.get('segment') for f in flows if f['src_ip'].startswith('10.10.')} == {'municipal-office'}
    assert {f.get('segment') for f in flows if f['src_ip'].startswith('10.20.')} == {'iot-streetlights'}
    by_sid = {}
    for a in alerts:
        by_sid.setdefault(a['alert']['signature_id'], []).append(a)
        if 'flow_id' in a:        # cross-flow alerts (a beacon) name no one flow
            assert a['segment'] == seg[a['flow_id']]
    # HTTP is not allowed in the office: every office HTTP flow, once
    # (and the two unclassifiable, malformed flows: unknown is not allowed)
    office = [f for f in flows if f['src_ip'].startswith('10.10.')]
    http_office = [f for f in office if f['app_proto'] == 'http']
    unknown_office = [f for f in office if f['app_proto'] == 'unknown']
    pol_alerts = by_sid[200001]
    assert len(http_office) == 200 and len(unknown_office) == 2
    assert len(pol_alerts) == 202 and len({a['flow_id'] for a in pol_alerts}) == 202
    a = pol_alerts[0]['alert']
    assert a['category'] == 'policy-violation' and a['severity'] == 2
    assert 'allows only TLS,DNS,NTP' in a['evidence']['rule'] and 'HTTP' in a['evidence']['rule']
    # intel: the address, the domain (suffix on a label boundary), the JA3
    ip_alerts = by_sid[200101]
    assert len(ip_alerts) == len([f for f in flows if '192.0.2.20' in (f['src_ip'], f['dest_ip'])])
    assert all(x['alert']['severity'] == 1 for x in ip_alerts)
    dom = by_sid[200102]
    named = [f for f in flows if 'tickets.city.example' in
             (f.get('http', {}).get('hostname'), f.get('dns', {}).get('rrname'))]
    assert len(named) == 250      # 200 HTTP Host headers, 50 DNS queries
    assert len(dom) == 250 and all('tickets.city.example' in x['alert']['evidence']['rule'] for x in dom)
    assert {x['flow_id'] for x in dom} == {f['flow_id'] for f in named}
    # 'ity.example' is on the list: 'city.example' names must not match it
    assert not [x for x in dom if 'matches ity.example' in x['alert']['evidence']['rule']]
    ja3 = by_sid[200103]
    assert len(ja3) == 200 and all(DEMO_JA3 in x['alert']['evidence']['rule'] for x in ja3)
    s = json.loads(summ.read_text())
    # the workers' alerts and the analytics thread's (the demo's beaconing UE app)
    assert s['events']['alert'] == len(alerts) == s['alerts'] + s['analytics']['alerts']
    assert len(s['policy']['hash']) == 16


def test_destination_policy(vigia, demo_pcap, tmp_path):
    """Street lights may only talk MQTT to 10.20.0.1:1883; restrict the port
    list to something else and every light's flow is a violation, once."""
    pol = write_policy(tmp_path, office_apps='[TLS, DNS, NTP, HTTP]')
    txt = open(pol).read().replace('ports: [1883]', 'ports: [8883]')
    open(pol, 'w').write(txt)
    p = run([vigia, 'replay', '-q', '--policy', pol, '-o', '-', demo_pcap])
    evs = [json.loads(l) for l in p.stdout.decode().splitlines()]
    dst = [e for e in evs if e['event_type'] == 'alert' and e['alert']['signature_id'] == 200002]
    mqtt = [e for e in evs if e['event_type'] == 'flow' and e['app_proto'] == 'mqtt']
    assert len(dst) == len(mqtt) == 100
    assert all('port 1883 not in allow.ports' in a['alert']['evidence']['rule'] for a in dst)


def test_reload_under_load(vigia, demo_pcap, tmp_path):
    good1 = write_policy(tmp_path, 'good1.yaml')
    good2 = write_policy(tmp_path, 'good2.yaml', office_apps='[TLS, DNS, NTP, HTTP]')
    broken = tmp_path / 'broken.yaml'
    broken.write_text('segments:\n  - name: x\n    cidrs: [10.0.0.1/8]\n')
    live = tmp_path / 'live.yaml'
    live.write_text(open(good1).read())
    ref = run([vigia, 'replay', '-q', '--summary-json', str(tmp_path / 'ref.json'),
               '-o', '/dev/null', '--preload', '400', demo_pcap])
    assert ref.returncode == 0
    summ = tmp_path / 's.json'
    p = subprocess.Popen([vigia, 'replay', '-q', '--policy', str(live), '-o', '/dev/null',
                          '--summary-json', str(summ), '--preload', '400', demo_pcap],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sent = []
    time.sleep(0.8)   # past start-up and preloading
    for i in range(9):   # good2, broken, good1, ... ending on good1
        src = [good2, str(broken), good1][i % 3]
        live.write_text(open(src).read())
        sent.append(src)
        p.send_signal(signal.SIGHUP)
        time.sleep(0.1)
    still_running = p.poll() is None
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert still_running, 'the replay ended before the reloads: make it longer'
    s = json.loads(summ.read_text())
    r = json.loads((tmp_path / 'ref.json').read_text())
    # no packet lost to reloads
    assert s['pkts'] == r['pkts'] == 400 * 5780
    assert s['flows_ended'] == r['flows_ended']
    assert s['policy']['reloads_failed'] >= 1 and s['policy']['reloads_ok'] >= 1
    assert b'policy reload refused' in err and b'live.yaml:3:13' in err
    # the live policy is the last file sent (a valid one)
    want = run([vigia, 'check-policy', good1]).stdout.decode()
    assert s['policy']['hash'] in want


def test_pseudonymise(vigia, demo_pcap, tmp_path):
    pol = tmp_path / 'ue.yaml'
    pol.write_text('segments:\n  - name: 5g-n3\n    cidrs: [10.45.0.0/16]\n'
                   '    pseudonymise: true\n')
    key = tmp_path / 'key'
    key.write_bytes(b'k' * 32)
    outs = []
    for i in range(2):
        p = run([vigia, 'replay', '-q', '--policy', str(pol), '--pseudonym-key-file', str(key),
                 '-o', '-', demo_pcap])
        assert p.returncode == 0, p.stderr
        outs.append(p.stdout.decode())
    # the UE's address never appears; its pseudonym is stable for one key
    assert '10.45.0.7' not in outs[0]
    evs = [json.loads(l) for l in outs[0].splitlines()]
    ue = [e for e in evs if e.get('segment') == '5g-n3']
    assert ue and len({e['src_ip'] for e in ue}) == 1
    assert ue[0]['src_ip'].startswith('pseudo:') and 'community_id' not in ue[0]
    # the same events (the analytics thread's alerts interleave differently)
    assert sorted(outs[0].splitlines()) == sorted(outs[1].splitlines())
    # other segments' addresses are untouched
    assert any(e['src_ip'] == '10.10.1.10' for e in evs)
    # without a key file each run has its own key: not linkable across runs
    a = run([vigia, 'replay', '-q', '--policy', str(pol), '-o', '-', demo_pcap]).stdout
    b = run([vigia, 'replay', '-q', '--policy', str(pol), '-o', '-', demo_pcap]).stdout
    pa = {json.loads(l)['src_ip'] for l in a.splitlines() if b'5g-n3' in l}
    pb = {json.loads(l)['src_ip'] for l in b.splitlines() if b'5g-n3' in l}
    assert pa and pb and pa.isdisjoint(pb)


def test_reload_threads_tsan(demo_pcap, tmp_path):
    """Two workers, policy swapped under them again and again: clean under
    ThreadSanitizer (the RCU read side, the rings, the telemetry thread)."""
    import pytest
    tsan = os.path.join(ROOT, 'build-tsan', 'vigia')
    if not os.path.exists(tsan):
        pytest.skip('no ThreadSanitizer build (make SAN=thread)')
    good1 = write_policy(tmp_path, 'good1.yaml')
    good2 = write_policy(tmp_path, 'good2.yaml', office_apps='[TLS, DNS, NTP, HTTP]')
    live = tmp_path / 'live.yaml'
    live.write_text(open(good1).read())
    summ = tmp_path / 's.json'
    p = subprocess.Popen([tsan, 'replay', '-q', '-w', '2', '--policy', str(live), '-o', '/dev/null',
                          '--summary-json', str(summ), '--preload', '40', demo_pcap],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, TSAN_OPTIONS='halt_on_error=1'))
    time.sleep(2.5)
    for i in range(6):
        live.write_text(open([good2, good1][i % 2]).read())
        p.send_signal(signal.SIGHUP)
        time.sleep(0.2)
    out, err = p.communicate(timeout=300)
    assert b'ThreadSanitizer' not in err, err.decode()[-3000:]
    assert p.returncode == 0
    s = json.loads(summ.read_text())
    assert s['pkts'] == 40 * 5780 and s['policy']['reloads_ok'] >= 1
