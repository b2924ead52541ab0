/* gtpu: the GTP-U header (3GPP TS 29.281 §5.1, UDP 2152) and its chain of
 * extension headers (§5.2), with the PDU session container that carries
 * the QFI (TS 38.415 §5.5.2) - what the decoder reads before it opens the
 * tunnel (dataplane/decode.c), in two steps because the decoder judges
 * the header's length against the datagram between them.
 *
 * Reads only within [p, p + len).
 */
#ifndef VIGIA_GTPU_H
#define VIGIA_GTPU_H

#include <stdint.h>

#define GTPU_PORT 2152
#define GTPU_GPDU 0xff          /* message type of a T-PDU (user data) */

enum gtpu_result {
	GTPU_OK = 0,
	GTPU_SHORT,             /* shorter than its mandatory part */
	GTPU_NOT,               /* not version 1 of GTP (GTP' or other) */
	GTPU_BAD_EXT,           /* an extension header runs past the end */
};

struct gtpu_hdr {
	uint8_t msg;            /* message type: GTPU_GPDU, 1 echo request, ... */
	uint8_t flags;          /* E, S, PN (0x04 0x02 0x01) */
	uint32_t teid;
	uint32_t len;           /* bytes the header says the message has */
	uint32_t off;           /* where the T-PDU starts */
	uint16_t seq;           /* with S */
	uint8_t npdu;           /* with PN */
	uint32_t exts;          /* extension headers read whole */
	int qfi, rqi, ppi;      /* PDU session container; -1, 0, -1: none */
};

/* The mandatory 8 bytes: GTPU_SHORT, GTPU_NOT or GTPU_OK (msg, flags,
 * teid, len). */
int gtpu_header(const uint8_t *p, uint32_t len, struct gtpu_hdr *h);

/* The optional part after gtpu_header(), len the bytes of the message:
 * sequence and N-PDU numbers, the extension chain (off past it).
 * GTPU_SHORT: flags say there is an optional part that is missing;
 * GTPU_BAD_EXT: the chain breaks (exts: those read before). */
int gtpu_options(const uint8_t *p, uint32_t len, struct gtpu_hdr *h);

#endif
