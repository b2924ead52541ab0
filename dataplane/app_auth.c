/* app_auth: login outcomes of the login services (proto/auth.c) - the
 * replies of FTP, telnet, POP3, IMAP and SMTP, the shape of SSH's
 * authentication - as records for the brute-force detector. HTTP logins
 * are app_http's (libhtp). */
#include "worker_impl.h"
#include "../proto/auth.h"

#include <stdlib.h>
#include <string.h>

#define SSH_SLOTS 8192

/* SSH connections being followed: direct-mapped by flow id (a collision
 * loses one connection's count, never reads another's as its own) */
struct auth_state {
	struct ssh_slot {
		uint64_t flow_id;
		struct auth_ssh s;
	} ssh[SSH_SLOTS];
};

static struct ssh_slot *ssh_slot(struct auth_state *st, const struct flow *f)
{
	return &st->ssh[(f->flow_id * 0x9e3779b97f4a7c15ULL) >> (64 - 13)];
}

static void auth_emit(struct worker *w, struct flow *f, struct flow_meta *m, int service,
		      const struct auth_count *c)
{
	for (int ok = 0; ok < 2; ok++) {
		unsigned n = ok ? c->ok : c->failed;
		if (!n)
			continue;
		struct det_rec *r = wk_flow_rec(w, f, m, DR_AUTH, 0);
		if (!r)
			return;
		memset(&r->u.auth, 0, sizeof(r->u.auth));
		r->u.auth.service = (uint8_t)service;
		r->u.auth.ok = (uint8_t)ok;
		r->u.auth.count = (uint16_t)(n > 65535 ? 65535 : n);
		det_feed_commit(w->feed, r);
	}
}

static int auth_match(const struct worker *w, const struct flow *f, const struct decoded *d,
		      unsigned dir)
{
	(void)w;
	(void)f;
	return auth_service_of_port(dir ? d->sport : d->dport) != AUTH_NONE;
}

static void auth_packet(struct worker *w, void *state, struct flow *f, struct flow_meta *m,
			const struct decoded *d, unsigned dir)
{
	struct auth_state *st = state;
	int service = auth_service_of_port(dir ? d->sport : d->dport);
	struct auth_count c = { 0, 0 };

	if (service == AUTH_SSH) {
		struct ssh_slot *s = ssh_slot(st, f);
		if (s->flow_id != f->flow_id) {
			if (f->pkts[0] + f->pkts[1] > 16)
				return; /* joined late: its key exchange is past */
			memset(s, 0, sizeof(*s));
			s->flow_id = f->flow_id;
		}
		auth_ssh_segment(&s->s, dir, d->payload, d->payload_len, &c);
	} else if (dir == 1) {
		auth_reply(service, d->payload, d->payload_len, &c);
	}
	if (c.failed || c.ok)
		auth_emit(w, f, m, service, &c);
}

static void auth_flow_end(struct worker *w, void *state, struct flow *f)
{
	struct auth_state *st = state;
	struct ssh_slot *s = ssh_slot(st, f);
	if (s->flow_id != f->flow_id || !f->flow_id)
		return;
	struct auth_count c = { 0, 0 };
	auth_ssh_end(&s->s, &c);
	s->flow_id = 0;
	if (c.failed)
		auth_emit(w, f, flow_table_meta(w->ft, f), AUTH_SSH, &c);
}

static int auth_init(struct worker *w, void **st)
{
	(void)w;
	*st = calloc(1, sizeof(struct auth_state));
	return *st ? 0 : -1;
}

static void auth_fini(void *st)
{
	free(st);
}

const struct app_layer al_auth = {
	.name = "auth",
	.l4 = 6,
	.flags = AL_FEED,
	.match = auth_match,
	.init = auth_init,
	.fini = auth_fini,
	.packet = auth_packet,
	.flow_end = auth_flow_end,
};
