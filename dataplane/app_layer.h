/* app_layer: the worker's application-layer parsers, found through one
 * table (app_layer.c), as detectors/detector.c finds detectors.
 *
 * An entry says which packets it reads (L4 protocol, ports, what the
 * worker must run for it to matter) and what it does with them: the wire
 * format is read by proto/, the entry's file (dataplane/app_*.c) turns
 * what it read into records for the detectors, PDU sessions or
 * telemetry. A new protocol: its parser in proto/, its app_*.c, and one
 * line in the table. Entries run in table order, each packet offered to
 * every entry that matches (a packet may feed more than one).
 */
#ifndef VIGIA_APP_LAYER_H
#define VIGIA_APP_LAYER_H

#include <stdint.h>

#include "decode.h"

struct worker;
struct flow;
struct flow_meta;

enum al_need {
	AL_FEED = 1 << 0,     /* only with analytics (its output is records) */
	AL_STATS = 1 << 1,    /* only with a stats interval (telemetry) */
	AL_OUTER = 1 << 2,    /* the outermost packet only, not in a tunnel */
	AL_EMPTY = 1 << 3,    /* also packets without payload */
	AL_SERVER = 1 << 4,   /* ports: the server's only (else either side) */
	AL_CONTROL = 1 << 5,  /* control plane: every worker learns from every
			       * packet (worker_control), flow or none */
};

#define AL_PORTS 6

struct app_layer {
	const char *name;
	uint8_t l4;                    /* 6 TCP, 17 UDP, 0 any */
	uint8_t flags;                 /* enum al_need */
	uint16_t ports[AL_PORTS];      /* 0-terminated; none: any port */
	/* more than ports (NULL: ports say it all) */
	int (*match)(const struct worker *w, const struct flow *f, const struct decoded *d,
		     unsigned dir);
	/* per-worker state (NULL: none): 0 or -1 with errno */
	int (*init)(struct worker *w, void **st);
	void (*fini)(void *st);
	/* a new flow, before any of its packets (NULL: nothing to do) */
	void (*flow_start)(void *st, struct flow *f);
	/* one packet of f (f and m NULL: a control packet of another
	 * worker's flow); dir 0 client to server */
	void (*packet)(struct worker *w, void *st, struct flow *f, struct flow_meta *m,
		       const struct decoded *d, unsigned dir);
	void (*flow_end)(struct worker *w, void *st, struct flow *f);
	/* the stats interval ended: its telemetry into stats events */
	void (*stats)(struct worker *w, void *st);
};

/* One entry as a worker runs it. */
struct al_run {
	const struct app_layer *a;
	void *st;
};

#define AL_MAX 16

extern const struct app_layer *const app_layers[];
extern const unsigned app_layers_n;

/* Does entry a want this packet (L4, payload, tunnel, ports; not its
 * needs, which al_init weighed once)? */
static inline int al_ports_match(const struct app_layer *a, const struct decoded *d,
				 unsigned dir)
{
	if (a->l4 && d->proto != a->l4)
		return 0;
	if (!(a->flags & AL_EMPTY) && !d->payload_len)
		return 0;
	if ((a->flags & AL_OUTER) && d->tun_depth)
		return 0;
	if (!a->ports[0])
		return 1;
	uint16_t sp = dir ? d->sport : d->dport;
	for (unsigned i = 0; i < AL_PORTS && a->ports[i]; i++) {
		if (a->flags & AL_SERVER) {
			if (sp == a->ports[i])
				return 1;
		} else if (d->sport == a->ports[i] || d->dport == a->ports[i]) {
			return 1;
		}
	}
	return 0;
}

/* The entries' ends of the worker (app_layer.c). */
int al_init(struct worker *w, struct al_run *run, unsigned *n, int has_feed, int has_stats);
void al_fini(struct al_run *run, unsigned n);
void al_flow_start(const struct al_run *run, unsigned n, struct flow *f);
void al_flow_end(struct worker *w, const struct al_run *run, unsigned n, struct flow *f);
void al_stats(struct worker *w, const struct al_run *run, unsigned n);
/* A control-plane packet (every worker sees it): the AL_CONTROL entries. */
int al_is_control(const struct decoded *d);
void al_control(struct worker *w, const struct al_run *run, unsigned n,
		const struct decoded *d);

static inline void al_packet(struct worker *w, const struct al_run *run, unsigned n,
			     struct flow *f, struct flow_meta *m, const struct decoded *d,
			     unsigned dir)
{
	for (unsigned i = 0; i < n; i++) {
		const struct app_layer *a = run[i].a;
		if (al_ports_match(a, d, dir) && (!a->match || a->match(w, f, d, dir)))
			a->packet(w, run[i].st, f, m, d, dir);
	}
}

#endif
