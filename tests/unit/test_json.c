/* json: escaping (quotes, control characters, invalid UTF-8), numbers,
 * structure, and overflow that never writes past the buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../telemetry/json.h"

static const char *esc(const char *s, size_t n)
{
	static char out[256];
	assert_true(json_escape(out, sizeof(out), s, n) >= 0);
	return out;
}

static void test_escape(void **state)
{
	(void)state;
	assert_string_equal(esc("plain", 5), "plain");
	assert_string_equal(esc("a\"b\\c", 5), "a\\\"b\\\\c");
	assert_string_equal(esc("\n\r\t\b\f", 5), "\\n\\r\\t\\b\\f");
	assert_string_equal(esc("\x01\x1f\x7f", 3), "\\u0001\\u001f\x7f");
	assert_string_equal(esc("a\0b", 3), "a\\u0000b");
	/* valid UTF-8 passes through unchanged */
	assert_string_equal(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14),
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* invalid: lone continuation, truncated sequence, overlong, surrogate,
	 * above U+10FFFF, 0xff */
	assert_string_equal(esc("\x80", 1), "\\ufffd");
	assert_string_equal(esc("\xc3", 1), "\\ufffd");
	assert_string_equal(esc("\xe2\x82", 2), "\\ufffd\\ufffd");
	assert_string_equal(esc("\xc0\xaf", 2), "\\ufffd\\ufffd");
	assert_string_equal(esc("\xed\xa0\x80", 3), "\\ufffd\\ufffd\\ufffd");
	assert_string_equal(esc("\xf4\x90\x80\x80", 4), "\\ufffd\\ufffd\\ufffd\\ufffd");
	assert_string_equal(esc("x\xffy", 3), "x\\ufffdy");
}

static void test_writer(void **state)
{
	char buf[256];
	struct jw w;
	(void)state;

	jw_init(&w, buf, sizeof(buf));
	jw_obj_open(&w);
	jw_kv_str(&w, "a", "x\"y");
	jw_kv_u64(&w, "n", 18446744073709551615ULL);
	jw_key(&w, "neg");
	jw_i64(&w, -42);
	jw_key(&w, "arr");
	jw_arr_open(&w);
	jw_u64(&w, 0);
	jw_bool(&w, 1);
	jw_obj_open(&w);
	jw_obj_close(&w);
	jw_arr_close(&w);
	jw_kv_bool(&w, "f", 0);
	jw_obj_close(&w);
	assert_false(w.overflow);
	buf[w.len] = 0;
	assert_string_equal(buf, "{\"a\":\"x\\\"y\",\"n\":18446744073709551615,"
				 "\"neg\":-42,\"arr\":[0,true,{}],\"f\":false}");
}

/* numbers that round to an integer at 3 decimals are integers ("7", not
 * "7."), and -0.0001 is "-0" */
static void test_doubles(void **state)
{
	static const struct { double v; const char *want; } cases[] = {
		{ 6.99999999, "7" }, { -0.0001, "-0" }, { 0.5, "0.5" }, { 12.25, "12.25" },
		{ 3.0, "3" }, { 1e300, "null" }, { -2.0005, "-2.001" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[64];
		struct jw w;
		jw_init(&w, buf, sizeof(buf));
		jw_double(&w, cases[i].v);
		buf[w.len] = 0;
		assert_string_equal(buf, cases[i].want);
	}
}

static void test_overflow(void **state)
{
	char buf[32];
	struct jw w;
	(void)state;

	memset(buf, 'Z', sizeof(buf));
	jw_init(&w, buf, 10);
	jw_obj_open(&w);
	jw_kv_str(&w, "key", "a long value that does not fit");
	jw_obj_close(&w);
	assert_true(w.overflow);
	assert_true(w.len <= 10);
	for (size_t i = 10; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 'Z');
	char small[4];
	assert_int_equal(json_escape(small, sizeof(small), "\n\n\n", 3), -1);
	assert_int_equal(strlen(small) < sizeof(small), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_doubles),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
