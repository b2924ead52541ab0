/* libFuzzer: the JSON writer. String escaping must produce valid, bounded
 * output that reads back (a small JSON string decoder below) as the input
 * when the input is valid UTF-8, and as valid UTF-8 anyway; numbers
 * (jw_double) must follow JSON's number grammar, whatever the double. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../telemetry/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF) */
static int utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], k = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
						    : (c & 0xf8) == 0xf0 ? 3 : 9;
		if (k == 9)
			return 0;
		uint32_t cp = k == 0 ? c : k == 1 ? c & 0x1f : k == 2 ? c & 0x0f : c & 0x07;
		for (unsigned j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

static int hex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* JSON string body -> bytes; -1 if it is not a valid body */
static long unescape(const char *s, size_t n, unsigned char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c < 0x20)
			return -1;
		if (c != '\\') {
			out[o++] = c;
			continue;
		}
		if (++i >= n)
			return -1;
		switch (s[i]) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case '/': out[o++] = '/'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u': {
			if (i + 4 >= n)
				return -1;
			int v = 0;
			for (int k = 1; k <= 4; k++) {
				int h = hex(s[i + k]);
				if (h < 0)
					return -1;
				v = v << 4 | h;
			}
			i += 4;
			if (v >= 0xd800 && v <= 0xdfff)
				return -1; /* the writer never needs surrogates */
			if (v < 0x80) {
				out[o++] = (unsigned char)v;
			} else if (v < 0x800) {
				out[o++] = (unsigned char)(0xc0 | v >> 6);
				out[o++] = (unsigned char)(0x80 | (v & 0x3f));
			} else {
				out[o++] = (unsigned char)(0xe0 | v >> 12);
				out[o++] = (unsigned char)(0x80 | ((v >> 6) & 0x3f));
				out[o++] = (unsigned char)(0x80 | (v & 0x3f));
			}
			break;
		}
		default:
			return -1;
		}
	}
	return (long)o;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? or null */
static int number_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 4 && !memcmp(s, "null", 4))
		return 1;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return 0;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		size_t d = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	return i == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[512];
	size_t cap = size ? (size_t)data[0] % sizeof(out) + 1 : sizeof(out);
	long n = json_escape(out, cap, (const char *)data, size);

	if (n >= (long)cap || strlen(out) >= cap)
		abort();
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20)  /* raw control characters never pass */
			abort();
	/* round trip, with room for the worst case (6 bytes per input byte) */
	if (size <= 512) {
		static char big[6 * 512 + 1];
		static unsigned char back[6 * 512];
		long m = json_escape(big, sizeof(big), (const char *)data, size);
		if (m < 0)
			abort();
		long b = unescape(big, (size_t)m, back);
		if (b < 0 || !utf8_ok(back, (size_t)b))
			abort();
		if (utf8_ok(data, size) && !memchr(data, 0, size) &&
		    ((size_t)b != size || memcmp(back, data, size)))
			abort();
	}
	/* numbers */
	if (size >= 8) {
		double v;
		char num[64];
		struct jw w;
		memcpy(&v, data, 8);
		jw_init(&w, num, sizeof(num));
		jw_double(&w, v);
		if (w.overflow || !number_ok(num, w.len))
			abort();
	}
	return 0;
}
