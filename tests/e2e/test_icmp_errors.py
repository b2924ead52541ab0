"""An ICMP error quoting a flow (port unreachable, time exceeded, packet too
big) is counted on that flow (`flow.icmp_errors`), whoever sent it, and is
no flow of its own; with one worker or two. An error about a flow vigia
never saw stays an ICMP flow."""
import json

import pytest

from conftest import pcap_header, pcap_record, run

scapy = pytest.importorskip('scapy.all')


def capture(path):
    S = scapy
    c, s, r = '10.0.0.1', '10.0.0.2', '192.0.2.254'
    pk = [
        S.Ether() / S.IP(src=c, dst=s) / S.UDP(sport=5000, dport=53) / (b'\x12\x34' + b'\x00' * 10),
        # the server's own port unreachable, and a router's time exceeded
        S.Ether() / S.IP(src=s, dst=c) / S.ICMP(type=3, code=3) /
        S.IP(src=c, dst=s) / S.UDP(sport=5000, dport=53) / (b'\x12\x34' + b'\x00' * 10),
        S.Ether() / S.IP(src=r, dst=c) / S.ICMP(type=11, code=0) /
        S.IP(src=c, dst=s, ttl=1) / S.UDP(sport=5000, dport=53) / (b'\x00' * 8),
        # an echo, and the unreachable a router sends about it
        S.Ether() / S.IP(src=c, dst='198.51.100.9') / S.ICMP(type=8, id=3, seq=1) / b'ping',
        S.Ether() / S.IP(src=r, dst=c) / S.ICMP(type=3, code=1) /
        S.IP(src=c, dst='198.51.100.9') / S.ICMP(type=8, id=3, seq=1) / b'ping',
        # about a flow never seen: an ICMP flow of its own
        S.Ether() / S.IP(src=r, dst=c) / S.ICMP(type=3, code=3) /
        S.IP(src=c, dst='203.0.113.7') / S.UDP(sport=6000, dport=123) / (b'\x00' * 8),
    ]
    with open(path, 'wb') as f:
        f.write(pcap_header(1))
        for k, p in enumerate(pk):
            f.write(pcap_record(bytes(p), ts=1700000000, usec=1000 * k))
    return path


@pytest.mark.parametrize('workers', ['1', '2'])
def test_icmp_errors_counted_on_the_flow(vigia, tmp_path, workers):
    cap = capture(str(tmp_path / 'icmp.pcap'))
    out = str(tmp_path / 'eve.json')
    summ = str(tmp_path / 's.json')
    p = run([vigia, 'replay', '-q', '-w', workers, '-o', out, '--summary-json', summ, cap])
    assert p.returncode == 0, p.stderr
    flows = [json.loads(l) for l in open(out) if '"event_type":"flow"' in l]
    by = {(e['src_ip'], e['dest_ip'], e['proto']): e for e in flows}
    assert len(flows) == 3, flows
    dns = by[('10.0.0.1', '10.0.0.2', 'UDP')]
    assert dns['flow']['icmp_errors'] == 2
    assert dns['flow']['pkts_toserver'] == 1 and dns['flow']['pkts_toclient'] == 0
    echo = by[('10.0.0.1', '198.51.100.9', 'ICMP')]
    assert echo['flow']['icmp_errors'] == 1 and echo['flow']['pkts_toserver'] == 1
    lone = by[('192.0.2.254', '10.0.0.1', 'ICMP')]
    assert 'icmp_errors' not in lone['flow'] and lone['icmp_type'] == 3
    assert json.load(open(summ))['icmp_errors'] == 3
