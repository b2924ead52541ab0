/* app_iot: MQTT and CoAP (proto/iotproto.c) on their servers' ports:
 * per-segment telemetry (connects, topics, methods, anomalies) in the
 * stats events. */
#include "worker_impl.h"
#include "../proto/iotproto.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IOT_SLOTS 33       /* segments 0..31, then everything else */

struct iot_state {
	struct iot_bucket { int used, seg; struct ev_iot v; } b[IOT_SLOTS];
};

static struct ev_iot *iot_of(struct iot_state *st, struct worker *w, struct flow *f, struct flow_meta *m)
{
	int seg = w->pol ? wk_flow_segment(w, f, m) : -1;
	struct iot_bucket *b = &st->b[seg >= 0 && seg < IOT_SLOTS - 1 ? seg : IOT_SLOTS - 1];

	if (!b->used) {
		b->used = 1;
		b->seg = seg;
	}
	return &b->v;
}

#define IOT_SAMPLE(arr, str)                                                   \
	do {                                                                   \
		for (int i_ = 0; i_ < EV_IOT_SAMPLES && (str)[0]; i_++) {      \
			if (!(arr)[i_][0]) {                                   \
				size_t l_ = strnlen((str), sizeof((arr)[i_]) - 1); \
				memcpy((arr)[i_], (str), l_);                  \
				(arr)[i_][l_] = 0; /* cut: a sample */         \
				break;                                         \
			}                                                      \
			if (!strncmp((arr)[i_], (str), sizeof((arr)[i_]) - 1)) \
				break;                                         \
		}                                                              \
	} while (0)

static void mqtt_packet(struct iot_state *st, struct worker *w, struct flow *f, struct flow_meta *m,
			const struct decoded *d)
{
	struct mqtt_pkt pk[4];
	unsigned n = 0;

	if (mqtt_parse(d->payload, d->payload_len, pk, 4, &n) != 0)
		return;
	struct ev_iot *v = iot_of(st, w, f, m);
	for (unsigned i = 0; i < n; i++) {
		if (pk[i].anomalies & (1u << MQTT_A_INVALID_QOS))
			v->mqtt_invalid_qos++;
		if (pk[i].anomalies & ~((1u << MQTT_A_INVALID_QOS) | (1u << MQTT_A_TRUNCATED)))
			v->mqtt_anomalies++;
		switch (pk[i].type) {
		case MQTT_CONNECT:
			v->mqtt_connects++;
			if (pk[i].connect.cleartext_credentials)
				v->mqtt_cleartext_credentials++;
			IOT_SAMPLE(v->client_ids, pk[i].connect.client_id);
			break;
		case MQTT_PUBLISH:
			v->mqtt_publishes++;
			IOT_SAMPLE(v->topics, pk[i].publish.topic);
			break;
		case MQTT_SUBSCRIBE:
			v->mqtt_subscribes++;
			for (unsigned k = 0; k < pk[i].sub.nfilter; k++)
				IOT_SAMPLE(v->topics, pk[i].sub.filter[k].topic);
			break;
		default:
			break;
		}
	}
}

static void coap_packet(struct iot_state *st, struct worker *w, struct flow *f, struct flow_meta *m,
			const struct decoded *d)
{
	struct coap_msg c;
	int rc = coap_parse(d->payload, d->payload_len, &c);

	if (rc != 0 && !c.anomalies)
		return; /* not CoAP */
	struct ev_iot *v = iot_of(st, w, f, m);
	if (c.anomalies)
		v->coap_anomalies++;
	if (rc != 0 || !c.is_request)
		return;
	v->coap_requests++;
	switch (c.code_detail) {
	case 1: v->coap_get++; break;
	case 2: v->coap_post++; break;
	case 3: v->coap_put++; break;
	case 4: v->coap_delete++; break;
	default: break;
	}
	IOT_SAMPLE(v->coap_paths, c.uri_path);
}

static void iot_stats(struct worker *w, void *state)
{
	struct iot_state *st = state;

	for (unsigned i = 0; i < IOT_SLOTS; i++) {
		struct iot_bucket *b = &st->b[i];
		if (!b->used)
			continue;
		struct event *ev = wk_new_event(w, EV_IOT, w->now_us);
		if (ev) {
			memset(&ev->flow_id, 0, offsetof(struct event, u) - offsetof(struct event, flow_id));
			const char *n = w->pol && b->seg >= 0 ? policy_segment_name(w->pol, b->seg) : NULL;
			if (n)
				snprintf(ev->segment, sizeof(ev->segment), "%s", n);
			ev->u.iot = b->v;
			ev->u.iot.interval_s = w->cfg.stats_interval_s;
			evq_commit(w->q, ev);
		}
		memset(b, 0, sizeof(*b));
	}
}

static void iot_packet(struct worker *w, void *st, struct flow *f, struct flow_meta *m,
		       const struct decoded *d, unsigned dir)
{
	(void)dir;
	if (d->proto == 6)
		mqtt_packet(st, w, f, m, d);
	else
		coap_packet(st, w, f, m, d);
}

/* MQTT brokers over TCP, CoAP servers over UDP: not the other way round */
static int iot_match(const struct worker *w, const struct flow *f, const struct decoded *d,
		     unsigned dir)
{
	uint16_t sp = dir ? d->sport : d->dport;

	(void)w;
	(void)f;
	return (d->proto == 6 && sp == MQTT_PORT) || (d->proto == 17 && sp == COAP_PORT);
}

static int iot_init(struct worker *w, void **st)
{
	(void)w;
	*st = calloc(1, sizeof(struct iot_state));
	return *st ? 0 : -1;
}

static void iot_fini(void *st)
{
	free(st);
}

const struct app_layer al_iot = {
	.name = "mqtt/coap",
	.flags = AL_STATS | AL_SERVER,
	.ports = { MQTT_PORT, COAP_PORT },
	.match = iot_match,
	.init = iot_init,
	.fini = iot_fini,
	.packet = iot_packet,
	.stats = iot_stats,
};
