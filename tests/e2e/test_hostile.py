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
