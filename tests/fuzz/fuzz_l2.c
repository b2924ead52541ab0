/* libFuzzer: the ARP, DHCP and neighbour discovery parsers on one message,
 * from a buffer of exactly the input's size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/l2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct l2_arp a;
	struct l2_dhcp d;
	struct l2_nd n;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	int ra = l2_arp_parse(buf, (uint32_t)size, &a);
	int rd = l2_dhcp_parse(buf, (uint32_t)size, &d);
	int rn = l2_nd_parse(buf, (uint32_t)size, &n);
	/* fixed parts: nothing accepted shorter than it */
	if ((ra == 0 && size < 28) || (rd == 0 && size < 240) || (rn == 0 && size < 8) ||
	    (rn == 0 && (n.type < ND_RS || n.type > ND_REDIRECT)) ||
	    (rn == 0 && n.prefixes && !n.has_prefix))
		abort();
	free(buf);
	return 0;
}
