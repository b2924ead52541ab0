/* libFuzzer: the GTPv2-C parser, on a buffer of exactly the input's size,
 * and its piggybacked message where the first one says it starts; every
 * message read feeds one session table, whose invariants hold after each. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/gtpc.h"
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
	sess_learn_gtpc(t, m, ts += 1000);
	for (unsigned b = 0; b < m->nbearer; b++)
		for (unsigned k = 0; k < m->bearer[b].nfteid; k++) {
			const struct session *s = sess_by_teid(t, m->bearer[b].fteid[k].teid);
			if (s && (s->nteid > SESS_TEIDS || !memchr(s->dnn, 0, sizeof(s->dnn)) ||
				  sess_teid_dir(s, m->bearer[b].fteid[k].teid) < 0))
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
