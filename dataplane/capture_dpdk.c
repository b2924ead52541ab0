#include "capture_dpdk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "decode.h"
#include "flow_table.h"

#define BURST 32
#define HANDOVER_RING 4096
#define CTRL_RING 1024

/* Every mbuf's private area (both pools): the packet as decoded when it
 * was routed, valid until the pool hands the mbuf out again. */
struct mbuf_priv {
	struct pkt_decoded x;
	uint8_t valid;
};
#define MBUF_PRIV_SIZE RTE_ALIGN(sizeof(struct mbuf_priv), RTE_MBUF_PRIV_ALIGN)

/* Symmetric Toeplitz key: the 16-bit pattern repeated makes the hash of
 * (src, dst) equal that of (dst, src) (Woo and Park, 2012). */
static uint8_t sym_rss_key[52];

struct dpdk_ctx {
	struct dpdk_opts o;
	uint16_t ports[DPDK_MAX_PORTS];
	int nports;
	unsigned nq;
	struct rte_mempool *pool;
	struct rte_ring *handover[DPDK_MAX_QUEUES];
	/* control-plane packets (PFCP) another worker received: every worker
	 * learns every PDU session from them */
	struct rte_ring *ctrl[DPDK_MAX_QUEUES];
	uint64_t ctrl_lost[DPDK_MAX_QUEUES];
	struct worker *const *workers;
	int ts_offset;
	uint64_t ts_flag;
	int pcap_pmd;
	uint8_t rr[DPDK_MAX_QUEUES];    /* next port to poll, per queue */
	int eal_up;
	int started;
	uint64_t last_rx_tsc;           /* atomic: any queue got a packet */
	uint64_t first_rx_tsc;          /* atomic */
	int seen_any;                   /* atomic */
	int done;                       /* atomic: all lcores stop */
	int busy;                       /* atomic: workers inside a burst */
	unsigned lcore_queue[RTE_MAX_LCORE];
	uint64_t worker_pkts[DPDK_MAX_QUEUES];
	uint64_t handed_over[DPDK_MAX_QUEUES];
	uint64_t ring_full[DPDK_MAX_QUEUES];
	/* outer IPv4 reassembly, per queue (RSS keeps a datagram's fragments
	 * on one queue: same outer addresses); rebuilt frames get mbufs of
	 * their own pool, large enough for a whole datagram */
	struct reasm *reasm[DPDK_MAX_QUEUES];
	struct rte_mempool *rpool;
	uint64_t reasm_last_ts[DPDK_MAX_QUEUES];
	uint64_t reasm_next[DPDK_MAX_QUEUES];
	uint64_t reasm_nombuf[DPDK_MAX_QUEUES];
};

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

struct dpdk_ctx *dpdk_open(const struct dpdk_opts *o, char *err, size_t errlen)
{
	struct dpdk_ctx *c = calloc(1, sizeof(*c));
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->o = *o;
	c->ts_offset = -1;
	if (!c->o.rx_desc)
		c->o.rx_desc = 1024;
	for (size_t i = 0; i < sizeof(sym_rss_key); i += 2) {
		sym_rss_key[i] = 0x6d;
		sym_rss_key[i + 1] = 0x5a;
	}
	if (rte_eal_init(o->eal_argc, o->eal_argv) < 0) {
		snprintf(err, errlen, "DPDK EAL initialisation failed: %s (check "
			 "the arguments after --)", rte_strerror(rte_errno));
		free(c);
		return NULL;
	}
	c->eal_up = 1;
	c->nq = rte_lcore_count();
	if (c->nq > DPDK_MAX_QUEUES) {
		snprintf(err, errlen, "%u lcores: at most %d workers", c->nq,
			 DPDK_MAX_QUEUES);
		goto fail;
	}
	if (o->nports) {
		for (int i = 0; i < o->nports; i++)
			if (rte_eth_dev_get_port_by_name(o->ports[i], &c->ports[i]) != 0) {
				snprintf(err, errlen, "no DPDK port named '%s' (bind the NIC "
					 "to vfio-pci or give a --vdev)", o->ports[i]);
				goto fail;
			}
		c->nports = o->nports;
	} else {
		uint16_t pid;
		RTE_ETH_FOREACH_DEV(pid) {
			c->ports[0] = pid;
			c->nports = 1;
			break;
		}
		if (!c->nports) {
			snprintf(err, errlen, "no DPDK port available (bind a NIC to "
				 "vfio-pci or give --vdev=net_pcap0,rx_pcap=FILE)");
			goto fail;
		}
	}
	unsigned need = (unsigned)c->nports * c->nq * (c->o.rx_desc + BURST) +
			c->nq * HANDOVER_RING / 4 + 512;
	unsigned nb = o->nb_mbufs ? o->nb_mbufs : 8192 * c->nq * (unsigned)c->nports;
	if (nb < need) {
		snprintf(err, errlen, "mempool of %u mbufs is too small: %d port(s) x "
			 "%u queues x %u descriptors need at least %u", nb, c->nports,
			 c->nq, c->o.rx_desc, need);
		goto fail;
	}
	c->pool = rte_pktmbuf_pool_create("vigia_mbufs", nb, 256, MBUF_PRIV_SIZE,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  rte_eth_dev_socket_id(c->ports[0]));
	if (!c->pool) {
		snprintf(err, errlen, "cannot create a mempool of %u mbufs: %s "
			 "(more hugepages, or a larger -m with --no-huge)", nb,
			 rte_strerror(rte_errno));
		goto fail;
	}
	if (o->reasm_mem) {
		c->rpool = rte_pktmbuf_pool_create("vigia_reasm", 255, 16, MBUF_PRIV_SIZE, UINT16_MAX,
						   rte_eth_dev_socket_id(c->ports[0]));
		struct reasm_cfg rc = { .mem_bytes = o->reasm_mem, .max_datagrams = 4096,
					.timeout_us = o->reasm_timeout_us };
		for (unsigned q = 0; c->rpool && q < c->nq; q++)
			if (!(c->reasm[q] = reasm_create(&rc)))
				break;
		if (!c->rpool || !c->reasm[c->nq - 1]) {
			snprintf(err, errlen, "no memory for IPv4 reassembly (--reasm-mem)");
			goto fail;
		}
	}
	c->pcap_pmd = 1;
	for (int pi = 0; pi < c->nports; pi++) {
		uint16_t port = c->ports[pi];
		if (rte_eth_dev_info_get(port, &info) != 0) {
			snprintf(err, errlen, "port %u: cannot read device info", port);
			goto fail;
		}
		if (c->nq > info.max_rx_queues) {
			snprintf(err, errlen, "port %u (%s) has %u RX queues, %u lcores "
				 "asked for one each", port, info.driver_name,
				 info.max_rx_queues, c->nq);
			goto fail;
		}
		memset(&conf, 0, sizeof(conf));
		if (c->nq > 1 && info.flow_type_rss_offloads) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_key = sym_rss_key;
			conf.rx_adv_conf.rss_conf.rss_key_len =
				info.hash_key_size ? info.hash_key_size : 40;
			conf.rx_adv_conf.rss_conf.rss_hf =
				(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
				info.flow_type_rss_offloads;
		}
		/* Packet time: RX timestamps have no common unit across PMDs (NIC
		 * clock ticks). net_pcap stores the capture's own time in
		 * microseconds, which is what makes a vdev replay match `vigia
		 * replay`; every other device is stamped from the clock. */
		if (strcmp(info.driver_name, "net_pcap") != 0)
			c->pcap_pmd = 0;
		int rc = rte_eth_dev_configure(port, (uint16_t)c->nq, 0, &conf);
		if (rc < 0) {
			snprintf(err, errlen, "port %u: configure %u RX queues: %s",
				 port, c->nq, rte_strerror(-rc));
			goto fail;
		}
		uint16_t nrx = (uint16_t)c->o.rx_desc, ntx = 0;
		rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
		for (unsigned q = 0; q < c->nq; q++) {
			rc = rte_eth_rx_queue_setup(port, (uint16_t)q, nrx,
						    rte_eth_dev_socket_id(port), NULL,
						    c->pool);
			if (rc < 0) {
				snprintf(err, errlen, "port %u: RX queue %u: %s", port,
					 q, rte_strerror(-rc));
				goto fail;
			}
		}
	}
	for (unsigned q = 0; q < c->nq; q++) {
		char name[32];
		snprintf(name, sizeof(name), "vigia_ho%u", q);
		c->handover[q] = rte_ring_create(name, HANDOVER_RING,
						 rte_socket_id(), RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "vigia_ctl%u", q);
		c->ctrl[q] = rte_ring_create(name, CTRL_RING, rte_socket_id(), RING_F_SC_DEQ);
		if (!c->handover[q] || !c->ctrl[q]) {
			snprintf(err, errlen, "hand-over ring %u: %s", q,
				 rte_strerror(rte_errno));
			goto fail;
		}
	}
	/* lcore -> queue: in EAL order, the main lcore too */
	unsigned lc, q = 0;
	RTE_LCORE_FOREACH(lc)
		c->lcore_queue[lc] = q++;
	for (int pi = 0; pi < c->nports; pi++) {
		int rc = rte_eth_dev_start(c->ports[pi]);
		if (rc < 0) {
			snprintf(err, errlen, "port %u: start: %s", c->ports[pi],
				 rte_strerror(-rc));
			goto fail;
		}
		c->started |= 1 << pi;
	}
	if (c->pcap_pmd) {
		int fo = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
		int bo = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
		if (fo >= 0 && bo >= 0) {
			c->ts_offset = fo;
			c->ts_flag = RTE_BIT64(bo);
		}
	}
	for (int pi = 0; pi < c->nports; pi++) {
		rte_eth_promiscuous_enable(c->ports[pi]);
		rte_eth_stats_reset(c->ports[pi]);
	}
	return c;
fail:
	dpdk_close(c);
	return NULL;
}

unsigned dpdk_nb_queues(const struct dpdk_ctx *c)
{
	return c->nq;
}

/* Decode the mbuf into its private area, once: whichever worker gets it
 * (this one, the owner of a GTP-U packet's inner flow, every worker for
 * control plane) reads it from there. */
static struct mbuf_priv *decode_mbuf(struct rte_mbuf *m, const struct gtpu_peers *peers)
{
	struct mbuf_priv *pv = rte_mbuf_to_priv(m);
	struct pkt pk = { .data = rte_pktmbuf_mtod(m, const uint8_t *), .caplen = m->data_len,
			  .wirelen = m->pkt_len, .link = DEC_LINK_ETH };

	worker_decode(&pk, &pv->x, peers);
	pv->valid = 1;
	return pv;
}

/* Which worker owns a GTP-U packet's inner flow; -1 for anything else
 * (RSS already placed it right). */
static int gtp_owner(struct rte_mbuf *m, unsigned nq, int *ctrl, const struct gtpu_peers *peers)
{
	const struct mbuf_priv *pv = decode_mbuf(m, peers);

	*ctrl = 0;
	if (pv->x.r != DEC_OK)
		return -1;
	*ctrl = worker_is_control(&pv->x.d);
	if (pv->x.d.tun_type != DEC_TUN_GTPU || !pkt_has_flow(&pv->x))
		return -1;
	return (int)(pv->x.owner_hash % nq);
}

/* The packet's time in microseconds. net_pcap computes it from libpcap's
 * seconds, which come negative after 2038 (pcap stores them unsigned, in
 * 32 bits): bring those back. */
static inline uint64_t dyn_ts(const struct dpdk_ctx *c, struct rte_mbuf *m)
{
	uint64_t ts = *RTE_MBUF_DYNFIELD(m, c->ts_offset, rte_mbuf_timestamp_t *);
	return (int64_t)ts < 0 ? ts + 4294967296ULL * 1000000 : ts;
}

static void process_mbufs(struct dpdk_ctx *c, unsigned q, struct rte_mbuf **ms,
			  unsigned n, uint64_t now_us)
{
	struct pkt pk[BURST];
	const struct pkt_decoded *pre[BURST];

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = ms[i];
		struct mbuf_priv *pv = rte_mbuf_to_priv(m);
		pre[i] = &(pv->valid ? pv : decode_mbuf(m, worker_gtpu_peers(c->workers[q])))->x;
		pk[i].data = rte_pktmbuf_mtod(m, const uint8_t *);
		pk[i].caplen = m->data_len;   /* first segment: headers live there */
		pk[i].wirelen = m->pkt_len;
		pk[i].link = DEC_LINK_ETH;
		pk[i].ts_us = c->ts_offset >= 0 && (m->ol_flags & c->ts_flag) ? dyn_ts(c, m)
										  : now_us;
	}
	worker_process_decoded(c->workers[q], pk, pre, n);
	c->worker_pkts[q] += n;
	rte_pktmbuf_free_bulk(ms, n);
}

static void mbuf_pkt(struct dpdk_ctx *c, struct rte_mbuf *m, struct pkt *pk, uint64_t now_us)
{
	pk->data = rte_pktmbuf_mtod(m, const uint8_t *);
	pk->caplen = m->data_len;
	pk->wirelen = m->pkt_len;
	pk->link = DEC_LINK_ETH;
	pk->ts_us = c->ts_offset >= 0 && (m->ol_flags & c->ts_flag) ? dyn_ts(c, m) : now_us;
}

/* A control packet worker q received: a reference to every other worker
 * (they only learn from it; q processes it as usual). */
static void share_control(struct dpdk_ctx *c, unsigned q, struct rte_mbuf *m)
{
	for (unsigned o = 0; o < c->nq; o++) {
		if (o == q)
			continue;
		rte_mbuf_refcnt_update(m, 1);
		if (rte_ring_enqueue(c->ctrl[o], m) != 0) {
			rte_mbuf_refcnt_update(m, -1);
			c->ctrl_lost[q]++;
		}
	}
}

static void take_control(struct dpdk_ctx *c, unsigned q, uint64_t now_us)
{
	struct rte_mbuf *ms[BURST];
	unsigned n = rte_ring_dequeue_burst(c->ctrl[q], (void **)ms, BURST, NULL);

	for (unsigned i = 0; i < n; i++) {
		struct pkt pk;
		const struct mbuf_priv *pv = rte_mbuf_to_priv(ms[i]);
		mbuf_pkt(c, ms[i], &pk, now_us);
		if (pv->valid)
			worker_control_decoded(c->workers[q], &pk, &pv->x);
		else
			worker_control(c->workers[q], &pk);
		rte_pktmbuf_free(ms[i]);
	}
}

/* One received (or rebuilt) mbuf: to the worker that owns its flow, or
 * kept in mine[] for this one (processed when BURST are waiting). */
static void route(struct dpdk_ctx *c, unsigned q, struct rte_mbuf *m, struct rte_mbuf **mine,
		  unsigned *keep, uint64_t now, int local)
{
	int ctl = 0;
	int o = -1;

	if (c->nq > 1 && !local)
		o = gtp_owner(m, c->nq, &ctl, worker_gtpu_peers(c->workers[q]));
	else /* what the pool gave back holds an older packet's decoding */
		((struct mbuf_priv *)rte_mbuf_to_priv(m))->valid = 0;

	if (ctl)
		share_control(c, q, m);
	if (o >= 0 && (unsigned)o != q) {
		int sent = rte_ring_enqueue(c->handover[o], m) == 0;
		/* vdev replay (--idle-stop) is lossless: wait for room,
		 * taking this worker's own hand-overs meanwhile so two
		 * workers handing to each other never wait on each other */
		/* up to a second: a worker descheduled on a busy box catches up;
		 * one that died must not hang this one forever */
		uint64_t t0 = sent || !c->o.idle_stop_ms ? 0 : rte_rdtsc();
		for (; !sent && c->o.idle_stop_ms && rte_rdtsc() - t0 < rte_get_tsc_hz();) {
			struct rte_mbuf *in[BURST];
			unsigned k = rte_ring_dequeue_burst(c->handover[q], (void **)in, BURST,
							    NULL);
			if (k)
				process_mbufs(c, q, in, k, now);
			else
				rte_pause();
			sent = rte_ring_enqueue(c->handover[o], m) == 0;
		}
		if (sent) {
			c->handed_over[q]++;
		} else {
			c->ring_full[q]++;
			rte_pktmbuf_free(m);
		}
		return;
	}
	mine[(*keep)++] = m;
	if (*keep == BURST) {
		process_mbufs(c, q, mine, *keep, now);
		*keep = 0;
	}
}

/* What the reassembly table gives back (rebuilt datagrams, fragments let
 * go unchanged), each copied into an mbuf of its own, then routed. */
static void reasm_route(struct dpdk_ctx *c, unsigned q, struct rte_mbuf **mine, unsigned *keep,
			uint64_t now, int local)
{
	struct reasm_out o;

	while (reasm_next(c->reasm[q], &o)) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(c->rpool);
		char *d = m && o.caplen <= UINT16_MAX ? rte_pktmbuf_append(m, (uint16_t)o.caplen)
						      : NULL;
		if (!d) {
			c->reasm_nombuf[q]++;
			if (m)
				rte_pktmbuf_free(m);
			continue;
		}
		memcpy(d, o.data, o.caplen);
		if (c->ts_offset >= 0) {
			*RTE_MBUF_DYNFIELD(m, c->ts_offset, rte_mbuf_timestamp_t *) = o.ts_us;
			m->ol_flags |= c->ts_flag;
		}
		route(c, q, m, mine, keep, now, local);
	}
}

/* A fragment of an outer IPv4 datagram goes into the table (1: it took
 * it, the mbuf is free); 0: route the mbuf as it is, after what the table
 * gave back. */
static int reasm_take(struct dpdk_ctx *c, unsigned q, struct rte_mbuf *m, struct rte_mbuf **mine,
		      unsigned *keep, uint64_t now)
{
	uint32_t l3;
	struct pkt pk;

	if (!c->reasm[q] || m->nb_segs != 1 ||
	    !decode_outer_ipv4_frag(DEC_LINK_ETH, rte_pktmbuf_mtod(m, const uint8_t *),
				    m->data_len, &l3))
		return 0;
	mbuf_pkt(c, m, &pk, now);
	if (pk.ts_us > c->reasm_last_ts[q])
		c->reasm_last_ts[q] = pk.ts_us;
	int held = reasm_offer(c->reasm[q], pk.data, pk.caplen, pk.wirelen, l3, pk.ts_us);
	reasm_route(c, q, mine, keep, now, 0);
	if (held != REASM_HELD)
		return 0;
	rte_pktmbuf_free(m);
	return 1;
}

static int lcore_main(void *arg)
{
	struct dpdk_ctx *c = arg;
	unsigned q = c->lcore_queue[rte_lcore_id()];
	struct rte_mbuf *rx[BURST], *mine[BURST];
	uint64_t hz = rte_get_tsc_hz();
	uint64_t idle_cycles = (uint64_t)c->o.idle_stop_ms * hz / 1000;
	uint64_t dur_cycles = (uint64_t)c->o.duration_ms * hz / 1000;
	uint64_t last_tick = 0;
	unsigned empty = 0;

	worker_policy_online(c->workers[q]);
	while (!__atomic_load_n(&c->done, __ATOMIC_RELAXED)) {
		if (c->o.stop && *c->o.stop)
			__atomic_store_n(&c->done, 1, __ATOMIC_RELAXED);
		/* this lcore's queue on every port, in turn */
		uint16_t n = rte_eth_rx_burst(c->ports[c->rr[q]], (uint16_t)q, rx, BURST);
		if (++c->rr[q] >= c->nports)
			c->rr[q] = 0;
		unsigned h = rte_ring_dequeue_burst(c->handover[q], (void **)mine,
						    BURST, NULL);
		uint64_t tsc = rte_rdtsc();
		uint64_t now = (n || h) ? wall_us() : 0;
		/* a worker inside a burst may be waiting on a lossless event
		 * queue: the link is not idle then, whatever the clock says */
		if (n || h)
			__atomic_fetch_add(&c->busy, 1, __ATOMIC_ACQ_REL);
		if (h)
			process_mbufs(c, q, mine, h, now);
		if (c->nq > 1 && !rte_ring_empty(c->ctrl[q]))
			take_control(c, q, now ? now : wall_us());
		if (n) {
			empty = 0;
			if (!__atomic_load_n(&c->first_rx_tsc, __ATOMIC_RELAXED)) {
				uint64_t z = 0;
				__atomic_compare_exchange_n(&c->first_rx_tsc, &z, tsc, 0,
							    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
			}
			uint64_t first = __atomic_load_n(&c->first_rx_tsc,
							 __ATOMIC_RELAXED);
			if (dur_cycles && tsc > first && tsc - first > dur_cycles)
				__atomic_store_n(&c->done, 1, __ATOMIC_RELAXED);
			__atomic_store_n(&c->last_rx_tsc, tsc, __ATOMIC_RELAXED);
			__atomic_store_n(&c->seen_any, 1, __ATOMIC_RELAXED);
			unsigned keep = 0;
			for (unsigned i = 0; i < n; i++)
				if (!reasm_take(c, q, rx[i], mine, &keep, now))
					route(c, q, rx[i], mine, &keep, now, 0);
			if (c->reasm[q] && tsc >= c->reasm_next[q]) {
				c->reasm_next[q] = tsc + hz / 10;
				reasm_expire(c->reasm[q], c->reasm_last_ts[q]);
				reasm_route(c, q, mine, &keep, now, 0);
			}
			if (keep)
				process_mbufs(c, q, mine, keep, now);
			__atomic_store_n(&c->last_rx_tsc, rte_rdtsc(), __ATOMIC_RELAXED);
			__atomic_fetch_sub(&c->busy, 1, __ATOMIC_ACQ_REL);
			continue;
		}
		if (h) {
			__atomic_fetch_sub(&c->busy, 1, __ATOMIC_ACQ_REL);
			__atomic_store_n(&c->last_rx_tsc, rte_rdtsc(), __ATOMIC_RELAXED);
			empty = 0;
			continue;
		}
		/* Quiet queue: after a while of empty polls, back off briefly so a
		 * small edge box (or the telemetry thread sharing this core) gets
		 * the CPU; a busy link never gets here. */
		if (++empty > 4096) {
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);
		}
		/* quiet: let the clock move (live) and check for the end */
		if (tsc - last_tick > hz / 10) {
			last_tick = tsc;
			if (c->ts_offset < 0)
				worker_advance(c->workers[q], wall_us());
			if (c->reasm[q] && c->ts_offset < 0) {
				/* live: fragments that never completed go on */
				unsigned keep = 0;
				uint64_t w = wall_us();
				reasm_expire(c->reasm[q], w);
				reasm_route(c, q, mine, &keep, w, 0);
				if (keep)
					process_mbufs(c, q, mine, keep, w);
			}
		}
		/* another core may have stamped last_rx after our tsc: compare
		 * only when it is older, never through an unsigned wrap */
		uint64_t last = __atomic_load_n(&c->last_rx_tsc, __ATOMIC_RELAXED);
		if (idle_cycles && __atomic_load_n(&c->seen_any, __ATOMIC_RELAXED) &&
		    !__atomic_load_n(&c->busy, __ATOMIC_ACQUIRE) &&
		    rte_ring_empty(c->handover[q]) && tsc > last &&
		    tsc - last > idle_cycles)
			__atomic_store_n(&c->done, 1, __ATOMIC_RELAXED);
	}
	if (c->reasm[q]) {
		/* the end: what is still held goes on as it came, to this worker
		 * (the others may have stopped taking hand-overs) */
		unsigned keep = 0;
		uint64_t w = wall_us();
		reasm_flush(c->reasm[q]);
		reasm_route(c, q, mine, &keep, w, 1);
		if (keep)
			process_mbufs(c, q, mine, keep, w);
	}
	worker_policy_offline(c->workers[q]);
	return 0;
}

int dpdk_run(struct dpdk_ctx *c, struct worker *const *workers)
{
	c->workers = workers;
	rte_eal_mp_remote_launch(lcore_main, c, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	/* Hand-overs first (they are older), then what the NIC already put in
	 * the RX rings (bounded: a busy link does not keep us here), each
	 * packet straight to the worker that owns it. */
	struct rte_mbuf *ms[BURST];
	for (unsigned q = 0; q < c->nq; q++) {
		unsigned n;
		while (!rte_ring_empty(c->ctrl[q]))
			take_control(c, q, wall_us());
		while ((n = rte_ring_dequeue_burst(c->handover[q], (void **)ms,
						   BURST, NULL)) > 0)
			process_mbufs(c, q, ms, n, wall_us());
	}
	for (unsigned q = 0; q < c->nq * (unsigned)c->nports; q++) {
		for (unsigned rounds = 0; rounds < 4096; rounds++) {
			uint16_t n = rte_eth_rx_burst(c->ports[q / c->nq],
						      (uint16_t)(q % c->nq), ms, BURST);
			if (!n)
				break;
			for (unsigned i = 0; i < n; i++) {
				int ctl;
				int o = -1;
				if (c->nq > 1)
					o = gtp_owner(ms[i], c->nq, &ctl,
						      worker_gtpu_peers(c->workers[q % c->nq]));
				else
					((struct mbuf_priv *)rte_mbuf_to_priv(ms[i]))->valid = 0;
				struct rte_mbuf *one = ms[i];
				process_mbufs(c, o < 0 ? q % c->nq : (unsigned)o, &one, 1,
					      wall_us());
			}
		}
	}
	for (int pi = 0; pi < c->nports; pi++)
		rte_eth_dev_stop(c->ports[pi]);
	c->started = 0;
	return 0;
}

void dpdk_get_stats(struct dpdk_ctx *c, struct dpdk_stats *s)
{
	struct rte_eth_stats es;

	memset(s, 0, sizeof(*s));
	s->nq = c->nq;
	s->nports = (unsigned)c->nports;
	s->timestamps = c->ts_offset >= 0;
	for (int pi = 0; pi < c->nports; pi++) {
		if (rte_eth_stats_get(c->ports[pi], &es) != 0)
			continue;
		s->ipackets += es.ipackets;
		s->ibytes += es.ibytes;
		s->imissed += es.imissed;
		s->ierrors += es.ierrors;
		s->rx_nombuf += es.rx_nombuf;
		for (unsigned q = 0; q < c->nq && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++)
			s->q_ipackets[q] += es.q_ipackets[q];
	}
	uint64_t f = __atomic_load_n(&c->first_rx_tsc, __ATOMIC_RELAXED);
	uint64_t l = __atomic_load_n(&c->last_rx_tsc, __ATOMIC_RELAXED);
	s->active_s = (f && l > f) ? (double)(l - f) / (double)rte_get_tsc_hz() : 0;
	for (unsigned q = 0; q < c->nq; q++) {
		s->worker_pkts[q] = c->worker_pkts[q];
		s->handed_over[q] = c->handed_over[q];
		s->ring_full[q] = c->ring_full[q];
		s->reasm_nombuf += c->reasm_nombuf[q];
		if (c->reasm[q]) {
			struct reasm_stats rs;
			reasm_get_stats(c->reasm[q], &rs);
			for (unsigned i = 0; i < REASM_S_MAX; i++)
				s->reasm.v[i] += rs.v[i];
		}
	}
}

void dpdk_close(struct dpdk_ctx *c)
{
	if (!c)
		return;
	for (int pi = 0; pi < c->nports; pi++)
		if (c->started & (1 << pi))
			rte_eth_dev_stop(c->ports[pi]);
	if (c->eal_up) {
		for (int pi = 0; pi < c->nports; pi++)
			if (c->pool && rte_eth_dev_is_valid_port(c->ports[pi]))
				rte_eth_dev_close(c->ports[pi]);
		for (unsigned q = 0; q < DPDK_MAX_QUEUES; q++)
			rte_ring_free(c->handover[q]);
		for (unsigned q = 0; q < DPDK_MAX_QUEUES; q++)
			rte_ring_free(c->ctrl[q]);
		rte_mempool_free(c->pool);
		rte_mempool_free(c->rpool);
		for (unsigned q = 0; q < DPDK_MAX_QUEUES; q++)
			reasm_destroy(c->reasm[q]);
		rte_eal_cleanup();
	}
	free(c);
}
