/* reasm: outer IPv4 fragment reassembly for GTP-U (UDP 2152) datagrams
 * fragmented on N3/N9 links, run before packets are dispatched to the
 * workers, on raw frame bytes (the pcap replay path has no mbufs).
 *
 * One instance per input (the replay loader thread, or one DPDK RX queue);
 * not thread-safe. Every byte is preallocated at create time: held frames
 * live in a slab of fixed-size chunks bounded by cfg.mem_bytes, datagrams in
 * a table of cfg.max_datagrams entries. Nothing is allocated per packet.
 *
 * What comes out:
 *  - a complete GTP-U datagram (source or destination port 2152): ONE frame,
 *    the first fragment's link-layer bytes + its IPv4 header (options kept;
 *    MF and offset cleared, DF kept; total length and header checksum
 *    rewritten) + the reassembled payload. The UDP header is left as sent.
 *    Its time is that of the fragment that completed it; wirelen = caplen;
 *    `reassembled` = 1. Link-layer length fields (PPPoE) are not rewritten.
 *  - every other held fragment is given back unchanged, with its own time
 *    and wirelen, in arrival order within its datagram: a complete datagram
 *    that is not GTP-U, and datagrams released by timeout, eviction, flush
 *    or because one of their fragments was unusable. Non-GTP traffic is only
 *    delayed, never altered, never dropped.
 *
 * Key: (source, destination, IP id, protocol). Only UDP fragments are held.
 * Overlaps: the data that arrived first wins (byte by byte); an overlap whose
 * bytes differ is counted as a conflict and the datagram is still rebuilt
 * with the first data. An exact repeat of a held fragment is a duplicate. All
 * of them are held (so a released datagram gives back exactly what came in).
 *
 * Reads only within [data, data + caplen).
 */
#ifndef VIGIA_REASM_H
#define VIGIA_REASM_H

#include <stddef.h>
#include <stdint.h>

#define REASM_GTPU_PORT 2152
#define REASM_MAX_FRAME 262144u  /* largest frame held (caplen) or built */
#define REASM_MAX_FRAGS 64       /* fragments held per datagram: 45 of
				  * 1480 bytes carry 65535 */
#define REASM_CHUNK 256u         /* slab granule: a held frame takes
				  * ceil((caplen + 32) / 256) chunks; a
				  * 1514-byte fragment 7 (1792 bytes) */

enum { REASM_PASS = 0, REASM_HELD = 1 };

/* Counters (name, printable name, meaning). Events count up; the last four
 * are gauges. They add up:
 *   offered   = held + passed
 *   passed    = not_udp + invalid + truncated + too_many + no_room
 *   held      = released + merged + frames_held
 *   datagrams = reassembled + not_gtpu + timeouts + evicted + flushed
 *               + aborted + datagrams_held
 */
#define REASM_STATS(X)                                                         \
	X(OFFERED, "reasm.offered", "frames offered")                          \
	X(HELD, "reasm.held", "frames held (REASM_HELD)")                      \
	X(PASSED, "reasm.passed", "frames given back at once (REASM_PASS)")   \
	X(NOT_UDP, "reasm.not_udp", "fragments of other protocols, passed")    \
	X(INVALID, "reasm.invalid",                                            \
	  "unusable fragments, passed: bad header, not a fragment, datagram "   \
	  "past 65535 bytes, end disagreeing with the last fragment's")         \
	X(TRUNCATED, "reasm.truncated",                                        \
	  "fragments cut by the snap length, passed")                          \
	X(TOO_MANY, "reasm.too_many_frags",                                    \
	  "fragments past REASM_MAX_FRAGS in one datagram, passed")            \
	X(NO_ROOM, "reasm.no_room",                                            \
	  "fragments passed: over REASM_MAX_FRAME, no room even after "         \
	  "evicting, or the previous eviction not drained yet")                \
	X(OVERLAPS, "reasm.overlaps", "fragments overlapping held data")       \
	X(OVERLAP_CONFLICTS, "reasm.overlap_conflicts",                        \
	  "overlaps with different bytes (first data kept)")                   \
	X(DUPLICATES, "reasm.duplicates", "exact repeats of a held fragment")  \
	X(DATAGRAMS, "reasm.datagrams", "datagrams started")                   \
	X(REASSEMBLED, "reasm.reassembled",                                    \
	  "GTP-U datagrams given as one rebuilt frame")                        \
	X(NOT_GTPU, "reasm.not_gtpu",                                          \
	  "complete datagrams not GTP-U, fragments given back")                \
	X(TIMEOUTS, "reasm.timeouts", "datagrams given back by timeout")       \
	X(EVICTED, "reasm.evicted", "datagrams given back to make room")       \
	X(FLUSHED, "reasm.flushed", "datagrams given back by reasm_flush")     \
	X(ABORTED, "reasm.aborted",                                            \
	  "datagrams given back early: a fragment of theirs was passed")       \
	X(RELEASED, "reasm.released", "held frames given back unchanged")      \
	X(MERGED, "reasm.merged", "held frames merged into rebuilt frames")    \
	X(DATAGRAMS_HELD, "reasm.datagrams_held", "datagrams held now")        \
	X(FRAMES_HELD, "reasm.frames_held", "frames held now")                 \
	X(BYTES_HELD, "reasm.bytes_held",                                      \
	  "slab bytes in use now (whole chunks, frames not yet drained incl.)") \
	X(BYTES_PEAK, "reasm.bytes_peak", "most slab bytes in use at once")

enum reasm_stat {
#define X_(e, n, d) REASM_S_##e,
	REASM_STATS(X_)
#undef X_
	REASM_S_MAX
};

struct reasm_stats {
	uint64_t v[REASM_S_MAX];         /* by enum reasm_stat */
};

struct reasm_cfg {
	size_t mem_bytes;                /* slab for held frames: at least one
					  * chunk; the datagram table (~600 B
					  * each), the chunk links (4 B per
					  * chunk) and two frame buffers
					  * (REASM_MAX_FRAME, and that + 64 KiB)
					  * come on top */
	unsigned max_datagrams;          /* datagrams held at once, >= 1 */
	uint64_t timeout_us;             /* packet time from a datagram's first
					  * fragment; 0: no timeout */
};

/* A frame to process. data stays valid until the next reasm_* call. */
struct reasm_out {
	const uint8_t *data;
	uint32_t caplen, wirelen;
	uint64_t ts_us;
	uint8_t reassembled;             /* 1: rebuilt GTP-U datagram */
};

struct reasm;

/* NULL with errno: EINVAL (cfg NULL, mem_bytes below one chunk or above
 * 2^40, max_datagrams 0 or above 2^24), ENOMEM. */
struct reasm *reasm_create(const struct reasm_cfg *cfg);
void reasm_destroy(struct reasm *r);

/* One frame: link-layer bytes data[0, caplen) with its outer IPv4 header at
 * l3_off (found by the caller, which calls this only for a header with MF
 * set or a nonzero fragment offset), time ts_us, wirelen.
 *
 * REASM_HELD: kept; nothing to process now. REASM_PASS: the caller processes
 * the frame as it is (not a UDP fragment, unusable, cut by the snap length,
 * or no room); the datagram it belonged to, if any, is given back too.
 *
 * After every call (and after reasm_expire / reasm_flush) the caller drains
 * reasm_next() until it returns 0, and only then processes a passed frame:
 * that keeps each datagram's frames in arrival order.
 *
 * The frame's datagram, if older than the timeout at ts_us, is given back
 * (timeout) first and the frame starts a new one. When the slab or the table is full, the oldest
 * other datagrams are given back (evicted) and the frame is held; if it
 * cannot fit even with every other datagram gone, it is passed (no_room),
 * with its own datagram. If the caller did not drain after the previous
 * eviction, the frame is passed (no_room). */
int reasm_offer(struct reasm *r, const uint8_t *data, uint32_t caplen,
		uint32_t wirelen, uint32_t l3_off, uint64_t ts_us);

/* The next frame to process into *out: 1, or 0 when nothing is ready. */
int reasm_next(struct reasm *r, struct reasm_out *out);

/* Packet time now_us: give back the datagrams whose first fragment came
 * more than timeout_us earlier (oldest first; with timestamps going
 * backwards, a datagram waits behind an older one that is not due). */
void reasm_expire(struct reasm *r, uint64_t now_us);

/* End of input: give back everything held. */
void reasm_flush(struct reasm *r);

void reasm_get_stats(const struct reasm *r, struct reasm_stats *s);

/* Printable name of counter i ("reasm.held"); NULL if out of range. */
const char *reasm_stat_name(unsigned i);

#endif
