"""A switched LAN in network namespaces, made and unmade by the scenario.

Every host is a namespace with one veth (eth0) to a switch namespace whose
bridge forgets MAC addresses at once (ageing 0): it floods every frame to
every port, as a hub, so its tap port sees the whole LAN, as a SPAN port
would. Hosts reach every range prefix on link (no router, no default
route): nothing can leave the namespaces, and a spoofed or random address
simply has no route back.

Everything made is remembered and removed in teardown(): processes by pid
(then whatever else still runs in our namespaces), namespaces by name.
"""
import itertools
import os
import shutil
import signal
import subprocess
import time

# the range's address plan: private and TEST-NET ranges, inside the lab only
PREFIXES = ['10.0.0.0/8', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24']
PREFIXES6 = ['fd00:72::/32']


def sh(argv, check=True, **kw):
    return subprocess.run(argv, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


_LABS = itertools.count()


class Lab:
    def __init__(self, tag):
        # short names, unique in this run (labs may run side by side)
        self.tag = 'vr%x%02d%s' % (os.getpid() & 0xfff, next(_LABS) % 100, tag[:4])
        self.sw = self.tag + '-sw'
        self.hosts = {}
        self.procs = []
        self.made_ns = []
        self.tap = 'tap1'
        self._n = 0
        self.ns_add(self.sw)
        self.nsx(self.sw, ['ip', 'link', 'add', 'br0', 'type', 'bridge', 'ageing_time', '0',
                           'stp_state', '0', 'mcast_snooping', '0'])
        self.nsx(self.sw, ['ip', 'link', 'add', 'tap0', 'type', 'veth', 'peer', 'name', 'tap1'])
        self.nsx(self.sw, ['ip', 'link', 'set', 'tap0', 'master', 'br0'])
        self.nsx(self.sw, ['ip', 'link', 'set', 'tap0', 'type', 'bridge_slave', 'learning', 'off',
                           'flood', 'on'])
        for dev in ('br0', 'tap0', 'tap1', 'lo'):
            self.nsx(self.sw, ['ip', 'link', 'set', dev, 'up'])
        # the tap sees frames; it must not answer or send them
        self.nsx(self.sw, ['sysctl', '-qw', 'net.ipv6.conf.tap1.disable_ipv6=1'])
        self.nsx(self.sw, ['sysctl', '-qw', 'net.ipv6.conf.br0.disable_ipv6=1'])

    # ---- namespaces and hosts ----------------------------------------------
    def ns_add(self, name):
        sh(['ip', 'netns', 'add', name])
        self.made_ns.append(name)
        sh(['ip', 'netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'])

    def nsx(self, ns, argv, check=True, timeout=60, **kw):
        return sh(['ip', 'netns', 'exec', ns] + list(argv), check=check, timeout=timeout, **kw)

    def host(self, name, addrs, addrs6=(), mac=None):
        """A host on the LAN: namespace TAG-name, eth0 with the addresses."""
        ns = '%s-%s' % (self.tag, name)
        self._n += 1
        port = 'p%d' % self._n
        self.ns_add(ns)
        self.nsx(self.sw, ['ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0',
                           'netns', ns])
        self.nsx(self.sw, ['ip', 'link', 'set', port, 'master', 'br0'])
        # no learning: every frame is flooded, the tap sees all
        self.nsx(self.sw, ['ip', 'link', 'set', port, 'type', 'bridge_slave', 'learning', 'off',
                           'flood', 'on'])
        self.nsx(self.sw, ['ip', 'link', 'set', port, 'up'])
        mac = mac or '02:72:00:00:%02x:%02x' % (self._n >> 8, self._n & 0xff)
        self.nsx(ns, ['ip', 'link', 'set', 'eth0', 'address', mac])
        # addresses first: DAD off so IPv6 works at once
        self.nsx(ns, ['sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=0'])
        for a in addrs:
            self.nsx(ns, ['ip', 'addr', 'add', a, 'dev', 'eth0'])
        for a in addrs6:
            self.nsx(ns, ['ip', '-6', 'addr', 'add', a, 'dev', 'eth0', 'nodad'])
        self.nsx(ns, ['ip', 'link', 'set', 'eth0', 'up'])
        for p in PREFIXES:
            self.nsx(ns, ['ip', 'route', 'replace', p, 'dev', 'eth0'], check=False)
        if addrs6:
            for p in PREFIXES6:
                self.nsx(ns, ['ip', '-6', 'route', 'replace', p, 'dev', 'eth0'], check=False)
        h = {'ns': ns, 'mac': mac, 'ip': addrs[0].split('/')[0] if addrs else None,
             'ip6': addrs6[0].split('/')[0] if addrs6 else None}
        self.hosts[name] = h
        return h

    def ns(self, name):
        return self.hosts[name]['ns']

    def ip(self, name):
        return self.hosts[name]['ip']

    # ---- processes -----------------------------------------------------------
    def start(self, host, argv, log=None, env=None, cwd=None):
        """A long-running process (a server, a capture) in a host's namespace."""
        ns = self.sw if host == 'switch' else self.ns(host)
        out = open(log, 'ab') if log else subprocess.DEVNULL
        p = subprocess.Popen(['ip', 'netns', 'exec', ns] + list(argv), stdout=out,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                             start_new_session=True)
        if log:
            out.close()
        self.procs.append(p)
        return p

    def run(self, host, argv, timeout, log=None, check=False, env=None, inp=None, cwd=None):
        """A bounded command (a tool, a client): killed at its timeout."""
        ns = self.ns(host)
        out = open(log, 'ab') if log else subprocess.DEVNULL
        p = subprocess.Popen(['ip', 'netns', 'exec', ns] + list(argv), stdout=out,
                             stderr=subprocess.STDOUT,
                             stdin=subprocess.PIPE if inp is not None else subprocess.DEVNULL,
                             env=env, cwd=cwd, start_new_session=True)
        try:
            p.communicate(inp, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        finally:
            if log:
                out.close()
        if check and p.returncode != 0:
            raise RuntimeError('%s failed: %d' % (argv[0], p.returncode))
        return p.returncode

    def wait_port(self, host, port, proto='tcp', deadline=20):
        """Poll until something listens on port in the host's namespace."""
        flag = '-ltn' if proto == 'tcp' else '-lun'
        end = time.time() + deadline
        while time.time() < end:
            out = self.nsx(self.ns(host), ['ss', '-H', flag], check=False).stdout.decode()
            if any(l.split()[3].rsplit(':', 1)[-1] == str(port) for l in out.splitlines()
                   if len(l.split()) > 3):
                return True
            time.sleep(0.1)
        raise RuntimeError('nothing listens on %s/%s in %s' % (port, proto, host))

    def capture(self, path, snaplen=0):
        """tcpdump on the tap, until stop_capture(); returns once it listens."""
        log = path + '.log'
        argv = ['tcpdump', '-i', self.tap, '-n', '-U', '--immediate-mode', '-B', '65536',
                '-w', path]
        self.cap_path = path
        if snaplen:
            argv[1:1] = ['-s', str(snaplen)]
        self.cap = self.start('switch', argv, log=log)
        end = time.time() + 20
        while time.time() < end:
            if os.path.exists(log) and b'listening on' in open(log, 'rb').read():
                return
            time.sleep(0.05)
        raise RuntimeError('tcpdump did not start: %s' % open(log, 'rb').read()[-300:])

    def stop_capture(self):
        if getattr(self, 'cap', None) and self.cap.poll() is None:
            # the last frames through the bridge: until the file stops growing
            last, still = -1, 0
            end = time.time() + 10
            while still < 5 and time.time() < end:
                time.sleep(0.1)
                n = os.path.getsize(self.cap_path) if os.path.exists(self.cap_path) else 0
                still = still + 1 if n == last else 0
                last = n
            os.killpg(self.cap.pid, signal.SIGINT)
            try:
                self.cap.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.cap.pid, signal.SIGKILL)
                self.cap.wait()

    # ---- teardown --------------------------------------------------------------
    def teardown(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        end = time.time() + 5
        for p in self.procs:
            try:
                p.wait(max(0.1, end - time.time()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        # daemons that forked away from their group: whatever still runs in
        # a namespace we made
        for ns in self.made_ns:
            pids = sh(['ip', 'netns', 'pids', ns], check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
        for ns in reversed(self.made_ns):
            sh(['ip', 'netns', 'del', ns], check=False)
        self.made_ns = []


def have(*tools):
    """The tools a scenario needs, or the first one missing."""
    for t in tools:
        if not (shutil.which(t) or os.path.exists(os.path.join('/usr/sbin', t)) or
                os.path.exists(t)):
            return t
    return None


def leftovers(tag_prefix='vr'):
    """Namespaces of a range run still there (for the teardown check)."""
    out = sh(['ip', 'netns', 'list'], check=False).stdout.decode()
    return [l.split()[0] for l in out.splitlines() if l.startswith(tag_prefix)]
