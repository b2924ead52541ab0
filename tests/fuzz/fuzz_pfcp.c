/* libFuzzer: the PFCP parser, and the session table learning from what it
 * read, on a buffer of exactly the input's size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../dataplane/pfcp.h"
#include "../../dataplane/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sess_table *t;
	static uint64_t ts;
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
		sess_learn(t, &m, ts += 1000);
		/* a TEID the table finds is one its session holds, with a
		 * direction; no session holds more TEIDs than it may */
		for (unsigned i = 0; i < m.npdi; i++) {
			const struct session *s = sess_by_teid(t, m.pdi[i].teid);
			if (s && (strlen(s->dnn) >= sizeof(s->dnn) || s->nteid > SESS_TEIDS ||
				  sess_teid_dir(s, m.pdi[i].teid) < 0))
				abort();
		}
		if (m.has_dl_teid) {
			const struct session *s = sess_by_teid(t, m.dl_teid);
			if (s && sess_teid_dir(s, m.dl_teid) < 0)
				abort();
		}
	}
	free(buf);
	return 0;
}
