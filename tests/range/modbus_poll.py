'''The SCADA master polling the PLC's holding registers (pymodbus), and the
same client writing them (what only the master may do).'''
import os

import servers

MASTER, PLC = '10.30.0.5', '10.30.0.10'
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


def script(ctx):
    p = os.path.join(ctx.dir, 'modbus_client.py')
    if not os.path.exists(p):
        with open(p, 'w') as f:
            f.write(CLIENT)
    return p


def start(lab, ctx, host, mode):
    return lab.start(host, [servers.PY, script(ctx), PLC, mode], log=ctx.log('modbus-' + mode))
