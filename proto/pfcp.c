#include "pfcp.h"
#include "wire.h"

#include "gtpc.h"

#include <string.h>

/* IE types (TS 29.244 §8.1.2) */
enum {
	IE_CREATE_PDR = 1, IE_PDI = 2, IE_CREATE_FAR = 3, IE_FWD_PARAMS = 4,
	IE_CREATE_QER = 7, IE_CREATED_PDR = 8, IE_UPDATE_PDR = 9, IE_UPDATE_FAR = 10,
	IE_UPD_FWD_PARAMS = 11, IE_CAUSE = 19, IE_SOURCE_IF = 20, IE_FTEID = 21,
	IE_NETWORK_INSTANCE = 22, IE_FSEID = 57, IE_OUTER_HDR_CREATION = 84,
	IE_UPDATE_QER = 14, IE_UE_IP = 93, IE_QFI = 124, IE_USER_ID = 141,
	IE_REMOVE_PDR = 15, IE_PDR_ID = 56,
};

/* A network instance: an APN/DNN in label form (TS 23.003 §9.1) or text. */
static void read_dnn(const uint8_t *v, size_t l, char *out, size_t cap)
{
	size_t o = 0, n = 0;
	int labels = l > 0;

	while (o < l && labels) {
		size_t ll = v[o];
		if (ll == 0 || ll > 63 || o + 1 + ll > l)
			labels = 0;
		o += 1 + ll;
	}
	if (labels && o == l) {
		for (o = 0; o < l && n + 1 < cap;) {
			size_t ll = v[o++];
			if (n && n + 1 < cap)
				out[n++] = '.';
			for (size_t i = 0; i < ll && n + 1 < cap; i++, o++)
				out[n++] = (char)v[o];
		}
	} else {
		for (o = 0; o < l && n + 1 < cap; o++)
			out[n++] = (char)v[o];
	}
	out[n] = 0;
	/* printable for the events: anything else becomes '?' */
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)out[i] < 0x20 || (uint8_t)out[i] > 0x7e)
			out[i] = '?';
}

struct ctx {
	struct pfcp_msg *m;
	struct pfcp_pdi *pdi;            /* the PDI being filled, NULL none */
	int qer;                         /* inside a Create/Update QER */
	int rm;                          /* inside a Remove PDR */
	int has_pdr;                     /* a PDR ID at this level (Create / */
	uint16_t pdr;                    /* Update PDR: the PDI's sibling) */
};

/* A 5G identifier string (TS 29.571 SUPI/GPSI: "imsi-214...", "msisdn-34...")
 * of the given type: its digits into out; anything else (an NAI, an
 * external id) is not copied. */
static void prefixed_digits(const uint8_t *v, size_t n, const char *pre, char *out, size_t cap)
{
	size_t pl = strlen(pre), k = 0;

	if (n <= pl || memcmp(v, pre, pl))
		return;
	for (size_t i = pl; i < n && k + 1 < cap; i++) {
		if (v[i] < '0' || v[i] > '9') {
			k = 0;
			break;
		}
		out[k++] = (char)v[i];
	}
	out[k] = 0;
}

/* User ID: flags, then for each flag set (IMSI, IMEI, MSISDN, NAI, SUPI,
 * GPSI, PEI, in that order) a length octet and the value. */
static int user_id(struct pfcp_msg *m, const uint8_t *v, size_t l)
{
	size_t o = 1;

	if (l < 1)
		return -1;
	for (unsigned b = 0; b < 7; b++) {
		if (!(v[0] & (1u << b)))
			continue;
		if (o + 1 > l || o + 1 + v[o] > l)
			return -1;
		size_t n = v[o];
		if (b == 0)
			gtpc_read_tbcd(v + o + 1, n, m->imsi, sizeof(m->imsi));
		else if (b == 2)
			gtpc_read_tbcd(v + o + 1, n, m->msisdn, sizeof(m->msisdn));
		else if (b == 4 && !m->imsi[0]) /* SUPI "imsi-<digits>" (29.571) */
			prefixed_digits(v + o + 1, n, "imsi-", m->imsi, sizeof(m->imsi));
		else if (b == 5 && !m->msisdn[0]) /* GPSI "msisdn-<digits>" */
			prefixed_digits(v + o + 1, n, "msisdn-", m->msisdn, sizeof(m->msisdn));
		o += 1 + n;
	}
	return 0;
}

static struct pfcp_pdi *new_pdi(struct pfcp_msg *m)
{
	if (m->npdi >= PFCP_MAX_PDI)
		return NULL;
	struct pfcp_pdi *d = &m->pdi[m->npdi++];
	memset(d, 0, sizeof(*d));
	return d;
}

static int walk(struct ctx *c, const uint8_t *p, size_t len, int depth);

static int one_ie(struct ctx *c, uint16_t type, const uint8_t *v, size_t l, int depth)
{
	struct pfcp_msg *m = c->m;
	struct pfcp_pdi *d = c->pdi;

	m->ies++;
	switch (type) {
	case IE_CREATE_PDR:
	case IE_UPDATE_PDR: {
		/* its PDR ID may come before or after its PDI */
		struct ctx sub = { m, NULL, 0, 0, 0, 0 };
		unsigned first = m->npdi;
		if (walk(&sub, v, l, depth + 1))
			return -1;
		for (unsigned k = first; sub.has_pdr && k < m->npdi; k++) {
			m->pdi[k].has_pdr_id = 1;
			m->pdi[k].pdr_id = sub.pdr;
		}
		return 0;
	}
	case IE_REMOVE_PDR: {
		struct ctx sub = { m, NULL, 0, 1, 0, 0 };
		return walk(&sub, v, l, depth + 1);
	}
	case IE_PDR_ID:
		if (l < 2)
			return -1;
		if (c->rm) {
			if (m->nrm_pdr < PFCP_MAX_PDI)
				m->rm_pdr[m->nrm_pdr++] = rd16(v);
		} else if (d) { /* in a Created PDR */
			d->has_pdr_id = 1;
			d->pdr_id = rd16(v);
		} else {
			c->has_pdr = 1;
			c->pdr = rd16(v);
		}
		return 0;
	case IE_CREATE_FAR:
	case IE_UPDATE_FAR:
	case IE_FWD_PARAMS:
	case IE_UPD_FWD_PARAMS:
		return walk(c, v, l, depth + 1);
	case IE_CREATE_QER:
	case IE_UPDATE_QER: {
		struct ctx sub = { m, NULL, 1, 0, 0, 0 };
		return walk(&sub, v, l, depth + 1);
	}
	case IE_PDI:
	case IE_CREATED_PDR: {
		struct ctx sub = { m, new_pdi(m), 0, 0, 0, 0 };
		return walk(&sub, v, l, depth + 1);
	}
	case IE_USER_ID:
		return user_id(m, v, l);
	case IE_CAUSE:
		if (l < 1)
			return -1;
		m->has_cause = 1;
		m->cause = v[0];
		return 0;
	case IE_SOURCE_IF:
		if (l < 1)
			return -1;
		if (d) {
			d->has_src_if = 1;
			d->src_if = v[0] & 0x0f;
		}
		return 0;
	case IE_FTEID: {
		if (l < 1)
			return -1;
		uint8_t fl = v[0];
		if (fl & 0x04)
			return 0; /* CH: the UP function chooses; no TEID here */
		if (l < 5 || ((fl & 1) && l < 9))
			return -1;
		if (d) {
			d->has_teid = 1;
			d->teid = rd32(v + 1);
			/* where the tunnel arrives: V4 first, else V6 */
			if (fl & 1) {
				d->teid_ipver = 4;
				memcpy(d->teid_ip, v + 5, 4);
			} else if ((fl & 2) && l >= 21) {
				d->teid_ipver = 6;
				memcpy(d->teid_ip, v + 5, 16);
			}
		}
		return 0;
	}
	case IE_NETWORK_INSTANCE:
		if (d)
			read_dnn(v, l, d->dnn, sizeof(d->dnn));
		return 0;
	case IE_UE_IP: {
		if (l < 1)
			return -1;
		uint8_t fl = v[0];
		size_t o = 1;
		if (fl & 0x02) { /* V4 */
			if (o + 4 > l)
				return -1;
			if (d) {
				d->has_ue4 = 1;
				memcpy(d->ue4, v + o, 4);
			}
			o += 4;
		}
		if (fl & 0x01) { /* V6 */
			if (o + 16 > l)
				return -1;
			if (d) {
				d->has_ue6 = 1;
				memcpy(d->ue6, v + o, 16);
			}
		}
		return 0;
	}
	case IE_QFI:
		if (l < 1)
			return -1;
		if (d) {
			d->has_qfi = 1;
			d->qfi = v[0] & 0x3f;
		}
		if (c->qer)
			m->qer_qfi_mask |= 1ULL << (v[0] & 0x3f);
		return 0;
	case IE_FSEID:
		if (l < 9)
			return -1;
		if (depth == 0) {
			m->has_fseid = 1;
			m->fseid = (uint64_t)rd32(v + 1) << 32 | rd32(v + 5);
			/* flags: V4 0x02, V6 0x01; IPv4 first when both */
			if ((v[0] & 0x02) && l >= 13) {
				m->fseid_ipver = 4;
				memcpy(m->fseid_ip, v + 9, 4);
			} else if ((v[0] & 0x01) && l >= 25) {
				m->fseid_ipver = 6;
				memcpy(m->fseid_ip, v + 9, 16);
			}
		}
		return 0;
	case IE_OUTER_HDR_CREATION:
		/* description (2), then TEID (4) and IPv4 (4) for GTP-U/UDP/IPv4 */
		if (l < 2)
			return -1;
		if ((v[0] & 0x01) && l >= 10) {
			m->has_dl_teid = 1;
			m->dl_teid = rd32(v + 2);
			memcpy(m->dl_ip4, v + 6, 4);
			m->dl_ipver = 4;
		} else if ((v[0] & 0x02) && l >= 6) {
			m->has_dl_teid = 1;
			m->dl_teid = rd32(v + 2);
			if (l >= 22) {
				memcpy(m->dl_ip6, v + 6, 16);
				m->dl_ipver = 6;
			}
		}
		return 0;
	default:
		return 0; /* an IE we do not need: skipped by its length */
	}
}

static int walk(struct ctx *c, const uint8_t *p, size_t len, int depth)
{
	size_t o = 0;
	struct tlv t;
	int r;

	if (depth > PFCP_MAX_DEPTH)
		return -1;
	while ((r = tlv_next(TLV_PFCP, p, len, &o, &t)) > 0) {
		if (t.type & 0x8000) {
			/* vendor IE: enterprise id first; nothing of ours */
			if (t.len < 2)
				return -1;
			continue;
		}
		if (one_ie(c, (uint16_t)t.type, t.v, t.len, depth))
			return -1;
	}
	return r;
}

int pfcp_parse(const uint8_t *p, size_t len, struct pfcp_msg *m)
{
	if (!p || len < 8)
		return -1;
	memset(m, 0, sizeof(*m));
	m->version = p[0] >> 5;
	m->type = p[1];
	if (m->version != 1)
		return -1;
	size_t mlen = (size_t)rd16(p + 2) + 4;
	if (mlen > len || mlen < 8)
		return -1;
	size_t o = 4;
	if (p[0] & 0x01) {
		if (mlen < 16)
			return -1;
		m->has_seid = 1;
		m->seid = (uint64_t)rd32(p + 4) << 32 | rd32(p + 8);
		o = 12;
	}
	m->seq = rd24(p + o);
	o += 4;
	struct ctx c = { m, NULL, 0, 0, 0, 0 };
	return walk(&c, p + o, mlen - o, 0);
}
