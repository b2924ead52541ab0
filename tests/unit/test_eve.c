/* eve: address and timestamp formatting, and whole lines being valid JSON
 * with the fields the schema promises. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "../../telemetry/community_id.h"
#include "../../telemetry/eve.h"

static void test_ip_matches_inet_ntop(void **state)
{
	uint8_t a[16];
	char mine[48], ref[INET6_ADDRSTRLEN];
	(void)state;

	srand(42);
	for (int it = 0; it < 200000; it++) {
		for (int i = 0; i < 16; i++) {
			/* many zero groups, to exercise '::' placement */
			a[i] = (rand() % 3) ? 0 : (uint8_t)rand();
		}
		if (it % 7 == 0)
			memset(a, 0, 10), a[10] = a[11] = 0xff; /* IPv4-mapped */
		if (it % 11 == 0)
			memset(a, 0, 12);                        /* compatible */
		int ver = (it % 5 == 0) ? 4 : 6;
		eve_format_ip(mine, ver, a);
		inet_ntop(ver == 4 ? AF_INET : AF_INET6, a, ref, sizeof(ref));
		assert_string_equal(mine, ref);
	}
}

static const char *noname(unsigned k)
{
	(void)k;
	return "x";
}

static void test_flow_line(void **state)
{
	struct eve_names names = { noname, noname, noname };
	struct eve_encoder *e = eve_encoder_create("s\"1", &names, 0);
	struct event ev;
	char buf[8192];
	(void)state;

	assert_int_equal(community_id_init(), 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_FLOW;
	ev.ts_us = 1795000000123456ULL;
	ev.flow_id = 77;
	ev.t.ipver = 4;
	ev.t.proto = 6;
	ev.t.src[0] = 10;
	ev.t.dst[0] = 192;
	ev.t.sport = 1234;
	ev.t.dport = 443;
	ev.u.flow.start_us = ev.ts_us - 2000000;
	ev.u.flow.end_us = ev.ts_us;
	ev.u.flow.pkts[0] = 3;
	ev.u.flow.classified = 1;
	strcpy(ev.u.flow.app.proto, "TLS");
	strcpy(ev.u.flow.app.master, "TLS");
	ev.u.flow.app.host_kind = EV_HOST_TLS;
	strcpy(ev.u.flow.app.host, "evil\"\n\xff.example");
	long n = eve_encode(e, &ev, buf, sizeof(buf));
	assert_true(n > 0);
	buf[n] = 0;
	assert_int_equal(buf[n - 1], '\n');
	assert_non_null(strstr(buf, "\"timestamp\":\"2026-11-18T"));
	assert_non_null(strstr(buf, ".123456+0000\""));
	assert_non_null(strstr(buf, "\"sensor\":\"s\\\"1\""));
	assert_non_null(strstr(buf, "\"src_ip\":\"10.0.0.0\",\"src_port\":1234,"));
	assert_non_null(strstr(buf, "\"app_proto\":\"tls\""));
	assert_non_null(strstr(buf, "\"sni\":\"evil\\\"\\n\\ufffd.example\""));
	assert_non_null(strstr(buf, "\"age\":2,"));
	/* too small a buffer fails cleanly */
	assert_int_equal(eve_encode(e, &ev, buf, 64), -1);
	eve_encoder_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_matches_inet_ntop),
		cmocka_unit_test(test_flow_line),
	};
	return cmocka_run_group_tests_name("eve", tests, NULL, NULL);
}
