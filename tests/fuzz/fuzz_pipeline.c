/* libFuzzer: the whole worker pipeline (decode, flow table, nDPI, DNS and
 * HTTP parsing, the analytics thread's detectors, events) on a stream of
 * frames. The input is split into frames at each "VIGIA"
 * marker; every frame goes through one long-lived worker, so flow state and
 * nDPI's dissectors see multi-packet sessions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/worker.h"
#include "../../detectors/analytics.h"
#include "../../telemetry/evq.h"
#include "../../telemetry/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct worker *w;
static struct evq *q, *aq;
static struct analytics *an;

static void drain(void)
{
	struct event *evs[64];
	unsigned n;

	while ((n = evq_poll(q, evs, 64)) > 0)
		evq_release(q, evs, n);
	while ((n = evq_poll(aq, evs, 64)) > 0)
		evq_release(aq, evs, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t ts = 1700000000000000ULL;

	if (!w) {
		struct worker_cfg cfg;
		char err[256];

		memset(&cfg, 0, sizeof(cfg));
		flow_table_default_cfg(&cfg.ft);
		classify_default_cfg(&cfg.cls);
		cfg.ft.max_flows = 4096;
		cfg.cls.max_slots = 1024;
		q = evq_create(1024, 0);
		aq = evq_create(1024, 0);
		/* not lossless: a slow analytics thread drops, never blocks */
		struct analytics_cfg ac = { .workers = 1, .lossless = 0, .q = aq };
		an = analytics_create(&ac);
		if (!an || analytics_start(an))
			abort();
		cfg.q = q;
		cfg.feed = analytics_feed(an, 0);
		w = worker_create(&cfg, err, sizeof(err));
		if (!w)
			abort();
	}
	size_t start = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i == size || (i + 5 <= size && memcmp(data + i, "VIGIA", 5) == 0)) {
			uint32_t len = (uint32_t)(i - start);
			uint8_t *buf = malloc(len ? len : 1);
			if (!buf)
				return 0;
			memcpy(buf, data + start, len);
			struct pkt p = { buf, len, len, ts, DEC_LINK_ETH };
			ts += 1000;
			worker_process(w, &p, 1);
			free(buf);
			drain();
			start = i + 5;
			i += 4;
		}
	}
	return 0;
}
