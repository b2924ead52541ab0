/* libFuzzer: pcapng blocks (the multi-link pcapng reader). The input is a
 * sequence of blocks as their length fields cut them; each is parsed from
 * a buffer of exactly its size, the state carried from block to block. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/pcapng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcapng_state st;
	size_t off = 0;

	memset(&st, 0, sizeof(st));
	while (off + 12 <= size) {
		uint32_t l;
		memcpy(&l, data + off + 4, 4);
		if (st.swap)
			l = __builtin_bswap32(l);
		if (l < 12 || l > size - off)
			l = (uint32_t)(size - off);
		uint8_t *b = malloc(l);
		if (!b)
			return 0;
		memcpy(b, data + off, l);
		struct pcapng_pkt p;
		int rc = pcapng_block(&st, b, l, &p);
		if (rc == 1 && (p.data < b || p.data + p.caplen > b + l))
			abort();
		if (st.nif > PCAPNG_MAX_IF)
			abort();
		free(b);
		off += l;
	}
	return 0;
}
