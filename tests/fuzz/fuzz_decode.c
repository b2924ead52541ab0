/* libFuzzer: the frame decoder. Byte 0 picks the link type, byte 1 says
 * whether the frame was cut by the snap length (bit 0) and whether a UDP
 * datagram's destination and would-be TEID are an announced F-TEID (bit
 * 1: GTP-U on any port); the rest is the frame, in a buffer of exactly its
 * size so ASan catches any over-read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/decode.h"
#include "../../dataplane/gtpu_peers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[] = { DEC_LINK_ETH, DEC_LINK_RAW, DEC_LINK_SLL,
				     DEC_LINK_SLL2, DEC_LINK_NULL, DEC_LINK_LOOP,
				     DEC_LINK_IPV4, DEC_LINK_IPV6, DEC_LINK_PPP,
				     DEC_LINK_PPP_HDLC, DEC_LINK_C_HDLC, DEC_LINK_IPNET,
				     DEC_LINK_NFLOG };
	struct decoded d;

	if (size < 2 || size > 65537)
		return 0;
	int link = links[data[0] % (sizeof(links) / sizeof(links[0]))];
	uint32_t len = (uint32_t)(size - 2);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 2, len);
	static struct gtpu_peers peers;
	const struct gtpu_peers *pp = NULL;
	uint32_t wire = (data[1] & 1) ? len + 100 : len;
	if ((data[1] & 2) && decode_packet(&d, link, buf, len, wire) == DEC_OK && d.proto == 17 &&
	    d.payload_len >= 8) {
		memset(&peers, 0, sizeof(peers));
		gtpu_peers_add(&peers, d.ipver, d.dst,
			       (uint32_t)d.payload[4] << 24 | (uint32_t)d.payload[5] << 16 |
				       (uint32_t)d.payload[6] << 8 | d.payload[7]);
		pp = &peers;
	}
	if (decode_packet_peers(&d, link, buf, len, wire, pp) == DEC_OK) {
		/* what the decoder hands on must lie inside the frame */
		if (d.l3 < buf || d.l3 + d.l3_len > buf + len)
			abort();
		if (d.payload && (d.payload < buf || d.payload + d.payload_len > buf + len))
			abort();
		if (d.tun_depth && d.inner_off > len)
			abort();
	}
	free(buf);
	return 0;
}
