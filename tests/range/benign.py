"""Benign clients that run alongside every attack (and alone, as their own
scenario): an office PC browsing the city's web server and resolving names,
IoT devices publishing telemetry over MQTT. Bounded loops, not daemons."""

OFFICE = '10.10.0.21'
IOT = ['10.20.0.31', '10.20.0.32', '10.20.0.33']
WEB, DNS, MQTT = '10.50.0.80', '10.50.0.53', '10.20.0.2'


def hosts(lab):
    lab.host('office', [OFFICE + '/24'])
    for i, a in enumerate(IOT):
        lab.host('iot%d' % i, [a + '/24'])


def start(lab, ctx, rounds=10, pace=0.5):
    """Browsing and telemetry for about rounds * pace seconds."""
    import os
    ca = os.path.join(ctx.dir, 'ca.pem')
    office = ('for i in $(seq %d); do curl -s -o /dev/null -m 3 http://%s/ ; '
              'curl -s -o /dev/null -m 3 --cacert %s --resolve www.range.test:443:%s '
              'https://www.range.test/ ; '
              'dig +time=1 +tries=1 @%s www.range.test A >/dev/null; sleep %s; done'
              % (rounds, WEB, ca, WEB, DNS, pace))
    procs = [lab.start('office', ['sh', '-c', office], log=ctx.log('benign-office'))]
    for i in range(len(IOT)):
        dev = ('for i in $(seq %d); do mosquitto_pub -h %s -q 1 -i lamp-%d -t city/lamp/%d '
               '-m "{\\"lux\\":$i}"; sleep %s; done' % (rounds, MQTT, i, i, pace))
        procs.append(lab.start('iot%d' % i, ['sh', '-c', dev], log=ctx.log('benign-iot%d' % i)))
    return procs


def wait(procs, deadline=60):
    """Until the benign loops are done (they are bounded)."""
    import time
    end = time.time() + deadline
    for p in procs:
        try:
            p.wait(max(0.1, end - time.time()))
        except Exception:
            pass


ADDRS = [OFFICE] + IOT


def city(lab, ctx, web=True, dns=True, mqtt=True, dns_extra=(), zone_ns=None):
    """The city's servers and its benign clients (not yet started)."""
    import servers
    if web:
        lab.host('web', [WEB + '/24'])
        servers.web(lab, 'web', ctx.dir)
    if dns:
        # the resolver also serves the IoT LAN (its DHCP server, when asked)
        lab.host('dns', [DNS + '/24', '10.20.0.53/24'])
        servers.dns(lab, 'dns', ctx.dir, zone_ns=zone_ns, extra=dns_extra)
        import lab as labmod
        if labmod.have('chronyd') is None:
            servers.ntp(lab, 'dns', ctx.dir)
    if mqtt:
        lab.host('broker', [MQTT + '/24'])
        servers.mqtt(lab, 'broker', ctx.dir)
    hosts(lab)
