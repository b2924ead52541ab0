/* libFuzzer: GTP-U (TS 29.281) as the decoder reads it (proto/gtpu.c). The
 * input is the UDP payload of port 2152, framed here in Ethernet/IPv4/UDP
 * with a correct UDP length, so every byte lands in the GTP-U parser
 * (header, sequence/N-PDU, extension header chain, G-PDU and the inner
 * packet, GTP inside GTP). Byte 0 picks the depth followed and whether the
 * frame was cut by the snap length. The frame sits in a buffer of exactly
 * its size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t hdr[42] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,   /* Ethernet */
		0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0,                /* IPv4 */
		10, 201, 0, 1, 10, 201, 0, 2,
		0x08, 0x68, 0x08, 0x68, 0, 0, 0, 0,                     /* UDP 2152 */
	};
	struct decoded d;

	if (size < 1 || size > 65000)
		return 0;
	uint32_t n = (uint32_t)(size - 1), len = 42 + n;
	uint8_t *buf = malloc(len);
	if (!buf)
		return 0;
	memcpy(buf, hdr, 42);
	memcpy(buf + 42, data + 1, n);
	buf[16] = (uint8_t)((len - 14) >> 8);
	buf[17] = (uint8_t)(len - 14);
	buf[38] = (uint8_t)((n + 8) >> 8);
	buf[39] = (uint8_t)(n + 8);
	decode_set_gtp_depth(1u + (data[0] & 3));
	if (decode_packet(&d, DEC_LINK_ETH, buf, len, (data[0] & 4) ? len + 64 : len) == DEC_OK) {
		if (d.l3 < buf || d.l3 + d.l3_len > buf + len)
			abort();
		if (d.payload && (d.payload < buf || d.payload + d.payload_len > buf + len))
			abort();
		if (d.tun_depth && d.inner_off > len)
			abort();
		if (d.has_qfi && d.qfi > 63)
			abort();
		/* a tunnel counted means a GTP-U header was met first */
		if (d.tun_type == DEC_TUN_GTPU && !d.gtp_layers)
			abort();
	}
	free(buf);
	return 0;
}
