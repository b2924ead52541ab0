"""End to end: vigia replay on the demo capture, the command line contract,
bad input, and determinism."""
import json
import os

from conftest import pcap_header, pcap_record, pkey, run


def events_of(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def replay(vigia, *files, extra=(), tmp_path=None):
    out = os.path.join(str(tmp_path), 'eve.json')
    summ = os.path.join(str(tmp_path), 'summary.json')
    p = run([vigia, 'replay', '-q', '-o', out, '--summary-json', summ,
             '--sensor', 'edge-test'] + list(extra) + list(files))
    with open(out) as f:
        evs = events_of(f.read())
    summary = None
    if os.path.exists(summ):
        with open(summ) as f:
            summary = json.load(f)
    return p, evs, summary


def test_demo_flows(vigia, demo_pcap, tmp_path):
    p, evs, s = replay(vigia, demo_pcap, tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    flows = [e for e in evs if e['event_type'] == 'flow']
    assert len(flows) == s['flows_ended'] == s['events']['flow']
    assert s['pkts'] == 5780
    for e in evs:
        assert e['sensor'] == 'edge-test'
        assert e['timestamp'].startswith('2026-11-18T')
    labels = {f['ndpi']['proto'] for f in flows if 'ndpi' in f}
    for want in ('TLS', 'HTTP', 'DNS', 'MQTT', 'Modbus', 'COAP', 'NTP'):
        assert want in labels, labels
    # packets and bytes add up to what was captured
    assert sum(f['flow']['pkts_toserver'] + f['flow']['pkts_toclient']
               for f in flows) == s['pkts'] - s['frag_later'] - s['not_ip'] - s['decode_bad']
    tls = [f for f in flows if f.get('tls', {}).get('sni') == 'portal.city.example']
    assert len(tls) == 200
    t = tls[0]
    assert t['app_proto'] == 'tls' and t['dest_port'] == 443
    assert len(t['tls']['ja3']['hash']) == 32
    assert t['flow']['state'] == 'closed'
    assert t['tcp']['syn'] and t['tcp']['fin']
    assert t['flow']['pkts_toserver'] == 6 and t['flow']['pkts_toclient'] == 4
    http = [f for f in flows if f.get('http', {}).get('http_user_agent') == 'CityKiosk/2.1 (Linux)']
    assert http and http[0]['http']['hostname'] == 'tickets.city.example'
    assert http[0]['http']['status'] == 200
    mqtt = [f for f in flows if f['app_proto'] == 'mqtt']
    assert mqtt and all(f['vlan'] == [20] for f in mqtt)
    coap = [f for f in flows if f['app_proto'] == 'coap']
    assert coap and all(':' in f['src_ip'] for f in coap)


def test_demo_gtp(vigia, demo_pcap, tmp_path):
    p, evs, s = replay(vigia, demo_pcap, tmp_path=tmp_path)
    gtp = [e for e in evs if e['event_type'] == 'flow' and 'tunnel' in e]
    assert gtp
    ue = gtp[0]['src_ip']
    assert ue.startswith('pseudo:')
    assert '"10.45.0.7"' not in open(tmp_path / 'eve.json').read()
    for f in gtp:
        t = f['tunnel']
        assert t['type'] == 'gtp-u'
        assert t['outer_src'] == '172.16.0.1' and t['outer_dst'] == '172.16.0.2'
        assert t['teid'] == 0x1001 and t['teid_toclient'] == 0x2002
        assert t['qfi'] == 9
        # the inner client of a GTP-U flow is a UE: no N4 told vigia its
        # session, its address is pseudonymised all the same (one key, one
        # pseudonym), the servers it talks to are not
        assert f['src_ip'] == ue and f['dest_ip'] in ('192.0.2.30', '10.10.0.53')
        assert 'community_id' not in f
        # both directions landed in one flow despite different TEIDs
        assert f['flow']['pkts_toclient'] > 0
    assert {f['app_proto'] for f in gtp} == {'dns', 'http'}
    assert s['tunnelled'] == 100


def test_demo_anomalies(vigia, demo_pcap, tmp_path):
    p, evs, s = replay(vigia, demo_pcap, tmp_path=tmp_path)
    an = [e for e in evs if e['event_type'] == 'anomaly']
    kinds = sorted(e['anomaly']['event'] for e in an)
    # one event per kind per flow: the 10 repetitions reuse the same flows
    assert kinds == ['ipv4.trunc_pkt', 'tcp.pkt_too_small']
    assert s['anomaly_kinds'] == {'ipv4.trunc_pkt': 10, 'tcp.pkt_too_small': 10}
    bad = [e for e in evs if e['event_type'] == 'flow' and e['src_ip'] == '10.10.9.9']
    assert bad and bad[0]['decode_anomalies'] == ['ipv4.trunc_pkt']


def test_community_id_and_flow_id(vigia, demo_pcap, tmp_path):
    p, evs, s = replay(vigia, demo_pcap, tmp_path=tmp_path)
    flows = [e for e in evs if e['event_type'] == 'flow']
    ids = [f['flow_id'] for f in flows]
    assert len(set(ids)) == len(ids)
    assert all(0 < i < 2 ** 53 for i in ids)
    # every flow but those with a pseudonymised UE (the id would give the
    # address away)
    clear = [f for f in flows if not f['src_ip'].startswith('pseudo:')]
    assert len(clear) > len(flows) - 20
    assert all(f['community_id'].startswith('1:') and len(f['community_id']) == 30
               for f in clear)
    assert all('community_id' not in f for f in flows if f not in clear)


def test_deterministic(vigia, demo_pcap, tmp_path):
    a = run([vigia, 'replay', '-q', '-o', '-'] + pkey() + [demo_pcap]).stdout
    b = run([vigia, 'replay', '-q', '-o', '-'] + pkey() + [demo_pcap]).stdout
    assert a and sorted(a.splitlines()) == sorted(b.splitlines())


def test_several_files_in_order(vigia, demo_pcap, tmp_path):
    p, evs, s = replay(vigia, demo_pcap, demo_pcap, tmp_path=tmp_path)
    assert p.returncode == 0
    assert s['pkts'] == 2 * 5780


def test_timeouts_split_flows(vigia, tmp_path):
    """Idle timeout on packet time: the same UDP 5-tuple 200 s apart is two
    flows with the default 120 s UDP timeout, one with --udp-timeout 300."""
    import struct
    eth = b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00'
    def udp(ts):
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28 + 4, 1, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        return pcap_record(eth + ip + struct.pack('!HHHH', 1000, 2000, 12, 0) + b'abcd', ts=ts)
    f = tmp_path / 'gap.pcap'
    f.write_bytes(pcap_header(1) + udp(1700000000) + udp(1700000200))
    p, evs, s = replay(vigia, str(f), tmp_path=tmp_path)
    flows = [e for e in evs if e['event_type'] == 'flow']
    assert len(flows) == 2
    assert flows[0]['flow']['reason'] == 'timeout'
    assert flows[1]['flow']['reason'] == 'shutdown'
    p, evs, s = replay(vigia, str(f), extra=['--udp-timeout', '300'], tmp_path=tmp_path)
    flows = [e for e in evs if e['event_type'] == 'flow']
    assert len(flows) == 1 and flows[0]['flow']['pkts_toserver'] == 2


def test_eviction_counted(vigia, demo_pcap, tmp_path):
    p, evs, s = replay(vigia, demo_pcap, extra=['--max-flows', '8'], tmp_path=tmp_path)
    assert p.returncode == 0
    assert s['flows_evicted'] > 0
    flows = [e for e in evs if e['event_type'] == 'flow']
    assert sum(1 for f in flows if f['flow']['reason'] == 'evicted') == s['flows_evicted']
    # nothing lost: every packet is still in some flow record
    assert sum(f['flow']['pkts_toserver'] + f['flow']['pkts_toclient'] for f in flows) == \
        s['pkts'] - s['frag_later'] - s['not_ip'] - s['decode_bad']


def test_help_version_usage(vigia):
    p = run([vigia, '--help'])
    assert p.returncode == 0 and b'vigia replay' in p.stdout
    p = run([vigia, '--version'])
    assert p.returncode == 0 and p.stdout.startswith(b'vigia ')
    for args in (['bogus'], ['replay'], ['replay', '--no-such-option', 'x'],
                 ['replay', '-w', '0', 'x'], ['replay', '--max-flows', 'abc', 'x'],
                 ['live'], []):
        p = run([vigia] + args)
        assert p.returncode == 2, (args, p.stderr)


def test_bad_input(vigia, demo_pcap, tmp_path):
    # missing file
    p = run([vigia, 'replay', '-q', '-o', '-', str(tmp_path / 'nope.pcap')])
    assert p.returncode == 1
    err = p.stderr.decode().strip().splitlines()
    assert len(err) == 1 and 'nope.pcap' in err[0] and 'No such file' in err[0]
    # not a capture
    txt = tmp_path / 'notes.txt'
    txt.write_text('this is not a capture\n' * 10)
    p = run([vigia, 'replay', '-q', '-o', '-', str(txt)])
    assert p.returncode == 1 and b'notes.txt' in p.stderr
    # unsupported link type (USER0 = 147)
    ul = tmp_path / 'user0.pcap'
    ul.write_bytes(pcap_header(147) + pcap_record(b'\x00' * 40))
    p = run([vigia, 'replay', '-q', '-o', '-', str(ul)])
    assert p.returncode == 1 and b'user0.pcap' in p.stderr and b'link type 147' in p.stderr
    # a directory
    p = run([vigia, 'replay', '-q', '-o', '-', str(tmp_path)])
    assert p.returncode == 1


def test_truncated_capture_keeps_events(vigia, demo_pcap, tmp_path):
    data = open(demo_pcap, 'rb').read()
    cut = tmp_path / 'cut.pcap'
    cut.write_bytes(data[:len(data) // 2 + 7])
    p = run([vigia, 'replay', '-q', '-o', '-', str(cut)])
    assert p.returncode == 1
    assert b'cut.pcap' in p.stderr and b'truncated' in p.stderr
    evs = events_of(p.stdout.decode())       # every line is valid JSON
    flows = [e for e in evs if e['event_type'] == 'flow']
    assert len(flows) > 20                   # flows seen before the cut were flushed
    assert all(f['flow']['reason'] == 'shutdown' or f['flow']['reason'] == 'timeout'
               for f in flows)
    # a good file after a bad one is not read: input order is the contract
    p2 = run([vigia, 'replay', '-q', '-o', '-', str(cut), demo_pcap])
    assert p2.returncode == 1


def test_stdout_default_and_pcapng(vigia, demo_pcap, tmp_path):
    ng = tmp_path / 'demo.pcapng'
    r = run(['editcap', '-F', 'pcapng', demo_pcap, str(ng)])
    assert r.returncode == 0
    p = run([vigia, 'replay', '-q'] + pkey() + [str(ng)])  # stdout is a pipe here
    assert p.returncode == 0
    a = sorted(p.stdout.splitlines())
    b = sorted(run([vigia, 'replay', '-q'] + pkey() + [demo_pcap]).stdout.splitlines())
    assert a == b and len(a) > 100


def test_workers_same_flow_events(vigia, demo_pcap, tmp_path):
    """-w N hashes flows to workers as RSS would; every worker keeps the
    capture's clock, so the set of events is exactly that of -w 1."""
    ref = sorted(run([vigia, 'replay', '-q', '-o', '-'] + pkey() +
                     [demo_pcap]).stdout.splitlines())
    assert len(ref) > 700
    for n in (2, 3, 4):
        p, evs, s = replay(vigia, demo_pcap, extra=['-w', str(n)], tmp_path=tmp_path)
        assert p.returncode == 0
        got = sorted(run([vigia, 'replay', '-q', '-w', str(n), '-o', '-'] + pkey() +
                         [demo_pcap]).stdout.splitlines())
        assert got == ref
        assert s['workers'] == n and len(s['worker_pkts']) == n
        assert sum(s['worker_pkts']) == s['pkts'] == 5780
        assert all(k > 0 for k in s['worker_pkts'])


def test_preload_and_raw_read(vigia, demo_pcap, tmp_path):
    p, evs, s = replay(vigia, demo_pcap, extra=['--preload', '3'], tmp_path=tmp_path)
    assert p.returncode == 0 and s['mode'] == 'preload' and s['repeat'] == 3
    assert s['pkts'] == 3 * 5780
    flows = [e for e in evs if e['event_type'] == 'flow']
    one = len([l for l in run([vigia, 'replay', '-q', '-o', '-', demo_pcap]).stdout.splitlines()
               if b'"event_type":"flow"' in l])
    assert len(flows) == 3 * one        # repetitions never merge flows
    p, evs, s = replay(vigia, demo_pcap, extra=['--raw-read'], tmp_path=tmp_path)
    assert p.returncode == 0 and s['mode'] == 'raw-read'
    assert s['pkts'] == 5780 and evs == []
    # decode only: every packet read and decoded, no flow, no event
    p, evs, s = replay(vigia, demo_pcap, extra=['--decode-only'], tmp_path=tmp_path)
    assert p.returncode == 0 and s['mode'] == 'decode-only'
    assert s['pkts'] == 5780 and evs == [] and s['flows_created'] == 0
