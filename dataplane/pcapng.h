/* pcapng: the blocks of a pcapng file whose interfaces have different link
 * types, which libpcap refuses to read ("an interface has a type ...
 * different from the type of the first interface"): section headers (either
 * byte order), interface descriptions (link type, timestamp resolution),
 * enhanced, simple and obsolete packet blocks; any other block is skipped
 * by its length. capture_pcap falls back to it only for such files.
 *
 * pcapng_block() reads one block from memory and never outside [b, b+len);
 * pcapng_next() reads the file block by block (at most 16 MiB each).
 */
#ifndef VIGIA_PCAPNG_H
#define VIGIA_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAPNG_MAX_IF 64
#define PCAPNG_MAX_BLOCK (16u << 20)

struct pcapng_state {
	int swap;                        /* section in the other byte order */
	unsigned nif;
	struct {
		uint16_t linktype;
		uint64_t ts_div;         /* ticks per second, 0: 10^6 */
		uint8_t ts_pow2;         /* ts_div is 2^n */
	} ifs[PCAPNG_MAX_IF];
};

struct pcapng_pkt {
	const uint8_t *data;
	uint32_t caplen, wirelen;
	uint64_t ts_us;
	int linktype;                    /* the interface's LINKTYPE_* */
};

/* One whole block at b (len bytes: its total length as the block says).
 * 1: a packet (*out), 0: another block (state updated), -1: malformed
 * (lengths, an unknown interface, a section of unknown byte order). */
int pcapng_block(struct pcapng_state *st, const uint8_t *b, size_t len, struct pcapng_pkt *out);

struct pcapng;

/* NULL and err when the file cannot be read or is not pcapng. */
struct pcapng *pcapng_open(const char *path, char *err, size_t errlen);
/* 1 a packet (valid until the next call), 0 end of file, -1 error (err). */
int pcapng_next(struct pcapng *r, struct pcapng_pkt *out, char *err, size_t errlen);
/* Bytes read so far. */
uint64_t pcapng_pos(const struct pcapng *r);
void pcapng_close(struct pcapng *r);

#endif
