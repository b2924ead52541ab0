#!/usr/bin/python3
"""vigia benchmark: one command, one machine, ratios against a peer and the limit.

  make bench                     # default: 2M packets, >= 200k flows
  make bench-smoke               # tiny, seconds (part of make test)
  bench/run_bench.py --packets N --reps R --stress-flows F --out DIR

Runs on the same generated capture:
  raw-read      vigia's capture source reading every packet, touching its bytes
  vigia -w 1    the full pipeline, one worker
  vigia -w 2    the same, two workers
  ndpiReader    Debian's libndpi-bin on the same capture (+ label agreement)
  in-memory     capture preloaded, replayed K times: ns/packet of the pipeline
  flow stress   >= 1M flows tracked at once: bytes per flow, peak RSS
Each figure is the median of --reps runs, with min and max.
Writes DIR/latest.json and DIR/latest.png (gnuplot).
"""
import argparse
import json
import os
import resource
os.environ.setdefault("VIGIA_ALLOW_ROOT", "1")  # CI runs as root
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'e2e'))
import ndpi_compare  # noqa: E402


def sh(args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False, **kw)


def gen(binary, path, packets, extra=()):
    stamp = path + '.args'
    want = ' '.join([str(packets)] + list(extra))
    if os.path.exists(path) and os.path.exists(stamp) and open(stamp).read() == want:
        return
    r = sh([binary, '-o', path, '-n', str(packets)] + list(extra))
    if r.returncode:
        sys.exit('vigia-gen failed: ' + r.stderr.decode())
    open(stamp, 'w').write(want)


def peak_rss_kib(usage_before, usage_after):
    return usage_after.ru_maxrss


def run_vigia(vigia, cap, args, tmp):
    summ = os.path.join(tmp, 'summary.json')
    u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = sh([vigia, 'replay', '-q', '-o', '/dev/null', '--summary-json', summ] + args + [cap])
    wall = time.monotonic() - t0
    u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU of every thread: on a box with fewer cores than threads, steadier
    # than wall time, and what a worker saves (a decode) shows in it
    cpu = (u1.ru_utime - u0.ru_utime) + (u1.ru_stime - u0.ru_stime)
    if r.returncode:
        sys.exit('vigia failed (%s): %s' % (' '.join(args), r.stderr.decode()))
    s = json.load(open(summ))
    return {'wall_s': wall, 'elapsed_s': s['elapsed_s'], 'pkts': s['pkts'], 'cpu_s': cpu,
            'bytes': s['bytes'], 'rss_kib': s['peak_rss_kib'], 'summary': s}


def run_dpdk(vigia, cap, workers, secs, tmp):
    """DPDK path fed from memory: net_pcap with infinite_rx loops the
    capture (preloaded into mbufs) on every queue for `secs` seconds."""
    summ = os.path.join(tmp, 'dsummary.json')
    prefix = 'vigia-bench-%d' % os.getpid()
    vdev = 'net_pcap0,' + ','.join(['rx_pcap=' + cap] * workers) + ',infinite_rx=1'
    r = sh([vigia, 'dpdk', '-q', '-o', '/dev/null', '--summary-json', summ,
            '--mbufs', str(262144 * workers), '--duration', str(int(secs * 1000)), '--',
            '--no-huge', '--no-pci', '-m', str(1200 * workers), '--no-telemetry',
            '--log-level=warning', '--file-prefix', prefix, '--vdev=' + vdev,
            '-l', '0-%d' % (workers - 1)])
    shutil.rmtree('/var/run/dpdk/' + prefix, ignore_errors=True)
    if r.returncode:
        return None
    s = json.load(open(summ))
    return {'elapsed_s': s['dpdk']['active_s'], 'pkts': s['pkts'], 'bytes': s['bytes'],
            'rss_kib': s['peak_rss_kib'], 'summary': s}


def bench_redis(a, vigia, vgen, tmp):
    """Events/s through vigia's Redis sink next to a bare pipelined XADD
    loop, same machine, same redis-server."""
    if not shutil.which('redis-server'):
        return None
    import socket
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    srv = subprocess.Popen(['redis-server', '--port', str(port), '--bind', '127.0.0.1',
                            '--save', '', '--appendonly', 'no'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sh(['redis-cli', '-p', str(port), 'PING']).stdout.strip() == b'PONG':
                break
            time.sleep(0.05)
        # a capture whose every exchange ends as an event: DNS, spread over
        # 30 s of packet time so flows time out (1 s) steadily as they would
        # live; packed into 1 s, 80% of the events came in one burst at the
        # end-of-capture flush and the row measured that burst's drain
        cap = os.path.join(a.data, 'redis-%d.pcap' % a.redis_events)
        gen(os.path.join(a.build, 'vigia-gen'), cap, 2 * a.redis_events,
            ['-c', '64', '--mix', 'dns:100', '--gtp', '0', '--ipv6', '0',
             '--gap-us', '50'])
        rates = []
        for i in range(a.reps):
            summ = os.path.join(tmp, 'rs.json')
            t0 = time.monotonic()
            r = sh([vigia, 'replay', '-q', '-o', '/dev/null', '--summary-json', summ,
                    '--sensor', 'bench%d' % i, '--redis', '127.0.0.1:%d' % port,
                    '--udp-timeout', '1', cap])
            wall = time.monotonic() - t0
            if r.returncode:
                return None
            js = json.load(open(summ))
            rates.append(js['redis']['sent'] / wall)
        # the mean size of what vigia wrote (the JSON field), from a sample
        out = sh(['redis-cli', '-p', str(port), '--raw', 'XRANGE',
                  'vigia:{bench0}:flows', '-', '+', 'COUNT', '2000']).stdout.decode()
        sizes = [len(l) for l in out.split('\n') if l.startswith('{')]
        size = int(statistics.mean(sizes)) if sizes else 250

        def raw_loop(sz, tag):
            v = []
            for i in range(a.reps):
                r = sh([os.path.join(a.build, 'xadd-raw'), '127.0.0.1', str(port),
                        str(a.redis_events), str(sz), '256', 'raw%s%d' % (tag, i)])
                v.append(float(r.stdout.decode().strip() or 0))
            return v
        raw = raw_loop(250, 'a')
        same = raw_loop(size, 'b')
        return {'vigia_events_per_s': stats(rates), 'raw_xadd_per_s': stats(raw),
                'raw_xadd_same_size_per_s': stats(same), 'entry_bytes': size,
                'ratio': statistics.median(rates) / max(1.0, statistics.median(raw)),
                'ratio_same_size': statistics.median(rates) /
                max(1.0, statistics.median(same)),
                'events': a.redis_events}
    finally:
        srv.terminate()
        srv.wait()


def run_ndpireader(cap, tmp):
    t0 = time.monotonic()
    r = sh(['/usr/bin/time', '-f', '%M', 'ndpiReader', '-q', '-t', '-i', cap])
    wall = time.monotonic() - t0
    if r.returncode:
        sys.exit('ndpiReader failed: ' + r.stderr.decode()[-500:])
    rss = int(r.stderr.decode().strip().splitlines()[-1])
    return {'wall_s': wall, 'rss_kib': rss}


def stats(values):
    return {'median': statistics.median(values), 'min': min(values), 'max': max(values)}


def row(name, runs, pkts, bytes_, key):
    secs = [r[key] for r in runs]
    pps = [pkts / s for s in secs]
    return {
        'config': name,
        'pps': stats(pps),
        'gbps': statistics.median(bytes_ * 8 / s / 1e9 for s in secs),
        'ns_per_pkt': statistics.median(s * 1e9 / pkts for s in secs),
        'rss_mib': statistics.median(r['rss_kib'] for r in runs) / 1024,
        'cpu_ns_per_pkt': (statistics.median(r['cpu_s'] * 1e9 / pkts for r in runs)
                           if all('cpu_s' in r for r in runs) else None),
        'time_basis': key,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--packets', type=int, default=2000000)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--preload', type=int, default=3)
    ap.add_argument('--stress-flows', type=int, default=1100000)
    ap.add_argument('--dpdk-packets', type=int, default=100000)
    ap.add_argument('--redis-events', type=int, default=300000)
    ap.add_argument('--dpdk-secs', type=float, default=3.0)
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'))
    ap.add_argument('--data', default=os.path.join(HERE, 'data'))
    ap.add_argument('--out', default=os.path.join(HERE, 'results'))
    a = ap.parse_args()

    vigia = os.path.join(a.build, 'vigia')
    vgen = os.path.join(a.build, 'vigia-gen')
    os.makedirs(a.data, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    cap = os.path.join(a.data, 'bench-%d.pcap' % a.packets)
    gen(vgen, cap, a.packets)
    tmp = tempfile.mkdtemp(prefix='vigia-bench-')
    try:
        return bench(a, vigia, vgen, cap, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench(a, vigia, vgen, cap, tmp):
    res = {'capture': os.path.basename(cap), 'packets': a.packets, 'reps': a.reps,
           'machine': os.uname().nodename, 'cpus': os.cpu_count(),
           'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
    raw = [run_vigia(vigia, cap, ['--raw-read'], tmp) for _ in range(a.reps)]
    dec = [run_vigia(vigia, cap, ['--decode-only'], tmp) for _ in range(a.reps)]
    w1 = [run_vigia(vigia, cap, [], tmp) for _ in range(a.reps)]
    w2 = [run_vigia(vigia, cap, ['-w', '2'], tmp) for _ in range(a.reps)]
    nr = [run_ndpireader(cap, tmp) for _ in range(a.reps)]
    mem = [run_vigia(vigia, cap, ['--preload', str(a.preload)], tmp) for _ in range(a.reps)]
    pkts, byts = w1[0]['pkts'], w1[0]['bytes']
    flows = w1[0]['summary']['flows_ended']
    res['flows'] = flows

    rows = [row('raw-read (limit)', raw, pkts, byts, 'elapsed_s'),
            row('vigia -w 1', w1, pkts, byts, 'wall_s'),
            row('vigia -w 2', w2, pkts, byts, 'wall_s'),
            row('ndpiReader', nr, pkts, byts, 'wall_s'),
            row('vigia in-memory x%d' % a.preload, mem, mem[0]['pkts'],
                mem[0]['bytes'], 'elapsed_s'),
            row('decode only', dec, pkts, byts, 'elapsed_s')]
    nr_pps = rows[3]['pps']['median']
    raw_pps = rows[0]['pps']['median']
    for r in rows:
        r['x_ndpireader'] = r['pps']['median'] / nr_pps
        r['x_raw_read'] = r['pps']['median'] / raw_pps
    # the pipeline's own rate (start-up excluded), for the raw-read ratio
    w1_int = statistics.median(pkts / r['elapsed_s'] for r in w1)
    w2_int = statistics.median(pkts / r['elapsed_s'] for r in w2)
    res['pipeline_pps_w1'] = w1_int
    res['pipeline_pps_w2'] = w2_int
    res['pipeline_vs_raw_read'] = w1_int / raw_pps
    res['w2_over_w1'] = w2_int / w1_int
    res['in_memory_ns_per_pkt'] = rows[4]['ns_per_pkt']
    # a packet's decode, key and hash (reading included: an upper bound):
    # what a dispatcher that hands over what it decoded (-w N, DPDK GTP-U
    # re-dispatch) saves the worker
    res['decode_ns_per_pkt'] = rows[5]['ns_per_pkt']
    res['per_worker_pkts_w2'] = w2[0]['summary'].get('worker_pkts')

    # label agreement with ndpiReader on the same capture
    out = os.path.join(tmp, 'ndpi.txt')
    sh(['ndpiReader', '-q', '-t', '-i', cap, '-w', out, '-v', '2'])
    evf = os.path.join(tmp, 'eve.json')
    # the UEs of GTP-U flows are pseudonymised by default; flows are
    # matched by address, so this (untimed) run shows them in clear
    clear = os.path.join(tmp, 'clear.yaml')
    with open(clear, 'w') as f:
        f.write('segments:\n  - name: all\n    cidrs: [0.0.0.0/0, "::/0"]\n'
                '    clear_subscribers: true\n')
    sh([vigia, 'replay', '-q', '--policy', clear, '-o', evf, cap])
    exp = ndpi_compare.expected_flows(out)
    with open(evf) as f:
        got = ndpi_compare.vigia_flows(json.loads(l) for l in f)
    agree = sum(1 for k, v in exp.items() if got.get(k) == v)
    res['agreement'] = {'flows': len(exp), 'same_label': agree,
                        'share': agree / max(1, len(exp))}

    # flow-table stress: many flows tracked at once, classification done
    stress = os.path.join(a.data, 'stress-%d.pcap' % a.stress_flows)
    gen(vgen, stress, 2 * a.stress_flows, ['-c', '64', '--mix', 'dns:100', '--ipv6', '0',
                                            '--gtp', '0'])
    base = run_vigia(vigia, stress, ['--raw-read'], tmp)
    st = run_vigia(vigia, stress, ['--max-flows', str(2 * a.stress_flows)], tmp)
    peak = st['summary']['flows_peak']
    grow = (st['rss_kib'] - base['rss_kib']) * 1024
    res['flow_stress'] = {'flows_tracked': peak, 'peak_rss_mib': st['rss_kib'] / 1024,
                          'bytes_per_flow_measured': grow / max(1, peak),
                          'bytes_per_flow_struct': st['summary']['bytes_per_flow']}
    # DPDK path, fed from memory (a smaller capture: the PMD keeps it all
    # in mbufs); the loop repeats the same flows, so after the first pass
    # packets belong to classified flows: a steady-state figure, not
    # comparable with the rows above
    small = os.path.join(a.data, 'dpdk-%d.pcap' % a.dpdk_packets)
    gen(vgen, small, a.dpdk_packets)
    for w in (1, 2):
        runs = [run_dpdk(vigia, small, w, a.dpdk_secs, tmp) for _ in range(a.reps)]
        runs = [r for r in runs if r]
        if not runs:
            print('dpdk -w %d: could not run (see vigia dpdk errors)' % w)
            continue
        rr = {'config': 'dpdk -w %d (loop %dk)' % (w, a.dpdk_packets // 1000),
              'pps': stats([r['pkts'] / r['elapsed_s'] for r in runs]),
              'gbps': statistics.median(r['bytes'] * 8 / r['elapsed_s'] / 1e9 for r in runs),
              'ns_per_pkt': statistics.median(r['elapsed_s'] * 1e9 / r['pkts'] for r in runs),
              'rss_mib': statistics.median(r['rss_kib'] for r in runs) / 1024,
              'time_basis': 'first to last packet'}
        rr['x_ndpireader'] = rr['pps']['median'] / nr_pps
        rr['x_raw_read'] = rr['pps']['median'] / raw_pps
        rows.append(rr)
    res['rows'] = rows
    res['redis'] = bench_redis(a, vigia, vgen, tmp)

    # the table
    print('\nvigia bench: %s, %d packets, %d flows, %d CPUs, median of %d (min-max)'
          % (res['capture'], pkts, flows, res['cpus'], a.reps))
    print('%-24s %20s %8s %9s %9s %9s %8s %8s' % ('configuration', 'packets/s', 'Gbit/s',
                                                'ns/pkt', 'CPU ns/pkt', 'RSS MiB', 'x ndpiR',
                                                'x raw'))
    for r in rows:
        cpu = r.get('cpu_ns_per_pkt')
        print('%-24s %9.0f (%4.0f-%4.0fk) %8.2f %9.0f %10s %9.0f %8.2f %8.2f' % (
            r['config'], r['pps']['median'], r['pps']['min'] / 1e3, r['pps']['max'] / 1e3,
            r['gbps'], r['ns_per_pkt'], '%.0f' % cpu if cpu else '-', r['rss_mib'],
            r['x_ndpireader'], r['x_raw_read']))
    print('pipeline alone (start-up excluded): -w 1 %.0f pps = %.0f%% of raw read; '
          '-w 2 / -w 1 = %.2fx; per-worker packets with -w 2: %s'
          % (w1_int, 100 * res['pipeline_vs_raw_read'], res['w2_over_w1'],
             res['per_worker_pkts_w2']))
    print('decode, flow key and hash: %.0f ns/packet at most (decode only, reading '
          'included), paid once per packet: the dispatcher of -w N and of DPDK queues '
          'hands it over' % res['decode_ns_per_pkt'])
    print('same app label as ndpiReader: %d/%d flows = %.2f%%' % (
        agree, len(exp), 100 * res['agreement']['share']))
    fs = res['flow_stress']
    print('flow stress: %d flows tracked, peak RSS %.0f MiB, %.0f bytes/flow measured '
          '(%d allocated per slot)' % (fs['flows_tracked'], fs['peak_rss_mib'],
                                       fs['bytes_per_flow_measured'],
                                       fs['bytes_per_flow_struct']))
    if res.get('redis'):
        rr = res['redis']
        print('redis sink: %.0f events/s (%.0f-%.0f, whole process) vs bare pipelined '
              'XADD %.0f/s with entries of the same %d bytes: %.0f%%; vs %.0f/s with '
              '250-byte entries: %.0f%%' % (
                  rr['vigia_events_per_s']['median'], rr['vigia_events_per_s']['min'],
                  rr['vigia_events_per_s']['max'],
                  rr['raw_xadd_same_size_per_s']['median'], rr['entry_bytes'],
                  100 * rr['ratio_same_size'], rr['raw_xadd_per_s']['median'],
                  100 * rr['ratio']))
    print('rates of "vigia -w N" and ndpiReader are whole-process wall time; '
          'raw-read and in-memory are the replay loop alone; dpdk rows loop a '
          '%dk-packet capture from memory (net_pcap infinite_rx): steady state '
          'over flows already classified' % (a.dpdk_packets // 1000))

    with open(os.path.join(a.out, 'latest.json'), 'w') as f:
        json.dump(res, f, indent=1)
    chart(rows, os.path.join(a.out, 'latest.png'), res)
    print('wrote %s and %s' % (os.path.join(a.out, 'latest.json'),
                               os.path.join(a.out, 'latest.png')))
    return 0


def chart(rows, png, res):
    if not shutil.which('gnuplot'):
        print('gnuplot not installed: no chart')
        return
    dat = png + '.dat'
    with open(dat, 'w') as f:
        for i, r in enumerate(rows):
            f.write('%d "%s" %f %f %f\n' % (i, r['config'], r['pps']['median'] / 1e6,
                                            r['pps']['min'] / 1e6, r['pps']['max'] / 1e6))
    script = '''
set terminal pngcairo size 900,480 noenhanced
set output "%s"
set title "vigia throughput, %s (%d packets), median and min-max of %d runs"
set ylabel "Mpackets/s"
set style fill solid 0.6
set boxwidth 0.6
set yrange [0:*]
set xtics rotate by -20
set grid ytics
plot "%s" using 1:3:xtic(2) with boxes notitle, "" using 1:3:4:5 with yerrorbars notitle lc rgb "black"
''' % (png, res['capture'], res['packets'], res['reps'], dat)
    r = sh(['gnuplot'], input=script.encode())
    if r.returncode:
        # pngcairo may be missing in gnuplot-nox: fall back to the png terminal
        script = script.replace('pngcairo', 'png')
        sh(['gnuplot'], input=script.encode())
    os.unlink(dat)


if __name__ == '__main__':
    sys.exit(main())
