#include "evq.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ring.h>

struct evq {
	struct rte_ring *free_r;
	struct rte_ring *full_r;
	struct event *recs;
	unsigned slots;
	int lossless;
	uint64_t dropped;
};

struct rte_ring *evq_ring_new(unsigned count, const char *name)
{
	ssize_t sz = rte_ring_get_memsize(count);
	struct rte_ring *r;

	if (sz < 0)
		return NULL;
	r = aligned_alloc(RTE_CACHE_LINE_SIZE,
			  ((size_t)sz + RTE_CACHE_LINE_SIZE - 1) &
				  ~(size_t)(RTE_CACHE_LINE_SIZE - 1));
	if (!r)
		return NULL;
	if (rte_ring_init(r, name, count, RING_F_SP_ENQ | RING_F_SC_DEQ)) {
		free(r);
		return NULL;
	}
	return r;
}

struct evq *evq_create(unsigned slots, int lossless)
{
	struct evq *q;
	unsigned n = 2;

	if (slots < 2 || slots > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	while (n < slots)
		n <<= 1;
	q = calloc(1, sizeof(*q));
	if (!q)
		goto err;
	q->slots = n;
	q->lossless = lossless;
	/* A ring of count n holds n - 1 entries: size both one step up. */
	q->free_r = evq_ring_new(n * 2, "evq_free");
	q->full_r = evq_ring_new(n * 2, "evq_full");
	q->recs = calloc(n, sizeof(*q->recs));
	if (!q->free_r || !q->full_r || !q->recs)
		goto err;
	for (unsigned i = 0; i < n; i++) {
		void *p = &q->recs[i];
		rte_ring_enqueue(q->free_r, p);
	}
	return q;
err:
	evq_destroy(q);
	errno = ENOMEM;
	return NULL;
}

void evq_destroy(struct evq *q)
{
	if (!q)
		return;
	free(q->free_r);
	free(q->full_r);
	free(q->recs);
	free(q);
}

void evq_wait(unsigned *waits)
{
	/* yield briefly, then sleep: spinning would take the very core the
	 * consumer (and, on small edge boxes, redis-server) needs to catch up */
	if ((*waits)++ < 8) {
		sched_yield();
	} else {
		struct timespec ts = { 0, *waits < 64 ? 20000 : 200000 };
		nanosleep(&ts, NULL);
	}
}

struct event *evq_reserve_bulk(struct evq *q)
{
	/* a full queue on a live link drops; the last eighth of the slots is
	 * kept for alerts, so a stalled sink loses flow records first */
	if (!q->lossless && rte_ring_count(q->free_r) < q->slots / 8) {
		__atomic_store_n(&q->dropped, q->dropped + 1, __ATOMIC_RELAXED);
		return NULL;
	}
	return evq_reserve(q);
}

struct event *evq_reserve(struct evq *q)
{
	void *p;
	unsigned waits = 0;

	while (rte_ring_dequeue(q->free_r, &p) != 0) {
		if (!q->lossless) {
			__atomic_store_n(&q->dropped, q->dropped + 1,
					 __ATOMIC_RELAXED);
			return NULL;
		}
		evq_wait(&waits); /* replay: wait for the telemetry thread */
	}
	struct event *ev = p;
	memset(ev, 0, sizeof(*ev));
	return ev;
}

void evq_commit(struct evq *q, struct event *ev)
{
	/* Cannot fail: the ring has room for every record. */
	rte_ring_enqueue(q->full_r, ev);
}

unsigned evq_poll(struct evq *q, struct event **evs, unsigned n)
{
	return rte_ring_dequeue_burst(q->full_r, (void **)evs, n, NULL);
}

void evq_release(struct evq *q, struct event **evs, unsigned n)
{
	rte_ring_enqueue_burst(q->free_r, (void *const *)evs, n, NULL);
}

uint64_t evq_dropped(const struct evq *q)
{
	return __atomic_load_n(&q->dropped, __ATOMIC_RELAXED);
}

int evq_empty(const struct evq *q)
{
	return rte_ring_empty(q->full_r);
}
