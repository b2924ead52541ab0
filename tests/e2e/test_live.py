"""vigia live on a veth pair inside a network namespace made by the test:
the demo capture is replayed into it with tcpreplay, SIGTERM stops vigia,
and every flow must be flushed with the same classification as replay."""
import json


from conftest import capture_in_netns, pkey, redis_in_netns, run


def key(e):
    return (e['src_ip'], e.get('src_port'), e['dest_ip'], e.get('dest_port'),
            e['proto'], e.get('ndpi', {}).get('proto'))




def test_live_capture_flushes_on_sigterm(vigia, demo_pcap, netns, tmp_path):
    out = tmp_path / 'live.json'
    summ = tmp_path / 'summary.json'
    capture_in_netns(netns, [vigia, 'live', '-i', 'va'] + pkey() + ['-o', str(out),
                             '--summary-json', str(summ), '-q'], demo_pcap, 4000)
    s = json.loads(summ.read_text())
    assert s['status'] == 'ok'
    assert s['pkts'] >= 5780   # the demo, plus whatever the kernel adds
    live = [json.loads(l) for l in out.read_text().splitlines()]
    live_flows = {key(e) for e in live if e['event_type'] == 'flow'}
    ref = run([vigia, 'replay', '-q', '-o', '-'] + pkey() + [demo_pcap]).stdout.decode()
    ref_flows = {key(json.loads(l)) for l in ref.splitlines()
                 if json.loads(l)['event_type'] == 'flow'}
    # every flow of the capture was seen live, classified the same, and
    # flushed at shutdown rather than lost
    assert ref_flows <= live_flows, sorted(ref_flows - live_flows)[:5]


def test_live_to_redis_latency(vigia, demo_pcap, netns, tmp_path):
    """Live capture into Redis: anomaly and stats events are timed from
    their packet to the XADD acknowledgment (reported, never asserted)."""
    summ = tmp_path / 'summary.json'
    with redis_in_netns(netns) as port:
        capture_in_netns(netns, [vigia, 'live', '-i', 'va', '-q', '-o', '/dev/null',
                                 '--summary-json', str(summ), '--stats-interval', '1',
                                 '--redis', '127.0.0.1:%d' % port],
                         demo_pcap, 2000, settle=1.5)
    rs = json.loads(summ.read_text())['redis']
    print('live packet->XADD latency: p50 %.3f ms, p99 %.3f ms over %d events' % (
        rs['latency_p50_ms'], rs['latency_p99_ms'], rs['latency_samples']))
    assert rs['sent'] > 700 and rs['left_in_spool'] == 0
    assert rs['latency_samples'] > 0
    assert 0 <= rs['latency_p50_ms'] <= rs['latency_p99_ms']
