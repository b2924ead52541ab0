/* libFuzzer: the MQTT parser on one TCP segment's payload, from a buffer of
 * exactly the input's size, first with room for every packet, then four at
 * a time going on from where the last one ends, as the header tells a
 * caller it may. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/iotproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXP 64

/* what the parser promises whatever it was fed */
static void check(const struct mqtt_pkt *out, unsigned n, unsigned max, size_t size)
{
	if (n > max)
		abort();
	for (unsigned i = 0; i < n; i++) {
		const struct mqtt_pkt *pk = &out[i];
		if (pk->offset >= size || pk->type > 15 || pk->anomalies >> MQTT_A_MAX ||
		    (!pk->truncated && pk->offset + pk->len > size) ||
		    (i + 1 < n && out[i + 1].offset != pk->offset + pk->len))
			abort();
		if ((pk->type == MQTT_CONNECT &&
		     (!memchr(pk->connect.client_id, 0, MQTT_ID_CAP) ||
		      !memchr(pk->connect.proto, 0, MQTT_PROTO_CAP))) ||
		    (pk->type == MQTT_PUBLISH && (!memchr(pk->publish.topic, 0, MQTT_TOPIC_CAP) ||
						  pk->publish.payload_len > pk->remaining)))
			abort();
		if (pk->type == MQTT_SUBSCRIBE || pk->type == MQTT_UNSUBSCRIBE) {
			if (pk->sub.nfilter > MQTT_MAX_FILTERS || pk->sub.nfilter > pk->sub.filters)
				abort();
			for (unsigned f = 0; f < pk->sub.nfilter; f++)
				if (!memchr(pk->sub.filter[f].topic, 0, MQTT_FILTER_CAP))
					abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mqtt_pkt out[MAXP];
	uint8_t *buf = malloc(size ? size : 1);
	unsigned n;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (mqtt_parse(buf, size, out, MAXP, &n) == 0)
		check(out, n, MAXP, size);
	else if (n)
		abort();
	for (size_t o = 0; o < size && mqtt_parse(buf + o, size - o, out, 4, &n) == 0;) {
		check(out, n, 4, size - o);
		if (n < 4 || !out[3].len || out[3].truncated)
			break;
		o += out[3].offset + out[3].len;
	}
	free(buf);
	return 0;
}
