/* community_id: the published v1 test vectors (corelight/community-id-spec
 * baseline_deflt.json, seed 0), both directions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "../../telemetry/community_id.h"

static void check(int ver, const char *s, const char *d, uint8_t proto,
		  uint16_t sp, uint16_t dp, const char *want, int symmetric)
{
	uint8_t a[16] = { 0 }, b[16] = { 0 };
	char out[40];

	assert_int_equal(inet_pton(ver == 4 ? AF_INET : AF_INET6, s, a), 1);
	assert_int_equal(inet_pton(ver == 4 ? AF_INET : AF_INET6, d, b), 1);
	assert_int_equal(community_id_v1(out, sizeof(out), 0, ver, a, b, proto, sp, dp), 0);
	assert_string_equal(out, want);
	if (symmetric) {
		assert_int_equal(community_id_v1(out, sizeof(out), 0, ver, b, a, proto, dp, sp), 0);
		assert_string_equal(out, want);
	}
}

static void test_vectors(void **state)
{
	(void)state;
	assert_int_equal(community_id_init(), 0);
	check(4, "128.232.110.120", "66.35.250.204", 6, 34855, 80,
	      "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", 1);
	check(4, "192.168.1.52", "8.8.8.8", 17, 54585, 53,
	      "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", 1);
	check(4, "192.168.0.89", "192.168.0.1", 1, 8, 0,
	      "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", 0);
	/* the echo reply maps to the same id */
	check(4, "192.168.0.1", "192.168.0.89", 1, 0, 8,
	      "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", 0);
	check(4, "10.0.0.1", "10.0.0.2", 1, 11, 0,
	      "1:YHxtAirCG//0OzkcVAukqKQN9xM=", 0);
	check(4, "192.168.170.8", "192.168.170.56", 132, 7, 7,
	      "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", 1);
	check(6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a",
	      6, 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", 1);
	check(6, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 3, 0,
	      "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", 0);
	check(4, "10.1.12.1", "10.1.12.2", 46, 0, 0,
	      "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", 1);
}

static void test_errors(void **state)
{
	uint8_t a[16] = { 0 };
	char out[40];
	(void)state;
	assert_int_equal(community_id_v1(out, 30, 0, 4, a, a, 6, 1, 2), -22);
	assert_int_equal(community_id_v1(out, sizeof(out), 0, 5, a, a, 6, 1, 2), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests_name("community_id", tests, NULL, NULL);
}
