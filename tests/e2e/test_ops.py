"""Operating vigia on an edge server: the config file, systemd (unit file,
sd_notify readiness, watchdog, stopping), privileges dropped after the
capture opened, the output reopened for logrotate, the man page."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import ROOT, run

DEPLOY = os.path.join(ROOT, 'deploy')


@pytest.mark.parametrize('name', ['vigia.yaml', 'vigia-pcap.yaml'])
def test_sample_configs_validate(vigia, name):
    p = run([vigia, 'check-config', os.path.join(DEPLOY, name)])
    assert p.returncode == 0, p.stderr
    assert b': ok: capture ' in p.stdout


BROKEN = [
    ('sensor: a\nworkerz: 2\n', ':2:1: unknown key \'workerz\''),
    ('workers: four\n', ':1:10:'),
    ('workers: 0\n', ':1:10:'),
    ('workers: 65\n', ':1:10:'),
    ('outputs:\n  redis:\n    adress: x\n', ":3:5: unknown key 'adress' in outputs.redis"),
    ('capture:\n  mode: tap\n', ':2:9:'),
    ('log_level: loud\n', ':1:12:'),
    ('sensor: a\nsensor: b\n', ':2:1:'),
    ('flow_table: 5\n', ':1:13:'),
    ('detectors: {a: 1}\n', ':1:12:'),
    ('metrics:\n  listen: [1, 2]\n', ':2:11:'),
    ('sensor: [unclosed\n', 'test.yaml:'),
]


@pytest.mark.parametrize('text,want', BROKEN)
def test_broken_configs(vigia, tmp_path, text, want):
    """Every refused config names the file, line and column of the fault."""
    f = tmp_path / 'test.yaml'
    f.write_text(text)
    p = run([vigia, 'check-config', str(f)])
    assert p.returncode == 1
    err = p.stderr.decode()
    assert str(f) in err and want in err, err


def test_config_then_command_line(vigia, demo_pcap, tmp_path):
    """Options come from the file; the command line overrides them."""
    cfg = tmp_path / 'c.yaml'
    cfg.write_text('sensor: from-file\nflow_table:\n  udp_timeout: 60\n')
    for extra, want in (([], 'from-file'), (['--sensor', 'from-cli'], 'from-cli')):
        p = run([vigia, 'replay', '--config', str(cfg), '-q', '-o', '-'] + extra + [demo_pcap])
        assert p.returncode == 0, p.stderr
        first = json.loads(p.stdout.decode().splitlines()[0])
        assert first['sensor'] == want
    p = run([vigia, 'run', '--config', str(cfg)])
    assert p.returncode == 1 and b'capture.mode is not set' in p.stderr


def test_replay_as_root_needs_telling(vigia, demo_pcap):
    if os.geteuid() != 0:
        pytest.skip('needs root')
    env = dict(os.environ)
    env.pop('VIGIA_ALLOW_ROOT', None)
    p = subprocess.run([vigia, 'replay', '-q', '-o', '/dev/null', demo_pcap], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.returncode == 2 and b'refusing to replay as root' in p.stderr
    p = subprocess.run([vigia, 'replay', '--user', 'nobody', '-q', '-o', '/dev/null',
                        demo_pcap], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.returncode == 0, p.stderr


class Notify:
    """A NOTIFY_SOCKET as systemd has it: datagrams of KEY=VALUE lines,
    read as they come (as systemd does: a full socket would block)."""

    def __init__(self, d):
        import threading
        self.path = os.path.join(d, 'notify.sock')
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(self.path)
        os.chmod(self.path, 0o777)   # vigia may have dropped root
        self.s.settimeout(0.1)
        self.msgs = []
        self.done = False
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        while not self.done:
            try:
                self.msgs.append(self.s.recv(4096).decode())
            except socket.timeout:
                pass
            except OSError:
                return

    def poll(self, until, timeout=10.0):
        end = time.time() + timeout
        while time.time() < end:
            if any(until in m for m in list(self.msgs)):
                return True
            time.sleep(0.05)
        return False

    def close(self):
        self.done = True
        self.t.join()
        self.s.close()


def test_sd_notify_ready_and_stopping(vigia, demo_pcap, tmp_path):
    n = Notify(str(tmp_path))
    try:
        env = dict(os.environ, NOTIFY_SOCKET=n.path)
        p = subprocess.run([vigia, 'replay', '-q', '-o', '/dev/null', demo_pcap], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert p.returncode == 0, p.stderr
        n.poll(until='STOPPING=1', timeout=3)
    finally:
        n.close()
    ready = [i for i, m in enumerate(n.msgs) if 'READY=1' in m]
    stop = [i for i, m in enumerate(n.msgs) if 'STOPPING=1' in m]
    assert ready and stop and ready[0] < stop[0], n.msgs
    assert 'STATUS=replaying' in n.msgs[ready[0]]
    assert 'MAINPID=' in n.msgs[ready[0]]


def proc_status(pid):
    out = {}
    for line in open('/proc/%d/status' % pid):
        k, _, v = line.partition(':')
        out[k] = v.split()
    return out


def test_service_live(vigia, demo_pcap, netns):
    """`vigia run --config` as systemd starts it: pcap capture on the veth,
    READY=1 once capturing, then no longer root and without capabilities,
    the watchdog petted, the output reopened after logrotate moved it
    (SIGUSR1), SIGTERM: STOPPING=1 and every flow in the new file."""
    # as systemd lays it out: folders root's (LogsDirectory=, StateDirectory=
    # without User=), the output and the state made by vigia while root
    d = tempfile.mkdtemp(prefix='vigia-ops-')
    os.chmod(d, 0o755)
    state = os.path.join(d, 'state')
    try:
        out = os.path.join(d, 'eve.json')
        cfg = os.path.join(d, 'vigia.yaml')
        with open(cfg, 'w') as f:
            f.write('sensor: edge-test\nuser: nobody\nlog_level: info\ncapture:\n'
                    '  mode: pcap\n  interface: va\noutputs:\n  file: %s\n'
                    'state_dir: %s\n' % (out, state))
        os.mkdir(state, 0o755)
        n = Notify(d)
        env = dict(os.environ, NOTIFY_SOCKET=n.path, WATCHDOG_USEC='200000')
        p = subprocess.Popen(['ip', 'netns', 'exec', netns, vigia, 'run', '--config', cfg, '-q'],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert n.poll(until='READY=1', timeout=10), (n.msgs, p.poll())
            # ip netns exec runs vigia as its child (or execs it)
            pid = p.pid
            kids = subprocess.run(['pgrep', '-P', str(p.pid)], stdout=subprocess.PIPE)
            if kids.stdout.strip():
                pid = int(kids.stdout.split()[0])
            st = proc_status(pid)
            assert st['Uid'][1] == '65534' and st['Gid'][1] == '65534', st['Uid']
            assert int(st['CapEff'][0], 16) == 0 and int(st['CapBnd'][0], 16) == 0
            assert n.poll(until='WATCHDOG=1', timeout=3), n.msgs
            # what vigia made as root is the user's now
            assert os.stat(out).st_uid == 65534 and os.stat(state).st_uid == 65534
            # systemctl reload (SIGHUP) with nothing rotated: the same file
            # reopened (it was root's: the bug that lost every later event)
            os.kill(pid, signal.SIGHUP)
            time.sleep(0.5)
            # what logrotate does: move the file, create the new one
            # (create 0640 vigia vigia), signal
            os.rename(out, out + '.1')
            fd = os.open(out, os.O_CREAT | os.O_WRONLY, 0o640)
            os.fchown(fd, 65534, 65534)
            os.close(fd)
            os.kill(pid, signal.SIGUSR1)
            time.sleep(0.5)
            r = run(['ip', 'netns', 'exec', netns, 'tcpreplay', '-q', '-i', 'vb',
                     '--pps', '4000', demo_pcap])
            assert r.returncode == 0, r.stderr
            time.sleep(0.5)
            os.kill(pid, signal.SIGTERM)
            rc = p.wait(timeout=30)
            assert rc == 0, p.stderr.read()
            n.poll(until='STOPPING=1', timeout=2)
        finally:
            if p.poll() is None:
                p.kill()
            n.close()
        assert any('STOPPING=1' in m for m in n.msgs)
        # the file the service writes after SIGUSR1 is a new one: it holds
        # the flows, flushed at shutdown
        assert os.path.exists(out)
        flows = [json.loads(l) for l in open(out) if '"event_type":"flow"' in l]
        assert len(flows) > 100 and all(f['sensor'] == 'edge-test' for f in flows)
        # the user could write its state at shutdown
        assert os.path.exists(os.path.join(state, 'state.tsv')), os.listdir(state)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_systemd_unit_verifies(vigia, tmp_path):
    if not shutil.which('systemd-analyze'):
        pytest.skip('systemd-analyze not installed')
    man = tmp_path / 'man' / 'man8'
    man.mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, 'docs', 'vigia.8'), str(man))
    unit = open(os.path.join(DEPLOY, 'vigia.service')).read()
    assert 'Type=notify' in unit and 'ExecReload=/bin/kill -HUP $MAINPID' in unit
    assert 'WatchdogSec=' in unit and 'Restart=on-failure' in unit
    (tmp_path / 'vigia.service').write_text(unit.replace('/usr/local/bin/vigia', vigia))
    env = dict(os.environ, MANPATH=str(tmp_path / 'man'))
    p = subprocess.run(['systemd-analyze', 'verify', str(tmp_path / 'vigia.service')],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr.decode()


def test_dpdk_args_sample_uses_real_options(vigia):
    """deploy/vigia-dpdk.conf (an @FILE of arguments) names the dpdk command
    and only options `vigia --help` lists, each given a value where it
    takes one: a renamed option cannot leave the sample behind."""
    words = []
    for line in open(os.path.join(DEPLOY, 'vigia-dpdk.conf')):
        words += line.split('#', 1)[0].split()
    assert words[0] == 'dpdk' and '--' in words
    ours = words[1:words.index('--')]
    helptext = run([vigia, '--help']).stdout.decode()
    known = set(re.findall(r'(--[a-z][a-z0-9-]+)', helptext))
    opts = [w for w in ours if w.startswith('-')]
    assert opts and all(o in known or o in ('-o', '-w', '-q') for o in opts), opts
    for i, w in enumerate(ours):
        if w.startswith('--') and w not in ('--quiet', '--progress', '--allow-root'):
            assert i + 1 < len(ours) and not ours[i + 1].startswith('--'), w
    eal = words[words.index('--') + 1:]
    assert '-l' in eal and '-a' in eal and '--file-prefix' in eal


def test_man_page_lists_every_option(vigia):
    """vigia(8) renders without warnings and names every long option the
    binary's --help lists: the page cannot silently fall behind."""
    page = os.path.join(ROOT, 'docs', 'vigia.8')
    if shutil.which('groff'):
        p = run(['groff', '-man', '-Tutf8', '-ww', '-z', page])
        assert p.returncode == 0 and not p.stderr, p.stderr
    text = open(page).read().replace('\\-', '-')
    helptext = run([vigia, '--help']).stdout.decode()
    opts = set(re.findall(r'(--[a-z][a-z0-9-]+)', helptext))
    missing = sorted(o for o in opts if o not in text)
    assert not missing, missing


def test_logrotate_snippet_signals_reopen():
    t = open(os.path.join(DEPLOY, 'vigia.logrotate')).read()
    assert '/var/log/vigia/*.json' in t and 'USR1' in t and 'create 0640 vigia vigia' in t
