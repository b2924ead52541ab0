/* detectors/devline: a device profile's state line, read and written in
 * one place (the baseline detector and `vigia devices`): a round trip,
 * lines saved before service roles were kept, what anyone could leave in
 * a shared Redis, and the line cut at every length. fuzz_state fuzzes it
 * through the baseline detector's merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../detectors/devline.h"

static const char line[] =
	"first=1700000000000000 last=1700000600000000 flows=42 bytes=60-1500 pkts=1-9 "
	"mac=02:00:0a:00:00:07 peers=10.0.0.0/24,2001:db8::/64 "
	"svc=17/5683/40/15000000/1700000590000000/0,6/1883/2/300000000/1700000100000000/1 "
	"apps=COAP,MQTT";

static void test_round_trip(void **st)
{
	struct devline d;
	char out[4096];

	(void)st;
	devline_parse(line, &d);
	assert_int_equal(d.has, DEVLINE_FIRST | DEVLINE_LAST | DEVLINE_FLOWS | DEVLINE_BYTES |
					DEVLINE_PKTS | DEVLINE_MAC);
	assert_true(d.first_us == 1700000000000000ULL);
	assert_int_equal(d.flows, 42);
	assert_int_equal(d.bytes_min, 60);
	assert_int_equal(d.pkts_max, 9);
	assert_int_equal(d.mac[5], 7);
	assert_int_equal(d.npeers, 2);
	assert_string_equal(d.peers[1], "2001:db8::/64");
	assert_int_equal(d.nsvc, 2);
	assert_int_equal(d.svc[0].port, 5683);
	assert_int_equal(d.svc[0].role, DEVLINE_CLIENT);
	assert_int_equal(d.svc[1].role, DEVLINE_SERVER);
	assert_true(d.svc[1].period_us == 300000000ULL);
	assert_int_equal(d.napps, 2);
	assert_string_equal(d.apps[1], "MQTT");
	size_t n = devline_format(&d, out, sizeof(out));
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, line);
}

/* a service without its role: either */
static void test_old_line(void **st)
{
	struct devline d;

	(void)st;
	devline_parse("flows=3 svc=17/123/3/60000000/5", &d);
	assert_int_equal(d.has, DEVLINE_FLOWS);
	assert_int_equal(d.nsvc, 1);
	assert_int_equal(d.svc[0].role, DEVLINE_ANY);
	assert_int_equal(d.svc[0].last_us, 5);
}

static void test_junk(void **st)
{
	struct devline d;
	char out[4096];

	(void)st;
	devline_parse("first= flows=x mac=zz svc=300/1/1/1/1,6/70000/1/1/1,6/80/1/1/1/7,6/80 "
		      "apps=ok,bad=name,with\x01" "ctl,ThisNameIsFarTooLongForTheLine,Sina(Weibo)",
		      &d);
	assert_int_equal(d.has, 0);
	assert_int_equal(d.nsvc, 0);
	assert_int_equal(d.napps, 2);
	assert_string_equal(d.apps[0], "ok");
	assert_string_equal(d.apps[1], "Sina(Weibo)");
	assert_false(devline_app_ok(""));
	assert_false(devline_app_ok("a b"));
	/* a tiny buffer: cut, terminated, never past it */
	memset(out, 'X', sizeof(out));
	devline_parse(line, &d);
	size_t n = devline_format(&d, out, 20);
	assert_true(n < 20);
	assert_int_equal(out[n], 0);
	assert_int_equal(out[20], 'X');
	assert_int_equal(devline_format(&d, out, 0), 0);
}

/* every prefix reads as what it still holds, nothing invented */
static void test_truncated(void **st)
{
	struct devline full, d;

	(void)st;
	devline_parse(line, &full);
	for (size_t cut = 0; cut <= sizeof(line) - 1; cut++) {
		char buf[sizeof(line)];
		memcpy(buf, line, cut);
		buf[cut] = 0;
		devline_parse(buf, &d);
		assert_true((d.has & ~full.has) == 0);
		assert_true(d.npeers <= full.npeers);
		assert_true(d.nsvc <= full.nsvc);
		assert_true(d.napps <= full.napps);
		for (unsigned i = 0; i < d.nsvc; i++) {
			assert_int_equal(d.svc[i].proto, full.svc[i].proto);
			assert_int_equal(d.svc[i].port, full.svc[i].port);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_old_line),
		cmocka_unit_test(test_junk),
		cmocka_unit_test(test_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
