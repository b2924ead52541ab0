/* libFuzzer: the DNS question parser, on a buffer of exactly the input's
 * size so ASan catches any over-read; the name it returns must be sane. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_msg m;
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (dns_parse(buf, size, &m) == 0) {
		if (m.name_len > DNS_NAME_MAX || strlen(m.name) != m.name_len)
			abort();
	}
	free(buf);
	return 0;
}
