/* app_ics: Modbus/TCP and DNP3 (proto/ics.c) on their servers' ports,
 * for the ICS detectors. */
#include "worker_impl.h"
#include "../proto/ics.h"

#include <stdlib.h>
#include <string.h>

#define ICS_SEEN 65536
#define ICS_EXC 4096

/* (flow, function) pairs already told to the detectors, and exception
 * counts per flow and second (direct-mapped, lossy: a collision only
 * repeats a record) */
struct ics_state {
	uint64_t seen[ICS_SEEN];
	struct ics_exc { uint64_t flow_id, win_us; uint32_t n, sent; } exc[ICS_EXC];
};

static void ics_rec(struct worker *w, struct flow *f, struct flow_meta *m, int proto,
		    unsigned fc, unsigned cls, unsigned unit, uint16_t start, uint16_t qty,
		    int exc, unsigned exc_code, uint32_t count)
{
	struct det_rec *r = wk_flow_rec(w, f, m, DR_ICS, 0);

	if (!r)
		return;
	memset(&r->u.ics, 0, sizeof(r->u.ics));
	r->u.ics.proto = (uint8_t)proto;
	r->u.ics.fc = (uint8_t)fc;
	r->u.ics.cls = (uint8_t)cls;
	r->u.ics.unit = (uint16_t)unit;
	r->u.ics.start = start;
	r->u.ics.qty = qty;
	r->u.ics.exception = (uint8_t)exc;
	r->u.ics.exc_code = (uint8_t)exc_code;
	r->u.ics.count = count;
	det_feed_commit(w->feed, r);
}

/* One request function: told once per flow, a write or control every time
 * it is new on the flow (the detector judges who sent it). */
static void ics_function(struct ics_state *st, struct worker *w, struct flow *f, struct flow_meta *m, int proto,
			 unsigned fc, unsigned cls, unsigned unit, uint16_t start, uint16_t qty)
{
	uint64_t key = f->flow_id << 9 | (uint64_t)proto << 8 | fc;
	uint64_t *slot = &st->seen[(key * 0x9e3779b97f4a7c15ULL) >> 48];

	if (*slot == key)
		return;
	*slot = key;
	ics_rec(w, f, m, proto, fc, cls, unit, start, qty, 0, 0, 0);
}

/* Exception responses: counted per flow and second, reported at 1, 2, 4... */
static void ics_exception(struct ics_state *st, struct worker *w, struct flow *f, struct flow_meta *m, int proto,
			  unsigned fc, unsigned unit, unsigned code)
{
	struct ics_exc *e = &st->exc[(f->flow_id * 0x9e3779b97f4a7c15ULL) >> 52];

	if (e->flow_id != f->flow_id || w->now_us >= e->win_us + 1000000) {
		e->flow_id = f->flow_id;
		e->win_us = w->now_us;
		e->n = e->sent = 0;
	}
	uint32_t n = ++e->n;
	if (n & (n - 1))
		return;
	ics_rec(w, f, m, proto, fc, ICS_RESPONSE, unit, 0, 0, 1, code, n - e->sent);
	e->sent = n;
}

/* Modbus/TCP and DNP3 segments: what the detectors need to police who
 * writes and operates the city's SCADA. */
static void ics_packet(struct worker *w, void *state, struct flow *f, struct flow_meta *m,
		       const struct decoded *d, unsigned dir)
{
	struct ics_state *st = state;
	uint16_t dport = dir ? d->sport : d->dport; /* the server's */

	if (dport == MODBUS_PORT) {
		struct modbus_msg mm[8];
		unsigned n = 0;
		if (modbus_parse(d->payload, d->payload_len, dir == 0, mm, 8, &n) != 0)
			return;
		for (unsigned i = 0; i < n; i++) {
			if (mm[i].is_exception && dir == 1)
				ics_exception(st, w, f, m, DET_ICS_MODBUS, mm[i].fc, mm[i].unit,
					      mm[i].exc_code);
			else if (dir == 0)
				ics_function(st, w, f, m, DET_ICS_MODBUS, mm[i].fc, mm[i].cls,
					     mm[i].unit, mm[i].has_wr ? mm[i].wr.start : 0,
					     mm[i].has_wr ? mm[i].wr.qty : 0);
		}
	} else if (dport == DNP3_PORT) {
		struct dnp3_msg dm[8];
		unsigned n = 0;
		if (dnp3_parse(d->payload, d->payload_len, dm, 8, &n) != 0)
			return;
		for (unsigned i = 0; i < n; i++) {
			if (!dm[i].has_app)
				continue;
			/* DNP3 has no exception; a response's IIN "function code not
			 * supported" / "parameter error" bits play that part */
			uint16_t bad = DNP3_IIN_NO_FUNC_CODE | DNP3_IIN_OBJECT_UNKNOWN |
				       DNP3_IIN_PARAMETER_ERROR;
			if (dir == 1 && dm[i].has_iin && (dm[i].iin & bad))
				ics_exception(st, w, f, m, DET_ICS_DNP3, dm[i].fc, dm[i].dst,
					      dm[i].iin & bad);
			else if (dir == 0 && dm[i].cls != ICS_RESPONSE)
				ics_function(st, w, f, m, DET_ICS_DNP3, dm[i].fc, dm[i].cls, dm[i].dst, 0,
					     0);
		}
	}
}

static int ics_init(struct worker *w, void **st)
{
	(void)w;
	*st = calloc(1, sizeof(struct ics_state));
	return *st ? 0 : -1;
}

static void ics_fini(void *st)
{
	free(st);
}

const struct app_layer al_ics = {
	.name = "ics",
	.l4 = 6,
	.flags = AL_FEED | AL_SERVER,
	.ports = { MODBUS_PORT, DNP3_PORT },
	.init = ics_init,
	.fini = ics_fini,
	.packet = ics_packet,
};
