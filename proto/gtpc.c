#include "gtpc.h"
#include "wire.h"

#include <string.h>

/* IE types (TS 29.274 §8.1) */
enum {
	IE_IMSI = 1, IE_CAUSE = 2, IE_APN = 71, IE_EBI = 73, IE_MEI = 75,
	IE_MSISDN = 76, IE_PAA = 79, IE_BEARER_QOS = 80, IE_RAT_TYPE = 82,
	IE_FTEID = 87, IE_BEARER_CTX = 93,
};

/* header flags, first octet: version (3 bits), P, T, MP, spare */
#define HDR_P 0x10
#define HDR_T 0x08

/* TBCD (TS 29.274 §8.3, TS 24.008 §10.5.1.4): two digits an octet, the low
 * nibble first; 0xF fills out an odd count, so it ends the number. Digits
 * beyond the buffer are dropped: a 16-digit buffer holds any valid IMSI,
 * MSISDN or IMEISV, longer is garbage we only need to survive. */
void gtpc_read_tbcd(const uint8_t *v, size_t l, char *out, size_t cap)
{
	static const char digit[] = "0123456789*#abc";
	size_t n = 0;

	for (size_t i = 0; i < 2 * l && n + 1 < cap; i++) {
		uint8_t d = i & 1 ? v[i / 2] >> 4 : v[i / 2] & 0x0f;
		if (d == 0x0f)
			break;
		out[n++] = digit[d];
	}
	out[n] = 0;
}

/* An APN (TS 23.003 §9.1): length-prefixed labels, written dotted. When the
 * bytes are not a well-formed label list the value is taken as text: some
 * peers send it so, and the name is for the events, not for routing. */
static void read_apn(const uint8_t *v, size_t l, char *out, size_t cap)
{
	size_t o = 0, n = 0, next = 0;
	int labels = l > 0;

	while (o < l && labels) {
		size_t ll = v[o];
		if (ll == 0 || ll > 63 || o + 1 + ll > l)
			labels = 0;
		o += 1 + ll;
	}
	for (o = 0; o < l && n + 1 < cap; o++) {
		if (labels && o == next) { /* a label's length: a dot */
			next = o + 1 + v[o];
			if (o)
				out[n++] = '.';
			continue;
		}
		/* printable for the events: anything else becomes '?' */
		out[n++] = v[o] >= 0x20 && v[o] <= 0x7e ? (char)v[o] : '?';
	}
	out[n] = 0;
}

/* F-TEID (§8.22): V4, V6 and the interface type in one octet, the TEID (or
 * GRE key), then the IPv4 and/or IPv6 address in that order. f NULL: only
 * checked, there is no room to keep it. */
static int read_fteid(const uint8_t *v, size_t l, uint8_t inst, struct gtpc_fteid *f)
{
	if (l < 5)
		return -1;
	uint8_t fl = v[0];
	if (l < 5 + (fl & 0x80 ? 4u : 0u) + (fl & 0x40 ? 16u : 0u))
		return -1;
	if (!f)
		return 0;
	memset(f, 0, sizeof(*f));
	f->instance = inst;
	f->iface = fl & 0x3f;
	f->teid = rd32(v + 1);
	size_t o = 5;
	if (fl & 0x80) {
		f->has_ip4 = 1;
		memcpy(f->ip4, v + o, 4);
		o += 4;
	}
	if (fl & 0x40) {
		f->has_ip6 = 1;
		memcpy(f->ip6, v + o, 16);
	}
	return 0;
}

/* PAA (§8.14): the PDN type, then the IPv6 prefix length and address and/or
 * the IPv4 address; non-IP and Ethernet PDNs carry none. */
static int read_paa(const uint8_t *v, size_t l, struct gtpc_msg *m)
{
	if (l < 1)
		return -1;
	uint8_t t = v[0] & 0x07;
	size_t o = 1;
	if (t == 2 || t == 3) {
		if (l < o + 17)
			return -1;
		m->has_ue6 = 1;
		m->ue6_plen = v[o];
		memcpy(m->ue6, v + o + 1, 16);
		o += 17;
	}
	if (t == 1 || t == 3) {
		if (l < o + 4)
			return -1;
		m->has_ue4 = 1;
		memcpy(m->ue4, v + o, 4);
	}
	m->has_paa = 1;
	m->pdn_type = t;
	return 0;
}

struct ctx {
	struct gtpc_msg *m;
	struct gtpc_bearer *b;           /* the bearer being filled, NULL none */
};

static struct gtpc_bearer *new_bearer(struct gtpc_msg *m, uint8_t inst)
{
	if (m->nbearer >= GTPC_MAX_BEARERS)
		return NULL;
	struct gtpc_bearer *b = &m->bearer[m->nbearer++];
	memset(b, 0, sizeof(*b));
	b->instance = inst;
	return b;
}

static int walk(struct ctx *c, const uint8_t *p, size_t len, int depth);

static int one_ie(struct ctx *c, uint8_t type, uint8_t inst, const uint8_t *v, size_t l,
		  int depth)
{
	struct gtpc_msg *m = c->m;
	struct gtpc_bearer *b = c->b;
	/* the subscriber and PDN fields live at the top; inside a bearer
	 * context (or one there was no room for) they are not ours and are
	 * skipped like unknown IEs */
	int top = depth == 0;

	m->ies++;
	switch (type) {
	case IE_BEARER_CTX: {
		struct ctx sub = { m, new_bearer(m, inst) };
		return walk(&sub, v, l, depth + 1);
	}
	case IE_IMSI:
		if (top)
			gtpc_read_tbcd(v, l, m->imsi, sizeof(m->imsi));
		return 0;
	case IE_MSISDN:
		if (top)
			gtpc_read_tbcd(v, l, m->msisdn, sizeof(m->msisdn));
		return 0;
	case IE_MEI:
		if (top)
			gtpc_read_tbcd(v, l, m->mei, sizeof(m->mei));
		return 0;
	case IE_APN:
		if (top)
			read_apn(v, l, m->apn, sizeof(m->apn));
		return 0;
	case IE_CAUSE:
		if (l < 1)
			return -1;
		if (top) {
			m->has_cause = 1;
			m->cause = v[0];
		} else if (b) {
			b->has_cause = 1;
			b->cause = v[0];
		}
		return 0;
	case IE_EBI:
		if (l < 1)
			return -1;
		if (top) {
			m->has_ebi = 1;
			m->ebi = v[0] & 0x0f;
		} else if (b) {
			b->has_ebi = 1;
			b->ebi = v[0] & 0x0f;
		}
		return 0;
	case IE_RAT_TYPE:
		if (!top)
			return 0;
		if (l < 1)
			return -1;
		m->has_rat = 1;
		m->rat = v[0];
		return 0;
	case IE_BEARER_QOS:
		/* flags (PCI, priority level, PVI), then the QCI */
		if (l < 2)
			return -1;
		if (b) {
			b->has_qci = 1;
			b->qci = v[1];
		}
		return 0;
	case IE_PAA:
		return top ? read_paa(v, l, m) : 0;
	case IE_FTEID:
		/* instance 0 at the top is the sender's F-TEID for the control
		 * plane; others there (the PGW's, in a Create Session Request)
		 * name a third node */
		if (top && inst == 0) {
			if (read_fteid(v, l, inst, &m->sender))
				return -1;
			m->has_sender = 1;
			return 0;
		}
		if (b && b->nfteid < GTPC_MAX_BEARER_FTEIDS)
			return read_fteid(v, l, inst, &b->fteid[b->nfteid++]);
		return read_fteid(v, l, inst, NULL);
	default:
		return 0; /* an IE we do not need: skipped by its length */
	}
}

/* IEs (§8.2): type, length (of the value), spare and instance, value. */
static int walk(struct ctx *c, const uint8_t *p, size_t len, int depth)
{
	size_t o = 0;
	struct tlv t;
	int r;

	if (depth > GTPC_MAX_DEPTH)
		return -1;
	while ((r = tlv_next(TLV_GTPV2, p, len, &o, &t)) > 0)
		if (one_ie(c, (uint8_t)t.type, (uint8_t)t.inst, t.v, t.len, depth))
			return -1;
	return r;
}

int gtpc_parse(const uint8_t *p, size_t len, struct gtpc_msg *m)
{
	if (!m)
		return -1;
	memset(m, 0, sizeof(*m));
	if (!p || len < 8)
		return -1;
	m->version = p[0] >> 5;
	m->type = p[1];
	/* GTPv1 (version 1) shares the port on Gn/Gp: not ours. Type 0 is
	 * reserved: random bytes, not a message. */
	if (m->version != 2 || m->type == 0)
		return -1;
	size_t mlen = (size_t)rd16(p + 2) + 4, o = 4;
	if (mlen > len || mlen < 8)
		return -1;
	m->piggybacked = !!(p[0] & HDR_P);
	m->msg_len = mlen;
	if (p[0] & HDR_T) {
		if (mlen < 12)
			return -1;
		m->has_teid = 1;
		m->teid = rd32(p + 4);
		o = 8;
	}
	/* sequence number (3 octets), then a spare or message priority one */
	m->seq = rd24(p + o);
	o += 4;
	struct ctx c = { m, NULL };
	return walk(&c, p + o, mlen - o, 0);
}
