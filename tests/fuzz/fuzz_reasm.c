/* libFuzzer: the fragment reassembly table on a stream of frames. The input
 * is records of [op:1][length:2, big-endian][frame]; each frame is an
 * Ethernet + IPv4 frame (l3_off 14) in an exact-size heap copy. op bits:
 * 0x01 set the IPv4 total length to the frame's, 0x02 make it IPv4/UDP,
 * 0x04 expire after it, 0x08 do not drain after it (a careless caller),
 * 0x80 a wirelen above caplen; (op >> 4) & 7 moves packet time on by that
 * many half seconds (the timeout is one second).
 *
 * A small table (8 KiB, 4 datagrams) so eviction happens. Checked: every
 * frame handed back unchanged is one that was held, byte for byte, with its
 * time and wirelen, each once; a rebuilt frame has a sound IPv4 header and
 * a GTP-U port; the counters add up; after a flush nothing is held. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/reasm.h"
#include "../../proto/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct held {
	uint8_t *b;
	uint32_t len, wirelen;
	uint64_t ts;
	int back;
};

static struct reasm *r;
static struct held *h;
static size_t nh;
static uint64_t merged_out;

static void sums(void)
{
	struct reasm_stats s;
	const uint64_t *v = s.v;

	reasm_get_stats(r, &s);
	if (v[REASM_S_OFFERED] != v[REASM_S_HELD] + v[REASM_S_PASSED] ||
	    v[REASM_S_PASSED] != v[REASM_S_NOT_UDP] + v[REASM_S_INVALID] +
					 v[REASM_S_TRUNCATED] + v[REASM_S_TOO_MANY] +
					 v[REASM_S_NO_ROOM] ||
	    v[REASM_S_HELD] != v[REASM_S_RELEASED] + v[REASM_S_MERGED] +
				       v[REASM_S_FRAMES_HELD] ||
	    v[REASM_S_DATAGRAMS] != v[REASM_S_REASSEMBLED] + v[REASM_S_NOT_GTPU] +
					    v[REASM_S_TIMEOUTS] + v[REASM_S_EVICTED] +
					    v[REASM_S_FLUSHED] + v[REASM_S_ABORTED] +
					    v[REASM_S_DATAGRAMS_HELD] ||
	    v[REASM_S_BYTES_PEAK] > 8192 || v[REASM_S_BYTES_HELD] > v[REASM_S_BYTES_PEAK])
		abort();
}

static void drain(void)
{
	struct reasm_out o;

	while (reasm_next(r, &o)) {
		if (o.reassembled) {
			const uint8_t *ip = o.data + 14;
			uint32_t sum = 0, hl;
			if (o.caplen < 14 + 28 || o.caplen > 14 + 65535 || o.wirelen != o.caplen)
				abort();
			hl = (ip[0] & 15u) * 4;
			if (hl < 20 || o.caplen < 14 + hl + 8)
				abort();
			for (uint32_t i = 0; i < hl; i += 2)
				sum += rd16(ip + i);
			sum = (sum & 0xffff) + (sum >> 16);
			sum = (sum & 0xffff) + (sum >> 16);
			if (ip[0] >> 4 != 4 || rd16(ip + 2) != o.caplen - 14 || sum != 0xffff ||
			    (rd16(ip + 6) & 0x3fff) || ip[9] != 17 ||
			    (rd16(ip + hl) != REASM_GTPU_PORT && rd16(ip + hl + 2) != REASM_GTPU_PORT))
				abort();
			merged_out++;
			continue;
		}
		size_t i;
		for (i = 0; i < nh; i++)
			if (!h[i].back && h[i].len == o.caplen && h[i].wirelen == o.wirelen &&
			    h[i].ts == o.ts_us && memcmp(h[i].b, o.data, o.caplen) == 0)
				break;
		if (i == nh)
			abort(); /* not a frame that was held, or handed back twice */
		h[i].back = 1;
	}
	sums();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t ts = 1700000000000000ULL;
	struct reasm_stats s0, s1;

	if (!r) {
		struct reasm_cfg c = { .mem_bytes = 8192, .max_datagrams = 4,
				       .timeout_us = 1000000 };
		r = reasm_create(&c);
		if (!r)
			abort();
	}
	reasm_get_stats(r, &s0);
	h = calloc(size / 3 + 1, sizeof(*h));
	nh = 0;
	merged_out = 0;
	for (size_t o = 0; o + 3 <= size;) {
		uint8_t op = data[o];
		uint32_t len = rd16(data + o + 1);
		o += 3;
		if (len > size - o)
			len = (uint32_t)(size - o);
		uint8_t *b = malloc(len ? len : 1);
		memcpy(b, data + o, len);
		o += len;
		if ((op & 0x01) && len >= 34) {
			b[16] = (uint8_t)((len - 14) >> 8);
			b[17] = (uint8_t)(len - 14);
		}
		if ((op & 0x02) && len >= 34) {
			if (b[14] >> 4 != 4 || (b[14] & 15) < 5)
				b[14] = 0x45;
			b[23] = 17;
		}
		uint32_t wirelen = op & 0x80 ? len + 100 : len;
		ts += (uint64_t)((op >> 4) & 7) * 500000;
		if (reasm_offer(r, b, len, wirelen, 14, ts) == REASM_HELD)
			h[nh++] = (struct held){ b, len, wirelen, ts, 0 };
		else
			free(b);
		sums();
		if (!(op & 0x08))
			drain();
		if (op & 0x04) {
			reasm_expire(r, ts);
			drain();
		}
	}
	reasm_flush(r);
	drain();
	reasm_get_stats(r, &s1);
	size_t back = 0;
	for (size_t i = 0; i < nh; i++) {
		back += (size_t)h[i].back;
		free(h[i].b);
	}
	free(h);
	/* each held frame came back once: as itself or inside a rebuilt one */
	if (s1.v[REASM_S_FRAMES_HELD] || s1.v[REASM_S_DATAGRAMS_HELD] ||
	    s1.v[REASM_S_BYTES_HELD] ||
	    back != s1.v[REASM_S_RELEASED] - s0.v[REASM_S_RELEASED] ||
	    nh != back + (s1.v[REASM_S_MERGED] - s0.v[REASM_S_MERGED]) ||
	    merged_out != s1.v[REASM_S_REASSEMBLED] - s0.v[REASM_S_REASSEMBLED])
		abort();
	ts += 10000000;
	return 0;
}
