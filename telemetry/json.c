#include "json.h"

#include <stdio.h>

#include <string.h>

void jw_init(struct jw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->len = 0;
	w->cap = cap;
	w->overflow = 0;
	w->need_comma = 0;
}

static inline void put(struct jw *w, const char *s, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void putc_(struct jw *w, char c)
{
	if (w->overflow || w->len >= w->cap) {
		w->overflow = 1;
		return;
	}
	w->buf[w->len++] = c;
}

static void sep(struct jw *w)
{
	if (w->need_comma)
		putc_(w, ',');
	w->need_comma = 1;
}

void jw_raw(struct jw *w, const char *s, size_t n)
{
	put(w, s, n);
}

void jw_obj_open(struct jw *w)
{
	sep(w);
	putc_(w, '{');
	w->need_comma = 0;
}

void jw_obj_close(struct jw *w)
{
	putc_(w, '}');
	w->need_comma = 1;
}

void jw_arr_open(struct jw *w)
{
	sep(w);
	putc_(w, '[');
	w->need_comma = 0;
}

void jw_arr_close(struct jw *w)
{
	putc_(w, ']');
	w->need_comma = 1;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid.
 * Rejects overlongs, surrogates and code points above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;
		if (c == 0xed && s[1] >= 0xa0)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

static void esc_body(struct jw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned c = s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		put(w, (const char *)s + i - run, run);
		run = 0;
		if (c >= 0x80) {
			size_t l = utf8_len(s + i, n - i);
			if (l) {
				put(w, (const char *)s + i, l);
				i += l;
			} else {
				put(w, "\\ufffd", 6);
				i++;
			}
			continue;
		}
		char e[6] = { '\\', 0 };
		switch (c) {
		case '"': e[1] = '"'; put(w, e, 2); break;
		case '\\': e[1] = '\\'; put(w, e, 2); break;
		case '\n': e[1] = 'n'; put(w, e, 2); break;
		case '\r': e[1] = 'r'; put(w, e, 2); break;
		case '\t': e[1] = 't'; put(w, e, 2); break;
		case '\b': e[1] = 'b'; put(w, e, 2); break;
		case '\f': e[1] = 'f'; put(w, e, 2); break;
		default:
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			put(w, e, 6);
		}
		i++;
	}
	put(w, (const char *)s + i - run, run);
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	sep(w);
	putc_(w, '"');
	esc_body(w, s, n);
	putc_(w, '"');
}

void jw_str_plain(struct jw *w, const char *s, size_t n)
{
	sep(w);
	putc_(w, '"');
	put(w, s, n);
	putc_(w, '"');
}

void jw_str(struct jw *w, const char *s)
{
	jw_strn(w, s, strlen(s));
}

void jw_u64(struct jw *w, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sep(w);
	put(w, tmp + i, sizeof(tmp) - (size_t)i);
}

void jw_i64(struct jw *w, int64_t v)
{
	if (v < 0) {
		sep(w);
		putc_(w, '-');
		w->need_comma = 0;
		jw_u64(w, (uint64_t)0 - (uint64_t)v);
		return;
	}
	jw_u64(w, (uint64_t)v);
}

void jw_bool(struct jw *w, int v)
{
	sep(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jw_kv_str(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void jw_kv_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_u64(w, v);
}

void jw_double(struct jw *w, double v)
{
	char tmp[40];
	int n;

	if (v != v || v > 1e18 || v < -1e18) {
		sep(w);
		put(w, "null", 4); /* JSON has no NaN or infinity */
		return;
	}
	if (v == (double)(int64_t)v) {
		jw_i64(w, (int64_t)v);
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.3f", v);
	while (n > 1 && tmp[n - 1] == '0')
		n--;
	if (n > 1 && tmp[n - 1] == '.') /* 6.9999999 rounds to "7.": not JSON */
		n--;
	sep(w);
	put(w, tmp, (size_t)n);
}

void jw_kv_double(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	jw_double(w, v);
}

void jw_kv_bool(struct jw *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

long json_escape(char *out, size_t cap, const char *s, size_t n)
{
	struct jw w;

	if (cap == 0)
		return -1;
	jw_init(&w, out, cap - 1);
	esc_body(&w, s, n);
	if (w.overflow) {
		size_t l = w.len < cap - 1 ? w.len : cap - 1;
		out[l] = 0;
		return -1;
	}
	out[w.len] = 0;
	return (long)w.len;
}
