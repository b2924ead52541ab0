/* libFuzzer: a spool file as a crash, a full disk or anyone with access to
 * the state directory left it: opened (resumed), appended to, replayed.
 * Whatever it opens, replay hands over exactly the records it counted. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../telemetry/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static unsigned count(void *ctx, struct spool_rec *es, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (es[i].json[es[i].len] != 0 || es[i].fam >= 5)
			abort();
	*(uint64_t *)ctx += n;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], err[256];
	static const uint32_t magic = 0x56475350u;
	struct spool sp;
	uint64_t floor = 0, got = 0;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/vigia-fuzz-spool-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	snprintf(path, sizeof(path), "%s/f.spool", dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	/* the first byte: odd, the magic word goes first (the records are what
	 * is fuzzed); even, the input is the whole file */
	if (size && (data[0] & 1))
		fwrite(&magic, sizeof(magic), 1, f);
	if (size)
		fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	if (spool_open(&sp, dir, "f", 1 << 16, 5, 1, &floor, err, sizeof(err)) == 0) {
		uint64_t had = sp.records;
		struct spool_rec e = { .fam = 1, .id_ms = floor, .json = (char *)"{}", .len = 2 };
		spool_append(&sp, &e);
		if (spool_replay(&sp, count, &got) != 0 || got != had + 1 || sp.records)
			abort();
	}
	spool_close(&sp);
	unlink(path);
	return 0;
}
