"""Device baselines: street lights learn (mode: learn), the policy switches
to enforce, and each deviation gives exactly its alert while the unchanged
device gives none; profiles persist (state directory, Redis shared by two
sensors); `vigia devices` lists them and exports one as MUD-like JSON."""
import json
import os
import subprocess

import pytest

from conftest import ROOT, run

GEN = os.path.join(ROOT, 'tests', 'captures', 'gen_iot.py')
SEG = 'segments:\n  - name: iot-streetlights\n    cidrs: [10.20.1.0/24]\n    mode: %s\n'
CASES = {
    'unchanged': None,
    'new_peer': (100801, '203.0.113.50'),
    'telnet': (100802, '10.20.0.1'),
    'volume': (100803, '10.20.0.1'),
    'periodicity': (100804, None),
    'packets': (100803, '10.20.0.1'),
}


@pytest.fixture(scope='module')
def iot(tmp_path_factory):
    d = tmp_path_factory.mktemp('iot')
    subprocess.run(['/usr/bin/python3', GEN, str(d)], check=True)
    for mode in ('learn', 'enforce'):
        (d / (mode + '.yaml')).write_text(SEG % mode)
    return d


def alerts(path):
    return [json.loads(l) for l in open(path) if '"event_type":"alert"' in l]


def learn(vigia, iot, extra):
    p = run([vigia, 'replay', '-q', '--policy', str(iot / 'learn.yaml'), '-o', '/dev/null']
            + extra + [str(iot / 'learn.pcap')])
    assert p.returncode == 0, p.stderr
    return p


@pytest.mark.parametrize('case', sorted(CASES))
def test_learn_then_enforce(vigia, iot, tmp_path, case):
    """Learn in one run, enforce in the next from the saved state: no
    re-learning, exactly the deviation's alert, naming the device."""
    st = tmp_path / 'state'
    st.mkdir()
    learn(vigia, iot, ['--state-dir', str(st)])
    assert (st / 'state.tsv').exists()
    ev = tmp_path / 'ev.json'
    p = run([vigia, 'replay', '-q', '--policy', str(iot / 'enforce.yaml'),
             '--state-dir', str(st), '-o', str(ev), str(iot / (case + '.pcap'))])
    assert p.returncode == 0, p.stderr
    al = alerts(ev)
    want = CASES[case]
    if want is None:
        assert al == []
        return
    sid, dst = want
    assert [a['alert']['signature_id'] for a in al] == [sid], [
        (a['alert']['signature_id'], a['alert']['evidence']) for a in al]
    a = al[0]
    assert a['src_ip'] == '10.20.1.17' and a.get('dest_ip') == dst
    ev_ = a['alert']['evidence']
    assert ev_['baseline_flows'] >= 90          # what it learnt, in the evidence
    if case == 'volume':
        assert ev_['bytes'] > 4 * ev_['baseline_bytes_max'] + 1000
    if case == 'packets':   # the bytes alone were no anomaly, the packets are
        assert ev_['bytes'] <= 4 * ev_['baseline_bytes_max'] + 1000
        assert ev_['pkts'] > 4 * ev_['baseline_pkts_max'] + 10
    if sid == 100804:
        assert ev_['silence_s'] > 3 * ev_['baseline_period_s']
    if sid == 100802:
        assert 'tcp/1883' in ev_['baseline'] and 'MQTT' in ev_['baseline']


def test_learning_only_in_learn_mode(vigia, iot, tmp_path):
    """Enforce without a baseline raises nothing (nothing to compare), and a
    segment without `mode:` keeps no profiles at all."""
    st = tmp_path / 's'
    st.mkdir()
    ev = tmp_path / 'ev.json'
    p = run([vigia, 'replay', '-q', '--policy', str(iot / 'enforce.yaml'), '--state-dir', str(st),
             '-o', str(ev), str(iot / 'new_peer.pcap')])
    assert p.returncode == 0 and alerts(ev) == []
    nomode = tmp_path / 'n.yaml'
    nomode.write_text('segments:\n  - name: lights\n    cidrs: [10.20.1.0/24]\n')
    st2 = tmp_path / 's2'
    st2.mkdir()
    p = run([vigia, 'replay', '-q', '--policy', str(nomode), '--state-dir', str(st2), '-o',
             '/dev/null', str(iot / 'learn.pcap')])
    assert p.returncode == 0
    assert not (st2 / 'state.tsv').exists() or (st2 / 'state.tsv').read_text() == ''


def test_devices_command_and_mud_export(vigia, iot, tmp_path):
    st = tmp_path / 'state'
    st.mkdir()
    learn(vigia, iot, ['--state-dir', str(st)])
    p = run([vigia, 'devices', '--state-dir', str(st), '--policy', str(iot / 'enforce.yaml')])
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    assert out.startswith('2 devices')
    assert '10.20.1.17' in out and 'enforce' in out and 'tcp/1883 (every 30 s)' in out
    # the MAC where Ethernet shows it, and the packets per flow it learnt
    assert 'mac 02:00:00:00:00:01' in out and 'packets 2-8' in out
    p = run([vigia, 'devices', '--state-dir', str(st), '--export', '10.20.1.17'])
    assert p.returncode == 0, p.stderr
    mud = json.loads(p.stdout)
    assert mud['ietf-mud:mud']['mud-version'] == 1
    acls = mud['ietf-access-control-list:acls']['acl']
    assert [a['name'] for a in acls] == ['from-10.20.1.17', 'to-10.20.1.17']
    aces = acls[0]['aces']['ace']
    ports = {(a['matches']['ipv4']['protocol'],
              (a['matches'].get('tcp') or a['matches'].get('udp'))['destination-port']['port'])
             for a in aces}
    assert ports == {(6, 1883), (17, 53), (17, 123)}
    assert all(a['matches']['ipv4']['destination-ipv4-network'] == '10.20.0.0/24' for a in aces)
    assert sorted(mud['vigia:applications']) == ['DNS', 'MQTT', 'NTP']
    assert mud['ietf-mud:mud']['vigia:mac'] == '02:00:00:00:00:01'
    p = run([vigia, 'devices', '--state-dir', str(st), '--export', '10.9.9.9'])
    assert p.returncode == 1


def test_two_sensors_share_profiles_through_redis(vigia, iot, tmp_path):
    """Sensor A learns into Redis; sensor B, another name on the same Redis,
    starts knowing the devices: it catches the deviation, and the unchanged
    traffic stays quiet."""
    from test_redis import Redis
    r = Redis(tmp_path)
    try:
        addr = '127.0.0.1:%d' % r.port
        learn(vigia, iot, ['--sensor', 'sensor-a', '--redis', addr])
        assert int(r.cli('EXISTS', 'vigia:device:10.20.1.17')) == 1
        for case, want in (('unchanged', []), ('new_peer', [100801])):
            ev = tmp_path / ('b-%s.json' % case)
            p = run([vigia, 'replay', '-q', '--sensor', 'sensor-b', '--redis', addr, '--policy',
                     str(iot / 'enforce.yaml'), '-o', str(ev), str(iot / (case + '.pcap'))])
            assert p.returncode == 0, p.stderr
            assert [a['alert']['signature_id'] for a in alerts(ev)] == want
        p = run([vigia, 'devices', '--redis', addr])
        assert p.returncode == 0 and p.stdout.decode().startswith('2 devices')
    finally:
        r.stop()


def test_sensors_union_their_profiles_and_learning_resumes(vigia, iot, tmp_path):
    """Sensor A sees only the street lights' MQTT, sensor B only their DNS
    and NTP, both saving to one Redis: the profile there is the union, so a
    third sensor enforcing it finds the ordinary traffic normal, where A's
    view alone calls DNS and NTP new. Learning again after a restart (state
    directory) extends a profile instead of starting over."""
    from scapy.all import TCP, rdpcap, wrpcap
    from test_redis import Redis
    pk = rdpcap(str(iot / 'learn.pcap'))
    half = len([p for p in pk if p.haslayer(TCP)])
    assert 0 < half < len(pk)
    wrpcap(str(tmp_path / 'mqtt.pcap'), [p for p in pk if p.haslayer(TCP)])
    wrpcap(str(tmp_path / 'udp.pcap'), [p for p in pk if not p.haslayer(TCP)])
    r = Redis(tmp_path)
    try:
        addr = '127.0.0.1:%d' % r.port
        learn_one = lambda name, cap, extra: run(
            [vigia, 'replay', '-q', '--sensor', name, '--policy', str(iot / 'learn.yaml'),
             '-o', '/dev/null'] + extra + [str(tmp_path / cap)])
        assert learn_one('sensor-a', 'mqtt.pcap', ['--redis', addr]).returncode == 0
        assert learn_one('sensor-b', 'udp.pcap', ['--redis', addr]).returncode == 0
        for who, extra, want in (('sensor-c', ['--redis', addr], []),):
            ev = tmp_path / ('%s.json' % who)
            p = run([vigia, 'replay', '-q', '--sensor', who, '--policy',
                     str(iot / 'enforce.yaml'), '-o', str(ev)] + extra +
                    [str(iot / 'unchanged.pcap')])
            assert p.returncode == 0, p.stderr
            assert [a['alert']['signature_id'] for a in alerts(ev)] == want
        text = r.cli('HGET', 'vigia:device:10.20.1.17', 'baseline').decode()
        assert '6/1883/' in text and '17/53/' in text and '17/123/' in text
    finally:
        r.stop()
    # A's view alone: DNS and NTP are services the devices never used
    st = tmp_path / 'st'
    st.mkdir()
    assert learn_one('a', 'mqtt.pcap', ['--state-dir', str(st)]).returncode == 0
    ev = tmp_path / 'a-only.json'
    p = run([vigia, 'replay', '-q', '--policy', str(iot / 'enforce.yaml'), '--state-dir',
             str(st), '-o', str(ev), str(iot / 'unchanged.pcap')])
    assert p.returncode == 0, p.stderr
    assert {a['alert']['signature_id'] for a in alerts(ev)} == {100802}
    # learning resumes from the saved state: the same folder, B's traffic
    assert learn_one('a', 'udp.pcap', ['--state-dir', str(st)]).returncode == 0
    p = run([vigia, 'replay', '-q', '--policy', str(iot / 'enforce.yaml'), '--state-dir',
             str(st), '-o', str(ev), str(iot / 'unchanged.pcap')])
    assert p.returncode == 0, p.stderr
    assert alerts(ev) == []


def test_live_sensor_checkpoints_and_learns_from_others(vigia, iot, netns, tmp_path):
    """A live sensor saves what it knows every --state-interval (a crash
    loses at most one interval) and, each time, takes what other sensors
    saved to the same Redis: sensor B, capturing an idle link, comes to know
    the street lights sensor A learnt, while it runs."""
    import signal
    import time
    from conftest import redis_in_netns
    ns = ['ip', 'netns', 'exec', netns]
    sb = tmp_path / 'state-b'
    sb.mkdir()
    summ = tmp_path / 's.json'
    b = None
    with redis_in_netns(netns) as port:
        try:
            addr = '127.0.0.1:%d' % port
            b = subprocess.Popen(ns + [vigia, 'live', '-i', 'va', '-q', '--sensor', 'sensor-b',
                                       '--policy', str(iot / 'learn.yaml'), '--redis', addr,
                                       '--state-dir', str(sb), '--state-interval', '1',
                                       '-o', '/dev/null', '--summary-json', str(summ)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(1.5)
            assert b.poll() is None, b.stderr.read()
            # a checkpoint while running, before anyone learnt anything
            assert (sb / 'state.tsv').exists()
            assert '10.20.1.17' not in (sb / 'state.tsv').read_text()
            p = run(ns + [vigia, 'replay', '-q', '--sensor', 'sensor-a', '--redis', addr,
                          '--policy', str(iot / 'learn.yaml'), '-o', '/dev/null',
                          str(iot / 'learn.pcap')])
            assert p.returncode == 0, p.stderr
            for _ in range(50):
                if '10.20.1.17' in (sb / 'state.tsv').read_text():
                    break
                time.sleep(0.1)
            assert '10.20.1.17' in (sb / 'state.tsv').read_text()
            assert b.poll() is None
            b.send_signal(signal.SIGTERM)
            assert b.wait(timeout=30) == 0, b.stderr.read()
            assert json.loads(summ.read_text())['state']['checkpoints'] >= 2
        finally:
            if b and b.poll() is None:
                b.kill()


GEN_ICS = os.path.join(ROOT, 'tests', 'captures', 'gen_ics.py')
SCADA = ('segments:\n  - name: scada\n    cidrs: [10.30.1.0/24]\n'
         '    ics_masters: [10.30.0.5/32]\n    mode: %s\n')
ICS_CASES = {
    'benign': [],
    'rogue_write': [(100901, '10.30.0.66', '10.30.1.10')],
    'rogue_operate': [(100902, '10.30.0.66', '10.30.1.20'), (100904, '10.30.0.66', '10.30.1.20')],
    'exc_flood': [(100903, '10.30.0.66', '10.30.1.10')],
    'new_function': [(100904, '10.30.0.5', '10.30.1.10')],
    # DNP3: the master may operate (only new for the outstation), others
    # may neither write nor restart it; an IIN2 flood is an exception flood
    'master_operate': [(100904, '10.30.0.5', '10.30.1.20')],
    'rogue_dnp3_write': [(100901, '10.30.0.66', '10.30.1.20'), (100904, '10.30.0.66', '10.30.1.20')],
    'rogue_restart': [(100902, '10.30.0.66', '10.30.1.20'), (100904, '10.30.0.66', '10.30.1.20')],
    'dnp3_exc_flood': [(100903, '10.30.0.66', '10.30.1.20')],
}


@pytest.fixture(scope='module')
def ics(tmp_path_factory):
    d = tmp_path_factory.mktemp('ics')
    subprocess.run(['/usr/bin/python3', GEN_ICS, str(d)], check=True)
    for mode in ('learn', 'enforce'):
        (d / (mode + '.yaml')).write_text(SCADA % mode)
    return d


def test_mud_export_of_a_server_device(vigia, ics, tmp_path):
    """A PLC serves Modbus: its profile says it listens on 502, and its MUD
    export lets the masters' network reach port 502 on it and lets it answer
    from 502 (not the reverse, which is what a client's export says)."""
    st = tmp_path / 'state'
    st.mkdir()
    p = run([vigia, 'replay', '-q', '--policy', str(ics / 'learn.yaml'), '--state-dir', str(st),
             '-o', '/dev/null', str(ics / 'benign.pcap')])
    assert p.returncode == 0, p.stderr
    p = run([vigia, 'devices', '--state-dir', str(st)])
    assert 'tcp/502 served' in p.stdout.decode() and 'tcp/20000 served' in p.stdout.decode()
    p = run([vigia, 'devices', '--state-dir', str(st), '--export', '10.30.1.10'])
    assert p.returncode == 0, p.stderr
    acls = {a['name']: a['aces']['ace'] for a in
            json.loads(p.stdout)['ietf-access-control-list:acls']['acl']}
    out, inn = acls['from-10.30.1.10'], acls['to-10.30.1.10']
    assert [a['matches']['tcp'] for a in out] == [{'source-port': {'operator': 'eq', 'port': 502}}]
    assert [a['matches']['tcp'] for a in inn] == [
        {'destination-port': {'operator': 'eq', 'port': 502}}]
    assert inn[0]['matches']['ipv4']['source-ipv4-network'] == '10.30.0.0/24'
    # enforcing that profile: the masters polling it are no news
    ev = tmp_path / 'ev.json'
    p = run([vigia, 'replay', '-q', '--policy', str(ics / 'enforce.yaml'), '--state-dir', str(st),
             '-o', str(ev), str(ics / 'benign.pcap')])
    assert p.returncode == 0, p.stderr
    assert [a for a in alerts(ev) if a['alert']['signature_id'] // 100 == 1008] == []


@pytest.mark.parametrize('case', sorted(ICS_CASES))
def test_ics_write_control(vigia, ics, tmp_path, case):
    """Writes and operates from a host the segment does not list as a master
    alert (Modbus and DNP3); exception floods alert; the functions learnt
    per device are enforced; the master's ordinary polling and set points
    raise nothing."""
    st = tmp_path / 'st'
    st.mkdir()
    p = run([vigia, 'replay', '-q', '--policy', str(ics / 'learn.yaml'), '--state-dir', str(st),
             '-o', '/dev/null', str(ics / 'benign.pcap')])
    assert p.returncode == 0, p.stderr
    ev = tmp_path / 'ev.json'
    p = run([vigia, 'replay', '-q', '-w', '2', '--policy', str(ics / 'enforce.yaml'),
             '--state-dir', str(st), '-o', str(ev), str(ics / (case + '.pcap'))])
    assert p.returncode == 0, p.stderr
    got = sorted((a['alert']['signature_id'], a['src_ip'], a['dest_ip']) for a in alerts(ev))
    assert got == ICS_CASES[case], got
    for a in alerts(ev):
        assert a['alert']['mitre'] and a['alert']['mitre'][0].startswith('T08')
        assert a['alert']['evidence']['function_name']


def test_ics_corpus_no_alerts_without_masters(vigia, corpus, tmp_path):
    """The corpus Modbus and DNP3 captures replay without ICS alerts when no
    segment polices them (and the parsers see their functions: the flows
    are classified as nDPI does)."""
    caps = [os.path.join(corpus, 'ndpi-4.2', 'pcap', n) for n in ('modbus.pcap', 'dnp3.pcap')]
    caps += [os.path.join(corpus, 'suricata-verify', 'modbus', 'modbus.pcap')]
    for cap in caps:
        ev = tmp_path / 'ev.json'
        p = run([vigia, 'replay', '-q', '-o', str(ev), cap])
        assert p.returncode == 0, p.stderr
        assert not [a for a in alerts(ev) if a['alert'].get('detector') == 'ics'], cap


def iot_stats(path):
    return [e for e in map(json.loads, open(path))
            if e['event_type'] == 'stats' and 'iot' in e['stats']]


def test_iot_protocol_telemetry_per_segment(vigia, demo_pcap, tmp_path):
    """MQTT (connects, publishes, client ids, topics) and CoAP (methods,
    paths) summarised per segment in stats events."""
    pol = tmp_path / 'p.yaml'
    pol.write_text('segments:\n  - name: iot-streetlights\n    cidrs: [10.20.0.0/16]\n    vlans: [20]\n')
    ev = tmp_path / 'ev.json'
    p = run([vigia, 'replay', '-q', '--stats-interval', '60', '--policy', str(pol), '-o', str(ev),
             demo_pcap])
    assert p.returncode == 0, p.stderr
    st = iot_stats(ev)
    lights = [e for e in st if e.get('segment') == 'iot-streetlights']
    assert lights and sum(e['stats']['iot']['mqtt']['connects'] for e in lights) == 100
    m = lights[0]['stats']['iot']['mqtt']
    assert m['client_ids'][0].startswith('streetlight-') and m['topics'][0].startswith('city/lights/')
    coap = [e['stats']['iot']['coap'] for e in st if e['stats']['iot']['coap']['requests']]
    assert sum(c['get'] for c in coap) == 100 and coap[0]['paths'][0].startswith('parking/')
    # and nothing at all without stats events
    p = run([vigia, 'replay', '-q', '-o', str(ev), demo_pcap])
    assert p.returncode == 0 and iot_stats(ev) == []


def test_mqtt_anomalies_and_credentials_in_corpus(vigia, corpus, tmp_path):
    """suricata-verify's invalid QoS is counted; ndpi's mqtt.pcap logs in
    with clear-text credentials."""
    sv = os.path.join(corpus, 'suricata-verify', 'mqtt-events-invalid-qos')
    cap = [os.path.join(sv, f) for f in os.listdir(sv) if f.endswith('.pcap')][0]
    for path, key in ((cap, 'invalid_qos'),
                      (os.path.join(corpus, 'ndpi-4.2', 'pcap', 'mqtt.pcap'),
                       'cleartext_credentials')):
        ev = tmp_path / 'ev.json'
        p = run([vigia, 'replay', '-q', '--stats-interval', '3600', '-o', str(ev), path])
        assert p.returncode == 0, p.stderr
        assert sum(e['stats']['iot']['mqtt'][key] for e in iot_stats(ev)) >= 1, path


def test_devices_command_with_redis_password(vigia, iot, tmp_path):
    """A Redis that wants a password: the sensor and `vigia devices` both
    take it from a file; without it, devices says why it cannot read."""
    from test_redis import Redis
    r = Redis(tmp_path, '--requirepass', 's3cret')
    try:
        addr = '127.0.0.1:%d' % r.port
        pwf = tmp_path / 'pw'
        pwf.write_text('s3cret\n')
        learn(vigia, iot, ['--redis', addr, '--redis-password-file', str(pwf)])
        p = run([vigia, 'devices', '--redis', addr, '--redis-password-file', str(pwf)])
        assert p.returncode == 0, p.stderr
        assert p.stdout.decode().startswith('2 devices')
        p = run([vigia, 'devices', '--redis', addr])
        assert p.returncode == 1 and b'auth' in p.stderr.lower(), p.stderr
    finally:
        r.stop()
