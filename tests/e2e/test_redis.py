"""Redis Streams sink against real redis-server processes on 127.0.0.1
(random ports, started and stopped by pid here)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import ROOT, run

pytestmark = pytest.mark.skipif(not shutil.which('redis-server'),
                                reason='redis-server not installed')


def free_port():
    # below 55535: a cluster node also listens on port + 10000 (its bus)
    while True:
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        p = s.getsockname()[1]
        s.close()
        if p < 55535:
            return p


class Redis:
    def __init__(self, tmp, *extra):
        self.port = free_port()
        self.dir = str(tmp)
        self.extra = list(extra)
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            # appendfsync always: an acknowledged entry is on disk. With
            # everysec, Redis may answer before it writes when its disk is
            # slow (a busy CI box) and a kill -9 loses what it acknowledged
            ['redis-server', '--port', str(self.port), '--bind', '127.0.0.1',
             '--dir', self.dir, '--appendonly', 'yes', '--appendfsync', 'always',
             '--save', '', '--enable-debug-command', 'local'] + self.extra,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if run(['redis-cli', '-p', str(self.port)] + self.auth() + ['PING']).stdout.strip() in (b'PONG',):
                return
            time.sleep(0.05)
        raise RuntimeError('redis-server did not start')

    def auth(self):
        if '--requirepass' in self.extra:
            return ['--no-auth-warning', '-a', self.extra[self.extra.index('--requirepass') + 1]]
        return []

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def cli(self, *args):
        return run(['redis-cli', '-p', str(self.port)] + self.auth() + list(args)).stdout

    def entries(self, key):
        """[(id, event_type, json)] of a stream, via redis-py when present."""
        import redis as redispy
        kw = {}
        if '--requirepass' in self.extra:
            kw['password'] = self.extra[self.extra.index('--requirepass') + 1]
        r = redispy.Redis(host='127.0.0.1', port=self.port, **kw)
        out = [(i.decode(), f[b'event_type'].decode(), f[b'json'].decode())
               for i, f in r.xrange(key, '-', '+')]
        r.close()
        return out


@pytest.fixture
def redis(tmp_path):
    r = Redis(tmp_path)
    yield r
    r.stop()


def file_events(path):
    return [l for l in open(path).read().splitlines() if l]


def family(line):
    t = json.loads(line)['event_type']
    return {'flow': 'flows', 'anomaly': 'anomalies', 'stats': 'stats', 'alert': 'alerts',
            'session': 'sessions'}[t]


def check_streams_equal_file(r, sensor, evfile):
    lines = file_events(evfile)
    for fam in ('flows', 'anomalies', 'stats'):
        want = [l for l in lines if family(l) == fam]
        got = r.entries('vigia:{%s}:%s' % (sensor, fam))
        assert [g[2] for g in got] == want, fam
        ids = [tuple(map(int, g[0].split('-'))) for g in got]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
    return len(lines)


def test_streams_hold_exactly_the_file(vigia, demo_pcap, redis, tmp_path):
    ev = tmp_path / 'eve.json'
    summ = tmp_path / 's.json'
    p = run([vigia, 'replay', '-q', '-o', str(ev), '--summary-json', str(summ),
             '--sensor', 'edge-a', '--stats-interval', '5',
             '--redis', '127.0.0.1:%d' % redis.port, demo_pcap])
    assert p.returncode == 0, p.stderr
    n = check_streams_equal_file(redis, 'edge-a', ev)
    s = json.loads(summ.read_text())
    assert s['redis']['sent'] == n and s['redis']['left_in_spool'] == 0
    assert s['events']['stats'] >= 2
    # stats events carry the sink's own counters
    st = [json.loads(e[2]) for e in redis.entries('vigia:{edge-a}:stats')]
    st = [e for e in st if 'iot' not in e['stats']][-1]   # IoT summaries share the stream
    assert 'redis' in st['stats']['telemetry']


def test_outage_nothing_lost_nothing_twice(vigia, tmp_path):
    gen = os.path.join(ROOT, 'build', 'vigia-gen')
    cap = str(tmp_path / 'big.pcap')
    assert run([gen, '-o', cap, '-n', '400000']).returncode == 0
    r = Redis(tmp_path)
    ev = tmp_path / 'eve.json'
    summ = tmp_path / 's.json'
    spool = tmp_path / 'spool'
    try:
        # --preload 4: a replay long enough to kill Redis in its middle
        p = subprocess.Popen([vigia, 'replay', '-q', '-o', str(ev), '--summary-json', str(summ),
                              '--sensor', 'edge-b', '--stats-interval', '1', '--preload', '4',
                              '--redis', '127.0.0.1:%d' % r.port, '--spool-dir', str(spool),
                              '--redis-batch', '64', cap],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)
        assert p.poll() is None, 'replay ended before the outage'
        r.kill()
        time.sleep(2.0)
        r.start()
        rc = p.wait(timeout=120)
        assert rc == 0, p.stderr.read()
        s = json.loads(summ.read_text())
        assert s['redis']['spooled'] > 0 or s['redis']['reconnects'] > 0
        assert s['redis']['left_in_spool'] == 0
        check_streams_equal_file(r, 'edge-b', ev)
    finally:
        r.stop()


def test_spool_survives_restart(vigia, demo_pcap, tmp_path):
    port = free_port()
    spool = tmp_path / 'spool'
    ev1, ev2 = tmp_path / 'e1.json', tmp_path / 'e2.json'
    # Redis down for the whole first run: everything waits on disk
    p = run([vigia, 'replay', '-q', '-o', str(ev1), '--sensor', 'edge-c',
             '--redis', '127.0.0.1:%d' % port, '--spool-dir', str(spool), demo_pcap])
    assert p.returncode == 0, p.stderr
    assert os.path.getsize(spool / 'edge-c.spool') > 1000
    r = Redis(tmp_path)
    try:
        r.port  # noqa: B018
        p = run([vigia, 'replay', '-q', '-o', str(ev2), '--sensor', 'edge-c',
                 '--redis', '127.0.0.1:%d' % r.port, '--spool-dir', str(spool), demo_pcap])
        # not the same port: the first run's target never existed; point the
        # second run at the live server and expect both runs, in order
        assert p.returncode == 0, p.stderr
        flows = r.entries('vigia:{edge-c}:flows')
        want = [l for l in file_events(ev1) + file_events(ev2) if family(l) == 'flows']
        assert [f[2] for f in flows] == want
        assert os.path.getsize(spool / 'edge-c.spool') <= 4
    finally:
        r.stop()


def test_auth(vigia, demo_pcap, tmp_path):
    r = Redis(tmp_path, '--requirepass', 's3cret-pass')
    try:
        good = tmp_path / 'pw'
        good.write_text('s3cret-pass\n')
        bad = tmp_path / 'bad'
        bad.write_text('nope\n')
        p = run([vigia, 'replay', '-q', '-o', '/dev/null', '--sensor', 'edge-d',
                 '--redis', '127.0.0.1:%d' % r.port, '--redis-password-file', str(good),
                 demo_pcap])
        assert p.returncode == 0, p.stderr
        assert int(r.cli('XLEN', 'vigia:{edge-d}:flows')) == 757
        p = run([vigia, 'replay', '-q', '-o', '/dev/null', '--sensor', 'edge-d',
                 '--redis', '127.0.0.1:%d' % r.port, '--redis-password-file', str(bad),
                 demo_pcap])
        err = p.stderr.decode().strip().splitlines()
        assert p.returncode == 1 and len(err) == 1 and 'AUTH' in err[0]
        assert 'nope' not in p.stderr.decode() and 's3cret' not in p.stderr.decode()
        # the environment variable works too
        p = run([vigia, 'replay', '-q', '-o', '/dev/null', '--sensor', 'edge-e',
                 '--redis', '127.0.0.1:%d' % r.port, demo_pcap],
                env=dict(os.environ, VIGIA_REDIS_PASSWORD='s3cret-pass'))
        assert p.returncode == 0, p.stderr
        # no spool and no server: refuse at start, one line
        p = run([vigia, 'replay', '-q', '-o', '/dev/null',
                 '--redis', '127.0.0.1:%d' % free_port(), demo_pcap])
        assert p.returncode == 1 and b'redis 127.0.0.1' in p.stderr
    finally:
        r.stop()


def test_alerts_consumer(vigia, demo_pcap, redis, tmp_path):
    ev = tmp_path / 'eve.json'
    p = run([vigia, 'replay', '-q', '-o', str(ev), '--sensor', 'edge-f',
             '--redis', '127.0.0.1:%d' % redis.port, demo_pcap])
    assert p.returncode == 0
    alert = json.dumps({'timestamp': '2026-11-18T11:00:00.000000+0000', 'event_type': 'alert',
                        'src_ip': '10.20.0.13', 'src_port': 40000, 'dest_ip': '10.20.0.1',
                        'dest_port': 23, 'proto': 'TCP',
                        'alert': {'signature': 'Telnet brute force', 'severity': 2}})
    for sev in (1, 3):
        redis.cli('XADD', 'vigia:{edge-f}:alerts', '*', 'event_type', 'alert',
                  'severity', str(sev), 'json', alert)
    base = [vigia, 'alerts', '--redis', '127.0.0.1:%d' % redis.port, '--sensor', 'edge-f']
    p = run(base + ['--min-severity', '2'])
    lines = p.stdout.decode().splitlines()
    # the demo's own alerts of severity 1-2, and the sev 1 one of the two added
    demo = [json.loads(l) for l in file_events(ev) if json.loads(l)['event_type'] == 'alert']
    assert p.returncode == 0 and len(lines) == 1 + len([a for a in demo
                                                       if a['alert']['severity'] <= 2])
    ours = [l for l in lines if 'Telnet brute force' in l]
    assert len(ours) == 1 and 'sev 1' in ours[0] and '10.20.0.13:40000' in ours[0]
    # everything read was acknowledged, shown or not: nothing pending, nothing again
    assert b'0' == redis.cli('XPENDING', 'vigia:{edge-f}:alerts', 'vigia-soc').splitlines()[0]
    assert run(base).stdout == b''
    # another family, as JSON, for another consumer group: exactly the file's anomalies
    p = run(base + ['--family', 'anomalies', '--json', '--group', 'twin'])
    want = [l for l in file_events(ev) if json.loads(l)['event_type'] == 'anomaly']
    assert p.stdout.decode().splitlines() == want
    assert run(base + ['--family', 'nope']).returncode == 1


def make_cluster(tmp_path):
    """Three masters on 127.0.0.1, every node knowing the whole slot map."""
    if not shutil.which('redis-cli'):
        pytest.skip('redis-cli not installed')
    nodes = []
    for i in range(3):
        d = tmp_path / ('n%d' % i)
        d.mkdir()
        nodes.append(Redis(d, '--cluster-enabled', 'yes', '--cluster-config-file',
                           str(d / 'nodes.conf')))
    r = run(['redis-cli', '--cluster', 'create'] +
            ['127.0.0.1:%d' % n.port for n in nodes] +
            ['--cluster-replicas', '0', '--cluster-yes'])
    assert r.returncode == 0, r.stdout + r.stderr
    for _ in range(100):
        if all(b'cluster_state:ok' in n.cli('CLUSTER', 'INFO') for n in nodes):
            break
        time.sleep(0.1)
    time.sleep(0.5)
    return nodes


@pytest.fixture
def cluster(tmp_path):
    nodes = []
    try:
        nodes = make_cluster(tmp_path)
        yield nodes
    finally:
        for n in nodes:
            n.stop()


def test_cluster_follows_moved(vigia, demo_pcap, cluster, tmp_path):
    nodes = cluster
    seed = nodes[0].port
    expect = {}
    for sensor in ('north-07', 'harbour-3'):
        ev = tmp_path / ('%s.json' % sensor)
        p = run([vigia, 'replay', '-q', '-o', str(ev), '--sensor', sensor,
                 '--redis', '127.0.0.1:%d' % seed, demo_pcap])
        assert p.returncode == 0, p.stderr
        expect[sensor] = len([l for l in file_events(ev) if family(l) == 'flows'])
    owners = set()
    for sensor, n in expect.items():
        key = 'vigia:{%s}:flows' % sensor
        slot = int(nodes[0].cli('CLUSTER', 'KEYSLOT', key))
        # the node that owns the slot holds the whole stream
        owner = [nd for nd in nodes if int(nd.cli('CLUSTER', 'COUNTKEYSINSLOT', str(slot))) > 0]
        assert len(owner) == 1
        assert int(owner[0].cli('XLEN', key)) == n
        owners.add(owner[0].port)
        for fam in ('anomalies',):
            assert int(owner[0].cli('XLEN', 'vigia:{%s}:%s' % (sensor, fam))) == 2
    # the two sensors hash to different nodes here, one not the seed
    assert len(owners) == 2 and owners != {seed}


def test_cluster_follows_ask_during_migration(vigia, demo_pcap, cluster, tmp_path):
    """The sensor's slot is migrating: its owner answers ASK for keys it no
    longer has, and the entries must land on the importing node (each after
    ASKING), none on the old owner, each once."""
    nodes = cluster
    sensor = 'harbour-3'
    key = 'vigia:{%s}:flows' % sensor
    slot = int(nodes[0].cli('CLUSTER', 'KEYSLOT', key))
    ids = {n.port: n.cli('CLUSTER', 'MYID').strip().decode() for n in nodes}
    src = [n for n in nodes
           if any(l.split()[2].endswith(b'myself,master') and
                  any('-' in r and int(r.split('-')[0]) <= slot <= int(r.split('-')[1])
                      for r in [x.decode() for x in l.split()[8:]])
                  for l in n.cli('CLUSTER', 'NODES').splitlines()
                  if b'myself' in l)][0]
    dst = [n for n in nodes if n is not src][0]
    assert b'OK' in dst.cli('CLUSTER', 'SETSLOT', str(slot), 'IMPORTING', ids[src.port])
    assert b'OK' in src.cli('CLUSTER', 'SETSLOT', str(slot), 'MIGRATING', ids[dst.port])
    ev = tmp_path / 'ask.json'
    summ = tmp_path / 'ask-summary.json'
    p = run([vigia, 'replay', '-q', '-o', str(ev), '--summary-json', str(summ),
             '--sensor', sensor, '--redis', '127.0.0.1:%d' % src.port, demo_pcap])
    assert p.returncode == 0, p.stderr
    want = [l for l in file_events(ev) if family(l) == 'flows']
    rs = json.load(open(summ))['redis']
    assert rs['sent'] == len(file_events(ev)) and rs['errors'] == 0
    assert int(src.cli('CLUSTER', 'COUNTKEYSINSLOT', str(slot))) == 0
    # finish the migration, then read the stream from its new owner
    for n in nodes:
        n.cli('CLUSTER', 'SETSLOT', str(slot), 'NODE', ids[dst.port])
    got = dst.entries(key)
    assert [g[2] for g in got] == want


def test_control_stream_reloads_policy(vigia, demo_pcap, redis, tmp_path):
    """An operator (or the city platform) asks for a policy reload through
    Redis: XADD vigia:{SENSOR}:control * cmd reload-policy."""
    live = tmp_path / 'live.yaml'
    live.write_text('segments:\n  - name: first\n    cidrs: [10.10.0.0/16]\n')
    summ = tmp_path / 's.json'
    p = subprocess.Popen([vigia, 'replay', '-q', '--policy', str(live), '-o', '/dev/null',
                          '--summary-json', str(summ), '--sensor', 'edge-g',
                          '--redis', '127.0.0.1:%d' % redis.port, '--preload', '400',
                          demo_pcap], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    live.write_text('segments:\n  - name: second\n    cidrs: [10.10.0.0/16]\n')
    redis.cli('XADD', 'vigia:{edge-g}:control', '*', 'cmd', 'reload-policy')
    time.sleep(0.8)
    still_running = p.poll() is None
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert still_running
    s = json.loads(summ.read_text())
    assert s['policy']['reloads_ok'] == 1
    want = run([vigia, 'check-policy', str(live)]).stdout.decode()
    assert s['policy']['hash'] in want


OFFICE_ONLY_DNS = ('segments:\n  - name: municipal-office\n    cidrs: [10.10.0.0/16]\n'
                   '    allow:\n      apps: [DNS]\n')


def test_redis_full_spools_and_loses_no_alert(vigia, demo_pcap, redis, tmp_path):
    """Redis full (maxmemory, noeviction): every XADD answers OOM. Entries
    go to the spool (no error, nothing dropped), and once Redis has room
    the next start delivers them: every alert exactly once."""
    pol = tmp_path / 'p.yaml'
    pol.write_text(OFFICE_ONLY_DNS)
    redis.cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction')
    redis.cli('CONFIG', 'SET', 'maxmemory', '1')   # below what it uses: full
    assert b'OOM' in redis.cli('XADD', 'probe', '*', 'a', 'b')
    spool = tmp_path / 'spool'
    ev = tmp_path / 'ev.json'
    summ = tmp_path / 's.json'
    p = run([vigia, 'replay', '-q', '--policy', str(pol), '-o', str(ev), '--summary-json', str(summ),
             '--sensor', 'full', '--redis', '127.0.0.1:%d' % redis.port,
             '--spool-dir', str(spool), demo_pcap])
    assert p.returncode == 0, p.stderr
    s = json.loads(summ.read_text())['redis']
    assert s['errors'] == 0 and s['spool_dropped'] == 0 and s['left_in_spool'] > 0
    want = [l for l in file_events(ev) if '"event_type":"alert"' in l]
    assert len(want) > 100
    # room again: the spool goes out on the next start (an empty run)
    redis.cli('CONFIG', 'SET', 'maxmemory', '0')
    empty = tmp_path / 'empty.pcap'
    empty.write_bytes(open(demo_pcap, 'rb').read()[:24])
    p = run([vigia, 'replay', '-q', '-o', '/dev/null', '--summary-json', str(summ), '--sensor', 'full',
             '--redis', '127.0.0.1:%d' % redis.port, '--spool-dir', str(spool), str(empty)])
    assert p.returncode == 0, p.stderr
    got = [g[2] for g in redis.entries('vigia:{full}:alerts')]
    assert got == want


def test_spool_full_drops_non_alerts_first(vigia, demo_pcap, redis, tmp_path):
    """Redis away and a spool too small for the run (1 MiB): the spool
    keeps within its size by dropping flows, stats and anomalies (counted),
    never an alert while alerts fit; the next start with Redis back delivers
    every alert, in order, and only part of the flows."""
    pol = tmp_path / 'p.yaml'
    pol.write_text(OFFICE_ONLY_DNS)
    spool = tmp_path / 'spool'
    ev = tmp_path / 'ev.json'
    summ = tmp_path / 's.json'
    p = run([vigia, 'replay', '-q', '--policy', str(pol), '-o', str(ev), '--summary-json', str(summ),
             '--sensor', 'small', '--redis', '127.0.0.1:%d' % free_port(),
             '--spool-dir', str(spool), '--spool-max', '1', '--preload', '2', demo_pcap])
    assert p.returncode == 0, p.stderr
    s = json.loads(summ.read_text())['redis']
    events = file_events(ev)
    want = [l for l in events if '"event_type":"alert"' in l]
    assert len(want) > 500 and s['spool_dropped'] > 0 and s['errors'] == 0
    assert s['left_in_spool'] + s['spool_dropped'] == len(events)
    assert os.path.getsize(spool / 'small.spool') <= 1 << 20
    empty = tmp_path / 'empty.pcap'
    empty.write_bytes(open(demo_pcap, 'rb').read()[:24])
    p = run([vigia, 'replay', '-q', '-o', '/dev/null', '--summary-json', str(summ), '--sensor', 'small',
             '--redis', '127.0.0.1:%d' % redis.port, '--spool-dir', str(spool), str(empty)])
    assert p.returncode == 0, p.stderr
    assert [g[2] for g in redis.entries('vigia:{small}:alerts')] == want
    flows = [l for l in events if '"event_type":"flow"' in l]
    got = int(redis.cli('XLEN', 'vigia:{small}:flows'))
    assert 0 < got < len(flows)


def test_redis_stalled_server_nothing_lost(vigia, demo_pcap, redis, tmp_path):
    """Redis stalls (DEBUG SLEEP) in the middle of a run: the sink times out,
    spools, reconnects and sends the rest; the streams hold exactly the
    file's events, in order, nothing twice."""
    import threading
    pol = tmp_path / 'p.yaml'
    pol.write_text(OFFICE_ONLY_DNS)
    ev = tmp_path / 'ev.json'
    summ = tmp_path / 's.json'
    slept = []
    t = threading.Timer(0.3, lambda: slept.append(redis.cli('DEBUG', 'SLEEP', '3')))
    t.start()
    p = run([vigia, 'replay', '-q', '--policy', str(pol), '-o', str(ev), '--summary-json',
             str(summ), '--sensor', 'stall', '--redis', '127.0.0.1:%d' % redis.port,
             '--spool-dir', str(tmp_path / 'spool'), '--preload', '20', demo_pcap])
    t.join()
    assert p.returncode == 0, p.stderr
    assert slept == [b'OK\n']      # Redis really stalled (DEBUG is allowed locally)
    s = json.loads(summ.read_text())['redis']
    assert s['errors'] == 0 and s['left_in_spool'] == 0
    check_streams_equal_file(redis, 'stall', ev)
    want = [l for l in file_events(ev) if '"event_type":"alert"' in l]
    assert [g[2] for g in redis.entries('vigia:{stall}:alerts')] == want
