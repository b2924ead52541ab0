#include "replay.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "capture_pcap.h"
#include "decode.h"
#include "flow_table.h"
#include "gtpu_peers.h"
#include "pktclock.h"

#define CHUNK_PKTS 2048
#define CHUNK_BYTES (4u << 20)
#define MAX_FRAME 262144u     /* libpcap's largest snap length */
#define BURST 32

struct chunk {
	struct pkt pkts[CHUNK_PKTS];
	uint8_t owner[CHUNK_PKTS];
	uint8_t ctrl[CHUNK_PKTS];    /* control plane: every worker sees it */
	/* what finding the owner decoded (streaming with -w N): the owner
	 * does not decode again; NULL: it does */
	struct pkt_decoded *dec;
	uint32_t n;
	uint32_t used;            /* bytes of buf in use */
	uint8_t *buf;
	uint64_t seq;
	int ready;                /* holds `seq`, fully loaded */
	int eof;                  /* the stream ends after this chunk */
	unsigned refs;            /* workers still to walk it */
	uint64_t file_bytes;      /* input consumed once it was loaded */
};

struct wctx {
	struct replay *r;
	unsigned id;
	uint64_t clk;             /* the stream's clock as this worker walked it */
	pthread_t thr;
	uint64_t pkts, bytes;
	uint64_t checksum;
	double end;
};

struct replay {
	struct replay_cfg cfg;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk *ring;       /* streaming ring, or every chunk (preload) */
	unsigned nring;
	uint64_t next_load;
	int loading;
	/* reader state: touched only by the thread holding `loading` */
	struct cap_pcap *cur;
	int file_idx;
	uint64_t done_bytes;      /* sizes of the files finished */
	uint64_t total_bytes;
	int status;
	char error[512];
	struct chunk *fill;       /* chunk being filled by the callback */
	/* outer IPv4 reassembly (loader side, before dispatch); frames it
	 * gives back that the chunk has no room for wait in the spill */
	struct reasm *reasm;
	uint64_t reasm_next_expire;
	uint8_t *spill;
	size_t spill_cap, spill_used;
	struct pkt *spill_pk;
	unsigned spill_cappk, spill_n, spill_first;
	uint64_t spill_lost;      /* cannot happen: sized for all reasm holds */
	int last_link;
	/* packet time, decided here in stream order so that every worker
	 * sees the same; a jump waiting for confirmation holds its packets */
	struct pktclock clock;
	struct pkt hold_pk[PKTCLOCK_CONFIRM];
	uint8_t *hold_buf;        /* PKTCLOCK_CONFIRM frames */
	unsigned nhold;
	/* F-TEIDs the control plane announced so far (-w N: decoding here) */
	struct gtpu_peers *peers;
	/* preload */
	uint64_t span_us;         /* capture duration, for repetition shifts */
	uint64_t first_ts, last_ts;
	/* progress (atomics) */
	uint64_t pkts_loaded;
	uint64_t bytes_loaded;
	unsigned finished;        /* workers done */
	struct wctx w[REPLAY_MAX_WORKERS];
	double t0, t1, load_s;
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int chunk_init(struct chunk *c, int with_dec)
{
	memset(c, 0, sizeof(*c));
	c->buf = malloc(CHUNK_BYTES);
	if (with_dec)
		c->dec = malloc(CHUNK_PKTS * sizeof(*c->dec));
	return c->buf && (c->dec || !with_dec) ? 0 : -ENOMEM;
}

static void free_ring(struct replay *r)
{
	if (!r->ring)
		return;
	for (unsigned i = 0; i < r->nring; i++) {
		free(r->ring[i].buf);
		free(r->ring[i].dec);
	}
	free(r->ring);
	r->ring = NULL;
}

struct replay *replay_create(const struct replay_cfg *cfg, char *err,
			     size_t errlen)
{
	struct replay *r;

	if (cfg->nworkers == 0 || cfg->nworkers > REPLAY_MAX_WORKERS ||
	    cfg->nfiles < 1) {
		snprintf(err, errlen, "bad replay configuration");
		return NULL;
	}
	/* Fail fast: every file must open as a capture we can decode. */
	uint64_t total = 0;
	for (int i = 0; i < cfg->nfiles; i++) {
		struct cap_pcap *c = cap_pcap_open_file(cfg->files[i], err, errlen);
		if (!c)
			return NULL;
		total += cap_pcap_file_size(c);
		cap_pcap_close(c);
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	r->total_bytes = total;
	r->file_idx = -1;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	/* the spill: room for everything reassembly can give back at once,
	 * and for the packets a confirmed jump releases */
	size_t reasm_mem = 0;
	if (cfg->reasm_mem && cfg->mode == REPLAY_PIPELINE) {
		struct reasm_cfg rc = { .mem_bytes = cfg->reasm_mem, .max_datagrams = 4096,
					.timeout_us = cfg->reasm_timeout_us };
		r->reasm = reasm_create(&rc);
		if (!r->reasm)
			goto nomem;
		reasm_mem = cfg->reasm_mem;
	}
	r->spill_cap = reasm_mem + (2 + PKTCLOCK_CONFIRM) * (size_t)MAX_FRAME;
	r->spill_cappk = (unsigned)(reasm_mem / 256) + 256;
	r->spill = malloc(r->spill_cap);
	r->spill_pk = calloc(r->spill_cappk, sizeof(*r->spill_pk));
	r->hold_buf = malloc(PKTCLOCK_CONFIRM * (size_t)MAX_FRAME);
	r->peers = calloc(1, sizeof(*r->peers));
	if (!r->spill || !r->spill_pk || !r->hold_buf || !r->peers)
		goto nomem;
	if (!cfg->preload_repeat) {
		r->nring = 2 * cfg->nworkers + 2;
		r->ring = calloc(r->nring, sizeof(*r->ring));
		if (!r->ring)
			goto nomem;
		int with_dec = cfg->nworkers > 1 && cfg->mode == REPLAY_PIPELINE;
		for (unsigned i = 0; i < r->nring; i++)
			if (chunk_init(&r->ring[i], with_dec))
				goto nomem;
	}
	return r;
nomem:
	snprintf(err, errlen, "out of memory for replay buffers");
	replay_destroy(r);
	return NULL;
}

/* ---- loading (one thread at a time) ------------------------------------ */

static int chunk_room(const struct chunk *c, uint32_t len)
{
	return c->n < CHUNK_PKTS && c->used + ((len + 63u) & ~63u) <= CHUNK_BYTES;
}

static void chunk_put(struct chunk *c, const struct pkt *p)
{
	uint32_t len = p->caplen;

	if (len > MAX_FRAME) /* cannot happen with libpcap; stay bounded */
		len = MAX_FRAME;
	memcpy(c->buf + c->used, p->data, len);
	struct pkt *q = &c->pkts[c->n];
	*q = *p;
	q->data = c->buf + c->used;
	q->caplen = len;
	c->used += (len + 63u) & ~63u;
	c->n++;
}

/* A frame for the stream, its time decided, after those already waiting. */
static void put(struct replay *r, const struct pkt *p)
{
	struct chunk *c = r->fill;

	if (r->spill_first == r->spill_n && chunk_room(c, p->caplen)) {
		chunk_put(c, p);
		return;
	}
	if (r->spill_n == r->spill_cappk || r->spill_used + p->caplen > r->spill_cap) {
		r->spill_lost++;
		return;
	}
	struct pkt *q = &r->spill_pk[r->spill_n++];
	*q = *p;
	q->data = r->spill + r->spill_used;
	memcpy(r->spill + r->spill_used, p->data, p->caplen);
	r->spill_used += p->caplen;
}

/* The packets a jump held: at their own times (followed), or at the
 * clock (an outlier). */
static void release_held(struct replay *r, int followed)
{
	for (unsigned i = 0; i < r->nhold; i++) {
		struct pkt q = r->hold_pk[i];
		q.ts_us = followed ? pktclock_next(&r->clock, q.ts_us) : r->clock.now;
		put(r, &q);
	}
	r->nhold = 0;
}

static void hold(struct replay *r, const struct pkt *p)
{
	struct pkt *q = &r->hold_pk[r->nhold];
	uint32_t len = p->caplen < MAX_FRAME ? p->caplen : MAX_FRAME;

	*q = *p;
	q->caplen = len;
	q->data = r->hold_buf + (size_t)r->nhold * MAX_FRAME;
	memcpy(r->hold_buf + (size_t)r->nhold * MAX_FRAME, p->data, len);
	r->nhold++;
}

/* A frame for the stream: its time decided first. */
static void emit(struct replay *r, const struct pkt *p)
{
	struct pkt q = *p;

	for (;;) {
		switch (pktclock_offer(&r->clock, &q.ts_us)) {
		case PC_STAMP:
			put(r, &q);
			return;
		case PC_HOLD:
			hold(r, p);
			return;
		case PC_FOLLOWED:
			release_held(r, 1);
			q.ts_us = pktclock_next(&r->clock, p->ts_us);
			put(r, &q);
			return;
		case PC_OUTLIER:
			release_held(r, 0);
			q.ts_us = p->ts_us;
			continue;
		}
	}
}

/* The input ends (a file, the stream): a jump it did not confirm is an
 * outlier. */
static void end_of_input(struct replay *r)
{
	if (r->nhold) {
		pktclock_drop(&r->clock);
		release_held(r, 0);
	}
}

/* Move waiting frames into the chunk while it has room. */
static void unspill(struct replay *r, struct chunk *c)
{
	while (r->spill_first < r->spill_n && chunk_room(c, r->spill_pk[r->spill_first].caplen))
		chunk_put(c, &r->spill_pk[r->spill_first++]);
	if (r->spill_first == r->spill_n) {
		r->spill_first = r->spill_n = 0;
		r->spill_used = 0;
	}
}

static void drain_reasm(struct replay *r, int link)
{
	struct reasm_out o;

	while (reasm_next(r->reasm, &o)) {
		struct pkt q = { .data = o.data, .caplen = o.caplen, .wirelen = o.wirelen,
				 .ts_us = o.ts_us, .link = link };
		emit(r, &q);
	}
}

static void on_packet(void *ctx, const struct pkt *p)
{
	struct replay *r = ctx;
	uint32_t l3;

	r->last_link = p->link;
	if (r->reasm) {
		if (p->ts_us >= r->reasm_next_expire) {
			reasm_expire(r->reasm, p->ts_us);
			r->reasm_next_expire = p->ts_us + 100000;
			drain_reasm(r, p->link);
		}
		if (decode_outer_ipv4_frag(p->link, p->data, p->caplen, &l3)) {
			int held = reasm_offer(r->reasm, p->data, p->caplen, p->wirelen, l3,
					       p->ts_us);
			/* what it gives back first, then the frame it passed */
			drain_reasm(r, p->link);
			if (held == REASM_HELD)
				return;
		}
	}
	emit(r, p);
}

/* The worker that owns a packet: its symmetric flow hash, as RSS would
 * spread it. Packets without a flow go to worker 0. */
static uint8_t owner_of(struct replay *r, const struct pkt *p, uint8_t *ctrl,
		       struct pkt_decoded *x)
{
	worker_decode(p, x, r->peers);
	*ctrl = 0;
	if (!pkt_has_flow(x))
		return 0;
	*ctrl = (uint8_t)worker_is_control(&x->d);
	if (*ctrl)
		gtpu_peers_learn(r->peers, &x->d); /* from the next packet on */
	return (uint8_t)(x->owner_hash % r->cfg.nworkers);
}

/* Fill c with the next packets. Sets c->eof at the end of the input, on
 * error (r->status = 1) or when asked to stop (r->status = 2). */
static void load_chunk(struct replay *r, struct chunk *c)
{
	char err[512];

	c->n = 0;
	c->used = 0;
	c->eof = 0;
	r->fill = c;
	unspill(r, c);
	while (c->n < CHUNK_PKTS && CHUNK_BYTES - c->used >= MAX_FRAME + 64 &&
	       r->spill_first == r->spill_n) {
		if (!r->cur) {
			if (r->cfg.stop && *r->cfg.stop) {
				r->status = 2;
				c->eof = 1;
				break;
			}
			if (r->file_idx + 1 >= r->cfg.nfiles) {
				c->eof = 1;
				break;
			}
			r->cur = cap_pcap_open_file(r->cfg.files[++r->file_idx], err,
						    sizeof(err));
			if (!r->cur) {
				snprintf(r->error, sizeof(r->error), "%s", err);
				r->status = 1;
				c->eof = 1;
				break;
			}
			pktclock_file(&r->clock); /* each file is its own time */
		}
		int got = cap_pcap_dispatch(r->cur, 1, on_packet, r);
		if (got > 0)
			continue;
		if (got < 0) {
			snprintf(r->error, sizeof(r->error), "%s: %s",
				 r->cfg.files[r->file_idx], cap_pcap_error(r->cur));
			r->status = 1;
			c->eof = 1;
		}
		r->done_bytes += cap_pcap_file_size(r->cur);
		cap_pcap_close(r->cur);
		r->cur = NULL;
		if (r->reasm) {
			/* a file's end: what is still held goes on as it came */
			reasm_flush(r->reasm);
			drain_reasm(r, r->last_link);
		}
		end_of_input(r);
		if (c->eof)
			break;
	}
	if (r->cfg.nworkers > 1 && r->cfg.mode == REPLAY_PIPELINE)
		for (uint32_t i = 0; i < c->n; i++) {
			struct pkt_decoded one;
			c->owner[i] = owner_of(r, &c->pkts[i], &c->ctrl[i],
					       c->dec ? &c->dec[i] : &one);
		}
	else {
		memset(c->owner, 0, c->n);
		memset(c->ctrl, 0, c->n);
	}
	c->file_bytes = r->done_bytes + (r->cur ? cap_pcap_file_pos(r->cur) : 0);
	__atomic_store_n(&r->bytes_loaded, c->file_bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->pkts_loaded, c->n, __ATOMIC_RELAXED);
}

/* Claim and load chunk `seq` into its slot; called with mu held, returns
 * with mu held. */
static void load_locked(struct replay *r, uint64_t seq)
{
	struct chunk *c = &r->ring[seq % r->nring];

	r->loading = 1;
	c->ready = 0;
	pthread_mutex_unlock(&r->mu);
	load_chunk(r, c);
	pthread_mutex_lock(&r->mu);
	c->seq = seq;
	c->refs = r->cfg.nworkers;
	c->ready = 1;
	r->next_load = seq + 1;
	r->loading = 0;
	pthread_cond_broadcast(&r->cv);
}

static int slot_free(struct replay *r, uint64_t seq)
{
	struct chunk *c = &r->ring[seq % r->nring];
	return c->refs == 0;
}

static int stream_ended_before(struct replay *r, uint64_t seq)
{
	/* the chunk before seq was the last one */
	if (seq == 0)
		return 0;
	struct chunk *p = &r->ring[(seq - 1) % r->nring];
	return p->ready && p->seq == seq - 1 && p->eof;
}

static struct chunk *acquire(struct replay *r, uint64_t seq)
{
	struct chunk *c = &r->ring[seq % r->nring];

	pthread_mutex_lock(&r->mu);
	for (;;) {
		if (c->ready && c->seq == seq) {
			/* load one ahead while the others work on this one */
			if (!r->loading && r->next_load == seq + 1 && !c->eof &&
			    slot_free(r, seq + 1))
				load_locked(r, seq + 1);
			pthread_mutex_unlock(&r->mu);
			return c;
		}
		if (!r->loading && r->next_load == seq && slot_free(r, seq) &&
		    !stream_ended_before(r, seq)) {
			load_locked(r, seq);
			continue;
		}
		pthread_cond_wait(&r->cv, &r->mu);
	}
}

static void release(struct replay *r, struct chunk *c)
{
	pthread_mutex_lock(&r->mu);
	if (--c->refs == 0)
		pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* ---- workers ------------------------------------------------------------ */

static void flush_burst(struct worker *w, const struct pkt *burst,
			const struct pkt_decoded *const *pre, unsigned nb)
{
	if (pre)
		worker_process_decoded(w, burst, pre, nb);
	else
		worker_process(w, burst, nb);
}

static void walk_chunk(struct wctx *x, const struct chunk *c, uint64_t shift)
{
	struct replay *r = x->r;
	struct worker *w = r->cfg.workers ? r->cfg.workers[x->id] : NULL;
	struct pkt burst[BURST];
	const struct pkt_decoded *pre[BURST];
	unsigned nb = 0;

	if (r->cfg.mode == REPLAY_RAW_READ) {
		uint64_t sum = 0;
		for (uint32_t i = 0; i < c->n; i++) {
			const uint8_t *p = c->pkts[i].data;
			for (uint32_t k = 0; k < c->pkts[i].caplen; k++)
				sum += p[k];
		}
		x->checksum += sum;
		x->pkts += c->n;
		for (uint32_t i = 0; i < c->n; i++)
			x->bytes += c->pkts[i].wirelen;
		return;
	}
	if (r->cfg.mode == REPLAY_DECODE_ONLY) {
		/* what finding each packet's worker costs, and nothing else */
		uint64_t sum = 0;
		for (uint32_t i = 0; i < c->n; i++) {
			struct pkt_decoded d;
			worker_decode(&c->pkts[i], &d, NULL);
			sum += pkt_has_flow(&d) ? d.hash : (uint64_t)d.r;
			x->bytes += c->pkts[i].wirelen;
		}
		x->checksum += sum;
		x->pkts += c->n;
		return;
	}
	/* Others' packets still move this worker's clock: a packet's time is
	 * the latest seen up to it in the whole stream, exactly as a single
	 * worker would see it (the loader decided each one's time). */
	uint64_t clk = x->clk;
	for (uint32_t i = 0; i < c->n; i++) {
		uint64_t ts = c->pkts[i].ts_us + shift;
		if (ts > clk)
			clk = ts;
		if (c->owner[i] != x->id) {
			if (c->ctrl[i]) {
				/* in stream order: this worker's packets before it first */
				if (nb) {
					flush_burst(w, burst, c->dec ? pre : NULL, nb);
					nb = 0;
				}
				struct pkt cp = c->pkts[i];
				cp.ts_us = clk;
				if (c->dec)
					worker_control_decoded(w, &cp, &c->dec[i]);
				else
					worker_control(w, &cp);
			}
			continue;
		}
		burst[nb] = c->pkts[i];
		burst[nb].ts_us = clk;
		if (c->dec)
			pre[nb] = &c->dec[i];
		if (++nb == BURST) {
			flush_burst(w, burst, c->dec ? pre : NULL, nb);
			nb = 0;
		}
		x->pkts++;
		x->bytes += c->pkts[i].wirelen;
	}
	if (nb)
		flush_burst(w, burst, c->dec ? pre : NULL, nb);
	worker_clock(w, clk);
	x->clk = clk;
}

static void *worker_main(void *arg)
{
	struct wctx *x = arg;
	struct replay *r = x->r;
	struct worker *w = r->cfg.workers ? r->cfg.workers[x->id] : NULL;
	char name[16];

	snprintf(name, sizeof(name), "vigia-w%u", x->id);
	pthread_setname_np(pthread_self(), name);
	if (w)
		worker_policy_online(w);

	if (r->cfg.preload_repeat) {
		for (unsigned rep = 0; rep < r->cfg.preload_repeat; rep++) {
			uint64_t shift = rep * (r->span_us + 3700000000ULL);
			for (unsigned i = 0; i < r->nring; i++) {
				if (r->cfg.stop && *r->cfg.stop)
					goto out;
				walk_chunk(x, &r->ring[i], shift);
			}
		}
	} else {
		for (uint64_t seq = 0;; seq++) {
			struct chunk *c = acquire(r, seq);
			walk_chunk(x, c, 0);
			int last = c->eof;
			release(r, c);
			if (last)
				break;
		}
	}
out:
	/* expire what timed out by the final clock, so that which flows end
	 * by timeout and which by shutdown does not depend on scan timing */
	if (w) {
		worker_advance(w, 0);
		worker_policy_offline(w);
	}
	x->end = mono();
	__atomic_fetch_add(&r->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int preload(struct replay *r)
{
	unsigned cap = 16;

	r->ring = calloc(cap, sizeof(*r->ring));
	if (!r->ring)
		return -ENOMEM;
	for (;;) {
		if (r->nring == cap) {
			struct chunk *n = realloc(r->ring, 2 * cap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			memset(n + cap, 0, cap * sizeof(*n));
			r->ring = n;
			cap *= 2;
		}
		struct chunk *c = &r->ring[r->nring];
		/* preloaded buffers shrink (move): each worker decodes its own */
		if (chunk_init(c, 0))
			return -ENOMEM;
		r->nring++;
		load_chunk(r, c);
		/* keep only what is used of the 4 MiB buffer */
		uint8_t *shrunk = realloc(c->buf, c->used ? c->used : 64);
		if (shrunk && shrunk != c->buf) {
			for (uint32_t i = 0; i < c->n; i++)
				c->pkts[i].data = shrunk + (c->pkts[i].data - c->buf);
			c->buf = shrunk;
		}
		for (uint32_t i = 0; i < c->n; i++) {
			uint64_t t = c->pkts[i].ts_us;
			if (!r->first_ts || t < r->first_ts)
				r->first_ts = t;
			if (t > r->last_ts)
				r->last_ts = t;
		}
		if (c->eof)
			break;
	}
	r->span_us = r->last_ts - r->first_ts;
	return 0;
}

int replay_start(struct replay *r)
{
	if (r->cfg.preload_repeat) {
		double t = mono();
		int rc = preload(r);
		if (rc)
			return rc;
		r->t0 = mono();
		r->load_s = r->t0 - t;
	} else {
		r->t0 = mono();
	}
	for (unsigned i = 0; i < r->cfg.nworkers; i++) {
		r->w[i].r = r;
		r->w[i].id = i;
		int rc = pthread_create(&r->w[i].thr, NULL, worker_main, &r->w[i]);
		if (rc)
			return -rc;
	}
	return 0;
}

int replay_done(struct replay *r)
{
	return __atomic_load_n(&r->finished, __ATOMIC_ACQUIRE) == r->cfg.nworkers;
}

void replay_get_progress(struct replay *r, struct replay_progress *p)
{
	p->pkts = __atomic_load_n(&r->pkts_loaded, __ATOMIC_RELAXED);
	p->file_bytes = __atomic_load_n(&r->bytes_loaded, __ATOMIC_RELAXED);
	p->total_bytes = r->total_bytes;
}

void replay_finish(struct replay *r, struct replay_result *res)
{
	memset(res, 0, sizeof(*res));
	for (unsigned i = 0; i < r->cfg.nworkers; i++)
		pthread_join(r->w[i].thr, NULL);
	r->t1 = r->t0;
	for (unsigned i = 0; i < r->cfg.nworkers; i++)
		if (r->w[i].end > r->t1)
			r->t1 = r->w[i].end;
	res->status = r->status;
	snprintf(res->error, sizeof(res->error), "%s", r->error);
	for (unsigned i = 0; i < r->cfg.nworkers; i++) {
		res->worker_pkts[i] = r->w[i].pkts;
		res->pkts += r->w[i].pkts;
		res->bytes += r->w[i].bytes;
		res->checksum += r->w[i].checksum;
	}
	res->run_s = r->t1 - r->t0;
	res->load_s = r->load_s;
	for (unsigned i = 0; i < r->cfg.nworkers; i++) {
	}
	memset(&res->reasm, 0, sizeof(res->reasm));
	if (r->reasm)
		reasm_get_stats(r->reasm, &res->reasm);
	res->reasm_lost = r->spill_lost;
	res->ts_jumps = r->clock.outliers;
	res->ts_followed = r->clock.followed;
	res->ts_backwards = r->clock.backwards;
}

void replay_destroy(struct replay *r)
{
	if (!r)
		return;
	if (r->cur)
		cap_pcap_close(r->cur);
	free_ring(r);
	reasm_destroy(r->reasm);
	free(r->spill);
	free(r->spill_pk);
	free(r->hold_buf);
	free(r->peers);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}
