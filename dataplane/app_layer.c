#include "app_layer.h"

#include <errno.h>
#include <stddef.h>

/* The entries, each defined in its app_*.c. */
extern const struct app_layer al_pfcp, al_gtpc, al_gtpu, al_dns, al_http, al_ics, al_auth,
	al_iot;

/* Table order is the order a packet visits them: the control plane (PDU
 * sessions) before whatever its flow's records say about them. */
const struct app_layer *const app_layers[] = {
	&al_pfcp, &al_gtpc, &al_gtpu, &al_dns, &al_http, &al_ics, &al_auth, &al_iot,
};
const unsigned app_layers_n = sizeof(app_layers) / sizeof(app_layers[0]);

_Static_assert(sizeof(app_layers) / sizeof(app_layers[0]) <= AL_MAX, "AL_MAX");

int al_init(struct worker *w, struct al_run *run, unsigned *n, int has_feed, int has_stats)
{
	*n = 0;
	for (unsigned i = 0; i < app_layers_n; i++) {
		const struct app_layer *a = app_layers[i];
		if (((a->flags & AL_FEED) && !has_feed) || ((a->flags & AL_STATS) && !has_stats))
			continue;
		run[*n].a = a;
		run[*n].st = NULL;
		if (a->init && a->init(w, &run[*n].st) != 0) {
			int e = errno;
			al_fini(run, *n);
			*n = 0;
			errno = e;
			return -1;
		}
		(*n)++;
	}
	return 0;
}

void al_fini(struct al_run *run, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (run[i].a->fini)
			run[i].a->fini(run[i].st);
}

void al_flow_start(const struct al_run *run, unsigned n, struct flow *f)
{
	for (unsigned i = 0; i < n; i++)
		if (run[i].a->flow_start)
			run[i].a->flow_start(run[i].st, f);
}

void al_flow_end(struct worker *w, const struct al_run *run, unsigned n, struct flow *f)
{
	for (unsigned i = 0; i < n; i++)
		if (run[i].a->flow_end)
			run[i].a->flow_end(w, run[i].st, f);
}

void al_stats(struct worker *w, const struct al_run *run, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (run[i].a->stats)
			run[i].a->stats(w, run[i].st);
}

/* By L4 and ports alone: an empty datagram goes everywhere too, and moves
 * every worker's clock as the rest do. */
int al_is_control(const struct decoded *d)
{
	for (unsigned i = 0; i < app_layers_n; i++) {
		const struct app_layer *a = app_layers[i];
		if (!(a->flags & AL_CONTROL) || d->proto != a->l4 || d->tun_depth)
			continue;
		for (unsigned k = 0; k < AL_PORTS && a->ports[k]; k++)
			if (d->sport == a->ports[k] || d->dport == a->ports[k])
				return 1;
	}
	return 0;
}

void al_control(struct worker *w, const struct al_run *run, unsigned n,
		const struct decoded *d)
{
	for (unsigned i = 0; i < n; i++) {
		const struct app_layer *a = run[i].a;
		if ((a->flags & AL_CONTROL) && al_ports_match(a, d, 0)) {
			a->packet(w, run[i].st, NULL, NULL, d, 0);
			return; /* one message, one reader */
		}
	}
}
