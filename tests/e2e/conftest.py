import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SHARED = os.environ.get('SHARED', os.path.join(ROOT, '..', 'shared'))
CORPUS = os.path.join(SHARED, 'corpus')
DEMO = os.path.join(ROOT, 'tests', 'captures', 'demo.pcap')
# CI runs as root; vigia refuses to replay as root unless told
os.environ.setdefault('VIGIA_ALLOW_ROOT', '1')


def vigia_path(san=False):
    return os.path.join(ROOT, 'build-san' if san else 'build', 'vigia')


@pytest.fixture(scope='session')
def vigia():
    path = vigia_path()
    assert os.path.exists(path), 'build vigia first (make)'
    return path


@pytest.fixture(scope='session')
def demo_pcap():
    if not os.path.exists(DEMO):
        subprocess.run(['/usr/bin/python3',
                        os.path.join(ROOT, 'tests', 'captures', 'gen_demo.py'),
                        DEMO, '--scale', '10'], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return DEMO


@pytest.fixture(scope='session')
def corpus():
    if not os.path.isdir(CORPUS):
        pytest.skip('corpus not found at %s (../shared absent): skipped' % CORPUS)
    return CORPUS


# Without a key file, pseudonyms (UE addresses of GTP-U flows) come from a
# random key per run: tests that compare runs, or name a UE's pseudonym,
# replay under this one fixed key.
PKEY = os.path.join(os.environ.get('TMPDIR', '/tmp'), 'vigia-test-pseudonym.key')


def pkey():
    if not os.path.exists(PKEY):
        tmp = '%s.%d' % (PKEY, os.getpid())
        with open(tmp, 'wb') as f:
            f.write(b'vigia-test-key-0123456789abcdef!')
        os.replace(tmp, PKEY)
    return ['--pseudonym-key-file', PKEY]


def run(args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False, **kw)


def pcap_header(linktype, snaplen=65535):
    return struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(data, ts=1700000000, usec=0, wirelen=None):
    return struct.pack('<IIII', ts, usec, len(data),
                       len(data) if wirelen is None else wirelen) + data


@pytest.fixture
def netns():
    """A network namespace with a veth pair va <-> vb, both up; removed after."""
    if os.geteuid() != 0:
        pytest.skip('needs root (network namespace)')
    if not shutil.which('tcpreplay'):
        pytest.skip('tcpreplay not installed')
    ns = 'vigia-t%d' % os.getpid()
    r = run(['ip', 'netns', 'add', ns])
    if r.returncode != 0:
        pytest.skip('cannot create a network namespace: %s' % r.stderr.decode())
    try:
        for cmd in (['ip', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb'],
                    ['ip', 'link', 'set', 'va', 'up'], ['ip', 'link', 'set', 'vb', 'up'],
                    ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']):
            r = run(['ip', 'netns', 'exec', ns] + cmd)
            assert r.returncode == 0, r.stderr
        yield ns
    finally:
        run(['ip', 'netns', 'del', ns])


def capture_in_netns(netns, argv, pcap, pps, warmup=1.0, settle=0.5):
    """Run a capturing argv inside netns, replay pcap into vb at pps with
    tcpreplay, then SIGTERM it: what an operator's Ctrl-C does. Returns the
    capturer's exit status (asserting it was up and the replay worked)."""
    p = subprocess.Popen(['ip', 'netns', 'exec', netns] + argv,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(warmup)
        assert p.poll() is None, p.stderr.read()
        r = run(['ip', 'netns', 'exec', netns, 'tcpreplay', '-q', '-i', 'vb',
                 '--pps', str(pps), pcap])
        assert r.returncode == 0, r.stderr
        time.sleep(settle)
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    assert rc == 0, p.stderr.read()
    return rc


@contextlib.contextmanager
def redis_in_netns(netns):
    """redis-server on 127.0.0.1 inside netns (vigia runs there, and its
    traffic stays there), DEBUG allowed from loopback; yields its port,
    stops it by pid."""
    if not shutil.which('redis-server'):
        pytest.skip('redis-server not installed')
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    ns = ['ip', 'netns', 'exec', netns]
    run(ns + ['ip', 'link', 'set', 'lo', 'up'])
    srv = subprocess.Popen(ns + ['redis-server', '--port', str(port), '--bind', '127.0.0.1',
                                 '--save', '', '--appendonly', 'no',
                                 '--enable-debug-command', 'local'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if run(ns + ['redis-cli', '-p', str(port), 'PING']).stdout.strip() == b'PONG':
                break
            time.sleep(0.05)
        yield port
    finally:
        srv.terminate()
        srv.wait()
