/* libFuzzer: the frame decoder. Byte 0 picks the link type, byte 1 says
 * whether the frame was cut by the snap length; the rest is the frame, in
 * a buffer of exactly its size so ASan catches any over-read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/decode.h"

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
	if (decode_packet(&d, link, buf, len, (data[1] & 1) ? len + 100 : len) == DEC_OK) {
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
