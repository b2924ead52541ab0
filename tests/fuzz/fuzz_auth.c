/* libFuzzer: the login-reply readers and SSH's shape on one input - its
 * first byte picks the service, the rest is one reply (or, for SSH, a run
 * of segments: direction and size from each pair of bytes) - from a buffer
 * of exactly the input's size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	uint8_t *buf = malloc(size);
	if (!buf)
		abort();
	memcpy(buf, data, size);
	struct auth_count c = { 0, 0 };
	int svc = buf[0] % 8;
	if (svc != AUTH_SSH) {
		auth_reply(svc, buf + 1, (uint32_t)(size - 1), &c);
		/* at most one outcome per line */
		unsigned lines = 1;
		for (size_t i = 1; i < size; i++)
			lines += buf[i] == '\n';
		if (c.failed + c.ok > lines)
			abort();
	} else {
		struct auth_ssh s;
		memset(&s, 0, sizeof(s));
		for (size_t i = 1; i + 1 < size; i += 2) {
			uint32_t len = (uint32_t)(buf[i + 1] % (size - i));
			auth_ssh_segment(&s, buf[i] & 1, buf + i, len, &c);
		}
		auth_ssh_end(&s, &c);
		if (c.ok > 1 || c.failed > 64 || s.phase != 3)
			abort();
	}
	free(buf);
	return 0;
}
