"""Detectors end to end: one generated capture per attack (with benign
background), the nDPI corpus's benign captures, the bench mix, the public
SYN scan, determinism over worker counts, and the inventory."""
import datetime
import json
import os
import subprocess

import pytest

from conftest import ROOT, run

GEN = os.path.join(ROOT, 'tests', 'captures', 'gen_attacks.py')
OUT = os.path.join(ROOT, 'build', 'attacks')

# nDPI 4.2 corpus captures that hold no attack: no behavioural alert may
# fire on them (nDPI risk alerts may, where nDPI itself flags the flow).
BENIGN_CORPUS = [
    '443-chrome.pcap', '443-curl.pcap', '443-firefox.pcap', '443-git.pcap',
    '443-safari.pcap', '4in4tunnel.pcap', '4in6tunnel.pcap', '6in4tunnel.pcap',
    '6in6tunnel.pcap', 'IEC104.pcap', 'NTPv4.pcap', 'amqp.pcap', 'bittorrent.pcap',
    'capwap.pcap', 'coap_mqtt.pcap', 'diameter.pcap', 'dnp3.pcap', 'dns_doh.pcap',
    'dns_dot.pcap', 'dns_fragmented.pcap', 'doq.pcapng', 'encrypted_sni.pcap',
    'ethernetIP.pcap', 'exe_download.pcap', 'ftp.pcap', 'google_ssl.pcap',
    'googledns_android10.pcap', 'gquic.pcap', 'http-lines-split.pcap', 'http_auth.pcap',
    'http_ipv6.pcap', 'iec60780-5-104.pcap', 'ipv6_in_gtp.pcap', 'modbus.pcap',
    'mqtt.pcap', 'netflowv9.pcap', 'openvpn.pcap', 'quic-23.pcap', 'quic-27.pcap',
    'quic-29.pcap', 'quic.pcap', 'quic_0RTT.pcap', 'quic_q46.pcap', 'rdp.pcap',
    's7comm.pcap', 'selfsigned.pcap', 'sip.pcap', 'smb_deletefile.pcap', 'smbv1.pcap',
    'ssdp-m-search.pcap', 'ssh.pcap', 'syslog.pcapng', 'teredo.pcap', 'tls-rdn-extract.pcap',
    'tls_alert.pcap', 'tls_long_cert.pcap', 'tls_port_80.pcapng', 'tor.pcap', 'upnp.pcap',
    'websocket.pcap', 'wireguard.pcap', 'youtube_quic.pcap',
]


def behavioural(a):
    """Alerts of the cross-flow detectors (scan, flood, brute, dns, beacon)."""
    return a['alert'].get('detector') in ('scan', 'flood', 'brute', 'dns', 'beacon', 'http',
                                          'arp', 'dhcp', 'nd')


def alerts(path):
    return [e for e in (json.loads(l) for l in open(path) if l.strip())
            if e['event_type'] == 'alert']


def ts(e):
    return datetime.datetime.strptime(e['timestamp'], '%Y-%m-%dT%H:%M:%S.%f%z').timestamp()


@pytest.fixture(scope='session')
def scenarios():
    meta = os.path.join(OUT, 'scenarios.json')
    if not os.path.exists(meta) or os.path.getmtime(meta) < os.path.getmtime(GEN):
        subprocess.run(['/usr/bin/python3', GEN, OUT], check=True)
    return json.load(open(meta))


def replay(vigia, pcap, out, *extra):
    p = run([vigia, 'replay', '-q', '-o', str(out)] + list(extra) + [pcap])
    assert p.returncode == 0, p.stderr
    return alerts(out)


SCENARIOS = ['scan_tcp_horizontal', 'scan_tcp_vertical_v6_xmas', 'scan_udp_horizontal',
             'scan_icmp_sweep', 'mirai_telnet', 'syn_flood', 'volumetric_flood',
             'dns_amplification', 'ssh_brute_force', 'http_401_brute_force', 'dns_tunnel',
             'ssh_password_guessing', 'ftp_brute_force', 'telnet_brute_force',
             'http_form_brute_force',
             'dga', 'beacon', 'beacon_jittered', 'http_smuggling', 'arp_poisoning', 'arp_sweep',
             'dhcp_starvation', 'rogue_dhcp', 'rogue_ra', 'nd_spoofing']


@pytest.mark.parametrize('name', SCENARIOS)
def test_attack_detected_in_time_and_alone(vigia, scenarios, tmp_path, name):
    s = scenarios[name]
    got = replay(vigia, os.path.join(OUT, name + '.pcap'), tmp_path / 'ev.json')
    want = [a for a in got if a['alert']['signature_id'] == s['sid']]
    assert len(want) == 1, [a['alert']['signature'] for a in got]
    a = want[0]
    # the attacker and the target, as far as the attack has one
    if s['src']:
        assert a['src_ip'] == s['src']
    else:
        assert 'src_ip' not in a      # a flood has many sources
    if s['dst']:
        assert a['dest_ip'] == s['dst']
    # within one second of packet time from the attack's start
    assert s['start'] <= ts(a) <= s['start'] + s['window'], (ts(a) - s['start'])
    # every field a SOC tool needs, and evidence with numbers
    al = a['alert']
    assert al['severity'] in (1, 2, 3) and al['mitre'] and al['category']
    assert al['action'] == 'allowed'
    assert any(isinstance(v, (int, float)) for v in al['evidence'].values())
    # nothing else: no other behavioural alert; nDPI risk alerts only about
    # the attacker's own flows
    others = [x for x in got if x is not a]
    assert not [x for x in others if behavioural(x)], others
    for x in others:
        assert x['alert']['detector'] == 'risk'
        assert s['src'] in (x.get('src_ip'), x.get('dest_ip'))


def test_brute_force_succeeded(vigia, scenarios, tmp_path):
    """hydra's tries, then the right password: the guessing, then the login
    it won, at severity 1, about the same pair."""
    s = scenarios['ssh_guessing_succeeds']
    got = [a for a in replay(vigia, os.path.join(OUT, 'ssh_guessing_succeeds.pcap'),
                             tmp_path / 'ev.json') if behavioural(a)]
    assert [a['alert']['signature_id'] for a in got] == [100201, 100210], got
    won = got[1]
    assert (won['src_ip'], won['dest_ip']) == (s['src'], s['dst'])
    assert won['alert']['severity'] == 1
    assert s['start'] <= ts(won) <= s['start'] + s['window']


def test_benign_background_alone_is_quiet(vigia, scenarios, tmp_path):
    assert replay(vigia, os.path.join(OUT, 'benign.pcap'), tmp_path / 'ev.json') == []


def test_same_alerts_with_one_or_two_workers(vigia, scenarios, tmp_path):
    for name in SCENARIOS:
        pcap = os.path.join(OUT, name + '.pcap')
        one = replay(vigia, pcap, tmp_path / 'w1.json', '-w', '1')
        two = replay(vigia, pcap, tmp_path / 'w2.json', '-w', '2')
        key = lambda a: json.dumps(a, sort_keys=True)
        assert sorted(map(key, one)) == sorted(map(key, two)), name


def test_policy_threshold_overrides_default(vigia, scenarios, tmp_path):
    """A segment that tolerates wide sweeps (scan_hosts: 100) does not see
    the 60-host sweep as a scan; the default does."""
    pol = tmp_path / 'p.yaml'
    pol.write_text('segments:\n'
                   '  - name: lab\n'
                   '    cidrs: [10.9.9.0/24]\n'
                   '    thresholds: {scan_hosts: 100}\n')
    pcap = os.path.join(OUT, 'scan_tcp_horizontal.pcap')
    got = replay(vigia, pcap, tmp_path / 'ev.json', '--policy', str(pol))
    assert not [a for a in got if a['alert']['signature_id'] == 100001]
    pol.write_text('segments:\n'
                   '  - name: lab\n'
                   '    cidrs: [10.9.9.0/24]\n'
                   '    thresholds: {scan_hosts: 10}\n')
    got = replay(vigia, pcap, tmp_path / 'ev.json', '--policy', str(pol))
    hit = [a for a in got if a['alert']['signature_id'] == 100001]
    assert len(hit) == 1 and hit[0]['segment'] == 'lab'
    assert hit[0]['alert']['evidence']['threshold'] == 10


def test_only_listed_detectors_run(vigia, scenarios, tmp_path):
    pcap = os.path.join(OUT, 'ssh_brute_force.pcap')
    assert replay(vigia, pcap, tmp_path / 'a.json', '--detectors', 'scan,dns') == []
    assert len(replay(vigia, pcap, tmp_path / 'b.json', '--detectors', 'brute')) == 1
    p = run([vigia, 'replay', '-q', '-o', '/dev/null', '--detectors', 'scna', pcap])
    assert p.returncode == 2 and b"no detector 'scna'" in p.stderr


def test_synscan_names_its_scanner(vigia, corpus, tmp_path):
    got = replay(vigia, os.path.join(corpus, 'ndpi-4.2', 'pcap', 'synscan.pcap'),
                 tmp_path / 'ev.json')
    scans = [a for a in got if a['alert'].get('detector') == 'scan']
    assert scans and all(a['src_ip'] == '172.16.0.8' for a in scans)
    assert scans[0]['dest_ip'] == '64.13.134.52'      # one host, many ports
    assert scans[0]['alert']['signature_id'] == 100002


def test_corpus_tunnels_detected(vigia, corpus, tmp_path):
    """iodine (NULL queries under pirate.sea) and dnscat (no domain at all)."""
    pc = os.path.join(corpus, 'ndpi-4.2', 'pcap')
    for cap, who in (('dns-tunnel-iodine.pcap', '10.0.2.30'),
                     ('dns_exfiltration.pcap', '192.168.220.56')):
        got = replay(vigia, os.path.join(pc, cap), tmp_path / 'ev.json')
        t = [a for a in got if a['alert'].get('detector') == 'dns']
        assert t and all(a['src_ip'] == who for a in t), cap


def test_benign_corpus_no_behavioural_alerts(vigia, corpus, tmp_path):
    pc = os.path.join(corpus, 'ndpi-4.2', 'pcap')
    bad = {}
    for cap in BENIGN_CORPUS:
        got = replay(vigia, os.path.join(pc, cap), tmp_path / 'ev.json')
        b = [a['alert']['signature'] for a in got if behavioural(a)]
        if b:
            bad[cap] = b
    assert not bad


def test_bench_mix_no_behavioural_alerts(vigia, tmp_path):
    cap = tmp_path / 'mix.pcap'
    p = run([os.path.join(ROOT, 'build', 'vigia-gen'), '-o', str(cap), '-n', '200000'])
    assert p.returncode == 0, p.stderr
    got = replay(vigia, str(cap), tmp_path / 'ev.json', '-w', '2')
    assert not [a['alert']['signature'] for a in got if behavioural(a)]


def test_inventory(vigia):
    p = run([vigia, 'detectors', '--json'])
    assert p.returncode == 0
    inv = json.loads(p.stdout)
    ids = [d['id'] for d in inv]
    assert ids == ['scan', 'flood', 'brute', 'dns', 'beacon', 'risk', 'http', '5g', 'baseline', 'ics', 'policy',
                   'intel', 'arp', 'dhcp', 'nd']
    sids = set()
    for d in inv:
        for k in ('name', 'version', 'description', 'inputs', 'runs_on', 'false_positives'):
            assert d[k], (d['id'], k)
        assert d['signatures']
        for s in d['signatures']:
            assert s['signature_id'] not in sids      # stable and unique
            sids.add(s['signature_id'])
            assert s['severity'] in (1, 2, 3)
    assert {d['runs_on'] for d in inv} == {'worker', 'analytics'}
    table = run([vigia, 'detectors']).stdout.decode()
    assert all(i in table for i in ids)
    # docs/detectors.md is generated from the same registry
    md = run([vigia, 'detectors', '--markdown']).stdout.decode()
    assert open(os.path.join(ROOT, 'docs', 'detectors.md')).read() == md, \
        'docs/detectors.md is stale: vigia detectors --markdown > docs/detectors.md'


def test_unknown_threshold_refused(vigia, tmp_path):
    pol = tmp_path / 'p.yaml'
    pol.write_text('segments:\n  - name: a\n    cidrs: [10.0.0.0/8]\n'
                   '    thresholds: {scan_portz: 3}\n')
    p = run([vigia, 'check-policy', str(pol)])
    assert p.returncode == 1
    assert b'p.yaml:4:18: thresholds: unknown key' in p.stderr


def test_l2_policy_names_servers_and_routers(vigia, scenarios, tmp_path):
    """Where the policy names the LAN's DHCP servers and routers, an offer or
    a router advertisement from anyone else is rogue (even for a prefix of
    its own, in no segment); naming the newcomer makes it legitimate."""
    pol = tmp_path / 'p.yaml'

    def with_policy(name, servers):
        pol.write_text('segments:\n'
                       '  - name: lan\n'
                       '    cidrs: [10.60.0.0/24, 2001:db8:60::/64]\n'
                       '    routers: [%s]\n'
                       '    dhcp_servers: [%s]\n' % (servers, servers))
        got = replay(vigia, os.path.join(OUT, name + '.pcap'), tmp_path / 'ev.json',
                     '--policy', str(pol))
        return [(a['alert']['signature_id'], a.get('src_ip')) for a in got if behavioural(a)]

    legit = '10.60.0.1, fe80::1'
    assert with_policy('benign', legit) == []
    assert with_policy('rogue_dhcp', legit) == [(101102, '10.60.0.66')]
    assert with_policy('rogue_ra', legit) == [(101201, 'fe80::66')]
    both = legit + ', 10.60.0.66, fe80::66'
    assert with_policy('rogue_dhcp', both) == []
    assert with_policy('rogue_ra', both) == []


def test_l2_non_ethernet_and_tunnelled_lans_ignored(vigia, scenarios, tmp_path):
    """ARP inside a tunnel is another site's LAN: the sweep generated on the
    outer link alerts, the same frames in VXLAN do not."""
    from scapy.all import IP, UDP, VXLAN, Ether, rdpcap, wrpcap
    frames = [p for p in rdpcap(os.path.join(OUT, 'arp_sweep.pcap')) if p.haslayer('ARP')]
    assert len(frames) >= 100
    wrapped = [Ether() / IP(src='192.0.2.1', dst='192.0.2.2') / UDP(sport=4789, dport=4789) /
               VXLAN(vni=7) / p for p in frames]
    for w, p in zip(wrapped, frames):
        w.time = p.time
    cap = tmp_path / 'vx.pcap'
    wrpcap(str(cap), wrapped)
    assert [a for a in replay(vigia, str(cap), tmp_path / 'ev.json') if behavioural(a)] == []
