/* libFuzzer: the CoAP parser on one UDP datagram's payload, from a buffer
 * of exactly the input's size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/iotproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coap_msg m;
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		abort();
	memcpy(buf, data, size);
	int r = coap_parse(buf, size, &m);
	/* strings terminated in their buffers whatever happened; counts
	 * within what the datagram could hold; no anomaly on success */
	if (!memchr(m.uri_host, 0, sizeof(m.uri_host)) ||
	    !memchr(m.uri_path, 0, sizeof(m.uri_path)) ||
	    !memchr(m.code_str, 0, sizeof(m.code_str)) || m.anomalies >> COAP_A_MAX ||
	    (r == 0 && m.anomalies) || m.noptions > size || m.npath + m.nquery > m.noptions ||
	    m.payload_len > size || m.tkl > 15)
		abort();
	free(buf);
	return 0;
}
