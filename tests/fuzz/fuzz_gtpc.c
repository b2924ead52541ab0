/* libFuzzer: the GTPv2-C parser, on a buffer of exactly the input's size,
 * and its piggybacked message where the first one says it starts; every
 * message read feeds one session table, whose invariants hold after each. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/gtpc.h"
#include "../../dataplane/session.h"

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

static void learn(const struct gtpc_msg *m)
{
	static struct sess_table *t;
	static uint64_t ts;

	if (!t && !(t = sess_create(16, 1000000)))
		abort();
	static uint32_t seen[4096];
	static unsigned nseen, runs;
	unsigned mine = 0;
	for (unsigned b = 0; b < m->nbearer; b++)
		for (unsigned k = 0; k < m->bearer[b].nfteid && nseen < 4096; k++, mine++)
			seen[nseen++] = m->bearer[b].fteid[k].teid;
	sess_learn_gtpc(t, m, ts += 1000);
	/* this message's TEIDs each time, every one met so far now and then:
	 * one the table finds is held by a live (or deleted) session, with a
	 * direction */
	for (unsigned q = (++runs & 63) ? nseen - mine : 0; q < nseen; q++) {
		const struct session *s = sess_by_teid(t, seen[q]);
		uint32_t gen, h = s ? sess_handle(t, s, &gen) : 0;
		if (s && (s->nteid > SESS_TEIDS || !memchr(s->dnn, 0, sizeof(s->dnn)) ||
			  sess_teid_dir(s, seen[q]) < 0 || (!sess_use(t, h, gen) && !s->deleted)))
			abort();
	}
	struct sess_stats st;
	sess_get_stats(t, &st);
	if (st.active > 16)
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
		learn(&m);
		if (m.piggybacked && m.msg_len < size) {
			size_t o = m.msg_len;
			if (gtpc_parse(buf + o, size - o, &m) == 0)
				check(&m, size - o);
		}
	}
	free(buf);
	return 0;
}
