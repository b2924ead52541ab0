#include "pcapng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { SHB = 0x0A0D0D0A, IDB = 1, OPB = 2, SPB = 3, EPB = 6 };
#define BOM 0x1A2B3C4Du
#define BOM_SWAPPED 0x4D3C2B1Au

static uint32_t rd32(const struct pcapng_state *st, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return st->swap ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct pcapng_state *st, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return st->swap ? __builtin_bswap16(v) : v;
}

/* ticks -> microseconds, with the interface's resolution */
static uint64_t to_us(const struct pcapng_state *st, unsigned ifid, uint64_t t)
{
	uint64_t div = st->ifs[ifid].ts_div;

	if (!div || div == 1000000)
		return t;
	if (st->ifs[ifid].ts_pow2) {
		double us = (double)t * 1e6 / (double)div;
		return us >= 1.8e19 ? UINT64_MAX : (uint64_t)us; /* absurd: clamped */
	}
	return div > 1000000 ? t / (div / 1000000) : t * (1000000 / div);
}

static void idb_options(struct pcapng_state *st, unsigned i, const uint8_t *p, size_t len)
{
	size_t o = 0;

	while (o + 4 <= len) {
		uint16_t code = rd16(st, p + o), ol = rd16(st, p + o + 2);
		if (code == 0 || o + 4 + ol > len)
			break;
		if (code == 9 && ol >= 1) { /* if_tsresol */
			uint8_t v = p[o + 4] & 0x7f;
			st->ifs[i].ts_pow2 = (p[o + 4] & 0x80) != 0;
			if (st->ifs[i].ts_pow2)
				st->ifs[i].ts_div = v < 63 ? 1ULL << v : 0;
			else {
				uint64_t d = 1;
				for (unsigned k = 0; k < v && k < 19; k++)
					d *= 10;
				st->ifs[i].ts_div = d;
			}
		}
		o += 4 + (((size_t)ol + 3) & ~(size_t)3);
	}
}

int pcapng_block(struct pcapng_state *st, const uint8_t *b, size_t len, struct pcapng_pkt *out)
{
	if (len < 12)
		return -1;
	uint32_t type;
	memcpy(&type, b, 4);
	if (type == SHB) { /* its byte order decides how the section reads */
		if (len < 28)
			return -1;
		uint32_t bom;
		memcpy(&bom, b + 8, 4);
		if (bom == BOM)
			st->swap = 0;
		else if (bom == BOM_SWAPPED)
			st->swap = 1;
		else
			return -1;
		if (rd32(st, b + 4) != len)
			return -1;
		st->nif = 0; /* interfaces are numbered per section */
		return 0;
	}
	type = rd32(st, b);
	if (rd32(st, b + 4) != len || len % 4)
		return -1;
	const uint8_t *body = b + 8;
	size_t blen = len - 12;
	switch (type) {
	case IDB:
		if (blen < 8 || st->nif >= PCAPNG_MAX_IF)
			return -1;
		memset(&st->ifs[st->nif], 0, sizeof(st->ifs[0]));
		st->ifs[st->nif].linktype = rd16(st, body);
		idb_options(st, st->nif, body + 8, blen - 8);
		st->nif++;
		return 0;
	case EPB:
	case OPB: {
		if (blen < 20)
			return -1;
		unsigned ifid = type == EPB ? rd32(st, body) : rd16(st, body);
		if (ifid >= st->nif)
			return -1;
		uint64_t t = (uint64_t)rd32(st, body + 4) << 32 | rd32(st, body + 8);
		uint32_t cap = rd32(st, body + 12), wire = rd32(st, body + 16);
		if (cap > blen - 20)
			return -1;
		out->data = body + 20;
		out->caplen = cap;
		out->wirelen = wire < cap ? cap : wire;
		out->ts_us = to_us(st, ifid, t);
		out->linktype = st->ifs[ifid].linktype;
		return 1;
	}
	case SPB: {
		if (blen < 4 || !st->nif)
			return -1;
		uint32_t wire = rd32(st, body);
		out->data = body + 4;
		out->caplen = wire < blen - 4 ? wire : (uint32_t)(blen - 4);
		out->wirelen = wire;
		out->ts_us = 0; /* a simple packet has no time */
		out->linktype = st->ifs[0].linktype;
		return 1;
	}
	default:
		return 0; /* statistics, name resolution, custom: not needed */
	}
}

struct pcapng {
	FILE *f;
	uint64_t pos;
	uint8_t *buf;
	size_t cap;
	struct pcapng_state st;
};

struct pcapng *pcapng_open(const char *path, char *err, size_t errlen)
{
	struct pcapng *r = calloc(1, sizeof(*r));
	uint32_t magic = 0;

	if (!r || !(r->f = fopen(path, "rb"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(r);
		return NULL;
	}
	if (fread(&magic, 4, 1, r->f) != 1 || magic != SHB) {
		snprintf(err, errlen, "%s: not a pcapng file", path);
		pcapng_close(r);
		return NULL;
	}
	rewind(r->f);
	return r;
}

int pcapng_next(struct pcapng *r, struct pcapng_pkt *out, char *err, size_t errlen)
{
	for (;;) {
		uint8_t hdr[12];
		size_t got = fread(hdr, 1, 12, r->f);
		if (got == 0)
			return 0;
		if (got < 12) {
			snprintf(err, errlen, "truncated pcapng block at offset %llu",
				 (unsigned long long)r->pos);
			return -1;
		}
		/* a section header's length reads in its own byte order */
		uint32_t type, bom, blen;
		memcpy(&type, hdr, 4);
		memcpy(&blen, hdr + 4, 4);
		memcpy(&bom, hdr + 8, 4);
		if (type == SHB ? bom == BOM_SWAPPED : r->st.swap)
			blen = __builtin_bswap32(blen);
		if (blen < 12 || blen > PCAPNG_MAX_BLOCK || blen % 4) {
			snprintf(err, errlen, "bad pcapng block length %u at offset %llu", blen,
				 (unsigned long long)r->pos);
			return -1;
		}
		if (r->cap < blen) {
			uint8_t *nb = realloc(r->buf, blen);
			if (!nb) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			r->buf = nb;
			r->cap = blen;
		}
		memcpy(r->buf, hdr, 12);
		if (fread(r->buf + 12, 1, blen - 12, r->f) != blen - 12) {
			snprintf(err, errlen, "truncated pcapng block at offset %llu",
				 (unsigned long long)r->pos);
			return -1;
		}
		r->pos += blen;
		int rc = pcapng_block(&r->st, r->buf, blen, out);
		if (rc < 0) {
			snprintf(err, errlen, "malformed pcapng block at offset %llu",
				 (unsigned long long)(r->pos - blen));
			return -1;
		}
		if (rc == 1)
			return 1;
	}
}

uint64_t pcapng_pos(const struct pcapng *r)
{
	return r->pos;
}

void pcapng_close(struct pcapng *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->buf);
	free(r);
}
