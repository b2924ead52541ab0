#!/usr/bin/python3
"""The attack range: real tools against real servers in network namespaces,
captured on the LAN's tap, replayed through vigia with the range's policy,
and scored against each scenario's truth.

    range.py [--fast] [--only NAME[,NAME]] [--out DIR] [--vigia PATH] [--list]

Writes DIR/<scenario>/{capture.pcap,truth.json,eve.json} and
DIR/results.json, and prints the table. Exit status 1 when a scenario
expected to alert did not (a known miss is reported, not failed), or when
anything of the lab was left behind.
"""
import argparse
import glob
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, HERE)
import lab as labmod  # noqa: E402
import servers  # noqa: E402

POLICY = os.path.join(HERE, 'range-policy.yaml')

# What vigia cannot detect yet, with the reason: reported as missed, not
# failed. Ending this list is the detectors' work (the next issue).
KNOWN_MISSES = {
    'hping-floods': '10,000 packets/s (41 Mbit/s) of ACK, UDP and ICMP stay under the '
                    'volumetric floors (flood_pps 100000, flood_mbps 1000)',
    'amp-coap': 'CoAP (5683) is not in the flood detector\'s fixed reflector port list',
    'slowloris': 'no detector counts concurrent HTTP requests that never finish',
    'ptunnel': 'no detector looks at ICMP echo payloads (size, entropy, volume)',

}


# False alerts on benign traffic that vigia still raises, by signature id,
# with the reason: reported, not failed (ending them is the next issue's).
KNOWN_FALSE = {
    100102: 'a 20 MB download over the lab\'s veth runs at over 1 Gbit/s: the volumetric '
            'flood floor (flood_mbps 1000) is a rate, with no baseline yet for the client',
    300004: 'nDPI flags any application/octet-stream download as a binary transfer',
}


USERS = []


class Ctx:
    def __init__(self, name, out):
        self.name = name
        self.dir = os.path.join(out, name)
        shutil.rmtree(self.dir, ignore_errors=True)  # no log of an earlier run
        os.makedirs(self.dir)
        self.pcap = os.path.join(self.dir, 'capture.pcap')
        self.users = USERS  # made once per run, removed at its end

    def log(self, what):
        return os.path.join(self.dir, what + '.log')


def load_scenarios():
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, 'scenarios', 'sc_*.py'))):
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        out.append(m)
    return out


def tshark_first(pcap, flt):
    """The packet time of the attack's first packet, read from the capture."""
    p = subprocess.run(['tshark', '-r', pcap, '-Y', flt, '-T', 'fields',
                        '-e', 'frame.time_epoch'], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=False)
    v = (p.stdout.decode().split() or [''])[0]
    return float(v) if v else None


def ts_of(e):
    # 2026-12-07T16:40:01.123456+0000
    t = e['timestamp']
    return time.mktime(time.strptime(t[:19], '%Y-%m-%dT%H:%M:%S')) - time.timezone + \
        float('0.' + t[20:26])


def replay(vigia, ctx):
    eve = os.path.join(ctx.dir, 'eve.json')
    env = dict(os.environ, VIGIA_ALLOW_ROOT='1')
    p = subprocess.run([vigia, 'replay', '-q', '--policy', POLICY, '-o', eve, ctx.pcap],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, check=False)
    if p.returncode != 0:
        raise RuntimeError('vigia replay: %s' % p.stderr.decode()[-500:])
    return [json.loads(l) for l in open(eve) if l.strip()]


def score(sc, truth, evs):
    alerts = [e for e in evs if e['event_type'] == 'alert']
    attackers = set(truth['attacker'])
    victims = set(truth['victim'])
    benign = set(truth.get('benign', []))
    expect = set(truth['expect'])
    detectors = set(truth.get('detectors', []))

    def about_attack(a):
        ends = {a.get('src_ip'), a.get('dest_ip')}
        return bool(ends & attackers) or bool(ends & victims) or truth.get('spoofed')

    # an alert of the expected detectors (or one of the expected signatures)
    # about the attacker or the victim
    hits = [a for a in alerts if (a['alert']['signature_id'] in expect or
                                  a['alert'].get('detector') in detectors) and about_attack(a)]
    false = [a for a in alerts if a not in hits and
             ({a.get('src_ip'), a.get('dest_ip')} & benign) and
             not ({a.get('src_ip'), a.get('dest_ip')} & attackers)]
    first = truth.get('first_ts')
    ttd = None
    if hits and first:
        ttd = round(min(ts_of(a) for a in hits) - first, 3)
    return {
        'scenario': truth['name'], 'tool': truth['tool'], 'command': truth['command'],
        'kind': truth['kind'], 'expect': sorted(expect), 'detectors': sorted(detectors),
        'alerted': bool(hits) if expect or detectors else None, 'time_to_detect_s': ttd,
        'alerts_for_attack': len(hits),
        'signatures': sorted({a['alert']['signature'] for a in hits}),
        'false_alerts': len(false),
        'false_signatures': sorted({a['alert']['signature'] for a in false}),
        'false_unknown': sorted({a['alert']['signature_id'] for a in false
                                 if a['alert']['signature_id'] not in KNOWN_FALSE}),
        'other_alerts': len(alerts) - len(hits) - len(false),
        'known_miss': KNOWN_MISSES.get(truth['name']),
        'packets': truth.get('packets'),
    }


class Live:
    """vigia live on the tap while the attack runs (scenarios with LIVE)."""

    def __init__(self, lab, ctx, vigia):
        self.lab, self.out = lab, os.path.join(ctx.dir, 'live.json')
        self.p = lab.start('switch', [vigia, 'live', '-i', lab.tap, '-q', '--policy', POLICY,
                                      '-o', self.out, '--metrics-listen', '127.0.0.1:9477'],
                           log=ctx.log('vigia-live'), env=dict(os.environ, VIGIA_ALLOW_ROOT='1'))
        # up when its metrics answer (the capture is open before they do)
        end = time.time() + 20
        while time.time() < end:
            r = lab.nsx(lab.sw, ['curl', '-s', '-m', '1', 'http://127.0.0.1:9477/metrics'],
                        check=False)
            if b'vigia_packets_total' in r.stdout:
                return
            if self.p.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError('vigia live did not start: %s' % open(ctx.log('vigia-live'), 'rb').read()[-300:])

    def stop(self):
        import signal
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGTERM)
            self.p.wait(30)
        return [json.loads(l) for l in open(self.out) if l.strip()] if os.path.exists(self.out) else []


def alert_keys(evs):
    return sorted({(e['alert']['signature_id'], e.get('src_ip'), e.get('dest_ip'))
                   for e in evs if e['event_type'] == 'alert'})


def count_packets(pcap):
    p = subprocess.run(['tshark', '-r', pcap, '-T', 'fields', '-e', 'frame.number'],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    return len(p.stdout.split())


def run_one(sc, out, vigia):
    ctx = Ctx(sc.NAME, out)
    missing = labmod.have(*sc.TOOLS)
    if missing:
        return {'scenario': sc.NAME, 'skipped': '%s is not installed' % missing}
    lab = labmod.Lab(sc.NAME.replace('-', ''))
    t0 = time.time()
    live = None
    if getattr(sc, 'LIVE', False):
        # vigia live on the tap from before the capture starts
        cap = lab.capture
        lab.capture = lambda path, **kw: (cap(path, **kw), setattr(ctx, 'live', Live(lab, ctx, vigia)))
    live_evs = None
    try:
        info = sc.run(lab, ctx)
    finally:
        lab.stop_capture()
        live = getattr(ctx, 'live', None)
        if live:
            live_evs = live.stop()
        lab.teardown()
    truth = {'name': sc.NAME, 'kind': sc.KIND, 'expect': list(sc.EXPECT),
             'detectors': list(getattr(sc, 'DETECTORS', [])),
             'tool': info['tool'], 'command': info['command'],
             'attacker': info.get('attacker', []), 'victim': info.get('victim', []),
             'benign': info.get('benign', []), 'spoofed': info.get('spoofed', False)}
    truth['first_ts'] = tshark_first(ctx.pcap, info['first']) if info.get('first') else None
    truth['packets'] = count_packets(ctx.pcap)
    truth['wall_s'] = round(time.time() - t0, 1)
    with open(os.path.join(ctx.dir, 'truth.json'), 'w') as f:
        json.dump(truth, f, indent=1)
    evs = replay(vigia, ctx)
    r = score(sc, truth, evs)
    r['wall_s'] = truth['wall_s']
    if live_evs is not None:
        # what the live sensor alerted on about the attack is what the replay
        # of its capture does; other differences are reported
        live_hits = score(sc, truth, live_evs)
        r['live_alerted'] = live_hits['alerted']
        r['live_signatures'] = live_hits['signatures']
        r['live_equals_replay'] = (live_hits['alerted'] == r['alerted'] and
                                   live_hits['signatures'] == r['signatures'])
        a, b = set(alert_keys(live_evs)), set(alert_keys(evs))
        r['live_only'] = sorted(a - b)
        r['replay_only'] = sorted(b - a)
    return r


def table(results):
    rows = [('scenario', 'tool', 'expected', 'alerted', 'ttd s', 'alerts', 'false', 'note')]
    for r in results:
        if 'skipped' in r:
            rows.append((r['scenario'], '-', '-', 'skipped', '-', '-', '-', r['skipped']))
            continue
        al = '-' if r['alerted'] is None else 'yes' if r['alerted'] else 'NO'
        note = ('known miss: ' + r['known_miss']) if r['known_miss'] and not r['alerted'] else ''
        if r['known_miss'] and r['alerted']:
            note = 'known miss caught: take it off the list'
        exp = ','.join(r['detectors']) or ','.join(map(str, r['expect'])) or '(none)'
        rows.append((r['scenario'], r['tool'], exp, al,
                     '-' if r['time_to_detect_s'] is None else '%.3f' % r['time_to_detect_s'],
                     str(r['alerts_for_attack']), str(r['false_alerts']), note[:90]))
    w = [max(len(row[i]) for row in rows) for i in range(7)]
    lines = []
    for row in rows:
        lines.append('  '.join(row[i].ljust(w[i]) for i in range(7)) + '  ' + row[7])
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--fast', action='store_true', help='the subset make test runs')
    ap.add_argument('--only', default='')
    ap.add_argument('--out', default=os.path.join(ROOT, 'build', 'range'))
    ap.add_argument('--vigia', default=os.path.join(ROOT, 'build', 'vigia'))
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--jobs', type=int, default=1,
                    help='scenarios at a time (each has its own LAN)')
    a = ap.parse_args()
    scs = load_scenarios()
    if a.list:
        for s in scs:
            print('%-16s %-6s %s' % (s.NAME, 'fast' if s.FAST else '', s.__doc__.strip().splitlines()[0]))
        return 0
    if os.geteuid() != 0:
        print('range: needs root (network namespaces)', file=sys.stderr)
        return 2
    if a.only:
        names = a.only.split(',')
        scs = [s for s in scs if s.NAME in names]
    elif a.fast:
        scs = [s for s in scs if s.FAST]
    os.makedirs(a.out, exist_ok=True)

    def one(s):
        t = time.time()
        try:
            r = run_one(s, a.out, a.vigia)
        except Exception as e:  # a broken scenario is a failure, never a pass
            r = {'scenario': s.NAME, 'error': repr(e)[:400]}
        print('range: %s done in %.1f s' % (s.NAME, time.time() - t), file=sys.stderr)
        return r

    try:
        if a.jobs > 1:
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(a.jobs) as ex:
                results = list(ex.map(one, scs))
        else:
            results = [one(s) for s in scs]
    finally:
        servers.remove_users(USERS)
    left = labmod.leftovers()
    summary = {'results': results, 'left_behind': left}
    with open(os.path.join(a.out, 'results.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print(table([r for r in results if 'error' not in r]))
    bad = 0
    for r in results:
        if 'error' in r:
            print('range: %s: error: %s' % (r['scenario'], r['error']), file=sys.stderr)
            bad = 1
        elif r.get('alerted') is False and not r.get('known_miss'):
            bad = 1
        elif r.get('false_unknown'):
            bad = 1
    if left:
        print('range: left behind: %s' % left, file=sys.stderr)
        bad = 1
    return bad


if __name__ == '__main__':
    sys.exit(main())
