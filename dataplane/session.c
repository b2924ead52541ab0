#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Index maps: open addressing on 64-bit keys, with tombstones. */
#define EMPTY 0xffffffffu
#define GONE 0xfffffffeu

struct map {
	uint64_t *key;
	uint32_t *val;
	uint32_t mask;
};

struct sess_table {
	struct session *s;
	uint8_t *used;
	uint32_t cap, n, clock_hand;
	uint64_t idle_us;
	struct map by_cp, by_up, by_teid, by_ue;
	struct sess_stats st;
	sess_end_fn end_fn;
	void *end_ctx;
};

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static int map_init(struct map *m, uint32_t cap)
{
	uint32_t c = 16;

	while (c < cap * 2)
		c <<= 1;
	m->key = calloc(c, sizeof(*m->key));
	m->val = malloc(c * sizeof(*m->val));
	if (!m->key || !m->val)
		return -1;
	memset(m->val, 0xff, c * sizeof(*m->val));
	m->mask = c - 1;
	return 0;
}

static void map_free(struct map *m)
{
	free(m->key);
	free(m->val);
}

static uint32_t map_get(const struct map *m, uint64_t k)
{
	for (uint32_t i = (uint32_t)mix(k) & m->mask, n = 0; n <= m->mask;
	     i = (i + 1) & m->mask, n++) {
		if (m->val[i] == EMPTY)
			return EMPTY;
		if (m->val[i] != GONE && m->key[i] == k)
			return m->val[i];
	}
	return EMPTY;
}

static void map_del(struct map *m, uint64_t k)
{
	for (uint32_t i = (uint32_t)mix(k) & m->mask, n = 0; n <= m->mask;
	     i = (i + 1) & m->mask, n++) {
		if (m->val[i] == EMPTY)
			return;
		if (m->val[i] != GONE && m->key[i] == k) {
			m->val[i] = GONE;
			return;
		}
	}
}

static void map_put(struct map *m, uint64_t k, uint32_t v)
{
	uint32_t spot = EMPTY;

	map_del(m, k);
	for (uint32_t i = (uint32_t)mix(k) & m->mask, n = 0; n <= m->mask;
	     i = (i + 1) & m->mask, n++) {
		if (m->val[i] == EMPTY || m->val[i] == GONE) {
			spot = i;
			break;
		}
	}
	if (spot != EMPTY) {
		m->key[spot] = k;
		m->val[spot] = v;
	}
}

/* An IPv4 address, or an IPv6 address by its /64 (a UE owns a prefix). */
static uint64_t ue_key(int ipver, const uint8_t *a)
{
	uint64_t w;
	uint32_t v4;

	if (ipver == 6) {
		memcpy(&w, a, 8);
		return mix(w) ^ 6;
	}
	memcpy(&v4, a, 4); /* an IPv4 address may come in 4 bytes */
	return v4 | 4ULL << 32;
}

struct sess_table *sess_create(unsigned max_sessions, uint64_t idle_us)
{
	struct sess_table *t = calloc(1, sizeof(*t));

	if (!t || !max_sessions)
		goto err;
	t->cap = max_sessions;
	t->idle_us = idle_us;
	t->s = calloc(max_sessions, sizeof(*t->s));
	t->used = calloc(max_sessions, 1);
	if (!t->s || !t->used || map_init(&t->by_cp, max_sessions) ||
	    map_init(&t->by_up, max_sessions) || map_init(&t->by_teid, max_sessions * 4) ||
	    map_init(&t->by_ue, max_sessions * 2))
		goto err;
	return t;
err:
	sess_destroy(t);
	return NULL;
}

void sess_destroy(struct sess_table *t)
{
	if (!t)
		return;
	free(t->s);
	free(t->used);
	map_free(&t->by_cp);
	map_free(&t->by_up);
	map_free(&t->by_teid);
	map_free(&t->by_ue);
	free(t);
}

static void unindex_key(struct map *m, uint64_t k, uint32_t i)
{
	if (map_get(m, k) == i)
		map_del(m, k);
}

/* Forget its tunnels and UE addresses (new flows no longer find it). */
static void unindex_plane(struct sess_table *t, uint32_t i)
{
	struct session *s = &t->s[i];

	for (unsigned k = 0; k < s->nteid; k++)
		unindex_key(&t->by_teid, s->teid[k].teid, i);
	if (s->has_ue4)
		unindex_key(&t->by_ue, ue_key(4, s->ue4), i);
	if (s->has_ue6)
		unindex_key(&t->by_ue, ue_key(6, s->ue6), i);
}

static void unindex(struct sess_table *t, uint32_t i)
{
	struct session *s = &t->s[i];

	if (s->cp_seid)
		unindex_key(&t->by_cp, s->cp_seid, i);
	if (s->up_seid)
		unindex_key(&t->by_up, s->up_seid, i);
	unindex_plane(t, i);
}

static void drop(struct sess_table *t, uint32_t i)
{
	unindex(t, i);
	t->used[i] = 0;
	if (!t->s[i].deleted)
		t->n--;
}

static void ended(struct sess_table *t, uint32_t i, enum sess_end why, uint64_t ts)
{
	if (t->end_fn && !t->s[i].deleted)
		t->end_fn(t->end_ctx, &t->s[i], why, ts);
}

/* PFCP deleted it: no new flow may find it (TEIDs and UE address are
 * free again), but the flows it had still name it by SEID. */
static void retire(struct sess_table *t, uint32_t i)
{
	unindex_plane(t, i);
	t->s[i].deleted = 1;
	t->n--;
}

/* A free record: a never used one, else one deleted or idle too long
 * (clock hand); when every record holds a live session, the oldest one the
 * UPF never answered gives way (an establishment flood must not lock out
 * the sessions that were set up), else the table is full (counted). */
static uint32_t take(struct sess_table *t, uint64_t now)
{
	uint32_t half = EMPTY;

	for (uint32_t k = 0; k < t->cap; k++) {
		uint32_t i = t->clock_hand;
		t->clock_hand = (t->clock_hand + 1) % t->cap;
		if (!t->used[i])
			return i;
		if (t->s[i].deleted) {
			drop(t, i);
			return i;
		}
		if (t->idle_us && now > t->s[i].last_us + t->idle_us) {
			ended(t, i, SESS_EXPIRED, now);
			drop(t, i);
			t->st.expired++;
			return i;
		}
		if (!t->s[i].up_seid &&
		    (half == EMPTY || t->s[i].last_us < t->s[half].last_us))
			half = i;
	}
	if (half != EMPTY) {
		ended(t, half, SESS_REPLACED, now);
		drop(t, half);
		t->st.evicted++;
		return half;
	}
	t->st.full++;
	return EMPTY;
}

/* A cleared record for a new session, or EMPTY (table full, counted). */
static uint32_t fresh(struct sess_table *t, uint64_t ts)
{
	uint32_t i = take(t, ts);

	if (i == EMPTY)
		return EMPTY;
	uint32_t gen = t->s[i].gen + 1;
	memset(&t->s[i], 0, sizeof(t->s[i]));
	t->s[i].gen = gen;
	t->used[i] = 1;
	t->n++;
	t->st.created++;
	t->s[i].first_us = ts;
	return i;
}

static void del_teid(struct sess_table *t, uint32_t i, unsigned k)
{
	struct session *s = &t->s[i];

	unindex_key(&t->by_teid, s->teid[k].teid, i);
	memmove(&s->teid[k], &s->teid[k + 1], (s->nteid - k - 1) * sizeof(s->teid[0]));
	s->nteid--;
}

/* A PDR's share in a TEID: drop it; 1 when no PDR is left. */
static int pdr_del(struct sess_teid *o, uint16_t p)
{
	for (unsigned j = 0; o->npdr != SESS_PDR_MANY && j < o->npdr; j++)
		if (o->pdr[j] == p) {
			o->pdr[j] = o->pdr[--o->npdr];
			return o->npdr == 0;
		}
	return 0;
}

static void pdr_add(struct sess_teid *o, uint16_t p)
{
	if (o->npdr == SESS_PDR_MANY)
		return;
	for (unsigned j = 0; j < o->npdr; j++)
		if (o->pdr[j] == p)
			return;
	if (o->npdr < SESS_PDRS)
		o->pdr[o->npdr++] = p;
	else
		o->npdr = SESS_PDR_MANY;
}

/* The session holds teid (direction dl) from now on. With a bearer (ebi),
 * it replaces that bearer's TEID of the same direction (handover: the new
 * eNB's); with a PDR (pdr >= 0), the PDR moves to it (an Update PDR's new
 * F-TEID; a TEID no PDR uses any more goes); replace_dl: it replaces every
 * downlink TEID (PFCP: the gNB's TEID of an updated FAR). A session full
 * of TEIDs forgets its oldest. */
static void set_teid(struct sess_table *t, uint32_t i, int dl, uint8_t ebi, int pdr,
		     int replace_dl, uint32_t teid)
{
	struct session *s = &t->s[i];

	for (unsigned k = s->nteid; k-- > 0;) {
		struct sess_teid *o = &s->teid[k];
		if (o->teid == teid) {
			if (pdr >= 0 && o->dl == dl && o->npdr) {
				pdr_add(o, (uint16_t)pdr); /* another QoS flow's PDR */
				for (unsigned j = s->nteid; j-- > 0;)
					if (s->teid[j].teid != teid && s->teid[j].dl == dl &&
					    pdr_del(&s->teid[j], (uint16_t)pdr))
						del_teid(t, i, j);
				return;
			}
			del_teid(t, i, k);
		} else if (o->dl == dl && ((ebi && o->ebi == ebi) || (dl && replace_dl))) {
			del_teid(t, i, k);
		} else if (o->dl == dl && pdr >= 0 && pdr_del(o, (uint16_t)pdr)) {
			del_teid(t, i, k);
		}
	}
	if (s->nteid == SESS_TEIDS)
		del_teid(t, i, 0);
	struct sess_teid *n = &s->teid[s->nteid++];
	memset(n, 0, sizeof(*n));
	n->teid = teid;
	n->dl = (uint8_t)dl;
	n->ebi = ebi;
	if (pdr >= 0)
		pdr_add(n, (uint16_t)pdr);
	map_put(&t->by_teid, teid, i);
}

/* The UE's address of family ipver (an IPv6 one kept as its /64). */
static void set_ue(struct sess_table *t, uint32_t i, int ipver, const uint8_t *a)
{
	struct session *s = &t->s[i];

	if (ipver == 4) {
		if (s->has_ue4)
			unindex_key(&t->by_ue, ue_key(4, s->ue4), i);
		memcpy(s->ue4, a, 4);
		s->has_ue4 = 1;
		map_put(&t->by_ue, ue_key(4, s->ue4), i);
	} else {
		if (s->has_ue6)
			unindex_key(&t->by_ue, ue_key(6, s->ue6), i);
		memset(s->ue6, 0, 16);
		memcpy(s->ue6, a, 8);
		s->has_ue6 = 1;
		map_put(&t->by_ue, ue_key(6, s->ue6), i);
	}
	memset(s->ue, 0, 16);
	s->ue_ipver = s->has_ue4 ? 4 : 6;
	memcpy(s->ue, s->has_ue4 ? s->ue4 : s->ue6, s->has_ue4 ? 4 : 16);
}

int sess_teid_dir(const struct session *s, uint32_t teid)
{
	for (unsigned k = 0; k < s->nteid; k++)
		if (s->teid[k].teid == teid)
			return s->teid[k].dl;
	return -1;
}

int sess_is_ue(const struct session *s, int ipver, const uint8_t *a)
{
	if (ipver == 4)
		return s->has_ue4 && !memcmp(s->ue4, a, 4);
	return ipver == 6 && s->has_ue6 && !memcmp(s->ue6, a, 8);
}

/* The UPF's (SGW's) SEID of session i; an answer repeated with another
 * one must not leave the old key pointing at the record (it would find
 * the record after its reuse). */
static void set_up_seid(struct sess_table *t, uint32_t i, uint64_t seid)
{
	if (t->s[i].up_seid)
		unindex_key(&t->by_up, t->s[i].up_seid, i);
	t->s[i].up_seid = seid;
	map_put(&t->by_up, seid, i);
}

static void apply_pdis(struct sess_table *t, uint32_t i, const struct pfcp_msg *m)
{
	struct session *s = &t->s[i];

	for (unsigned k = 0; k < m->npdi; k++) {
		const struct pfcp_pdi *d = &m->pdi[k];
		/* uplink PDI (source interface access), or a Created PDR */
		if (d->has_teid && (!d->has_src_if || d->src_if == 0))
			set_teid(t, i, 0, 0, d->has_pdr_id ? d->pdr_id : -1, 0, d->teid);
		if (d->has_ue4)
			set_ue(t, i, 4, d->ue4);
		if (d->has_ue6)
			set_ue(t, i, 6, d->ue6);
		if (d->dnn[0])
			memcpy(s->dnn, d->dnn, sizeof(s->dnn));
		if (d->has_qfi)
			s->qfi_mask |= 1ULL << d->qfi;
	}
	s->qfi_mask |= m->qer_qfi_mask;
	if (m->imsi[0])
		snprintf(s->subscriber, sizeof(s->subscriber), "%s", m->imsi);
	if (m->msisdn[0])
		snprintf(s->msisdn, sizeof(s->msisdn), "%s", m->msisdn);
	/* the gNB's TEID: a modification moves the session to a new gNB
	 * (handover), the old tunnel is gone */
	if (m->has_dl_teid)
		set_teid(t, i, 1, 0, -1, m->type == PFCP_SESS_MOD_REQ, m->dl_teid);
	/* Remove PDR: its tunnel is gone (a TEID still in use by another
	 * PDR of the session stays) */
	for (unsigned r = 0; r < m->nrm_pdr; r++)
		for (unsigned k = s->nteid; k-- > 0;)
			if (pdr_del(&s->teid[k], m->rm_pdr[r]))
				del_teid(t, i, k);
}

void sess_learn(struct sess_table *t, const struct pfcp_msg *m, uint64_t ts)
{
	uint32_t i;

	t->st.messages++;
	switch (m->type) {
	case PFCP_SESS_EST_REQ:
		/* the SMF's F-SEID names the session until the UPF answers;
		 * SEID 0 names no session (the header's "none") */
		if (!m->has_fseid || !m->fseid)
			return;
		i = map_get(&t->by_cp, m->fseid);
		if (i != EMPTY) {
			ended(t, i, SESS_REPLACED, ts);
			drop(t, i); /* established again: start afresh */
		}
		i = fresh(t, ts);
		if (i == EMPTY)
			return;
		t->s[i].cp_seid = m->fseid;
		t->s[i].cp_ipver = m->fseid_ipver;
		memcpy(t->s[i].cp_ip, m->fseid_ip, 16);
		map_put(&t->by_cp, m->fseid, i);
		break;
	case PFCP_SESS_EST_RESP:
		/* header SEID: the SMF's; F-SEID: the UPF's */
		if (!m->has_seid || (i = map_get(&t->by_cp, m->seid)) == EMPTY || !t->used[i])
			return;
		if (m->has_cause && m->cause != 1) { /* not "Request accepted" */
			drop(t, i);
			t->st.refused++;
			return;
		}
		if (m->has_fseid && m->fseid) {
			set_up_seid(t, i, m->fseid);
			t->s[i].up_ipver = m->fseid_ipver;
			memcpy(t->s[i].up_ip, m->fseid_ip, 16);
		}
		break;
	case PFCP_SESS_MOD_REQ:
	case PFCP_SESS_DEL_REQ:
		/* header SEID: the UPF's */
		if (!m->has_seid || (i = map_get(&t->by_up, m->seid)) == EMPTY)
			return;
		if (m->type == PFCP_SESS_DEL_REQ) {
			if (!t->s[i].deleted) {
				ended(t, i, SESS_DELETED, ts);
				retire(t, i);
				t->st.deleted++;
			}
			return;
		}
		break;
	case PFCP_SESS_MOD_RESP:
		if (!m->has_seid || (i = map_get(&t->by_cp, m->seid)) == EMPTY)
			return;
		break;
	default:
		return;
	}
	if (t->s[i].deleted || !t->used[i]) /* found by SEID for its flows' sake only */
		return;
	t->s[i].last_us = ts;
	apply_pdis(t, i, m);
}

const struct session *sess_by_teid(struct sess_table *t, uint32_t teid)
{
	uint32_t i = map_get(&t->by_teid, teid);

	return i == EMPTY ? NULL : &t->s[i];
}

const struct session *sess_by_ue(struct sess_table *t, int ipver, const uint8_t *addr)
{
	uint32_t i = map_get(&t->by_ue, ue_key(ipver, addr));

	return i == EMPTY ? NULL : &t->s[i];
}

const struct session *sess_by_seid(struct sess_table *t, uint64_t seid)
{
	uint32_t i = map_get(&t->by_up, seid);

	if (i == EMPTY)
		i = map_get(&t->by_cp, seid);
	return i == EMPTY ? NULL : &t->s[i];
}

void sess_get_stats(const struct sess_table *t, struct sess_stats *s)
{
	*s = t->st;
	s->active = t->n;
}

void sess_on_end(struct sess_table *t, sess_end_fn fn, void *ctx)
{
	t->end_fn = fn;
	t->end_ctx = ctx;
}

void sess_report_active(struct sess_table *t, uint64_t ts_us)
{
	for (uint32_t i = 0; i < t->cap; i++)
		if (t->used[i])
			ended(t, i, SESS_ACTIVE, ts_us);
}

uint32_t sess_handle(const struct sess_table *t, const struct session *s, uint32_t *gen)
{
	*gen = s->gen;
	return (uint32_t)(s - t->s);
}

struct session *sess_use(struct sess_table *t, uint32_t handle, uint32_t gen)
{
	if (handle >= t->cap || !t->used[handle])
		return NULL;
	struct session *s = &t->s[handle];
	return s->gen == gen && !s->deleted ? s : NULL;
}

/* The user plane F-TEIDs of a GTPv2-C message's bearers: the eNB's is
 * where downlink goes, the SGW's S1-U (or the PGW's S5/S8) where uplink
 * goes. */
static void apply_bearers(struct sess_table *t, uint32_t i, const struct gtpc_msg *m)
{
	struct session *s = &t->s[i];

	for (unsigned b = 0; b < m->nbearer && b < GTPC_MAX_BEARERS; b++) {
		const struct gtpc_bearer *br = &m->bearer[b];
		uint8_t ebi = br->has_ebi ? br->ebi : 0;
		if (br->instance != 0) { /* to be removed: its tunnels go */
			for (unsigned k = s->nteid; ebi && k-- > 0;)
				if (s->teid[k].ebi == ebi)
					del_teid(t, i, k);
			continue;
		}
		int has_ul = 0;
		for (unsigned k = 0; k < s->nteid; k++)
			has_ul |= !s->teid[k].dl && s->teid[k].ebi == ebi;
		for (unsigned k = 0; k < br->nfteid && k < GTPC_MAX_BEARER_FTEIDS; k++) {
			const struct gtpc_fteid *f = &br->fteid[k];
			if (f->iface == GTPC_IF_S1U_ENB)
				set_teid(t, i, 1, ebi, -1, 0, f->teid);
			else if (f->iface == GTPC_IF_S1U_SGW)
				set_teid(t, i, 0, ebi, -1, 0, f->teid);
			else if (f->iface == GTPC_IF_S5S8U_PGW && !has_ul)
				set_teid(t, i, 0, ebi, -1, 0, f->teid); /* S5 tap: the PGW's */
		}
	}
}

void sess_learn_gtpc(struct sess_table *t, const struct gtpc_msg *m, uint64_t ts)
{
	uint32_t i;
	struct session *s;

	t->st.messages++;
	switch (m->type) {
	case GTPC_CREATE_SESS_REQ:
		/* the MME's S11 F-TEID names the session until the SGW answers */
		if (!m->has_sender)
			return;
		i = map_get(&t->by_cp, GTPC_SEID(m->sender.teid));
		if (i != EMPTY) {
			ended(t, i, SESS_REPLACED, ts);
			drop(t, i);
		}
		if ((i = fresh(t, ts)) == EMPTY)
			return;
		s = &t->s[i];
		s->cp_seid = GTPC_SEID(m->sender.teid);
		if (m->sender.has_ip4) {
			s->cp_ipver = 4;
			memcpy(s->cp_ip, m->sender.ip4, 4);
		}
		snprintf(s->subscriber, sizeof(s->subscriber), "%s", m->imsi);
		snprintf(s->msisdn, sizeof(s->msisdn), "%s", m->msisdn);
		snprintf(s->dnn, sizeof(s->dnn), "%s", m->apn);
		map_put(&t->by_cp, s->cp_seid, i);
		break;
	case GTPC_CREATE_SESS_RESP:
		/* header TEID: the MME's; sender F-TEID: the SGW's S11 */
		if (!m->has_teid || (i = map_get(&t->by_cp, GTPC_SEID(m->teid))) == EMPTY)
			return;
		s = &t->s[i];
		if (m->has_cause && m->cause != 16 && m->cause != 17 && m->cause != 18 &&
		    m->cause != 19) { /* refused: no session */
			drop(t, i);
			return;
		}
		if (m->has_sender)
			set_up_seid(t, i, GTPC_SEID(m->sender.teid));
		if (m->has_ue4)
			set_ue(t, i, 4, m->ue4);
		if (m->has_ue6)
			set_ue(t, i, 6, m->ue6);
		break;
	case GTPC_CREATE_BEARER_REQ:
		/* a dedicated bearer, SGW -> MME (header TEID: the MME's): the
		 * SGW's S1-U TEID of it */
		if (!m->has_teid || (i = map_get(&t->by_cp, GTPC_SEID(m->teid))) == EMPTY)
			return;
		break;
	case GTPC_CREATE_BEARER_RESP:
		/* MME -> SGW: the eNB's S1-U TEID of the dedicated bearer */
	case GTPC_MODIFY_BEARER_REQ:
		/* header TEID: the SGW's S11 */
		if (!m->has_teid || (i = map_get(&t->by_up, GTPC_SEID(m->teid))) == EMPTY)
			return;
		break;
	case GTPC_DELETE_SESS_REQ:
		if (!m->has_teid || (i = map_get(&t->by_up, GTPC_SEID(m->teid))) == EMPTY)
			return;
		if (!t->s[i].deleted) {
			ended(t, i, SESS_DELETED, ts);
			retire(t, i);
			t->st.deleted++;
		}
		return;
	default:
		return;
	}
	if (t->s[i].deleted || !t->used[i])
		return;
	t->s[i].last_us = ts;
	apply_bearers(t, i, m);
}
