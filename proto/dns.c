#include "dns.h"
#include "wire.h"

#include <string.h>

/* Read a (possibly compressed) name at off into out. Returns the offset
 * just after the name in the message, or -1. */
static long read_name(const uint8_t *p, size_t len, size_t off, char *out,
		      uint16_t *outlen)
{
	size_t o = off, n = 0;
	long after = -1;
	unsigned jumps = 0;

	for (;;) {
		if (o >= len)
			return -1;
		uint8_t l = p[o];
		if ((l & 0xc0) == 0xc0) {
			if (o + 1 >= len || ++jumps > 16)
				return -1; /* truncated, or a loop */
			if (after < 0)
				after = (long)o + 2;
			size_t to = (size_t)(l & 0x3f) << 8 | p[o + 1];
			if (to >= o)
				return -1; /* only backwards: no loops */
			o = to;
			continue;
		}
		if (l & 0xc0)
			return -1; /* extended label types: not ours */
		o++;
		if (l == 0)
			break;
		if (o + l > len || n + l + (n ? 1 : 0) > DNS_NAME_MAX)
			return -1;
		if (n)
			out[n++] = '.';
		for (unsigned i = 0; i < l; i++) {
			uint8_t ch = p[o + i];
			/* a C string for the detectors: control bytes (NUL included,
			 * which labels may carry) become '?' */
			out[n++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a')
				   : ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
		}
		o += l;
	}
	out[n] = 0;
	*outlen = (uint16_t)n;
	return after >= 0 ? after : (long)o;
}

int dns_parse(const uint8_t *p, size_t len, struct dns_msg *m)
{
	if (!p || len < 12)
		return -1;
	memset(m, 0, offsetof(struct dns_msg, name));
	m->name[0] = 0;
	m->id = rd16(p);
	m->qr = p[2] >> 7;
	m->opcode = (p[2] >> 3) & 15;
	m->rcode = p[3] & 15;
	m->qdcount = rd16(p + 4);
	m->ancount = rd16(p + 6);
	if (m->qdcount == 0 || m->opcode > 5)
		return -1;
	long o = read_name(p, len, 12, m->name, &m->name_len);
	if (o < 0 || (size_t)o + 4 > len)
		return -1;
	m->qtype = rd16(p + o);
	m->qclass = rd16(p + o + 2);
	return 0;
}
