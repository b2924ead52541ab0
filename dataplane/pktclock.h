#ifndef VIGIA_PKTCLOCK_H
#define VIGIA_PKTCLOCK_H

/* The packet clock: each packet's time, decided in stream order.
 *
 * Time follows the packets. A step back is processed at the clock (the
 * time does not go back: flows and detector windows need a monotonic
 * clock). A jump forward of more than a day is held until the packets
 * after it confirm it: PKTCLOCK_CONFIRM packets in all agreeing with the
 * new time (merged captures, a sensor whose clock NTP corrected). Those
 * that come back to the old time instead make it an outlier (a packet
 * stamped 2100): it is processed at the clock and counted. The first
 * packet of a new file is its own time whatever the jump. */

#include <stdint.h>

#define PKTCLOCK_JUMP_US (86400ULL * 1000000)
#define PKTCLOCK_CONFIRM 4u
/* before 2000 the clock has not started (a box without a clock begins
 * near 1970, then NTP sets it): every jump is followed */
#define PKTCLOCK_SANE_US (946684800ULL * 1000000)

struct pktclock {
	uint64_t now;           /* the time followed; 0 before the first packet */
	uint64_t cand;          /* a jump's first time, waiting; 0: none */
	unsigned held;          /* packets since cand, cand's own included */
	int fresh;              /* the next packet opens a file */
	uint64_t followed;      /* jumps followed (confirmed, or a file's start) */
	uint64_t outliers;      /* packets processed at the clock, not at their time */
	uint64_t backwards;     /* packets before the clock */
};

enum pktclock_verdict {
	PC_STAMP,       /* *ts is the packet's time */
	PC_HOLD,        /* keep the packet: a jump waits for confirmation */
	PC_FOLLOWED,    /* confirmed: give the held packets, then this one,
			 * pktclock_next() of their own times */
	PC_OUTLIER      /* the held packets take pktclock.now; offer this
			 * packet again */
};

/* One packet's timestamp in, its time out (when PC_STAMP). */
enum pktclock_verdict pktclock_offer(struct pktclock *c, uint64_t *ts);

/* The time of a packet once a jump was decided: its own, or the clock's
 * when it is behind. */
uint64_t pktclock_next(struct pktclock *c, uint64_t ts);

/* The input ends (a file, the stream) with a jump unconfirmed: its held
 * packets are outliers and take pktclock.now. */
void pktclock_drop(struct pktclock *c);

/* A new file starts: its first packet's time is followed. */
void pktclock_file(struct pktclock *c);

/* For capture paths that cannot hold packets (live, DPDK): the time to
 * process a packet at. A jump is followed from its confirming packet on;
 * those before it are processed at the old time. */
uint64_t pktclock_live(struct pktclock *c, uint64_t ts);

#endif
