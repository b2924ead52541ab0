"""A host that is not the SCADA segment's master writes a PLC's holding
registers (pymodbus client), while the master polls it."""
import benign
import modbus_poll
import servers

NAME = 'modbus-write'
KIND = 'ics-write'
TOOLS = ['lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100901]
DETECTORS = ['ics']
MASTER, PLC, ROGUE = modbus_poll.MASTER, modbus_poll.PLC, '10.30.0.66'


def run(lab, ctx):
    try:
        import pymodbus  # noqa: F401
    except ImportError:
        raise RuntimeError('python3-pymodbus is not installed')
    benign.city(lab, ctx)
    lab.host('plc', [PLC + '/24'])
    lab.host('master', [MASTER + '/24'])
    lab.host('attacker', [ROGUE + '/24'])
    servers.modbus(lab, 'plc', ctx.dir)
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=6)
    modbus_poll.start(lab, ctx, 'master', 'poll')
    lab.run('attacker', [servers.PY, modbus_poll.script(ctx), PLC, 'write'], timeout=20,
            log=ctx.log('rogue'))
    lab.run('master', ['sh', '-c', 'sleep 3'], timeout=6)  # the master's polls go on
    return {'tool': 'pymodbus', 'command': 'write_register(40..42, 9999) from %s' % ROGUE,
            'attacker': [ROGUE], 'victim': [PLC], 'benign': benign.ADDRS + [MASTER],
            'first': 'ip.src==%s && tcp.dstport==502 && tcp.flags.syn==1' % ROGUE}
