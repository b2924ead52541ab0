/* evq: a bounded single-producer/single-consumer queue of event records.
 *
 * The records live in one preallocated array; two rte_rings carry pointers
 * to them (free -> producer, full -> consumer), so nothing is allocated or
 * copied after creation. A worker never blocks on it unless it asked to
 * (replay, where losing an event would be wrong and time is packet time).
 */
#ifndef VIGIA_EVQ_H
#define VIGIA_EVQ_H

#include <stdint.h>

#include "event.h"

struct evq;
struct rte_ring;

/* An SPSC rte_ring in plain memory (no EAL needed): freed with free(). */
struct rte_ring *evq_ring_new(unsigned count, const char *name);
/* A lossless producer found no room: back off (yield, then sleep). */
void evq_wait(unsigned *waits);

/* Create a queue of `slots` records (rounded up to a power of two).
 * `lossless`: evq_reserve() waits for a free record instead of failing.
 * Returns NULL with errno set (ENOMEM, EINVAL). */
struct evq *evq_create(unsigned slots, int lossless);
void evq_destroy(struct evq *q);

/* Producer: a zeroed-header record to fill, or NULL when the queue is full
 * (counted in evq_dropped()). */
struct event *evq_reserve(struct evq *q);
/* The same for events that are not alerts: on a lossy queue (live), they
 * are dropped (counted) once only an eighth of the slots is left, which
 * stays for alerts. */
struct event *evq_reserve_bulk(struct evq *q);
/* Producer: hand the record filled since evq_reserve() to the consumer. */
void evq_commit(struct evq *q, struct event *ev);

/* Consumer: up to `n` committed records, oldest first. */
unsigned evq_poll(struct evq *q, struct event **evs, unsigned n);
/* Consumer: give back records returned by evq_poll(). */
void evq_release(struct evq *q, struct event **evs, unsigned n);

/* Records dropped because the queue was full (producer-side counter). */
uint64_t evq_dropped(const struct evq *q);
/* Nonzero when nothing is waiting for the consumer. */
int evq_empty(const struct evq *q);

#endif
