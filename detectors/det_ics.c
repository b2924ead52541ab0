/* ICS write control for the city's SCADA (Modbus/TCP, DNP3): the segment
 * of the device (the PLC, the outstation) lists in its policy the masters
 * that may write and operate (`ics_masters`); a write or a control from
 * any other host is an alert. Exception responses are counted per device
 * and second (floods: a scan of registers or functions, or a device in
 * distress). In segments with device baselines (`mode:`), the functions
 * each device is sent are learnt, and once enforced a function outside the
 * learnt set is an alert. */
#include "det_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/ics.h"

enum { SID_WRITE = 100901, SID_CONTROL, SID_EXC_FLOOD, SID_NEW_FUNCTION };

static const struct det_param params[] = {
	{ "ics_exceptions_per_s", 20, "responses/s",
	  "Modbus exception (or DNP3 error IIN) responses from one device in a second" },
	{ "ics_window_s", 600, "s", "one alert per source, device and kind per window" },
	{ NULL, 0, NULL, NULL },
};

/* ATT&CK for ICS: T0855 Unauthorized Command Message, T0836 Modify
 * Parameter, T0831 Manipulation of Control, T0814 Denial of Service, T0846
 * Remote System Discovery (function/register scans provoke exceptions). */
static const struct det_sig sigs[] = {
	{ SID_WRITE, "ICS: write from a host that is not a master of the segment",
	  "ics-unauthorized-command", 1, "T0855,T0836" },
	{ SID_CONTROL, "ICS: control or operate from a host that is not a master of the segment",
	  "ics-unauthorized-command", 1, "T0855,T0831" },
	{ SID_EXC_FLOOD, "ICS: exception response flood from a device", "ics-anomaly", 2,
	  "T0814,T0846" },
	{ SID_NEW_FUNCTION, "ICS: function code outside the device's learnt set", "ics-anomaly",
	  2, "T0855" },
	{ 0, NULL, NULL, 0, NULL },
};

extern const struct detector det_ics;

#define DEVICES 4096

struct dkey {
	uint8_t ipver, proto, pad[6];
	uint8_t addr[16];
};

struct dval {
	uint64_t fcs[4];                /* functions learnt: bit per code */
	uint64_t win_us;                /* exceptions in this second */
	uint32_t exc;
	uint64_t quiet_until;
};

static void *ics_create(void)
{
	return dtab_create(DEVICES, sizeof(struct dkey), sizeof(struct dval));
}

static void ics_destroy(void *st)
{
	dtab_destroy(st);
}

static const char *fname(const struct det_rec *r)
{
	return r->u.ics.proto == DET_ICS_MODBUS ? modbus_function_name(r->u.ics.fc)
						: dnp3_function_name(r->u.ics.fc);
}

static void raise_ics(struct det_ctx *c, const struct det_rec *r, unsigned sid, int seg)
{
	struct ev_alert a;
	struct ev_tuple t;
	const char *proto = r->u.ics.proto == DET_ICS_MODBUS ? "Modbus" : "DNP3";

	det_alert_init(&a, &det_ics, detector_sig(&det_ics, sid));
	det_rec_tuple(r, &t);
	switch (sid) {
	case SID_WRITE:
	case SID_CONTROL:
		det_alert_rule(&a, "%s %s (function %u) to unit %u; the segment's ics_masters do "
			       "not list the sender", proto, fname(r), r->u.ics.fc, r->u.ics.unit);
		if (r->u.ics.qty) {
			det_alert_num(&a, "address", r->u.ics.start);
			det_alert_num(&a, "quantity", r->u.ics.qty);
		}
		break;
	case SID_EXC_FLOOD:
		a.partial = EV_ALERT_NO_PORTS;
		det_alert_rule(&a, "%s device answered with %u exceptions within 1 s (last: "
			       "%s, code %u)", proto, r->u.ics.count, fname(r), r->u.ics.exc_code);
		break;
	default:
		det_alert_rule(&a, "%s %s (function %u) was never sent to this device while it "
			       "was learnt", proto, fname(r), r->u.ics.fc);
		break;
	}
	det_alert_num(&a, "function", r->u.ics.fc);
	det_alert_sample(&a, "function_name", fname(r));
	det_raise(c, &a, &t, seg, (uint64_t)det_param(c, &det_ics, seg, "ics_window_s") * 1000000);
}

static void ics_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	if (r->kind != DR_ICS)
		return;
	/* the device is the server: its segment's policy decides */
	int seg = det_segment(c, r->ipver, r->dst);
	const struct policy *pol = det_pol(c);
	struct dkey k;
	int created;

	memset(&k, 0, sizeof(k));
	k.ipver = r->ipver;
	k.proto = r->u.ics.proto;
	memcpy(k.addr, r->dst, 16);
	if (r->u.ics.exception) {
		struct dval *v = dtab_get(st, &k, det_now(c), &created);
		uint64_t now = det_now(c);
		if (created || now >= v->win_us + 1000000) {
			v->win_us = now;
			v->exc = 0;
		}
		v->exc += r->u.ics.count;
		long thr = det_param(c, &det_ics, seg, "ics_exceptions_per_s");
		if (thr > 0 && v->exc >= (uint32_t)thr && now >= v->quiet_until) {
			v->quiet_until = now + 1000000;
			struct det_rec rr = *r;
			rr.u.ics.count = v->exc;
			raise_ics(c, &rr, SID_EXC_FLOOD, seg);
		}
		return;
	}
	if (pol && (r->u.ics.cls == ICS_WRITE || r->u.ics.cls == ICS_CONTROL) &&
	    policy_ics_master(pol, seg, r->ipver, r->src) == 0)
		raise_ics(c, r, r->u.ics.cls == ICS_WRITE ? SID_WRITE : SID_CONTROL, seg);
	int mode = pol ? policy_segment_mode(pol, seg) : POLICY_MODE_NONE;
	uint64_t bit = 1ULL << (r->u.ics.fc & 63);
	unsigned word = r->u.ics.fc >> 6;
	if (mode == POLICY_MODE_LEARN) {
		struct dval *v = dtab_get(st, &k, det_now(c), &created);
		v->fcs[word] |= bit;
	} else if (mode == POLICY_MODE_ENFORCE) {
		struct dval *v = dtab_find(st, &k);
		if (v && (v->fcs[0] | v->fcs[1] | v->fcs[2] | v->fcs[3]) && !(v->fcs[word] & bit))
			raise_ics(c, r, SID_NEW_FUNCTION, seg);
	}
}

/* State lines: KEY "ADDR/PROTO", TEXT "fcs=HEX,HEX,HEX,HEX" (union on merge). */
static void ics_merge(void *st, const char *key, const char *text)
{
	char addr[64];
	unsigned proto;
	unsigned long long f[4];
	struct dkey k;
	int created;
	const char *slash = strrchr(key, '/');

	if (!slash || (size_t)(slash - key) >= sizeof(addr) || sscanf(slash + 1, "%u", &proto) != 1 ||
	    sscanf(text, "fcs=%llx,%llx,%llx,%llx", &f[0], &f[1], &f[2], &f[3]) != 4)
		return;
	memcpy(addr, key, (size_t)(slash - key));
	addr[slash - key] = 0;
	memset(&k, 0, sizeof(k));
	if (det_parse_ip(addr, k.addr, &k.ipver) != 0)
		return;
	k.proto = (uint8_t)proto;
	struct dval *v = dtab_get(st, &k, 0, &created);
	for (int i = 0; i < 4; i++)
		v->fcs[i] |= f[i];
}

static void ics_dump(void *st, void (*emit)(void *ctx, const char *key, const char *text),
		     void *ctx)
{
	struct dtab_iter it;
	const void *kp;
	void *vp;

	dtab_iter_init(st, &it);
	while (dtab_next(&it, &kp, &vp)) {
		const struct dkey *k = kp;
		const struct dval *v = vp;
		char key[64], ip[48], text[96];
		if (!(v->fcs[0] | v->fcs[1] | v->fcs[2] | v->fcs[3]))
			continue;
		det_fmt_ip(ip, sizeof(ip), k->ipver, k->addr);
		snprintf(key, sizeof(key), "%s/%u", ip, k->proto);
		snprintf(text, sizeof(text), "fcs=%llx,%llx,%llx,%llx",
			 (unsigned long long)v->fcs[0], (unsigned long long)v->fcs[1],
			 (unsigned long long)v->fcs[2], (unsigned long long)v->fcs[3]);
		emit(ctx, key, text);
	}
}

const struct detector det_ics = {
	.id = "ics",
	.name = "ICS write control (Modbus/TCP, DNP3)",
	.version = "1.0",
	.description = "Workers parse Modbus/TCP (502) and DNP3 (20000) and tell every "
		       "function a flow uses, once, and the exception responses per second. "
		       "A write (Modbus 5, 6, 15, 16, 21, 22, 23; DNP3 WRITE and the like) or a "
		       "control (Modbus 8, 90; DNP3 SELECT, OPERATE, DIRECT_OPERATE, restarts, "
		       "application start/stop) from a host the device's segment does not "
		       "list in ics_masters is an alert; ics_exceptions_per_s exception "
		       "responses from one device in a second are a flood; in segments with "
		       "device baselines the functions each device is sent are learnt "
		       "(mode: learn) and one outside that set alerts (mode: enforce).",
	.inputs = "Modbus/TCP and DNP3 functions per flow (first use), exception responses, "
		  "the policy's ics_masters and mode",
	.mitre = "T0855,T0836,T0831,T0814,T0846",
	.false_positives = "an engineering workstation missing from ics_masters; a master "
			   "probing a device's supported functions at start-up (exceptions)",
	.where = DET_ANALYTICS,
	.params = params,
	.sigs = sigs,
	.create = ics_create,
	.destroy = ics_destroy,
	.state_evictions = det_dtab_evictions,
	.on_record = ics_record,
	.state_merge = ics_merge,
	.state_dump = ics_dump,
};
