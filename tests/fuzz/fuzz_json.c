/* libFuzzer: JSON string escaping must always produce valid, bounded output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../telemetry/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[512];
	size_t cap = size ? (size_t)data[0] % sizeof(out) + 1 : sizeof(out);
	long n = json_escape(out, cap, (const char *)data, size);

	if (n >= (long)cap || strlen(out) >= cap)
		abort();
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20)  /* raw control characters never pass */
			abort();
	return 0;
}
