/* capture_dpdk: the DPDK fast path.
 *
 * One RX queue per EAL lcore (the main lcore included), one worker per
 * queue, a symmetric RSS key so both directions of a flow reach the same
 * queue, bursts of 32, mbufs freed after processing. GTP-U between one gNB
 * and one UPF hashes to a single queue on its outer addresses, so a worker
 * that receives a GTP-U packet whose inner flow belongs to another worker
 * hands the mbuf over through that worker's rte_ring: every worker sees
 * whole inner flows and the load spreads by UE flow.
 */
#ifndef VIGIA_CAPTURE_DPDK_H
#define VIGIA_CAPTURE_DPDK_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "reasm.h"
#include "worker.h"

#define DPDK_MAX_QUEUES 64
#define DPDK_MAX_PORTS 8

struct dpdk_opts {
	int eal_argc;
	char **eal_argv;
	const char *ports[DPDK_MAX_PORTS]; /* device names ("net_pcap0", PCI
				    * address); none: the first port. Every
				    * port gets one RX queue per lcore; each
				    * worker polls its queue on every port */
	int nports;
	unsigned nb_mbufs;         /* 0: 8192 per queue */
	unsigned rx_desc;          /* descriptors per RX queue, 0: 1024 */
	unsigned idle_stop_ms;     /* stop once no packet came for this long
				    * after the first (replay over a vdev);
				    * 0: run until signalled */
	unsigned duration_ms;      /* stop this long after the first packet
				    * (benchmarks over infinite_rx); 0: never */
	volatile sig_atomic_t *stop;
	size_t reasm_mem;          /* outer IPv4 reassembly per queue, bytes;
				    * 0: off */
	uint64_t reasm_timeout_us;
};

struct dpdk_stats {
	uint64_t ipackets, ibytes, imissed, ierrors, rx_nombuf; /* all ports */
	unsigned nq, nports;
	uint64_t q_ipackets[DPDK_MAX_QUEUES];   /* from the NIC, per queue */
	uint64_t worker_pkts[DPDK_MAX_QUEUES];  /* processed, per worker */
	uint64_t handed_over[DPDK_MAX_QUEUES];  /* GTP-U sent to another worker */
	uint64_t ring_full[DPDK_MAX_QUEUES];    /* hand-overs dropped */
	int timestamps;                         /* the PMD gives packet times */
	double active_s;                        /* first to last packet, wall */
	struct reasm_stats reasm;               /* all queues */
	uint64_t reasm_nombuf;                  /* rebuilt frames without an mbuf */
};

struct dpdk_ctx;

/* Initialise the EAL and the port: queues, RSS, mempool (checked against
 * what the queues need). Returns NULL with one line in err. */
struct dpdk_ctx *dpdk_open(const struct dpdk_opts *o, char *err, size_t errlen);
/* Workers needed: one per lcore. */
unsigned dpdk_nb_queues(const struct dpdk_ctx *c);
/* Run the workers on every lcore until stopped (signal or idle stop);
 * returns after the queues and hand-over rings are drained. 0 or -errno. */
int dpdk_run(struct dpdk_ctx *c, struct worker *const *workers);
void dpdk_get_stats(struct dpdk_ctx *c, struct dpdk_stats *s);
/* Stop and close the port, release the EAL. */
void dpdk_close(struct dpdk_ctx *c);

#endif
