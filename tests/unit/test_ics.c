/* ics: Modbus/TCP and DNP3 parsers. Hand-built ADUs and frames for every
 * class of function (read coils, write single coil / register, write
 * multiple coils / registers, mask write, read/write multiple, diagnostics,
 * device identification, exception responses; DNP3 READ, WRITE, SELECT,
 * OPERATE, DIRECT_OPERATE, COLD_RESTART, RESPONSE with IIN, link-only
 * frames) checked field by field; several messages in one segment, a cut
 * last one, truncation at every length, byte counts that disagree,
 * quantities and lengths out of range, bad CRCs in the header and in each
 * of three blocks. Then every TCP payload on port 502 / 20000 of four public
 * captures (nDPI 4.2, suricata-verify; ../shared/corpus, skipped when
 * absent) against what each capture is known to hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "../../proto/ics.h"

#define MAXM 16

/* parse from an exact-size heap copy, so ASan sees any read past the end */
static int mb_parse(const uint8_t *p, size_t len, int to_server, struct modbus_msg *m,
		    unsigned max, unsigned *n)
{
	uint8_t *b = malloc(len ? len : 1);
	assert_non_null(b);
	memcpy(b, p, len);
	int r = modbus_parse(b, len, to_server, m, max, n);
	free(b);
	return r;
}

static int dn_parse(const uint8_t *p, size_t len, struct dnp3_msg *m, unsigned max,
		    unsigned *n)
{
	uint8_t *b = malloc(len ? len : 1);
	assert_non_null(b);
	memcpy(b, p, len);
	int r = dnp3_parse(b, len, m, max, n);
	free(b);
	return r;
}

/* one whole ADU or frame, its entry returned in *m */
static void mb_one(const uint8_t *p, size_t len, int to_server, struct modbus_msg *m)
{
	unsigned n;
	assert_int_equal(mb_parse(p, len, to_server, m, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_false(m->truncated);
}

static void dn_one(const uint8_t *p, size_t len, struct dnp3_msg *m)
{
	unsigned n;
	assert_int_equal(dn_parse(p, len, m, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_false(m->truncated);
}

/* --- Modbus vectors: MBAP (transaction id, protocol 0, length, unit), PDU */

/* read coils 20..56: start 19, 37 coils, unit 0x11 (MB §6.1's example) */
static const uint8_t mb_rd_coils_req[] = {
	0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x11, 0x01, 0x00, 0x13, 0x00, 0x25,
};
/* its response: 5 octets of coil status */
static const uint8_t mb_rd_coils_rsp[] = {
	0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x11, 0x01, 0x05, 0xcd, 0x6b, 0xb2, 0x0e, 0x1b,
};
/* write single coil 173 (address 0x00ac) ON */
static const uint8_t mb_wr_coil_req[] = {
	0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x11, 0x05, 0x00, 0xac, 0xff, 0x00,
};
/* write single register 2 (address 1) = 3 */
static const uint8_t mb_wr_reg_req[] = {
	0x00, 0x03, 0x00, 0x00, 0x00, 0x06, 0x11, 0x06, 0x00, 0x01, 0x00, 0x03,
};
/* write multiple registers: start 1, 2 registers, 4 octets: 0x000a 0x0102 */
static const uint8_t mb_wr_regs_req[] = {
	0x00, 0x04, 0x00, 0x00, 0x00, 0x0b, 0x11, 0x10, 0x00, 0x01, 0x00, 0x02, 0x04,
	0x00, 0x0a, 0x01, 0x02,
};
/* its response: start 1, 2 registers */
static const uint8_t mb_wr_regs_rsp[] = {
	0x00, 0x04, 0x00, 0x00, 0x00, 0x06, 0x11, 0x10, 0x00, 0x01, 0x00, 0x02,
};
/* write multiple coils: start 19, 10 coils, 2 octets */
static const uint8_t mb_wr_coils_req[] = {
	0x00, 0x05, 0x00, 0x00, 0x00, 0x09, 0x11, 0x0f, 0x00, 0x13, 0x00, 0x0a, 0x02,
	0xcd, 0x01,
};
/* mask write register, address 4: AND 0x00f2, OR 0x0025 */
static const uint8_t mb_mask_req[] = {
	0x00, 0x06, 0x00, 0x00, 0x00, 0x08, 0x11, 0x16, 0x00, 0x04, 0x00, 0xf2, 0x00, 0x25,
};
/* read/write multiple registers: read 6 from 3, write 3 at 14 (6 octets) */
static const uint8_t mb_rw_req[] = {
	0x00, 0x07, 0x00, 0x00, 0x00, 0x11, 0x11, 0x17, 0x00, 0x03, 0x00, 0x06, 0x00, 0x0e,
	0x00, 0x03, 0x06, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff,
};
/* its response: the 6 registers read, 12 octets */
static const uint8_t mb_rw_rsp[] = {
	0x00, 0x07, 0x00, 0x00, 0x00, 0x0f, 0x11, 0x17, 0x0c, 0x00, 0xfe, 0x0a, 0xcd,
	0x00, 0x01, 0x00, 0x03, 0x00, 0x0d, 0x00, 0xff,
};
/* diagnostics, force listen only mode (sub-function 4), unit 10 */
static const uint8_t mb_diag_req[] = {
	0x00, 0x08, 0x00, 0x00, 0x00, 0x06, 0x0a, 0x08, 0x00, 0x04, 0x00, 0x00,
};
/* exception response to read coils: illegal data address (2) */
static const uint8_t mb_exc_rsp[] = {
	0x00, 0x09, 0x00, 0x00, 0x00, 0x03, 0x0a, 0x81, 0x02,
};
/* read holding registers: start 0x6b, 3 registers */
static const uint8_t mb_rd_regs_req[] = {
	0x00, 0x0a, 0x00, 0x00, 0x00, 0x06, 0x11, 0x03, 0x00, 0x6b, 0x00, 0x03,
};
/* its response: 6 octets */
static const uint8_t mb_rd_regs_rsp[] = {
	0x00, 0x0a, 0x00, 0x00, 0x00, 0x09, 0x11, 0x03, 0x06, 0x02, 0x2b, 0x00, 0x00,
	0x00, 0x64,
};
/* read device identification (43/14), basic (1), from object 0 */
static const uint8_t mb_devid_req[] = {
	0x00, 0x0b, 0x00, 0x00, 0x00, 0x05, 0x01, 0x2b, 0x0e, 0x01, 0x00,
};

static const struct {
	const uint8_t *p;
	size_t n;
	int to_server;
} mb_vec[] = {
#define V(a, d) { a, sizeof(a), d }
	V(mb_rd_coils_req, 1), V(mb_rd_coils_rsp, 0), V(mb_wr_coil_req, 1),
	V(mb_wr_reg_req, 1),   V(mb_wr_regs_req, 1),  V(mb_wr_regs_rsp, 0),
	V(mb_wr_coils_req, 1), V(mb_mask_req, 1),     V(mb_rw_req, 1),
	V(mb_rw_rsp, 0),       V(mb_diag_req, 1),     V(mb_exc_rsp, 0),
	V(mb_rd_regs_req, 1),  V(mb_rd_regs_rsp, 0),  V(mb_devid_req, 1),
#undef V
};

#define NMB (sizeof(mb_vec) / sizeof(mb_vec[0]))

static void test_modbus_reads(void **st)
{
	(void)st;
	struct modbus_msg m;

	mb_one(mb_rd_coils_req, sizeof(mb_rd_coils_req), 1, &m);
	assert_int_equal(m.off, 0);
	assert_int_equal(m.tid, 1);
	assert_int_equal(m.len, 6);
	assert_int_equal(m.unit, 0x11);
	assert_int_equal(m.fc, MODBUS_FC_READ_COILS);
	assert_false(m.is_exception);
	assert_int_equal(m.cls, ICS_READ);
	assert_true(m.has_rd);
	assert_int_equal(m.rd.start, 19);
	assert_int_equal(m.rd.qty, 37);
	assert_false(m.has_wr);
	assert_int_equal(m.anomalies, 0);

	/* the response: a read, no addresses (they are in the request) */
	mb_one(mb_rd_coils_rsp, sizeof(mb_rd_coils_rsp), 0, &m);
	assert_int_equal(m.fc, MODBUS_FC_READ_COILS);
	assert_int_equal(m.cls, ICS_READ);
	assert_false(m.has_rd);
	assert_false(m.has_wr);
	assert_int_equal(m.anomalies, 0);

	mb_one(mb_rd_regs_req, sizeof(mb_rd_regs_req), 1, &m);
	assert_int_equal(m.fc, MODBUS_FC_READ_HOLDING_REGISTERS);
	assert_int_equal(m.cls, ICS_READ);
	assert_int_equal(m.rd.start, 0x6b);
	assert_int_equal(m.rd.qty, 3);
	assert_int_equal(m.anomalies, 0);
	mb_one(mb_rd_regs_rsp, sizeof(mb_rd_regs_rsp), 0, &m);
	assert_int_equal(m.cls, ICS_READ);
	assert_int_equal(m.anomalies, 0);

	/* 43/14 read device identification: a read, MEI type in sub */
	mb_one(mb_devid_req, sizeof(mb_devid_req), 1, &m);
	assert_int_equal(m.fc, MODBUS_FC_ENCAPSULATED_INTERFACE_TRANSPORT);
	assert_int_equal(m.sub, MODBUS_MEI_READ_DEVICE_ID);
	assert_int_equal(m.cls, ICS_READ);
	assert_int_equal(m.anomalies, 0);

	/* report server id: a bare function code; its response counted */
	static const uint8_t rsid[] = { 0, 1, 0, 0, 0, 2, 0x0a, 0x11 };
	mb_one(rsid, sizeof(rsid), 1, &m);
	assert_int_equal(m.cls, ICS_READ);
	assert_int_equal(m.anomalies, 0);
	static const uint8_t rsid_rsp[] = {
		0, 1, 0, 0, 0, 6, 0x0a, 0x11, 0x03, 'P', 'L', 0xff,
	};
	mb_one(rsid_rsp, sizeof(rsid_rsp), 0, &m);
	assert_int_equal(m.anomalies, 0);
}

static void test_modbus_writes(void **st)
{
	(void)st;
	struct modbus_msg m;

	mb_one(mb_wr_coil_req, sizeof(mb_wr_coil_req), 1, &m);
	assert_int_equal(m.fc, MODBUS_FC_WRITE_SINGLE_COIL);
	assert_int_equal(m.cls, ICS_WRITE);
	assert_false(m.has_rd);
	assert_true(m.has_wr);
	assert_int_equal(m.wr.start, 0xac);
	assert_int_equal(m.wr.qty, 1);
	assert_int_equal(m.value, 0xff00);
	assert_int_equal(m.anomalies, 0);
	/* the response echoes it: the same fields, still a write */
	mb_one(mb_wr_coil_req, sizeof(mb_wr_coil_req), 0, &m);
	assert_int_equal(m.cls, ICS_WRITE);
	assert_int_equal(m.wr.start, 0xac);
	assert_int_equal(m.value, 0xff00);
	assert_int_equal(m.anomalies, 0);
	/* a coil is ON or OFF: 0x1234 is no coil value */
	uint8_t b[32];
	memcpy(b, mb_wr_coil_req, sizeof(mb_wr_coil_req));
	b[10] = 0x12;
	b[11] = 0x34;
	mb_one(b, sizeof(mb_wr_coil_req), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_VALUE);

	mb_one(mb_wr_reg_req, sizeof(mb_wr_reg_req), 1, &m);
	assert_int_equal(m.fc, MODBUS_FC_WRITE_SINGLE_REGISTER);
	assert_string_equal(modbus_function_name(m.fc), "WRITE_SINGLE_REGISTER");
	assert_int_equal(m.cls, ICS_WRITE);
	assert_int_equal(m.wr.start, 1);
	assert_int_equal(m.wr.qty, 1);
	assert_int_equal(m.value, 3);
	assert_int_equal(m.anomalies, 0);

	mb_one(mb_wr_regs_req, sizeof(mb_wr_regs_req), 1, &m);
	assert_int_equal(m.fc, MODBUS_FC_WRITE_MULTIPLE_REGISTERS);
	assert_int_equal(m.cls, ICS_WRITE);
	assert_int_equal(m.wr.start, 1);
	assert_int_equal(m.wr.qty, 2);
	assert_false(m.has_rd);
	assert_int_equal(m.anomalies, 0);
	mb_one(mb_wr_regs_rsp, sizeof(mb_wr_regs_rsp), 0, &m);
	assert_int_equal(m.cls, ICS_WRITE);
	assert_true(m.has_wr);
	assert_int_equal(m.wr.start, 1);
	assert_int_equal(m.wr.qty, 2);
	assert_int_equal(m.anomalies, 0);

	mb_one(mb_wr_coils_req, sizeof(mb_wr_coils_req), 1, &m);
	assert_int_equal(m.fc, MODBUS_FC_WRITE_MULTIPLE_COILS);
	assert_int_equal(m.cls, ICS_WRITE);
	assert_int_equal(m.wr.start, 19);
	assert_int_equal(m.wr.qty, 10);
	assert_int_equal(m.anomalies, 0);

	mb_one(mb_mask_req, sizeof(mb_mask_req), 1, &m);
	assert_int_equal(m.fc, MODBUS_FC_MASK_WRITE_REGISTER);
	assert_int_equal(m.cls, ICS_WRITE);
	assert_int_equal(m.wr.start, 4);
	assert_int_equal(m.wr.qty, 1);
	assert_int_equal(m.and_mask, 0x00f2);
	assert_int_equal(m.or_mask, 0x0025);
	assert_int_equal(m.anomalies, 0);

	/* 23 reads and writes: both ranges, a write */
	mb_one(mb_rw_req, sizeof(mb_rw_req), 1, &m);
	assert_int_equal(m.fc, MODBUS_FC_READ_WRITE_MULTIPLE_REGISTERS);
	assert_int_equal(m.cls, ICS_WRITE);
	assert_true(m.has_rd);
	assert_int_equal(m.rd.start, 3);
	assert_int_equal(m.rd.qty, 6);
	assert_true(m.has_wr);
	assert_int_equal(m.wr.start, 14);
	assert_int_equal(m.wr.qty, 3);
	assert_int_equal(m.anomalies, 0);
	mb_one(mb_rw_rsp, sizeof(mb_rw_rsp), 0, &m);
	assert_int_equal(m.cls, ICS_WRITE);
	assert_false(m.has_rd);
	assert_int_equal(m.anomalies, 0);

	/* 21 write file record: one sub-request of 7 + 2 octets */
	static const uint8_t wfr[] = {
		0, 1, 0, 0, 0, 0x0c, 0x01, 0x15, 0x09,
		0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x01, 0x06, 0xaf,
	};
	mb_one(wfr, sizeof(wfr), 1, &m);
	assert_int_equal(m.cls, ICS_WRITE);
	assert_int_equal(m.anomalies, 0);
}

static void test_modbus_controls_exceptions(void **st)
{
	(void)st;
	struct modbus_msg m;

	mb_one(mb_diag_req, sizeof(mb_diag_req), 1, &m);
	assert_int_equal(m.fc, MODBUS_FC_DIAGNOSTICS);
	assert_int_equal(m.cls, ICS_CONTROL);
	assert_int_equal(m.unit, 10);
	assert_int_equal(m.sub, 4);
	assert_int_equal(m.value, 0);
	assert_false(m.has_rd || m.has_wr);
	assert_int_equal(m.anomalies, 0);
	/* return query data (sub-function 0) echoes any number of words */
	static const uint8_t echo[] = {
		0, 1, 0, 0, 0, 8, 1, 0x08, 0x00, 0x00, 0xa5, 0x37, 0x12, 0x34,
	};
	mb_one(echo, sizeof(echo), 0, &m);
	assert_int_equal(m.cls, ICS_CONTROL);
	assert_int_equal(m.sub, 0);
	assert_int_equal(m.value, 0xa537);
	assert_int_equal(m.anomalies, 0);
	/* a reserved sub-function (7), and a defined one with two words */
	static const uint8_t rsv[] = { 0, 1, 0, 0, 0, 6, 1, 0x08, 0x00, 0x07, 0x00, 0x00 };
	mb_one(rsv, sizeof(rsv), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_FUNCTION);
	static const uint8_t two[] = {
		0, 1, 0, 0, 0, 8, 1, 0x08, 0x00, 0x01, 0x00, 0x00, 0, 0,
	};
	mb_one(two, sizeof(two), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_LENGTH);

	/* 43/13 CANopen: a control; 43 with an unknown MEI type */
	static const uint8_t canopen[] = { 0, 1, 0, 0, 0, 5, 1, 0x2b, 0x0d, 0x00, 0x00 };
	mb_one(canopen, sizeof(canopen), 1, &m);
	assert_int_equal(m.cls, ICS_CONTROL);
	assert_int_equal(m.sub, 13);
	assert_int_equal(m.anomalies, 0);
	static const uint8_t mei9[] = { 0, 1, 0, 0, 0, 3, 1, 0x2b, 0x09 };
	mb_one(mei9, sizeof(mei9), 1, &m);
	assert_int_equal(m.cls, ICS_OTHER);
	assert_int_equal(m.anomalies, MODBUS_ANOM_FUNCTION);

	/* 90 (UMAS): a control, not an anomaly */
	static const uint8_t umas[] = { 0, 1, 0, 0, 0, 4, 0, 0x5a, 0x00, 0x41 };
	mb_one(umas, sizeof(umas), 1, &m);
	assert_int_equal(m.fc, MODBUS_FC_UMAS);
	assert_int_equal(m.cls, ICS_CONTROL);
	assert_int_equal(m.anomalies, 0);

	/* exception response to read coils: a read, exception code 2 */
	mb_one(mb_exc_rsp, sizeof(mb_exc_rsp), 0, &m);
	assert_int_equal(m.fc, MODBUS_FC_READ_COILS);
	assert_true(m.is_exception);
	assert_int_equal(m.exc_code, 2);
	assert_int_equal(m.cls, ICS_READ);
	assert_string_equal(modbus_function_name(0x81), "READ_COILS");
	assert_int_equal(m.anomalies, 0);
	/* to a write multiple registers, server busy (6): a write refused */
	static const uint8_t exc_wr[] = { 0, 2, 0, 0, 0, 3, 1, 0x90, 0x06 };
	mb_one(exc_wr, sizeof(exc_wr), 0, &m);
	assert_int_equal(m.fc, 16);
	assert_int_equal(m.cls, ICS_WRITE);
	assert_int_equal(m.exc_code, 6);
	assert_int_equal(m.anomalies, 0);
	/* exception code 0 / 12: no such code; with a third octet: length */
	static const uint8_t exc0[] = { 0, 2, 0, 0, 0, 3, 1, 0x83, 0x00 };
	mb_one(exc0, sizeof(exc0), 0, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_VALUE);
	static const uint8_t exc12[] = { 0, 2, 0, 0, 0, 4, 1, 0x83, 0x0c, 0x00 };
	mb_one(exc12, sizeof(exc12), 0, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_VALUE | MODBUS_ANOM_LENGTH);
	/* the exception bit on a request: not a function a client sends */
	mb_one(mb_exc_rsp, sizeof(mb_exc_rsp), 1, &m);
	assert_true(m.is_exception);
	assert_int_equal(m.exc_code, 0);
	assert_int_equal(m.anomalies, MODBUS_ANOM_FUNCTION);

	/* unknown function codes; user-defined ones are not anomalies */
	static const uint8_t unk[] = { 0, 1, 0, 0, 0, 2, 1, 0x30 };
	mb_one(unk, sizeof(unk), 1, &m);
	assert_int_equal(m.cls, ICS_OTHER);
	assert_int_equal(m.anomalies, MODBUS_ANOM_FUNCTION);
	assert_string_equal(modbus_function_name(0x30), "UNKNOWN");
	static const uint8_t fc0[] = { 0, 1, 0, 0, 0, 2, 1, 0x00 };
	mb_one(fc0, sizeof(fc0), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_FUNCTION);
	static const uint8_t user[] = { 0, 1, 0, 0, 0, 3, 1, 0x41, 0x99 };
	mb_one(user, sizeof(user), 1, &m);
	assert_int_equal(m.cls, ICS_OTHER);
	assert_int_equal(m.anomalies, 0);
	assert_string_equal(modbus_function_name(0x41), "USER_DEFINED");
	assert_string_equal(modbus_function_name(110), "USER_DEFINED");
	assert_string_equal(modbus_function_name(111), "UNKNOWN");
	assert_string_equal(modbus_function_name(0x103), "UNKNOWN");
	assert_string_equal(ics_class_name(ICS_CONTROL), "control");
	assert_string_equal(ics_class_name(99), "?");
}

static void test_modbus_anomalies(void **st)
{
	(void)st;
	struct modbus_msg m;
	uint8_t b[300];

	/* write multiple registers: quantity 2, byte count 6, 6 octets
	 * follow: the byte count disagrees with the quantity */
	static const uint8_t bc6[] = {
		0, 4, 0, 0, 0, 0x0d, 0x11, 0x10, 0x00, 0x01, 0x00, 0x02, 0x06, 1, 2, 3, 4, 5, 6,
	};
	mb_one(bc6, sizeof(bc6), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_BYTE_COUNT);
	assert_int_equal(m.wr.qty, 2);
	/* byte count 4 as the quantity says, but 6 octets follow */
	memcpy(b, bc6, sizeof(bc6));
	b[12] = 4;
	mb_one(b, sizeof(bc6), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_BYTE_COUNT);
	/* write multiple coils: 10 coils need 2 octets, 1 said and sent */
	static const uint8_t bc1[] = {
		0, 5, 0, 0, 0, 8, 0x11, 0x0f, 0x00, 0x13, 0x00, 0x0a, 0x01, 0xcd,
	};
	mb_one(bc1, sizeof(bc1), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_BYTE_COUNT);
	/* read/write multiple: writes 3 registers, counts 4 octets */
	memcpy(b, mb_rw_req, sizeof(mb_rw_req));
	b[16] = 4;
	mb_one(b, sizeof(mb_rw_req), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_BYTE_COUNT);
	/* a register response with an odd byte count */
	static const uint8_t odd[] = { 0, 10, 0, 0, 0, 6, 0x11, 0x03, 0x03, 1, 2, 3 };
	mb_one(odd, sizeof(odd), 0, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_BYTE_COUNT);
	/* a response whose byte count is longer than what follows */
	memcpy(b, mb_rd_coils_rsp, sizeof(mb_rd_coils_rsp));
	b[8] = 6;
	mb_one(b, sizeof(mb_rd_coils_rsp), 0, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_BYTE_COUNT);

	/* quantities at and beyond the spec's limits */
	static const struct {
		uint8_t fc;
		uint16_t start, qty;
		int bad;
	} q[] = {
		{ 1, 0, 1, 0 },      { 1, 0, 2000, 0 },   { 1, 0, 2001, 1 },  { 1, 0, 0, 1 },
		{ 2, 0, 2000, 0 },   { 2, 0, 2001, 1 },   { 3, 0, 125, 0 },   { 3, 0, 126, 1 },
		{ 4, 0, 0, 1 },      { 4, 0, 125, 0 },    { 1, 0xfff0, 0x10, 0 },
		{ 1, 0xfff0, 0x11, 1 }, /* past address 65535 */
	};
	for (unsigned i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		uint8_t r[] = { 0, 1, 0, 0, 0, 6, 1, q[i].fc,
				(uint8_t)(q[i].start >> 8), (uint8_t)q[i].start,
				(uint8_t)(q[i].qty >> 8), (uint8_t)q[i].qty };
		mb_one(r, sizeof(r), 1, &m);
		assert_int_equal(m.anomalies, q[i].bad ? MODBUS_ANOM_QUANTITY : 0);
		assert_int_equal(m.rd.qty, q[i].qty); /* as sent */
	}
	/* write multiple coils 1968 (246 octets): fine; 1969 (247): not */
	for (unsigned qty = 1968; qty <= 1969; qty++) {
		unsigned bc = (qty + 7) / 8, len = 7 + bc;
		memset(b, 0, sizeof(b));
		uint8_t h[] = { 0, 1, 0, 0, (uint8_t)(len >> 8), (uint8_t)len, 1, 0x0f, 0, 0,
				(uint8_t)(qty >> 8), (uint8_t)qty, (uint8_t)bc };
		memcpy(b, h, sizeof(h));
		mb_one(b, 6 + len, 1, &m);
		assert_int_equal(m.wr.qty, qty);
		assert_int_equal(m.anomalies, qty > 1968 ? MODBUS_ANOM_QUANTITY : 0);
	}
	/* write multiple registers 123 (246 octets): fine; 124 cannot fit an
	 * ADU (it would need length 255): sent with 246 octets it is both */
	for (unsigned qty = 123; qty <= 124; qty++) {
		unsigned len = 7 + 246;
		memset(b, 0, sizeof(b));
		uint8_t h[] = { 0, 1, 0, 0, 0, (uint8_t)len, 1, 0x10, 0, 0, 0, (uint8_t)qty,
				246 };
		memcpy(b, h, sizeof(h));
		mb_one(b, 6 + len, 1, &m);
		unsigned want = qty > 123 ? MODBUS_ANOM_QUANTITY | MODBUS_ANOM_BYTE_COUNT : 0;
		assert_int_equal(m.anomalies, want);
	}
	/* read/write multiple: read 126 (too many), write 122 (too many) */
	memcpy(b, mb_rw_req, sizeof(mb_rw_req));
	b[11] = 126;
	mb_one(b, sizeof(mb_rw_req), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_QUANTITY);
	/* FIFO response with 32 values counted */
	static const uint8_t fifo[] = {
		0, 1, 0, 0, 0, 8, 1, 0x18, 0x00, 0x42, 0x00, 0x20, 0, 0,
	};
	mb_one(fifo, sizeof(fifo), 0, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_QUANTITY | MODBUS_ANOM_BYTE_COUNT);

	/* lengths: read coils with a sixth octet, a write single register
	 * with four, a mask write with five, a bare read coils */
	static const uint8_t long5[] = { 0, 1, 0, 0, 0, 7, 1, 0x01, 0, 0, 0, 1, 0 };
	mb_one(long5, sizeof(long5), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_LENGTH);
	assert_true(m.has_rd); /* the fields are there: read */
	static const uint8_t short6[] = { 0, 1, 0, 0, 0, 5, 1, 0x06, 0, 1, 0 };
	mb_one(short6, sizeof(short6), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_LENGTH);
	assert_false(m.has_wr); /* they are not: not read */
	static const uint8_t short22[] = { 0, 1, 0, 0, 0, 6, 1, 0x16, 0, 4, 0, 0xf2 };
	mb_one(short22, sizeof(short22), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_LENGTH);
	assert_int_equal(m.cls, ICS_WRITE);
	static const uint8_t bare[] = { 0, 1, 0, 0, 0, 2, 1, 0x01 };
	mb_one(bare, sizeof(bare), 1, &m);
	assert_int_equal(m.anomalies, MODBUS_ANOM_LENGTH);
	assert_int_equal(m.cls, ICS_READ);
}

static void test_modbus_segments(void **st)
{
	(void)st;
	struct modbus_msg m[MAXM];
	unsigned n;
	uint8_t b[128];
	size_t a = sizeof(mb_rd_coils_req), w = sizeof(mb_wr_regs_req);

	/* two ADUs in one segment: a read, then a write */
	memcpy(b, mb_rd_coils_req, a);
	memcpy(b + a, mb_wr_regs_req, w);
	assert_int_equal(mb_parse(b, a + w, 1, m, MAXM, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].cls, ICS_READ);
	assert_int_equal(m[1].off, a);
	assert_int_equal(m[1].tid, 4);
	assert_int_equal(m[1].cls, ICS_WRITE);
	assert_int_equal(m[1].wr.qty, 2);
	assert_false(m[0].truncated || m[1].truncated);
	assert_int_equal(m[0].anomalies | m[1].anomalies, 0);
	/* room for one: one, the second not looked at */
	assert_int_equal(mb_parse(b, a + w, 1, m, 1, &n), 0);
	assert_int_equal(n, 1);
	/* room for none: only the first header checked */
	assert_int_equal(mb_parse(b, a + w, 1, NULL, 0, &n), 0);
	assert_int_equal(n, 0);

	/* the second cut at every length: the first whole, the second
	 * truncated, never an error; its fields as far as they go */
	for (size_t cut = 1; cut < w; cut++) {
		assert_int_equal(mb_parse(b, a + cut, 1, m, MAXM, &n), 0);
		assert_int_equal(n, 2);
		assert_false(m[0].truncated);
		assert_int_equal(m[0].rd.qty, 37);
		assert_true(m[1].truncated);
		assert_int_equal(m[1].off, a);
		assert_int_equal(m[1].anomalies, 0);
		assert_int_equal(m[1].tid, cut >= 7 ? 4 : 0);
		assert_int_equal(m[1].fc, cut >= 8 ? MODBUS_FC_WRITE_MULTIPLE_REGISTERS : 0);
		assert_int_equal(m[1].cls, cut >= 8 ? ICS_WRITE : ICS_OTHER);
		assert_int_equal(m[1].has_wr, cut >= 13);
	}
	/* what follows the first is not Modbus: an entry saying so, the last */
	memcpy(b + a, "GET / HTTP/1.1\r\n", 16);
	assert_int_equal(mb_parse(b, a + 16, 1, m, MAXM, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(m[1].anomalies, MODBUS_ANOM_HEADER);
	assert_false(m[1].truncated);
	/* the same with only 4 or 6 octets of it: protocol id, length */
	memcpy(b + a, "\x00\x05\x00\x01", 4);
	assert_int_equal(mb_parse(b, a + 4, 1, m, MAXM, &n), 0);
	assert_int_equal(m[1].anomalies, MODBUS_ANOM_HEADER);
	memcpy(b + a, "\x00\x05\x00\x00\x01\x00", 6);
	assert_int_equal(mb_parse(b, a + 6, 1, m, MAXM, &n), 0);
	assert_int_equal(m[1].anomalies, MODBUS_ANOM_HEADER);
	/* more ADUs than room: as many as room */
	for (unsigned i = 0; i < 10; i++)
		memcpy(b + i * a, mb_rd_coils_req, a);
	assert_int_equal(mb_parse(b, 10 * a, 1, m, 4, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(m[3].off, 3 * a);
}

static void test_modbus_truncated(void **st)
{
	(void)st;
	struct modbus_msg m, whole;
	unsigned n;

	for (unsigned k = 0; k < NMB; k++) {
		mb_one(mb_vec[k].p, mb_vec[k].n, mb_vec[k].to_server, &whole);
		assert_int_equal(whole.anomalies, 0);
		for (size_t l = 0; l < mb_vec[k].n; l++) {
			int r = mb_parse(mb_vec[k].p, l, mb_vec[k].to_server, &m, 1, &n);
			if (l < 7) { /* not even a header */
				assert_int_equal(r, -1);
				assert_int_equal(n, 0);
				continue;
			}
			assert_int_equal(r, 0);
			assert_int_equal(n, 1);
			assert_true(m.truncated);
			assert_int_equal(m.anomalies, 0); /* a cut is not an anomaly */
			assert_int_equal(m.tid, whole.tid);
			assert_int_equal(m.len, whole.len);
			assert_int_equal(m.unit, whole.unit);
			if (l >= 8)
				assert_int_equal(m.fc, whole.fc);
			if (l >= 9 || whole.fc != MODBUS_FC_ENCAPSULATED_INTERFACE_TRANSPORT)
				assert_int_equal(m.cls, l >= 8 ? whole.cls : ICS_OTHER);
			if (m.has_rd)
				assert_memory_equal(&m.rd, &whole.rd, sizeof(m.rd));
			if (m.has_wr)
				assert_memory_equal(&m.wr, &whole.wr, sizeof(m.wr));
		}
	}
}

static void test_modbus_not_modbus(void **st)
{
	(void)st;
	struct modbus_msg m;
	unsigned n = 7;
	uint8_t b[300];

	memcpy(b, mb_rd_coils_req, sizeof(mb_rd_coils_req));
	b[3] = 1; /* protocol id 1 */
	assert_int_equal(mb_parse(b, sizeof(mb_rd_coils_req), 1, &m, 1, &n), -1);
	assert_int_equal(n, 0);
	/* length 1 (no function code), 0, 255 (more than the largest PDU) */
	static const uint16_t lens[] = { 0, 1, 255, 0x8804 };
	for (unsigned i = 0; i < 4; i++) {
		memset(b, 0, sizeof(b));
		b[4] = (uint8_t)(lens[i] >> 8);
		b[5] = (uint8_t)lens[i];
		b[7] = 3;
		assert_int_equal(mb_parse(b, sizeof(b), 1, &m, 1, &n), -1);
	}
	/* length 254 with all its octets: the largest ADU, read */
	b[4] = 0;
	b[5] = 254;
	b[7] = 0x41;
	assert_int_equal(mb_parse(b, 260, 1, &m, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_false(m.truncated);
	/* text on port 502, the DNP3 start, arguments missing */
	assert_int_equal(mb_parse((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 1, &m, 1, &n), -1);
	static const uint8_t dnp3[] = { 0x05, 0x64, 0x05, 0xc9, 0x01, 0x00, 0x00, 0x04, 0, 0 };
	assert_int_equal(mb_parse(dnp3, sizeof(dnp3), 1, &m, 1, &n), -1);
	assert_int_equal(modbus_parse(NULL, 12, 1, &m, 1, &n), -1);
	assert_int_equal(modbus_parse(mb_rd_coils_req, 12, 1, NULL, 1, &n), -1);
	assert_int_equal(modbus_parse(mb_rd_coils_req, 12, 1, &m, 1, NULL), -1);
}

/* --- DNP3 ------------------------------------------------------------ */

/* CRC-16/DNP bit by bit, to check the parser's table against */
static uint16_t crc_bitwise(const uint8_t *p, size_t l)
{
	uint16_t c = 0;
	for (size_t i = 0; i < l; i++) {
		c ^= p[i];
		for (int b = 0; b < 8; b++)
			c = c & 1 ? (uint16_t)(c >> 1 ^ 0xa6bc) : (uint16_t)(c >> 1);
	}
	return (uint16_t)~c;
}

static void put_crc(uint8_t *p, size_t l)
{
	uint16_t c = crc_bitwise(p, l);
	p[l] = (uint8_t)c;
	p[l + 1] = (uint8_t)(c >> 8);
}

/* A frame: 05 64, LEN, control, destination, source (little endian), the
 * header's CRC, then the user data in blocks of 16 each followed by its CRC.
 * Returns its size. */
static size_t dnp3_frame(uint8_t *f, uint8_t ctrl, uint16_t dst, uint16_t src,
			 const uint8_t *u, size_t ul)
{
	f[0] = 0x05;
	f[1] = 0x64;
	f[2] = (uint8_t)(5 + ul);
	f[3] = ctrl;
	f[4] = (uint8_t)dst;
	f[5] = (uint8_t)(dst >> 8);
	f[6] = (uint8_t)src;
	f[7] = (uint8_t)(src >> 8);
	put_crc(f, 8);
	size_t o = 10;
	for (size_t i = 0; i < ul; i += 16) {
		size_t bl = ul - i < 16 ? ul - i : 16;
		memcpy(f + o, u + i, bl);
		put_crc(f + o, bl);
		o += bl + 2;
	}
	return o;
}

/* control octets: DIR (from the master), PRM, link function */
#define MASTER_DATA 0xc4  /* DIR, PRM, UNCONFIRMED_USER_DATA */
#define OUTST_DATA 0x44   /* PRM, UNCONFIRMED_USER_DATA */

/* user data: transport header (FIN FIR seq), application control (FIR FIN
 * seq), function code, object headers */
/* READ class 1, 2, 3 events and class 0 (g60v2..4, g60v1, all objects) */
static const uint8_t u_read[] = {
	0xc0, 0xc1, 0x01, 0x3c, 0x02, 0x06, 0x3c, 0x03, 0x06, 0x3c, 0x04, 0x06,
	0x3c, 0x01, 0x06,
};
/* WRITE g80v1 index 7 = 0: clear the DEVICE_RESTART IIN */
static const uint8_t u_write[] = { 0xc1, 0xc2, 0x02, 0x50, 0x01, 0x00, 0x07, 0x07, 0x00 };
/* SELECT g12v1 (CROB) index 1: latch on, count 1, on 100 ms, off 100 ms
 * (suricata-verify dnp3-flood's request) */
static const uint8_t u_select[] = {
	0xc0, 0xc0, 0x03, 0x0c, 0x01, 0x28, 0x01, 0x00, 0x01, 0x00, 0x03, 0x01, 0x64, 0x00,
	0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00,
};
/* DIRECT_OPERATE g41v2 (16-bit analog output) index 1 = 100: a set point */
static const uint8_t u_dirop[] = {
	0xc2, 0xc3, 0x05, 0x29, 0x02, 0x17, 0x01, 0x01, 0x64, 0x00, 0x00,
};
/* COLD_RESTART: no objects */
static const uint8_t u_cold[] = { 0xc3, 0xc4, 0x0d };
/* RESPONSE, IIN DEVICE_RESTART | NEED_TIME, g1v2 (binary inputs) 0..1 */
static const uint8_t u_resp[] = {
	0xc4, 0xc4, 0x81, 0x90, 0x00, 0x01, 0x02, 0x00, 0x00, 0x01, 0x81, 0x01,
};

/* from nDPI's dnp3.pcap: outstation 4 to master 3, a RESPONSE, IIN 0 */
static const uint8_t dn_real_resp[] = {
	0x05, 0x64, 0x0a, 0x44, 0x03, 0x00, 0x04, 0x00, 0x7c, 0xae,
	0xe7, 0xc1, 0x81, 0x00, 0x00, 0x3b, 0xdb,
};
/* from suricata-verify's dnp3-flood: master 3 to outstation 2, SELECT
 * (u_select), two blocks */
static const uint8_t dn_real_select[] = {
	0x05, 0x64, 0x1a, 0xc4, 0x02, 0x00, 0x03, 0x00, 0x40, 0xf2,
	0xc0, 0xc0, 0x03, 0x0c, 0x01, 0x28, 0x01, 0x00, 0x01, 0x00, 0x03, 0x01, 0x64, 0x00,
	0x00, 0x00, 0xef, 0x7d,
	0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5b,
};

static void test_dnp3_crc(void **st)
{
	(void)st;
	uint8_t b[256];

	/* CRC-16/DNP's check value */
	assert_int_equal(dnp3_crc((const uint8_t *)"123456789", 9), 0xea82);
	assert_int_equal(crc_bitwise((const uint8_t *)"123456789", 9), 0xea82);
	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 37 + 11);
	for (size_t l = 0; l <= sizeof(b); l++)
		assert_int_equal(dnp3_crc(b, l), crc_bitwise(b, l));
	/* the builder makes what the real captures hold */
	uint8_t f[64];
	size_t fl = dnp3_frame(f, MASTER_DATA, 2, 3, u_select, sizeof(u_select));
	assert_int_equal(fl, sizeof(dn_real_select));
	assert_memory_equal(f, dn_real_select, fl);
	fl = dnp3_frame(f, OUTST_DATA, 3, 4, (const uint8_t *)"\xe7\xc1\x81\x00\x00", 5);
	assert_memory_equal(f, dn_real_resp, fl);
}

static void test_dnp3_requests(void **st)
{
	(void)st;
	struct dnp3_msg m;
	uint8_t f[300];
	size_t fl;

	fl = dnp3_frame(f, MASTER_DATA, 10, 1, u_read, sizeof(u_read));
	dn_one(f, fl, &m);
	assert_int_equal(m.off, 0);
	assert_int_equal(m.len, 5 + sizeof(u_read));
	assert_true(m.dir);
	assert_true(m.prm);
	assert_false(m.fcb);
	assert_false(m.fcv);
	assert_int_equal(m.link_fc, DNP3_LINK_UNCONFIRMED_USER_DATA);
	assert_int_equal(m.dst, 10);
	assert_int_equal(m.src, 1);
	assert_true(m.crc_ok);
	assert_int_equal(m.blocks, 1);
	assert_true(m.has_transport);
	assert_true(m.tp_fir);
	assert_true(m.tp_fin);
	assert_int_equal(m.tp_seq, 0);
	assert_true(m.has_app);
	assert_true(m.app_fir);
	assert_true(m.app_fin);
	assert_false(m.app_con);
	assert_false(m.app_uns);
	assert_int_equal(m.app_seq, 1);
	assert_int_equal(m.fc, DNP3_FC_READ);
	assert_int_equal(m.cls, ICS_READ);
	assert_false(m.has_iin);
	assert_true(m.has_obj);
	assert_int_equal(m.group, 60);
	assert_int_equal(m.variation, 2);
	assert_int_equal(m.anomalies, 0);

	fl = dnp3_frame(f, MASTER_DATA, 10, 1, u_write, sizeof(u_write));
	dn_one(f, fl, &m);
	assert_int_equal(m.fc, DNP3_FC_WRITE);
	assert_int_equal(m.cls, ICS_WRITE);
	assert_int_equal(m.tp_seq, 1);
	assert_int_equal(m.app_seq, 2);
	assert_int_equal(m.group, 80);
	assert_int_equal(m.variation, 1);
	assert_int_equal(m.anomalies, 0);

	/* SELECT, then OPERATE of the same: controls */
	dn_one(dn_real_select, sizeof(dn_real_select), &m);
	assert_int_equal(m.fc, DNP3_FC_SELECT);
	assert_string_equal(dnp3_function_name(m.fc), "SELECT");
	assert_int_equal(m.cls, ICS_CONTROL);
	assert_int_equal(m.dst, 2);
	assert_int_equal(m.src, 3);
	assert_int_equal(m.blocks, 2);
	assert_true(m.crc_ok);
	assert_int_equal(m.group, 12);
	assert_int_equal(m.variation, 1);
	assert_int_equal(m.anomalies, 0);
	uint8_t u[sizeof(u_select)];
	memcpy(u, u_select, sizeof(u));
	u[2] = DNP3_FC_OPERATE;
	fl = dnp3_frame(f, MASTER_DATA, 2, 3, u, sizeof(u));
	dn_one(f, fl, &m);
	assert_int_equal(m.fc, DNP3_FC_OPERATE);
	assert_int_equal(m.cls, ICS_CONTROL);
	assert_int_equal(m.anomalies, 0);

	fl = dnp3_frame(f, MASTER_DATA, 2, 3, u_dirop, sizeof(u_dirop));
	dn_one(f, fl, &m);
	assert_int_equal(m.fc, DNP3_FC_DIRECT_OPERATE);
	assert_string_equal(dnp3_function_name(m.fc), "DIRECT_OPERATE");
	assert_int_equal(m.cls, ICS_CONTROL);
	assert_int_equal(m.group, 41);
	assert_int_equal(m.variation, 2);
	assert_int_equal(m.anomalies, 0);

	/* COLD_RESTART: confirmed user data (with FCB, FCV), no objects */
	fl = dnp3_frame(f, 0xf3, 2, 3, u_cold, sizeof(u_cold));
	dn_one(f, fl, &m);
	assert_int_equal(m.link_fc, DNP3_LINK_CONFIRMED_USER_DATA);
	assert_true(m.fcb);
	assert_true(m.fcv);
	assert_int_equal(m.fc, DNP3_FC_COLD_RESTART);
	assert_string_equal(dnp3_function_name(m.fc), "COLD_RESTART");
	assert_int_equal(m.cls, ICS_CONTROL);
	assert_false(m.has_obj);
	assert_int_equal(m.anomalies, 0);

	/* every code's class as the header lists it */
	static const struct {
		uint8_t fc, cls;
	} cls[] = {
		{ 0, ICS_OTHER },    { 1, ICS_READ },     { 2, ICS_WRITE },
		{ 6, ICS_CONTROL },  { 7, ICS_CONTROL },  { 9, ICS_CONTROL },
		{ 10, ICS_CONTROL }, { 14, ICS_CONTROL }, { 16, ICS_CONTROL },
		{ 18, ICS_CONTROL }, { 20, ICS_WRITE },   { 21, ICS_WRITE },
		{ 22, ICS_WRITE },   { 23, ICS_OTHER },   { 24, ICS_OTHER },
		{ 27, ICS_WRITE },   { 28, ICS_READ },    { 31, ICS_CONTROL },
		{ 33, ICS_OTHER },
	};
	for (unsigned i = 0; i < sizeof(cls) / sizeof(cls[0]); i++) {
		uint8_t uu[] = { 0xc0, 0xc0, cls[i].fc };
		fl = dnp3_frame(f, MASTER_DATA, 2, 3, uu, sizeof(uu));
		dn_one(f, fl, &m);
		assert_int_equal(m.cls, cls[i].cls);
		assert_int_equal(m.anomalies, 0);
	}
	assert_string_equal(dnp3_function_name(18), "STOP_APPL");
	assert_string_equal(dnp3_function_name(34), "UNKNOWN");
	assert_string_equal(dnp3_function_name(1000), "UNKNOWN");
}

static void test_dnp3_responses_and_link(void **st)
{
	(void)st;
	struct dnp3_msg m;
	uint8_t f[300];
	size_t fl;

	dn_one(dn_real_resp, sizeof(dn_real_resp), &m);
	assert_false(m.dir);
	assert_true(m.prm);
	assert_int_equal(m.dst, 3);
	assert_int_equal(m.src, 4);
	assert_true(m.crc_ok);
	assert_int_equal(m.tp_seq, 39);
	assert_int_equal(m.fc, DNP3_FC_RESPONSE);
	assert_int_equal(m.cls, ICS_RESPONSE);
	assert_true(m.has_iin);
	assert_int_equal(m.iin, 0);
	assert_false(m.has_obj);
	assert_int_equal(m.anomalies, 0);

	fl = dnp3_frame(f, OUTST_DATA, 1, 10, u_resp, sizeof(u_resp));
	dn_one(f, fl, &m);
	assert_int_equal(m.fc, DNP3_FC_RESPONSE);
	assert_string_equal(dnp3_function_name(m.fc), "RESPONSE");
	assert_true(m.has_iin);
	assert_int_equal(m.iin, DNP3_IIN_DEVICE_RESTART | DNP3_IIN_NEED_TIME);
	assert_int_equal(m.group, 1);
	assert_int_equal(m.variation, 2);
	assert_int_equal(m.anomalies, 0);
	/* unsolicited, asking for confirmation; IIN2 bits */
	uint8_t u[sizeof(u_resp)];
	memcpy(u, u_resp, sizeof(u));
	u[1] = 0xf5; /* FIR FIN CON UNS, seq 5 */
	u[2] = DNP3_FC_UNSOLICITED_RESPONSE;
	u[3] = 0x00;
	u[4] = 0x06; /* OBJECT_UNKNOWN, PARAMETER_ERROR */
	fl = dnp3_frame(f, OUTST_DATA, 1, 10, u, sizeof(u));
	dn_one(f, fl, &m);
	assert_int_equal(m.cls, ICS_RESPONSE);
	assert_true(m.app_con);
	assert_true(m.app_uns);
	assert_int_equal(m.app_seq, 5);
	assert_int_equal(m.iin, DNP3_IIN_OBJECT_UNKNOWN | DNP3_IIN_PARAMETER_ERROR);
	assert_int_equal(m.anomalies, 0);

	/* link layer only: REQUEST_LINK_STATUS, the LINK_STATUS answer */
	fl = dnp3_frame(f, 0xc9, 4, 3, NULL, 0);
	assert_int_equal(fl, 10);
	dn_one(f, fl, &m);
	assert_int_equal(m.link_fc, DNP3_LINK_REQUEST_LINK_STATUS);
	assert_int_equal(m.blocks, 0);
	assert_false(m.has_transport);
	assert_false(m.has_app);
	assert_int_equal(m.cls, ICS_OTHER);
	assert_true(m.crc_ok);
	assert_int_equal(m.anomalies, 0);
	fl = dnp3_frame(f, 0x0b, 3, 4, NULL, 0);
	dn_one(f, fl, &m);
	assert_false(m.prm);
	assert_int_equal(m.link_fc, DNP3_LINK_LINK_STATUS);
	assert_int_equal(m.anomalies, 0);

	/* a transport segment that is not the first: no application header */
	static const uint8_t cont[] = { 0x81, 0x01, 0x02, 0x00, 0x00, 0x01, 0x81 };
	fl = dnp3_frame(f, OUTST_DATA, 1, 10, cont, sizeof(cont));
	dn_one(f, fl, &m);
	assert_true(m.has_transport);
	assert_false(m.tp_fir);
	assert_true(m.tp_fin);
	assert_int_equal(m.tp_seq, 1);
	assert_false(m.has_app);
	assert_int_equal(m.cls, ICS_OTHER);
	assert_int_equal(m.fc, 0);
	assert_int_equal(m.anomalies, 0);
}

/* READ of twelve object headers: 39 octets of user data, three blocks */
static size_t three_blocks(uint8_t *f)
{
	uint8_t u[39] = { 0xc0, 0xc5, 0x01 };
	for (unsigned i = 0; i < 12; i++) {
		u[3 + 3 * i] = 0x3c;
		u[4 + 3 * i] = (uint8_t)(1 + i % 4);
		u[5 + 3 * i] = 0x06;
	}
	return dnp3_frame(f, MASTER_DATA, 10, 1, u, sizeof(u));
}

static void test_dnp3_crc_blocks(void **st)
{
	(void)st;
	struct dnp3_msg m;
	uint8_t f[300], g[300];
	size_t fl = three_blocks(f);

	/* 10 + (16 + 2) + (16 + 2) + (7 + 2) */
	assert_int_equal(fl, 55);
	dn_one(f, fl, &m);
	assert_int_equal(m.len, 44);
	assert_int_equal(m.blocks, 3);
	assert_true(m.crc_ok);
	assert_int_equal(m.fc, DNP3_FC_READ);
	assert_int_equal(m.anomalies, 0);
	/* one octet wrong in the header, in each block's data, in each CRC:
	 * detected, the frame still read (its length is still believed) */
	static const size_t at[] = { 3, 8, 9, 20, 26, 27, 30, 44, 45, 46, 50, 53, 54 };
	for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		memcpy(g, f, fl);
		g[at[i]] ^= 0x10;
		dn_one(g, fl, &m);
		assert_false(m.crc_ok);
		assert_true(m.anomalies & DNP3_ANOM_CRC);
		assert_int_equal(m.blocks, 3);
	}
	/* the last block's CRC: a frame after it is still found */
	memcpy(g, f, fl);
	g[fl - 1] ^= 1;
	memcpy(g + fl, f, fl);
	struct dnp3_msg mm[4];
	unsigned n;
	assert_int_equal(dn_parse(g, 2 * fl, mm, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(mm[0].anomalies, DNP3_ANOM_CRC);
	assert_int_equal(mm[1].anomalies, 0);
	assert_int_equal(mm[1].off, fl);
	assert_true(mm[1].crc_ok);
	/* the largest frame: LEN 255, 250 octets, 16 blocks */
	uint8_t u[250] = { 0xc0, 0xc0, 0x02 };
	fl = dnp3_frame(f, MASTER_DATA, 10, 1, u, sizeof(u));
	assert_int_equal(fl, 10 + 250 + 32);
	dn_one(f, fl, &m);
	assert_int_equal(m.blocks, 16);
	assert_true(m.crc_ok);
	assert_int_equal(m.anomalies, 0);
}

static void test_dnp3_anomalies(void **st)
{
	(void)st;
	struct dnp3_msg m;
	uint8_t f[300];
	size_t fl;
	unsigned n;

	/* LEN 4: not a frame (first), and not the start of another */
	fl = dnp3_frame(f, 0xc9, 4, 3, NULL, 0);
	f[2] = 4;
	put_crc(f, 8);
	assert_int_equal(dn_parse(f, fl, &m, 1, &n), -1);
	assert_int_equal(n, 0);
	struct dnp3_msg mm[4];
	fl = dnp3_frame(f, 0xc9, 4, 3, NULL, 0);
	memcpy(f + fl, f, fl);
	f[fl + 2] = 4;
	assert_int_equal(dn_parse(f, 2 * fl, mm, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(mm[0].anomalies, 0);
	assert_int_equal(mm[1].anomalies, DNP3_ANOM_HEADER);
	/* junk after a frame */
	memcpy(f + fl, "\x05\x65zzzzzzzz", 10);
	assert_int_equal(dn_parse(f, 2 * fl, mm, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(mm[1].anomalies, DNP3_ANOM_HEADER);

	/* user data without any (LEN 5), a reset with some */
	fl = dnp3_frame(f, MASTER_DATA, 4, 3, NULL, 0);
	dn_one(f, fl, &m);
	assert_int_equal(m.anomalies, DNP3_ANOM_LENGTH);
	assert_false(m.has_transport);
	fl = dnp3_frame(f, 0xc0, 4, 3, u_cold, sizeof(u_cold));
	dn_one(f, fl, &m);
	assert_int_equal(m.anomalies, DNP3_ANOM_LENGTH);
	assert_false(m.has_transport);
	/* a first segment with the application control but no function */
	fl = dnp3_frame(f, MASTER_DATA, 4, 3, u_cold, 2);
	dn_one(f, fl, &m);
	assert_int_equal(m.anomalies, DNP3_ANOM_LENGTH);
	assert_false(m.has_app);
	/* a response without its IIN (one octet of it) */
	fl = dnp3_frame(f, OUTST_DATA, 3, 4, u_resp, 4);
	dn_one(f, fl, &m);
	assert_int_equal(m.anomalies, DNP3_ANOM_LENGTH);
	assert_true(m.has_app);
	assert_false(m.has_iin);
	assert_int_equal(m.cls, ICS_RESPONSE);
	/* an unknown application function, an undefined link function */
	static const uint8_t unk[] = { 0xc0, 0xc0, 0x50 };
	fl = dnp3_frame(f, MASTER_DATA, 4, 3, unk, sizeof(unk));
	dn_one(f, fl, &m);
	assert_int_equal(m.anomalies, DNP3_ANOM_FUNCTION);
	assert_int_equal(m.fc, 0x50);
	assert_int_equal(m.cls, ICS_OTHER);
	fl = dnp3_frame(f, 0xc5, 4, 3, NULL, 0);
	dn_one(f, fl, &m);
	assert_int_equal(m.anomalies, DNP3_ANOM_LINK);
	fl = dnp3_frame(f, 0x05, 4, 3, u_read, sizeof(u_read)); /* secondary, 5 */
	dn_one(f, fl, &m);
	assert_int_equal(m.anomalies, DNP3_ANOM_LINK);
	assert_false(m.has_transport); /* only primaries carry user data */

	/* not DNP3 */
	static const uint8_t mb[] = { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1 };
	assert_int_equal(dn_parse(mb, sizeof(mb), &m, 1, &n), -1);
	/* nDPI's dnp3.pcap's odd one: start 05 05, its CRC right for them */
	static const uint8_t odd[] = {
		0x05, 0x05, 0x11, 0xc4, 0x04, 0x00, 0x03, 0x00, 0x46, 0xa2,
	};
	assert_int_equal(dn_parse(odd, sizeof(odd), &m, 1, &n), -1);
	assert_int_equal(dnp3_parse(NULL, 10, &m, 1, &n), -1);
	assert_int_equal(dnp3_parse(dn_real_resp, sizeof(dn_real_resp), NULL, 1, &n), -1);
	assert_int_equal(dnp3_parse(dn_real_resp, sizeof(dn_real_resp), &m, 1, NULL), -1);
	assert_int_equal(dnp3_parse(dn_real_resp, sizeof(dn_real_resp), NULL, 0, &n), 0);
	assert_int_equal(n, 0);
}

static void test_dnp3_segments(void **st)
{
	(void)st;
	struct dnp3_msg m[MAXM], whole;
	uint8_t f[600];
	unsigned n;
	size_t a = sizeof(dn_real_select);
	size_t b = three_blocks(f + a);

	/* SELECT, then a three-block READ, in one segment */
	memcpy(f, dn_real_select, a);
	assert_int_equal(dn_parse(f, a + b, m, MAXM, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].fc, DNP3_FC_SELECT);
	assert_int_equal(m[1].fc, DNP3_FC_READ);
	assert_int_equal(m[1].off, a);
	assert_int_equal(m[1].blocks, 3);
	assert_true(m[0].crc_ok && m[1].crc_ok);
	assert_int_equal(m[0].anomalies | m[1].anomalies, 0);
	assert_int_equal(dn_parse(f, a + b, m, 1, &n), 0);
	assert_int_equal(n, 1);

	/* the second cut at every length: truncated, the CRCs of its whole
	 * blocks checked, never an anomaly for the cut */
	for (size_t cut = 1; cut < b; cut++) {
		assert_int_equal(dn_parse(f, a + cut, m, MAXM, &n), 0);
		assert_int_equal(n, 2);
		assert_false(m[0].truncated);
		assert_true(m[1].truncated);
		assert_int_equal(m[1].anomalies, 0);
		assert_int_equal(m[1].dst, cut >= 10 ? 10 : 0);
		assert_int_equal(m[1].has_app, cut >= 13);
		assert_int_equal(m[1].has_obj, cut >= 15);
	}
	/* a CRC error in the part that is there is still seen */
	f[a + 12] ^= 1;
	assert_int_equal(dn_parse(f, a + 30, m, MAXM, &n), 0);
	assert_int_equal(m[1].anomalies, DNP3_ANOM_CRC);
	f[a + 12] ^= 1;

	/* every frame cut at every length, alone: -1 below a header, else
	 * one truncated entry with the whole frame's fields so far */
	static const uint8_t *const frames[] = { dn_real_resp, dn_real_select };
	static const size_t sizes[] = { sizeof(dn_real_resp), sizeof(dn_real_select) };
	for (unsigned k = 0; k < 3; k++) {
		const uint8_t *p = k < 2 ? frames[k] : f + a;
		size_t sz = k < 2 ? sizes[k] : b;
		dn_one(p, sz, &whole);
		for (size_t l = 0; l < sz; l++) {
			int r = dn_parse(p, l, m, 1, &n);
			if (l < 10) {
				assert_int_equal(r, -1);
				continue;
			}
			assert_int_equal(r, 0);
			assert_int_equal(n, 1);
			assert_true(m[0].truncated);
			assert_int_equal(m[0].anomalies, 0);
			assert_int_equal(m[0].src, whole.src);
			assert_int_equal(m[0].blocks, whole.blocks);
			if (m[0].has_app) {
				assert_int_equal(m[0].fc, whole.fc);
				assert_int_equal(m[0].cls, whole.cls);
			}
		}
	}
}

/* --- the public captures ------------------------------------------- */

struct tally {
	unsigned segs, failed, msgs, truncated, anomalous, exceptions;
	unsigned cls[5];
	unsigned fc[256];                /* Modbus requests, DNP3 app headers */
};

/* One capture's expectations: the segments (1-based packet numbers) known
 * not to parse (-1), and those known to carry anomalies, with the bits. */
struct known {
	unsigned pkt;
	int ret;
	unsigned anomalies;
};

/* A TCP payload of an Ethernet (VLAN) or raw IPv4 packet, bounded by the
 * IPv4 total length (Ethernet pads short frames). */
static const uint8_t *tcp_payload(const uint8_t *pkt, size_t caplen, int dlt, uint16_t *sp,
				  uint16_t *dp, size_t *plen)
{
	size_t o = 0;
	if (dlt == DLT_EN10MB) {
		if (caplen < 14)
			return NULL;
		uint16_t et = (uint16_t)(pkt[12] << 8 | pkt[13]);
		o = 14;
		if (et == 0x8100 && caplen >= 18) {
			et = (uint16_t)(pkt[16] << 8 | pkt[17]);
			o = 18;
		}
		if (et != 0x0800)
			return NULL;
	}
	if (caplen < o + 20 || pkt[o] >> 4 != 4 || pkt[o + 9] != 6)
		return NULL;
	size_t ihl = (pkt[o] & 15u) * 4, tot = (size_t)(pkt[o + 2] << 8 | pkt[o + 3]);
	if (tot > caplen - o)
		tot = caplen - o;
	if (tot < ihl + 20)
		return NULL;
	const uint8_t *t = pkt + o + ihl;
	size_t thl = (t[12] >> 4) * 4u;
	if (tot < ihl + thl)
		return NULL;
	*sp = (uint16_t)(t[0] << 8 | t[1]);
	*dp = (uint16_t)(t[2] << 8 | t[3]);
	*plen = tot - ihl - thl;
	return t + thl;
}

static int find_known(const struct known *k, unsigned nk, unsigned pkt)
{
	for (unsigned i = 0; i < nk; i++)
		if (k[i].pkt == pkt)
			return (int)i;
	return -1;
}

/* Every TCP payload to or from port through the parser; each must parse
 * with no anomaly unless listed in k. Returns 0 with *t filled, -1 when
 * the capture is not there. */
static int run_capture(const char *rel, uint16_t port, const struct known *k, unsigned nk,
		       struct tally *t)
{
	char path[512], err[PCAP_ERRBUF_SIZE];
	const char *shared = getenv("SHARED");
	snprintf(path, sizeof(path), "%s/corpus/%s", shared ? shared : "../shared", rel);
	if (access(path, R_OK) != 0) {
		print_message("skipped: %s not found\n", path);
		return -1;
	}
	pcap_t *pc = pcap_open_offline(path, err);
	assert_non_null(pc);
	int dlt = pcap_datalink(pc);
	assert_true(dlt == DLT_EN10MB || dlt == DLT_RAW || dlt == DLT_IPV4);
	struct pcap_pkthdr *h;
	const uint8_t *pkt;
	unsigned pno = 0, seen = 0, wrong = 0;
	memset(t, 0, sizeof(*t));
	while (pcap_next_ex(pc, &h, &pkt) == 1) {
		uint16_t sp, dp;
		size_t pl;
		pno++;
		const uint8_t *p = tcp_payload(pkt, h->caplen, dlt, &sp, &dp, &pl);
		if (!p || pl == 0 || (sp != port && dp != port))
			continue;
		int to_server = dp == port;
		unsigned n, anom = 0;
		int r;
		t->segs++;
		if (port == MODBUS_PORT) {
			struct modbus_msg m[MAXM];
			r = mb_parse(p, pl, to_server, m, MAXM, &n);
			for (unsigned i = 0; i < n; i++) {
				anom |= m[i].anomalies;
				t->cls[m[i].cls]++;
				t->truncated += m[i].truncated;
				t->exceptions += m[i].is_exception;
				t->anomalous += m[i].anomalies != 0;
				if (to_server)
					t->fc[m[i].fc]++;
			}
		} else {
			struct dnp3_msg m[MAXM];
			r = dn_parse(p, pl, m, MAXM, &n);
			for (unsigned i = 0; i < n; i++) {
				anom |= m[i].anomalies;
				t->cls[m[i].cls]++;
				t->truncated += m[i].truncated;
				t->anomalous += m[i].anomalies != 0;
				if (m[i].has_app)
					t->fc[m[i].fc]++;
			}
		}
		t->msgs += n;
		t->failed += r != 0;
		/* every surprise printed before failing, so one run lists them */
		int ki = find_known(k, nk, pno);
		int want_r = ki >= 0 ? k[ki].ret : 0;
		unsigned want_a = ki >= 0 ? k[ki].anomalies : 0;
		seen += ki >= 0;
		if (r != want_r || anom != want_a) {
			print_message("%s packet %u: ret %d anomalies 0x%x, expected %d 0x%x\n",
				      rel, pno, r, anom, want_r, want_a);
			wrong++;
		}
	}
	pcap_close(pc);
	assert_int_equal(wrong, 0);
	assert_int_equal(seen, nk); /* every known case was met */
	print_message("%s: %u segments (%u not parsed), %u messages: %u read, %u write, "
		      "%u control, %u response, %u other; %u exceptions, %u truncated, "
		      "%u with anomalies\n",
		      rel, t->segs, t->failed, t->msgs, t->cls[ICS_READ], t->cls[ICS_WRITE],
		      t->cls[ICS_CONTROL], t->cls[ICS_RESPONSE], t->cls[ICS_OTHER],
		      t->exceptions, t->truncated, t->anomalous);
	/* and by function: Modbus requests, DNP3 application headers */
	char line[1024];
	size_t o = 0;
	for (unsigned fc = 0; fc < 256; fc++)
		if (t->fc[fc] && o < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, " %s %u",
					      port == MODBUS_PORT ? modbus_function_name(fc)
								  : dnp3_function_name(fc),
					      t->fc[fc]);
	print_message("  by function:%s\n", o ? line : " none");
	return 0;
}

static void test_capture_ndpi_modbus(void **st)
{
	(void)st;
	struct tally t;
	if (run_capture("ndpi-4.2/pcap/modbus.pcap", MODBUS_PORT, NULL, 0, &t))
		skip();
	/* one poller reading holding registers, 51 requests, 51 answers */
	assert_int_equal(t.segs, 102);
	assert_int_equal(t.cls[ICS_READ], 102);
	assert_int_equal(t.fc[3], 51);
}

static void test_capture_suricata_modbus(void **st)
{
	(void)st;
	struct tally t;
	/* edited by suricata-verify to hold malformed ADUs (its README: "Sample
	 * PCAP edited from" ITI's bro modbus.pcap) */
	static const struct known k[] = {
		/* 43/14 read device id requests, 5 octets of PDU where the
		 * spec has 4 (a trailing 0x00) */
		{ 32, 0, MODBUS_ANOM_LENGTH },
		{ 34, 0, MODBUS_ANOM_LENGTH },
		/* 451 octets: protocol id 0, length 0x8804: not Modbus */
		{ 76, -1, 0 },
		{ 78, -1, 0 },
		/* read coils with protocol id 0x0010: not Modbus */
		{ 80, -1, 0 },
		{ 82, -1, 0 },
		/* exception responses to read coils (server busy, 6) that
		 * answer no request, each with a third PDU octet where an
		 * exception has two (MB §7) */
		{ 91, 0, MODBUS_ANOM_LENGTH },
		{ 93, 0, MODBUS_ANOM_LENGTH },
		{ 95, 0, MODBUS_ANOM_LENGTH },
		{ 97, 0, MODBUS_ANOM_LENGTH },
		{ 99, 0, MODBUS_ANOM_LENGTH },
	};
	if (run_capture("suricata-verify/modbus/modbus.pcap", MODBUS_PORT, k,
			sizeof(k) / sizeof(k[0]), &t))
		skip();
	/* its test.yaml's counts: "function 1" 2 alerts, "access read" 3
	 * (read coils / registers requests), "access write" 3, "function 8"
	 * 8 */
	assert_int_equal(t.fc[1], 2);
	assert_int_equal(t.fc[1] + t.fc[2] + t.fc[3] + t.fc[4], 3);
	assert_int_equal(t.fc[5] + t.fc[6] + t.fc[15] + t.fc[16], 3);
	assert_int_equal(t.fc[8], 8);
	assert_int_equal(t.fc[43], 2); /* its 2 "MEI" */
}

static void test_capture_ndpi_dnp3(void **st)
{
	(void)st;
	struct tally t;
	static const struct known k[] = {
		/* an ENABLE_UNSOLICITED request whose start octets read
		 * 05 05, its header CRC computed over them (so sent that way,
		 * not damaged on the wire), and its five retransmissions: not
		 * DNP3 */
		{ 55, -1, 0 },
		{ 56, -1, 0 },
		{ 57, -1, 0 },
		{ 61, -1, 0 },
		{ 62, -1, 0 },
		{ 63, -1, 0 },
	};
	if (run_capture("ndpi-4.2/pcap/dnp3.pcap", DNP3_PORT, k, sizeof(k) / sizeof(k[0]), &t))
		skip();
	assert_int_equal(t.truncated, 0);
}

static void test_capture_suricata_dnp3_flood(void **st)
{
	(void)st;
	struct tally t;
	if (run_capture("suricata-verify/dnp3__dnp3-flood/input.pcap", DNP3_PORT, NULL, 0, &t))
		skip();
	/* its test.yaml: 33 requests (a flood of valid SELECTs, gen_pcap.py),
	 * the flood alert is on their number, not their form */
	assert_int_equal(t.segs, 33);
	assert_int_equal(t.msgs, 33);
	assert_int_equal(t.fc[DNP3_FC_SELECT], 33);
	assert_int_equal(t.cls[ICS_CONTROL], 33);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modbus_reads),
		cmocka_unit_test(test_modbus_writes),
		cmocka_unit_test(test_modbus_controls_exceptions),
		cmocka_unit_test(test_modbus_anomalies),
		cmocka_unit_test(test_modbus_segments),
		cmocka_unit_test(test_modbus_truncated),
		cmocka_unit_test(test_modbus_not_modbus),
		cmocka_unit_test(test_dnp3_crc),
		cmocka_unit_test(test_dnp3_requests),
		cmocka_unit_test(test_dnp3_responses_and_link),
		cmocka_unit_test(test_dnp3_crc_blocks),
		cmocka_unit_test(test_dnp3_anomalies),
		cmocka_unit_test(test_dnp3_segments),
		cmocka_unit_test(test_capture_ndpi_modbus),
		cmocka_unit_test(test_capture_suricata_modbus),
		cmocka_unit_test(test_capture_ndpi_dnp3),
		cmocka_unit_test(test_capture_suricata_dnp3_flood),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
