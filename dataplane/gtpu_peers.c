#include "gtpu_peers.h"

#include <string.h>

static uint32_t slot(uint8_t ipver, const uint8_t *addr, uint32_t teid)
{
	uint32_t h = teid * 0x9e3779b1u;
	for (unsigned i = 0; i < (ipver == 6 ? 16u : 4u); i++)
		h = (h ^ addr[i]) * 0x01000193u;
	return (h ^ (h >> 15)) & (GTPU_PEERS - 1);
}

static int same(const struct gtpu_peer *e, uint8_t ipver, const uint8_t *addr, uint32_t teid)
{
	return e->ipver == ipver && e->teid == teid &&
	       memcmp(e->addr, addr, ipver == 6 ? 16 : 4) == 0;
}

#define PROBES 8u

void gtpu_peers_add(struct gtpu_peers *s, uint8_t ipver, const uint8_t *addr, uint32_t teid)
{
	if (ipver != 4 && ipver != 6)
		return;
	uint32_t h = slot(ipver, addr, teid);
	struct gtpu_peer *free_e = NULL;
	for (unsigned i = 0; i < PROBES; i++) {
		struct gtpu_peer *e = &s->e[(h + i) & (GTPU_PEERS - 1)];
		if (same(e, ipver, addr, teid))
			return;
		if (!e->ipver && !free_e)
			free_e = e;
	}
	if (!free_e) {
		free_e = &s->e[h];
		s->replaced++;
	} else {
		s->n++;
	}
	memset(free_e, 0, sizeof(*free_e));
	free_e->ipver = ipver;
	free_e->teid = teid;
	memcpy(free_e->addr, addr, ipver == 6 ? 16 : 4);
	s->learnt++;
}

int gtpu_peers_has(const struct gtpu_peers *s, uint8_t ipver, const uint8_t *addr,
		   uint32_t teid)
{
	if (!s->n)
		return 0;
	uint32_t h = slot(ipver, addr, teid);
	for (unsigned i = 0; i < PROBES; i++)
		if (same(&s->e[(h + i) & (GTPU_PEERS - 1)], ipver, addr, teid))
			return 1;
	return 0;
}

void gtpu_peers_learn_pfcp(struct gtpu_peers *s, const struct pfcp_msg *m)
{
	for (unsigned i = 0; i < m->npdi && i < PFCP_MAX_PDI; i++)
		if (m->pdi[i].has_teid && m->pdi[i].teid_ipver)
			gtpu_peers_add(s, m->pdi[i].teid_ipver, m->pdi[i].teid_ip, m->pdi[i].teid);
	if (m->has_dl_teid && m->dl_ipver)
		gtpu_peers_add(s, m->dl_ipver, m->dl_ipver == 4 ? m->dl_ip4 : m->dl_ip6, m->dl_teid);
}

void gtpu_peers_learn_gtpc(struct gtpu_peers *s, const struct gtpc_msg *m)
{
	for (unsigned b = 0; b < m->nbearer && b < GTPC_MAX_BEARERS; b++) {
		const struct gtpc_bearer *br = &m->bearer[b];
		for (unsigned k = 0; k < br->nfteid && k < GTPC_MAX_BEARER_FTEIDS; k++) {
			const struct gtpc_fteid *f = &br->fteid[k];
			if (f->has_ip4)
				gtpu_peers_add(s, 4, f->ip4, f->teid);
			if (f->has_ip6)
				gtpu_peers_add(s, 6, f->ip6, f->teid);
		}
	}
}

void gtpu_peers_learn(struct gtpu_peers *s, const struct decoded *d)
{
	if (d->proto != 17 || d->tun_depth || !d->payload_len)
		return;
	if (d->sport == PFCP_PORT || d->dport == PFCP_PORT) {
		struct pfcp_msg m;
		if (pfcp_parse(d->payload, d->payload_len, &m) == 0)
			gtpu_peers_learn_pfcp(s, &m);
	} else if (d->sport == GTPC_PORT || d->dport == GTPC_PORT) {
		struct gtpc_msg m;
		size_t off = 0;
		for (int k = 0; k < 2 && off < d->payload_len; k++) {
			if (gtpc_parse(d->payload + off, d->payload_len - off, &m) != 0)
				return;
			gtpu_peers_learn_gtpc(s, &m);
			if (!m.piggybacked)
				return;
			off += m.msg_len;
		}
	}
}
