/* wire: reading network byte order and type-length-value lists, for every
 * parser (proto/, dataplane/decode, reasm). The callers check lengths
 * first: these read exactly the bytes they name. */
#ifndef VIGIA_WIRE_H
#define VIGIA_WIRE_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* little-endian (DNP3) */
static inline uint16_t rd16le(const uint8_t *p)
{
	return (uint16_t)(p[1] << 8 | p[0]);
}

/* The information elements of 3GPP messages: a 4-byte header, then the
 * value. PFCP (TS 29.244 §8.1.1): type (2 bytes), length (2). GTPv2-C
 * (TS 29.274 §8.2.1): type (1), length (2), spare and instance (1). */
enum tlv_kind { TLV_PFCP, TLV_GTPV2 };

struct tlv {
	unsigned type, inst;
	const uint8_t *v;
	size_t len;
};

/* The IE at *o of p[0..len): 1 and *o past it, 0 at the end, -1 when the
 * header or the value runs past len. */
static inline int tlv_next(enum tlv_kind k, const uint8_t *p, size_t len, size_t *o,
			   struct tlv *t)
{
	if (*o >= len)
		return 0;
	if (len - *o < 4)
		return -1;
	const uint8_t *h = p + *o;
	t->type = k == TLV_PFCP ? rd16(h) : h[0];
	t->len = rd16(h + (k == TLV_PFCP ? 2 : 1));
	t->inst = k == TLV_PFCP ? 0 : (unsigned)(h[3] & 0x0f);
	*o += 4;
	if (t->len > len - *o)
		return -1;
	t->v = p + *o;
	*o += t->len;
	return 1;
}

#endif
