/* libFuzzer: the GTPv2-C parser, on a buffer of exactly the input's size,
 * and its piggybacked message where the first one says it starts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/gtpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* what the parser promises whatever it was fed */
static void check(const struct gtpc_msg *m, size_t size)
{
	if (!memchr(m->imsi, 0, sizeof(m->imsi)) || !memchr(m->msisdn, 0, sizeof(m->msisdn)) ||
	    !memchr(m->mei, 0, sizeof(m->mei)) || !memchr(m->apn, 0, sizeof(m->apn)))
		abort();
	if (m->nbearer > GTPC_MAX_BEARERS || m->msg_len > size)
		abort();
	for (unsigned i = 0; i < m->nbearer; i++)
		if (m->bearer[i].nfteid > GTPC_MAX_BEARER_FTEIDS)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gtpc_msg m;
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (gtpc_parse(buf, size, &m) == 0) {
		check(&m, size);
		if (m.piggybacked && m.msg_len < size) {
			size_t o = m.msg_len;
			if (gtpc_parse(buf + o, size - o, &m) == 0)
				check(&m, size - o);
		}
	}
	free(buf);
	return 0;
}
