/* libFuzzer: the learnt-state lines (device baselines as devline.h reads
 * and writes them, ICS function sets)
 * as another sensor, or anyone with write access, left them in a shared
 * Redis or the state file: "KEY<TAB>TEXT", the first byte choosing the
 * detector. Merged into a state and dumped, the lines must merge into
 * another state to the same dump (a round trip loses and invents nothing),
 * within the line length the state store writes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../detectors/analytics.h"

extern const struct detector det_baseline, det_ics;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct out {
	char buf[1 << 16];
	size_t n;
	unsigned lines;
};

static void collect(void *ctx, const char *key, const char *text)
{
	struct out *o = ctx;
	int l = snprintf(o->buf + o->n, sizeof(o->buf) - o->n, "%s\t%s\n", key, text);
	if (l < 0 || (size_t)l >= sizeof(o->buf) - o->n)
		abort(); /* a dump larger than anything merged could make */
	o->n += (size_t)l;
	o->lines++;
}

static void merge_lines(const struct detector *d, void *st, char *text)
{
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		d->state_merge(st, line, tab + 1);
	}
}

static struct out a, b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	const struct detector *d = (data[0] & 1) ? &det_ics : &det_baseline;
	char *text = malloc(size);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;

	/* the tables are large (made once per 256 inputs, each detector's):
	 * both states only grow by union, so the round trip still holds */
	static void *st[2][2];
	static unsigned runs;
	int k = d == &det_ics;
	if (runs++ % 256 == 0)
		for (int i = 0; i < 2; i++)
			for (int j = 0; j < 2; j++) {
				if (st[i][j])
					(i ? &det_ics : &det_baseline)->destroy(st[i][j]);
				st[i][j] = NULL;
			}
	for (int j = 0; j < 2; j++)
		if (!st[k][j] && !(st[k][j] = d->create()))
			abort();
	void *s1 = st[k][0], *s2 = st[k][1];
	merge_lines(d, s1, text);
	a.n = a.lines = 0;
	a.buf[0] = 0;
	d->state_dump(s1, collect, &a);
	char *again = malloc(a.n + 1);
	if (!again)
		abort();
	memcpy(again, a.buf, a.n + 1);
	merge_lines(d, s2, again);
	b.n = b.lines = 0;
	b.buf[0] = 0;
	d->state_dump(s2, collect, &b);
	if (a.lines != b.lines || a.n != b.n || memcmp(a.buf, b.buf, a.n)) {
		fprintf(stderr, "state round trip differs:\n%s--- after merging it again:\n%s", a.buf,
			b.buf);
		abort();
	}
	free(again);
	free(text);
	return 0;
}
