/* json: append-only JSON text writer into a caller-owned buffer.
 *
 * Strings are escaped per RFC 8259: quote, backslash and control characters
 * escaped, invalid UTF-8 bytes replaced by U+FFFD, so every line we emit is
 * valid JSON whatever bytes a packet carried. When the buffer is too small
 * the writer stops writing and reports overflow; it never writes past cap.
 */
#ifndef VIGIA_JSON_H
#define VIGIA_JSON_H

#include <stddef.h>
#include <stdint.h>

struct jw {
	char *buf;
	size_t len, cap;
	int overflow;
	int need_comma;   /* a value was written in the current object/array */
};

void jw_init(struct jw *w, char *buf, size_t cap);
void jw_obj_open(struct jw *w);            /* { */
void jw_obj_close(struct jw *w);           /* } */
void jw_arr_open(struct jw *w);            /* [ */
void jw_arr_close(struct jw *w);           /* ] */
/* "key": (key is trusted ASCII). Inline: with a literal key the length
 * folds away and the whole key is one bounded copy (it led the telemetry
 * thread's profile as a call doing a byte at a time). */
static inline void jw_key(struct jw *w, const char *key)
{
	size_t n = __builtin_strlen(key);

	if (w->overflow || n + 4 > w->cap - w->len) {
		w->overflow = 1;
		return;
	}
	char *o = w->buf + w->len;
	if (w->need_comma)
		*o++ = ',';
	*o++ = '"';
	__builtin_memcpy(o, key, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	w->len = (size_t)(o - w->buf);
	w->need_comma = 0;
}
void jw_str(struct jw *w, const char *s);    /* escaped string value */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_u64(struct jw *w, uint64_t v);
void jw_i64(struct jw *w, int64_t v);
void jw_bool(struct jw *w, int v);
/* A string value known to need no escaping (formatted numbers, addresses). */
void jw_str_plain(struct jw *w, const char *s, size_t n);
/* Raw, already valid JSON text (no comma handling). */
void jw_raw(struct jw *w, const char *s, size_t n);

/* Convenience: "key":value pairs. */
void jw_kv_str(struct jw *w, const char *key, const char *s);
void jw_kv_u64(struct jw *w, const char *key, uint64_t v);
void jw_kv_bool(struct jw *w, const char *key, int v);
/* Integral values as integers, others with 3 decimals; NaN/inf: null. */
void jw_double(struct jw *w, double v);
void jw_kv_double(struct jw *w, const char *key, double v);

/* Escape `n` bytes of `s` as a JSON string body (no quotes) into out, at
 * most cap bytes including the NUL. Returns the length written, or -1 if
 * it did not fit (out then holds a NUL-terminated prefix). */
long json_escape(char *out, size_t cap, const char *s, size_t n);

#endif
