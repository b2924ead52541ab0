"""Packet time follows the capture (pktclock.h): a jump of a day or more
that the packets after it confirm is followed (merged captures, files
given in order), a lone packet far ahead is processed at the clock and
counted, and a sensor clock step leaves flows and detector windows at
their own times. Nothing may come from the seam: packets squeezed into one
instant once made a Modbus exception flood out of two exceptions a second."""
import json
import os
import shutil
import struct
import uuid

import pytest

from conftest import pcap_header, pcap_record, run

scapy = pytest.importorskip('scapy.all')
Ether, IP, TCP, UDP, Raw = scapy.Ether, scapy.IP, scapy.TCP, scapy.UDP, scapy.Raw

Y2010 = 1262304000    # 2010-01-01
Y2020 = 1577836800    # 2020-01-01
Y2100 = 4102444800    # 2100-01-01
EXC_FLOOD = 100903    # ICS: exception response flood from a device
EAL = ['--no-huge', '--no-pci', '-m', '256', '--log-level=warning', '--no-telemetry']


def write(path, frames):
    """frames: (ts float, bytes), in the order given (not sorted)."""
    with open(path, 'wb') as f:
        f.write(pcap_header(1))
        for ts, b in frames:
            sec = int(ts)
            f.write(pcap_record(b, ts=sec, usec=int(round((ts - sec) * 1e6))))
    return str(path)


def eth(p):
    return bytes(Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / p)


def dns_chatter(t0, n, host='10.1.0.7'):
    """A device asking its resolver every second: one UDP flow."""
    q = b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04time\x00\x00\x01\x00\x01'
    return [(t0 + i, eth(IP(src=host, dst='10.1.0.1') / UDP(sport=40000, dport=53) / Raw(q)))
            for i in range(n)]


def modbus_slow_exceptions(t0, secs):
    """A poller whose PLC answers two requests a second with an exception:
    2/s, far below the flood threshold (20/s), over `secs` seconds."""
    cli, srv, sp = '10.30.0.5', '10.30.1.10', 41001
    out = [(t0, eth(IP(src=cli, dst=srv) / TCP(sport=sp, dport=502, flags='S', seq=999))),
           (t0 + .001, eth(IP(src=srv, dst=cli) / TCP(sport=502, dport=sp, flags='SA', seq=8999,
                                                      ack=1000))),
           (t0 + .002, eth(IP(src=cli, dst=srv) / TCP(sport=sp, dport=502, flags='A', seq=1000,
                                                      ack=9000)))]
    c, s = 1000, 9000
    for i in range(2 * secs):
        t = t0 + 1 + i * 0.5
        req = struct.pack('>HHHBBHH', i, 0, 6, 1, 3, 40000 + i, 10)
        rsp = struct.pack('>HHHBBB', i, 0, 3, 1, 0x83, 2)
        out.append((t, eth(IP(src=cli, dst=srv) / TCP(sport=sp, dport=502, flags='PA', seq=c,
                                                     ack=s) / Raw(req))))
        c += len(req)
        out.append((t + .003, eth(IP(src=srv, dst=cli) / TCP(sport=502, dport=sp, flags='PA',
                                                            seq=s, ack=c) / Raw(rsp))))
        s += len(rsp)
    return out


def replay(vigia, tmp_path, *files, extra=()):
    out, summ = tmp_path / 'eve.json', tmp_path / 'summary.json'
    p = run([vigia, 'replay', '-q', '-o', str(out), '--summary-json', str(summ)] + list(extra) +
            [str(f) for f in files])
    assert p.returncode == 0, p.stderr.decode()
    evs = [json.loads(l) for l in out.read_text().splitlines() if l.strip()]
    return evs, json.loads(summ.read_text())


def year(ts):
    return int(ts[:4])


def flows(evs):
    return [e for e in evs if e['event_type'] == 'flow']


def alerts(evs):
    return [e for e in evs if e['event_type'] == 'alert']


def check_seam(evs, s, followed):
    assert s['timestamps']['followed'] == followed, s['timestamps']
    assert s['timestamps']['jumps'] == 0, s['timestamps']
    assert [a['alert']['signature'] for a in alerts(evs)] == []
    by_year = {}
    for f in flows(evs):
        by_year.setdefault(year(f['flow']['start']), []).append(f)
        # a flow's end is its own last packet, never the time after a jump
        assert year(f['flow']['end']) == year(f['flow']['start']), f
        assert f['timestamp'] == f['flow']['end'] or year(f['timestamp']) == year(f['flow']['end'])
    assert sorted(by_year) == [2010, 2020], by_year
    mb = [f for f in by_year[2020] if f['dest_port'] == 502]
    assert len(mb) == 1
    assert mb[0]['flow']['start'] < mb[0]['flow']['end']  # not squeezed into one instant
    assert mb[0]['flow']['start'].startswith('2020-01-01T00:00:00')


def test_merged_capture_follows_the_jump(vigia, tmp_path):
    """One file holding two captures ten years apart (mergecap -a)."""
    pc = write(tmp_path / 'merged.pcap',
               dns_chatter(Y2010, 10) + modbus_slow_exceptions(Y2020, 30))
    evs, s = replay(vigia, tmp_path, pc)
    check_seam(evs, s, 1)
    # with two workers, each sees the same decided times
    evs2, s2 = replay(vigia, tmp_path, pc, extra=['-w', '2'])
    check_seam(evs2, s2, 1)
    key = lambda e: (e['flow_id'], e['flow']['start'], e['flow']['end'])  # noqa: E731
    assert sorted(map(key, flows(evs))) == sorted(map(key, flows(evs2)))


def test_files_in_order_keep_their_own_time(vigia, tmp_path):
    """Several files given to replay: a file's start is its own time, even
    when only one packet follows the jump."""
    a = write(tmp_path / 'a.pcap', dns_chatter(Y2010, 10))
    b = write(tmp_path / 'b.pcap', modbus_slow_exceptions(Y2020, 30))
    evs, s = replay(vigia, tmp_path, a, b)
    check_seam(evs, s, 1)
    c = write(tmp_path / 'c.pcap', dns_chatter(Y2020 + 86400 * 400, 1, host='10.1.0.9'))
    evs, s = replay(vigia, tmp_path, a, c)
    assert s['timestamps'] == {'jumps': 0, 'followed': 1, 'backwards': 0}
    assert sorted(year(f['flow']['start']) for f in flows(evs)) == [2010, 2021]


def test_lone_packet_in_2100_is_ignored_and_counted(vigia, tmp_path):
    steady = dns_chatter(Y2020, 60)
    stray = [(Y2100, eth(IP(src='10.1.0.8', dst='10.1.0.1') / UDP(sport=5, dport=6) / Raw(b'x'))),
             (Y2100 + 1, eth(IP(src='10.1.0.8', dst='10.1.0.1') / UDP(sport=5, dport=6) / Raw(b'y')))]
    for n in (1, 2):  # one packet, then two, far ahead and then back
        pc = write(tmp_path / 'stray.pcap', steady[:30] + stray[:n] + steady[30:])
        evs, s = replay(vigia, tmp_path, pc)
        assert s['timestamps'] == {'jumps': n, 'followed': 0, 'backwards': 0}
        assert all(year(e['timestamp']) == 2020 for e in evs), evs
        f = [f for f in flows(evs) if f['dest_port'] == 53]
        # the device's flow is one flow over its 59 s, not ended by the stray
        assert len(f) == 1 and f[0]['flow']['pkts_toserver'] == 60
        assert f[0]['flow']['start'].startswith('2020-01-01T00:00:00')
        assert f[0]['flow']['end'].startswith('2020-01-01T00:00:59')
        stray_flow = [f for f in flows(evs) if f['dest_port'] == 6]
        assert len(stray_flow) == 1 and stray_flow[0]['flow']['start'].startswith('2020-01-01T00:00:29')


def test_jump_at_the_end_is_not_followed(vigia, tmp_path):
    """Fewer than the confirming packets before the capture ends: outliers."""
    pc = write(tmp_path / 'tail.pcap', dns_chatter(Y2020, 10) + dns_chatter(Y2100, 2, host='10.1.0.8'))
    evs, s = replay(vigia, tmp_path, pc)
    assert s['timestamps'] == {'jumps': 2, 'followed': 0, 'backwards': 0}
    assert all(year(e['timestamp']) == 2020 for e in evs)


def test_clock_step_of_one_hour(vigia, tmp_path):
    """A live-like capture whose sensor clock NTP stepped one hour ahead:
    the flows before the step end at their own last packet, those after
    start at their own first; no alert from either side; the quiet hour
    that never was ends the UDP flows by their timeout."""
    before = dns_chatter(Y2020, 120) + modbus_slow_exceptions(Y2020 + 60, 30)
    after = dns_chatter(Y2020 + 120 + 3600, 120) + [
        (t + 3600 + 120, b) for t, b in modbus_slow_exceptions(Y2020, 30)[3:]]
    frames = sorted(before, key=lambda x: x[0]) + sorted(after, key=lambda x: x[0])
    pc = write(tmp_path / 'step.pcap', frames)
    evs, s = replay(vigia, tmp_path, pc)
    assert s['timestamps'] == {'jumps': 0, 'followed': 0, 'backwards': 0}
    assert alerts(evs) == []
    dns = sorted((f for f in flows(evs) if f['dest_port'] == 53), key=lambda f: f['flow']['start'])
    assert len(dns) == 2, dns
    assert dns[0]['flow']['end'].startswith('2020-01-01T00:01:59')
    assert dns[1]['flow']['start'].startswith('2020-01-01T01:02:00')
    assert dns[0]['flow']['pkts_toserver'] == dns[1]['flow']['pkts_toserver'] == 120


@pytest.mark.skipif(not shutil.which('mergecap'), reason='mergecap (wireshark-common) absent')
def test_merged_corpus_captures(vigia, corpus, tmp_path):
    """Public captures years apart, merged as analysts merge them: each
    flow keeps the time it has when its capture is replayed alone, and the
    merge adds no alert."""
    names = ['suricata-verify/modbus/modbus.pcap', 'ndpi-4.2/pcap/iec60780-5-104.pcap',
             'ndpi-4.2/pcap/ethernetIP.pcap', 'ndpi-4.2/pcap/mqtt.pcap']
    paths = [os.path.join(corpus, n) for n in names]
    merged = tmp_path / 'merged.pcap'
    p = run(['mergecap', '-F', 'pcap', '-a', '-w', str(merged)] + paths)
    assert p.returncode == 0, p.stderr.decode()
    alone_flows, alone_alerts = set(), set()
    for i, pth in enumerate(paths):
        d = tmp_path / str(i)
        d.mkdir()
        evs, _ = replay(vigia, d, pth)
        alone_flows |= {(f['flow_id'], f['flow']['start'], f['flow']['end']) for f in flows(evs)}
        alone_alerts |= {(a['alert']['signature_id'], a['src_ip'], a['dest_ip']) for a in alerts(evs)}
    evs, s = replay(vigia, tmp_path, merged)
    assert s['timestamps']['followed'] == len(paths) - 1, s['timestamps']
    got = {(f['flow_id'], f['flow']['start'], f['flow']['end']) for f in flows(evs)}
    assert got == alone_flows
    assert {(a['alert']['signature_id'], a['src_ip'], a['dest_ip']) for a in alerts(evs)} <= alone_alerts
    assert {year(f['flow']['start']) for f in flows(evs)} == {2004, 2008, 2012, 2022}


def test_dpdk_follows_the_jump_and_ignores_the_stray(vigia, tmp_path):
    """The DPDK path cannot hold packets: its worker follows a jump from
    the packet that confirms it, and a lone stray is still ignored."""
    steady = dns_chatter(Y2020, 60)
    stray = [(Y2100, eth(IP(src='10.1.0.8', dst='10.1.0.1') / UDP(sport=5, dport=6) / Raw(b'x')))]
    pc = write(tmp_path / 'd.pcap', dns_chatter(Y2010, 10, host='10.1.0.6') + steady[:30] +
               stray + steady[30:])
    out = tmp_path / 'eve.json'
    prefix = 'vigia-test-%s' % uuid.uuid4().hex[:8]
    try:
        p = run([vigia, 'dpdk', '-q', '-o', str(out), '--idle-stop', '300', '--'] + EAL +
                ['--file-prefix', prefix, '--vdev=net_pcap0,rx_pcap=%s' % pc, '-l', '0'])
    finally:
        shutil.rmtree('/var/run/dpdk/' + prefix, ignore_errors=True)
    assert p.returncode == 0, p.stderr.decode()
    evs = [json.loads(l) for l in out.read_text().splitlines() if l.strip()]
    assert all(year(e['timestamp']) < 2100 for e in evs), [e['timestamp'] for e in evs]
    dns = [f for f in flows(evs) if f['dest_port'] == 53]
    old = [f for f in dns if f['src_ip'] == '10.1.0.6']
    assert len(old) == 1 and old[0]['flow']['end'].startswith('2010-01-01')
    # the packets that confirm the jump went at the old time (they cannot
    # be held); from the fourth on, 2020's own
    new = [f for f in dns if f['src_ip'] == '10.1.0.7' and year(f['flow']['start']) == 2020]
    assert len(new) == 1 and new[0]['flow']['pkts_toserver'] == 60 - 3
    assert new[0]['flow']['end'].startswith('2020-01-01T00:00:59')
    assert sum(f['flow']['pkts_toserver'] for f in dns if f['src_ip'] == '10.1.0.7') == 60
    stray_flow = [f for f in flows(evs) if f['dest_port'] == 6]
    assert len(stray_flow) == 1 and year(stray_flow[0]['flow']['start']) == 2020


def test_seconds_after_2038(vigia, tmp_path):
    """pcap keeps seconds in 32 unsigned bits, which libpcap hands over as
    a signed int: a confirmed jump to 2100 is 2100, on both paths."""
    pc = write(tmp_path / 'y2100.pcap', dns_chatter(Y2020, 5) + dns_chatter(Y2100, 5, host='10.1.0.8'))
    evs, s = replay(vigia, tmp_path, pc)
    assert s['timestamps'] == {'jumps': 0, 'followed': 1, 'backwards': 0}
    assert sorted(year(f['flow']['start']) for f in flows(evs)) == [2020, 2100]
    out = tmp_path / 'd.json'
    prefix = 'vigia-test-%s' % uuid.uuid4().hex[:8]
    try:
        p = run([vigia, 'dpdk', '-q', '-o', str(out), '--idle-stop', '300', '--'] + EAL +
                ['--file-prefix', prefix, '--vdev=net_pcap0,rx_pcap=%s' % pc, '-l', '0'])
    finally:
        shutil.rmtree('/var/run/dpdk/' + prefix, ignore_errors=True)
    assert p.returncode == 0, p.stderr.decode()
    evs = [json.loads(l) for l in out.read_text().splitlines() if l.strip()]
    assert max(year(e['timestamp']) for e in evs) == 2100
