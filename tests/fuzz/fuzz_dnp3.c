/* libFuzzer: the DNP3 parser on a buffer of exactly the input's size (less
 * byte 0), so ASan catches any over-read. Byte 0 as fuzz_modbus's: bit 0
 * (the direction there; DNP3 frames carry theirs) is ignored, bits 1-3 the
 * room (0: MAXM). Frames must follow one another as their LEN says, the CRC
 * verdict must match the header's CRC, the application fields the layers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/ics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXM 8

static void check(const uint8_t *p, size_t len, const struct dnp3_msg *m, unsigned n,
		  unsigned max)
{
	size_t next = 0;

	if (n > max || (max && n == 0))
		abort();
	for (unsigned i = 0; i < n; i++) {
		const struct dnp3_msg *a = &m[i];
		int last = a->truncated || (a->anomalies & DNP3_ANOM_HEADER);
		if (a->off != next || a->off >= len || (last && i + 1 != n))
			abort();
		if (a->truncated && (a->anomalies & DNP3_ANOM_HEADER))
			abort();
		/* len: a whole header was read (0 for a partial or bad one) */
		if (a->len && !a->crc_ok != !!(a->anomalies & DNP3_ANOM_CRC))
			abort();
		if (a->cls > ICS_RESPONSE || (a->has_app && !(a->has_transport && a->tp_fir)) ||
		    (a->has_iin && a->cls != ICS_RESPONSE) || (a->has_obj && !a->has_app) ||
		    (a->has_transport && !a->prm))
			abort();
		if (!dnp3_function_name(a->fc)[0])
			abort();
		if (a->len) {
			/* a whole header: as the bytes say */
			unsigned udl = a->len - 5u;
			const uint8_t *h = p + a->off;
			if (a->len < 5 || a->blocks != (udl + 15) / 16 || h[0] != 0x05 ||
			    h[1] != 0x64 || h[2] != a->len || (h[3] & 0x0f) != a->link_fc ||
			    (h[4] | h[5] << 8) != a->dst || (h[6] | h[7] << 8) != a->src)
				abort();
			uint16_t c = dnp3_crc(h, 8);
			if (a->crc_ok && (h[8] != (c & 0xff) || h[9] != c >> 8))
				abort();
		}
		if (last)
			continue;
		size_t flen = 10 + (a->len - 5u) + 2u * a->blocks;
		if (a->off + flen > len)
			abort();
		next = a->off + flen;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnp3_msg m[MAXM];
	unsigned n, n0;

	if (size < 1)
		return 0;
	unsigned max = (data[0] >> 1) & 7 ? (data[0] >> 1) & 7u : MAXM;
	size_t len = size - 1;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	memcpy(buf, data + 1, len);
	int r = dnp3_parse(buf, len, m, max, &n);
	int is = len >= 10 && buf[0] == 0x05 && buf[1] == 0x64 && buf[2] >= 5;
	if (r != (is ? 0 : -1) || (r && n))
		abort();
	if (r == 0)
		check(buf, len, m, n, max);
	if (dnp3_parse(buf, len, NULL, 0, &n0) != r || n0)
		abort();
	free(buf);
	return 0;
}
