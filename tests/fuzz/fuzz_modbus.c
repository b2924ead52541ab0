/* libFuzzer: the Modbus/TCP parser on a buffer of exactly the input's size
 * (less byte 0), so ASan catches any over-read. Byte 0: bit 0 the direction
 * (1 to the server), bits 1-3 the room (0: MAXM). What it reports must
 * frame the segment the way the MBAP headers say. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/ics.h"
#include "../../proto/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXM 8

static void check_range(const struct modbus_msg *m, const struct modbus_range *r)
{
	/* no quantity anomaly: a range the spec allows */
	if (!(m->anomalies & MODBUS_ANOM_QUANTITY) &&
	    (r->qty == 0 || r->qty > 2000 || (uint32_t)r->start + r->qty > 0x10000))
		abort();
}

static void check(const uint8_t *p, size_t len, const struct modbus_msg *m, unsigned n,
		  unsigned max)
{
	size_t next = 0;

	if (n > max || (max && n == 0))
		abort();
	for (unsigned i = 0; i < n; i++) {
		const struct modbus_msg *a = &m[i];
		int last = a->truncated || (a->anomalies & MODBUS_ANOM_HEADER);
		if (a->off != next || a->off >= len || (last && i + 1 != n))
			abort();
		if (a->truncated && (a->anomalies & MODBUS_ANOM_HEADER))
			abort();
		if (a->fc > 127 || a->cls > ICS_CONTROL || (!a->is_exception && a->exc_code))
			abort();
		if (!modbus_function_name(a->fc)[0])
			abort();
		if (a->has_rd)
			check_range(a, &a->rd);
		if (a->has_wr)
			check_range(a, &a->wr);
		if (last)
			continue;
		/* a whole ADU: its header as the bytes say, then the next */
		if (a->len < 2 || a->len > 254 || a->off + 6 + a->len > len ||
		    rd16(p + a->off) != a->tid || rd16(p + a->off + 4) != a->len ||
		    p[a->off + 6] != a->unit || (p[a->off + 7] & 0x7f) != a->fc)
			abort();
		next = a->off + 6 + a->len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct modbus_msg m[MAXM];
	unsigned n, n0;

	if (size < 1)
		return 0;
	int to_server = data[0] & 1;
	unsigned max = (data[0] >> 1) & 7 ? (data[0] >> 1) & 7u : MAXM;
	size_t len = size - 1;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	memcpy(buf, data + 1, len);
	int r = modbus_parse(buf, len, to_server, m, max, &n);
	/* Modbus/TCP or not: the first MBAP header alone decides */
	int is = len >= 7 && rd16(buf + 2) == 0 && rd16(buf + 4) >= 2 && rd16(buf + 4) <= 254;
	if (r != (is ? 0 : -1) || (r && n))
		abort();
	if (r == 0)
		check(buf, len, m, n, max);
	if (modbus_parse(buf, len, to_server, NULL, 0, &n0) != r || n0)
		abort();
	free(buf);
	return 0;
}
