/* eve: event record -> one EVE JSON line (Suricata-compatible field names,
 * vigia's own fields additive). Runs on the telemetry thread only. */
#ifndef VIGIA_EVE_H
#define VIGIA_EVE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Names the encoder needs from the layers above it (decoder anomaly and
 * tunnel names, classifier risk names), so telemetry depends on none. */
struct eve_names {
	const char *(*anomaly)(unsigned kind);
	const char *(*tunnel)(unsigned type);
	const char *(*risk)(unsigned bit);
};

struct eve_encoder;

/* Returns NULL with errno set (ENOMEM, EINVAL for a NULL names table). */
struct eve_encoder *eve_encoder_create(const char *sensor,
				       const struct eve_names *names,
				       uint16_t community_id_seed);
void eve_encoder_destroy(struct eve_encoder *e);

/* Key for pseudonyms of addresses an event marks as personal (a segment
 * with `pseudonymise: true`); without a key they are shown as they are. */
void eve_set_pseudonym_key(struct eve_encoder *e, const uint8_t *key, size_t len);

/* Raw JSON members (starting with ',') appended inside every stats
 * object: the telemetry thread's own counters. NULL clears. */
void eve_set_stats_extra(struct eve_encoder *e, const char *fragment);

/* Encode `ev` as JSON followed by '\n' into buf. Returns the length, or -1
 * when it does not fit in cap (nothing useful written). */
long eve_encode(struct eve_encoder *e, const struct event *ev, char *buf,
		size_t cap);

/* Text form of an address (IPv4 dotted quad, IPv6 per RFC 5952) into o,
 * which must hold 40 bytes. Returns the length. */
size_t eve_format_ip(char *o, int ver, const uint8_t *a);

/* "2026-11-22T10:00:00.123456+0000" for a packet time in microseconds.
 * out must hold 40 bytes. */
void eve_format_ts(char *out, uint64_t ts_us);

#endif
