/* libFuzzer: the PFCP parser, and the session table learning from what it
 * read, on a buffer of exactly the input's size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/pfcp.h"
#include "../../dataplane/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sess_table *t;
	static uint64_t ts;
#define SEEN 4096
	static uint32_t seen[SEEN];
	static unsigned nseen, runs;
	struct pfcp_msg m;
	uint8_t *buf = malloc(size ? size : 1);

	if (!t)
		t = sess_create(64, 1000000);
	if (!buf || !t)
		abort();
	memcpy(buf, data, size);
	if (pfcp_parse(buf, size, &m) == 0) {
		if (m.npdi > PFCP_MAX_PDI)
			abort();
		for (unsigned i = 0; i < m.npdi; i++)
			if (strlen(m.pdi[i].dnn) >= sizeof(m.pdi[i].dnn))
				abort();
		for (unsigned i = 0; i < m.npdi && nseen < SEEN; i++)
			seen[nseen++] = m.pdi[i].teid;
		if (m.has_dl_teid && nseen < SEEN)
			seen[nseen++] = m.dl_teid;
		sess_learn(t, &m, ts += 1000);
		/* this message's TEIDs each time, every TEID met so far now and
		 * then: one the table finds is held by a live (or deleted)
		 * session, with a direction, within SESS_TEIDS */
		unsigned from = (++runs & 63) ? nseen - (nseen < m.npdi + 1u ? nseen : m.npdi + 1u) : 0;
		for (unsigned q = from; q < nseen; q++) {
			const struct session *s = sess_by_teid(t, seen[q]);
			uint32_t gen, h = s ? sess_handle(t, s, &gen) : 0;
			if (s && (strlen(s->dnn) >= sizeof(s->dnn) || s->nteid > SESS_TEIDS ||
				  sess_teid_dir(s, seen[q]) < 0 ||
				  (!sess_use(t, h, gen) && !s->deleted)))
				abort();
		}
	}
	free(buf);
	return 0;
}
