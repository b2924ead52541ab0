"""The range's real servers, each started in a host's namespace, in the
foreground (so the lab knows its pid), configured from files written under
the scenario's directory and listening only on that host's address."""
import os
import subprocess
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
PY = '/usr/bin/python3'

LOGIN_CGI = r'''#!/usr/bin/python3
# The city portal's login form: POST user=..&pass=..; a failure is the
# form again with "Login failed" (200), as most portals answer.
import os, sys, urllib.parse
n = int(os.environ.get('CONTENT_LENGTH') or 0)
body = sys.stdin.read(n) if n else os.environ.get('QUERY_STRING', '')
f = urllib.parse.parse_qs(body)
ok = f.get('user', [''])[0] == 'operator' and f.get('pass', [''])[0] == 'street-lights-42'
if os.environ.get('REQUEST_METHOD') == 'POST' and ok:
    print('Status: 200 OK\r\nContent-Type: text/html\r\n\r\n<p>Welcome, operator</p>')
elif os.environ.get('REQUEST_METHOD') == 'POST':
    print('Status: 200 OK\r\nContent-Type: text/html\r\n\r\n<p>Login failed</p>'
          '<form method=post><input name=user><input name=pass type=password></form>')
else:
    print('Status: 200 OK\r\nContent-Type: text/html\r\n\r\n'
          '<form method=post><input name=user><input name=pass type=password></form>')
'''

SEARCH_CGI = r'''#!/usr/bin/python3
# The open-data search page: really injectable (the query is pasted into
# the SQL), backed by sqlite.
import os, sqlite3, urllib.parse
q = urllib.parse.parse_qs(os.environ.get('QUERY_STRING', '')).get('district', [''])[0]
db = sqlite3.connect(os.path.join(os.path.dirname(__file__), 'city.db'))
print('Content-Type: text/html\r\n')
try:
    rows = db.execute("SELECT name, district FROM sensors WHERE district = '" + q + "'").fetchall()
    print('<ul>' + ''.join('<li>%s (%s)</li>' % r for r in rows) + '</ul>')
except sqlite3.Error as e:
    print('<p>error: %s</p>' % e)
'''


def tls_cert(d, name):
    """The city's own CA and a server certificate it signed (clients trust
    d/ca.pem): not self-signed, as a real portal's is not."""
    ca, pem = os.path.join(d, 'ca.pem'), os.path.join(d, 'server.pem')
    if os.path.exists(pem):
        return pem
    cakey, key, csr = (os.path.join(d, n) for n in ('ca.key', 'server.key', 'server.csr'))
    q = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', cakey,
                    '-out', ca, '-days', '30', '-subj', '/CN=City Range CA'], **q)
    subprocess.run(['openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr,
                    '-subj', '/CN=' + name], **q)
    ext = os.path.join(d, 'san.ext')
    with open(ext, 'w') as f:
        f.write('subjectAltName=DNS:%s\n' % name)
    subprocess.run(['openssl', 'x509', '-req', '-in', csr, '-CA', ca, '-CAkey', cakey,
                    '-CAcreateserial', '-out', pem + '.crt', '-days', '30', '-extfile', ext], **q)
    with open(pem, 'w') as f:
        f.write(open(pem + '.crt').read() + open(key).read())
    return pem


def ntp(lab, host, d):
    """chronyd serving time from the local clock (-x: it never touches the
    machine's clock)."""
    conf = os.path.join(d, 'chrony.conf')
    with open(conf, 'w') as f:
        f.write('local stratum 8\nallow 10.0.0.0/8\nbindaddress %s\nport 123\ncmdport 0\n'
                'pidfile %s/chronyd.pid\ndriftfile %s/chrony.drift\n' % (lab.ip(host), d, d))
    lab.start(host, ['chronyd', '-d', '-x', '-u', 'root', '-f', conf], log=os.path.join(d, 'chrony.log'))
    lab.wait_port(host, 123, 'udp')


def web(lab, host, d):
    """lighttpd: static pages, a 20 MB file, the login form and the search
    page (CGI, /usr/bin/python3)."""
    root = os.path.join(d, 'www')
    cgi = os.path.join(root, 'cgi-bin')
    os.makedirs(cgi, exist_ok=True)
    with open(os.path.join(root, 'index.html'), 'w') as f:
        f.write('<html><body><h1>City open data</h1><a href="/cgi-bin/search.py?district=centro">'
                'search</a></body></html>\n' + 'x' * 4000)
    with open(os.path.join(root, 'big.bin'), 'wb') as f:
        f.write(os.urandom(1 << 20) * 20)
    for name, text in (('login.py', LOGIN_CGI), ('search.py', SEARCH_CGI)):
        p = os.path.join(cgi, name)
        with open(p, 'w') as f:
            f.write(text)
        os.chmod(p, 0o755)
    import sqlite3
    db = sqlite3.connect(os.path.join(cgi, 'city.db'))
    db.execute('CREATE TABLE IF NOT EXISTS sensors (name TEXT, district TEXT, secret TEXT)')
    db.executemany('INSERT INTO sensors VALUES (?, ?, ?)',
                   [('lamp-%03d' % i, 'centro' if i % 2 else 'norte', 'key-%d' % i)
                    for i in range(40)])
    db.commit()
    db.close()
    os.chmod(d, 0o755)
    for dirpath, dirs, files in os.walk(root):
        os.chmod(dirpath, 0o755)
        for fn in files:
            os.chmod(os.path.join(dirpath, fn), 0o755 if fn.endswith('.py') else 0o644)
    os.chmod(os.path.join(cgi, 'city.db'), 0o666)
    os.chmod(cgi, 0o777)
    pem = tls_cert(d, 'www.range.test')
    conf = os.path.join(d, 'lighttpd.conf')
    with open(conf, 'w') as f:
        f.write('''server.modules = ("mod_cgi", "mod_access", "mod_openssl")
server.document-root = "%s"
server.bind = "%s"
server.port = 80
server.pid-file = "%s/lighttpd.pid"
server.max-connections = 1024
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html", ".bin" => "application/octet-stream")
$HTTP["url"] =~ "^/cgi-bin/" { cgi.assign = (".py" => "%s") }
$SERVER["socket"] == "%s:443" { ssl.engine = "enable" ssl.pemfile = "%s" }
''' % (root, lab.ip(host), d, PY, lab.ip(host), pem))
    lab.start(host, ['lighttpd', '-D', '-f', conf], log=os.path.join(d, 'lighttpd.log'))
    lab.wait_port(host, 80)


def dns(lab, host, d, zone_ns=None, extra=()):
    """dnsmasq: the range's resolver and the authority for range.test
    (static records); zone_ns=(domain, addr) delegates a zone (iodine)."""
    conf = os.path.join(d, 'dnsmasq.conf')
    with open(conf, 'w') as f:
        f.write('no-resolv\nno-hosts\nbind-interfaces\nlisten-address=%s\nport=53\n'
                'user=root\npid-file=%s/dnsmasq.pid\nlog-facility=-\n' % (lab.ip(host), d))
        f.write('address=/www.range.test/10.50.0.80\naddress=/mqtt.range.test/10.20.0.2\n'
                'address=/ntp.range.test/10.50.0.53\n'
                'txt-record=range.test,"v=spf1 -all"\n'
                # a big answer: what a reflection through this resolver returns
                + ''.join('txt-record=big.range.test,"%s"\n' % ('k%02d' % i * 60)[:200]
                          for i in range(16)))
        if zone_ns:
            f.write('server=/%s/%s\n' % zone_ns)
        for line in extra:
            f.write(line + '\n')
    lab.start(host, ['dnsmasq', '-k', '-C', conf], log=os.path.join(d, 'dnsmasq.log'))
    lab.wait_port(host, 53, 'udp')


def mqtt(lab, host, d):
    conf = os.path.join(d, 'mosquitto.conf')
    with open(conf, 'w') as f:
        f.write('listener 1883 %s\nallow_anonymous true\npersistence false\nuser root\n'
                % lab.ip(host))
    lab.start(host, ['mosquitto', '-c', conf], log=os.path.join(d, 'mosquitto.log'))
    lab.wait_port(host, 1883)


FTP_USER = 'vrange'
FTP_PASS = 'lamp-post-7'
KEY_USER = 'vrangekey'   # logs in with a key only (its password is locked)


_USER_LOCK = threading.Lock()


def ensure_user(made):
    """The range's login users (ssh, ftp, telnet): one with a password, one
    with a key; made now, removed at the end."""
    with _USER_LOCK:
        _ensure_user(made)


def _ensure_user(made):
    for u in (FTP_USER, KEY_USER):
        r = subprocess.run(['id', u], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode != 0:
            # a home of its own (vsftpd and login chdir there), removed with it
            subprocess.run(['useradd', '-m', '-d', '/var/tmp/' + u, '-s', '/bin/sh', u],
                           check=True)
            made.append(u)
    subprocess.run(['chpasswd'], input=('%s:%s\n' % (FTP_USER, FTP_PASS)).encode(), check=True)
    subprocess.run(['usermod', '-p', '*', KEY_USER], check=True)


def remove_users(made):
    for u in made:
        subprocess.run(['userdel', '-r', u], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    made.clear()


def ftp(lab, host, d):
    os.makedirs(os.path.join(d, 'empty'), exist_ok=True)
    conf = os.path.join(d, 'vsftpd.conf')
    with open(conf, 'w') as f:
        f.write('listen=YES\nlisten_ipv6=NO\nlisten_address=%s\nbackground=NO\n'
                'anonymous_enable=NO\nlocal_enable=YES\npam_service_name=vsftpd\n'
                'secure_chroot_dir=%s/empty\nseccomp_sandbox=NO\nmax_login_fails=3\n'
                'xferlog_enable=NO\n' % (lab.ip(host), d))
    lab.start(host, ['vsftpd', conf], log=os.path.join(d, 'vsftpd.log'))
    lab.wait_port(host, 21)


def ssh(lab, host, d, authorized=None):
    key = os.path.join(d, 'ssh_host_ed25519_key')
    if not os.path.exists(key):
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], check=True)
    os.makedirs('/run/sshd', exist_ok=True)
    conf = os.path.join(d, 'sshd_config')
    with open(conf, 'w') as f:
        f.write('ListenAddress %s\nPort 22\nHostKey %s\nPasswordAuthentication yes\n'
                'KbdInteractiveAuthentication no\nUsePAM yes\nPidFile %s/sshd.pid\n'
                'MaxStartups 100:30:200\nMaxAuthTries 6\nLoginGraceTime 20\n'
                'PermitRootLogin no\nStrictModes no\n' % (lab.ip(host), key, d))
        if authorized:
            f.write('AuthorizedKeysFile %s\n' % authorized)
    lab.start(host, ['/usr/sbin/sshd', '-D', '-e', '-f', conf], log=os.path.join(d, 'sshd.log'))
    lab.wait_port(host, 22)


def telnet(lab, host, d):
    conf = os.path.join(d, 'inetd.conf')
    with open(conf, 'w') as f:
        f.write('%s:telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n' % lab.ip(host))
    lab.start(host, ['/usr/sbin/inetd', '-d', conf], log=os.path.join(d, 'inetd.log'))
    lab.wait_port(host, 23)


def memcached(lab, host, d):
    lab.start(host, ['memcached', '-u', 'nobody', '-l', lab.ip(host), '-p', '11211',
                     '-U', '11211', '-m', '16'], log=os.path.join(d, 'memcached.log'))
    lab.wait_port(host, 11211, 'udp')


def coap(lab, host, d):
    lab.start(host, ['coap-server-notls', '-A', lab.ip(host), '-p', '5683'],
              log=os.path.join(d, 'coap.log'))
    lab.wait_port(host, 5683, 'udp')


MODBUS_SERVER = r'''
import sys
from pymodbus.server import StartTcpServer
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusSlaveContext, ModbusServerContext
store = ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, [17] * 200),
                           ir=ModbusSequentialDataBlock(0, [5] * 200))
StartTcpServer(context=ModbusServerContext(slaves=store, single=True),
               address=(sys.argv[1], 502))
'''


def modbus(lab, host, d):
    p = os.path.join(d, 'modbus_server.py')
    with open(p, 'w') as f:
        f.write(MODBUS_SERVER)
    lab.start(host, [PY, p, lab.ip(host)], log=os.path.join(d, 'modbus.log'))
    lab.wait_port(host, 502)
