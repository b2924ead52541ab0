/* policies: LPM (IPv4/IPv6, longest prefix), segment selection (CIDR,
 * VLAN, TEID), the loader's file:line:column errors, intel matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <errno.h>
#include <strings.h>

#include <cmocka.h>

#include "../../policies/lpm.h"
#include "../../policies/policy.h"

static void a4(uint8_t *a, const char *s) { memset(a, 0, 16); inet_pton(AF_INET, s, a); }
static void a6(uint8_t *a, const char *s) { inet_pton(AF_INET6, s, a); }

static void add(struct lpm *l, const char *cidr, int v)
{
	uint8_t a[16];
	unsigned len;
	int ver = lpm_parse_cidr(cidr, a, &len);
	assert_true(ver == 4 || ver == 6);
	assert_int_equal(lpm_add(l, ver, a, len, v, NULL), 0);
}

static void test_lpm(void **state)
{
	struct lpm *l = lpm_create();
	uint8_t a[16];
	int32_t old;
	unsigned len;
	(void)state;

	add(l, "10.0.0.0/8", 1);
	add(l, "10.20.0.0/16", 2);
	add(l, "10.20.5.0/24", 3);
	add(l, "2001:db8::/32", 4);
	add(l, "2001:db8:30::/48", 5);
	add(l, "0.0.0.0/0", 0);
	a4(a, "10.20.5.9"); assert_int_equal(lpm_lookup(l, 4, a), 3);
	a4(a, "10.20.6.9"); assert_int_equal(lpm_lookup(l, 4, a), 2);
	a4(a, "10.99.0.1"); assert_int_equal(lpm_lookup(l, 4, a), 1);
	a4(a, "192.0.2.1"); assert_int_equal(lpm_lookup(l, 4, a), 0);
	a6(a, "2001:db8:30::7"); assert_int_equal(lpm_lookup(l, 6, a), 5);
	a6(a, "2001:db8:31::7"); assert_int_equal(lpm_lookup(l, 6, a), 4);
	a6(a, "2001:db9::1"); assert_int_equal(lpm_lookup(l, 6, a), -1);
	/* the same prefix twice is reported with its owner */
	assert_int_equal(lpm_parse_cidr("10.20.0.0/16", a, &len), 4);
	assert_int_equal(lpm_add(l, 4, a, len, 9, &old), -EEXIST);
	assert_int_equal(old, 2);
	/* CIDR parsing refuses typos rather than guessing */
	assert_int_equal(lpm_parse_cidr("10.20.0.1/16", a, &len), -EINVAL);
	assert_int_equal(lpm_parse_cidr("10.20.0.0/33", a, &len), -EINVAL);
	assert_int_equal(lpm_parse_cidr("10.20.0/16", a, &len), -EINVAL);
	assert_int_equal(lpm_parse_cidr("fe80::1/129", a, &len), -EINVAL);
	assert_int_equal(lpm_parse_cidr("10.1.2.3", a, &len), 4);
	assert_int_equal(len, 32);
	lpm_free(l);
}

static int app_id(void *ctx, const char *n)
{
	(void)ctx;
	static const char *const known[] = { "", "MQTT", "COAP", "NTP", "DNS", "TLS", "HTTP" };
	for (int i = 1; i < 7; i++)
		if (!strcasecmp(n, known[i]))
			return i;
	return -1;
}

static int cat_id(void *ctx, const char *n)
{
	(void)ctx;
	return !strcmp(n, "Network") ? 14 : -1;
}

static const struct policy_names names = { .app_id = app_id, .category_id = cat_id };

#define GOOD \
	"version: 1\n" \
	"core_networks: [10.100.0.0/16]\n" \
	"segments:\n" \
	"  - name: iot-streetlights\n" \
	"    cidrs: [10.20.0.0/16, \"2001:db8:30::/48\"]\n" \
	"    vlans: [20]\n" \
	"    mode: enforce\n" \
	"    allow:\n" \
	"      apps: [MQTT, COAP, NTP, DNS]\n" \
	"    thresholds: {scan_ports: 20}\n" \
	"    severity: {policy: 1}\n" \
	"  - name: 5g-n3\n" \
	"    cidrs: [10.45.0.0/16]\n" \
	"    teid_ranges: [\"0x10000000-0x1fffffff\"]\n" \
	"    dnn: [internet]\n"

static void test_load_and_query(void **state)
{
	char err[256] = "";
	uint8_t a[16];
	char why[200];
	(void)state;

	struct policy *p = policy_load_buffer("good.yaml", GOOD, strlen(GOOD), &names,
					      err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(policy_segment_count(p), 2);
	a4(a, "10.20.3.4");
	assert_string_equal(policy_segment_name(p, policy_segment(p, 4, a, 0)),
			    "iot-streetlights");
	a6(a, "2001:db8:30::99");
	assert_int_equal(policy_segment(p, 6, a, 0), 0);
	a4(a, "192.168.1.1");
	assert_int_equal(policy_segment(p, 4, a, 0), -1);
	assert_int_equal(policy_segment(p, 4, a, 20), 0); /* by VLAN */
	assert_int_equal(policy_segment_by_teid(p, 0x10000042), 1);
	assert_int_equal(policy_segment_by_teid(p, 0x20000042), -1);
	/* a PDU session's DNN (as PFCP spells it: any case) */
	assert_int_equal(policy_segment_by_dnn(p, "internet"), 1);
	assert_int_equal(policy_segment_by_dnn(p, "Internet"), 1);
	assert_int_equal(policy_segment_by_dnn(p, "internet.mnc001"), -1);
	assert_int_equal(policy_segment_by_dnn(p, ""), -1);
	assert_int_equal(policy_app_allowed(p, 0, 0, 1, 0, why, sizeof(why)), 1);
	assert_int_equal(policy_app_allowed(p, 0, 5, 0, 0, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "MQTT,COAP,NTP,DNS"));
	assert_int_equal(policy_app_allowed(p, 1, 5, 0, 0, why, sizeof(why)), 1);
	assert_int_equal(policy_threshold(p, 0, "scan_ports", 100), 20);
	assert_int_equal(policy_threshold(p, 1, "scan_ports", 100), 100);
	assert_int_equal(policy_severity(p, 0, "policy", 3), 1);
	a4(a, "10.100.2.2");
	assert_true(policy_is_core(p, 4, a));
	/* the same bytes, the same hash */
	struct policy *q = policy_load_buffer("good.yaml", GOOD, strlen(GOOD), &names,
					      err, sizeof(err));
	assert_true(policy_hash(p) == policy_hash(q));
	policy_free(q);
	policy_free(p);
}

static void test_errors(void **state)
{
	static const struct { const char *yaml, *want; } cases[] = {
		{ "segments:\n  - name: a\n    colour: red\n",
		  "bad.yaml:3:5: unknown key 'colour' in segment" },
		{ "segments:\n  - name: a\n    cidrs: [10.0.0.1/8]\n",
		  "bad.yaml:3:13: cidrs: '10.0.0.1/8' is not a CIDR" },
		{ "segments:\n  - name: a\n    cidrs: [10.0.0.0/8]\n  - name: b\n    cidrs: [10.0.0.0/8]\n",
		  "bad.yaml:5:13: cidrs: 10.0.0.0/8 is already in segment 'a'" },
		{ "segments:\n  - name: a\n    allow:\n      apps: [MQTT, Telnetz]\n",
		  "bad.yaml:4:20: unknown application 'Telnetz'" },
		{ "segments:\n  - name: a\n    vlans: [5000]\n",
		  "bad.yaml:3:13: vlan: '5000' is not a number in [1, 4094]" },
		{ "segments:\n  - name: a\n    mode: maybe\n",
		  "bad.yaml:3:11: mode must be learn or enforce" },
		{ "version: 2\n", "bad.yaml:1:10: version: '2' is not a number" },
		{ "segments: [\n", "bad.yaml:2:1: did not find expected node content" },
		{ "intel:\n  - name: x\n    ips: /nonexistent/file\n",
		  "bad.yaml:3:10: cannot read /nonexistent/file" },
		{ "- a\n- b\n", "bad.yaml:1:1: the policy must be a mapping" },
		{ "segments:\n  - cidrs: [10.0.0.0/8]\n", "bad.yaml:2:5: segment without a name" },
	};
	char err[256];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		struct policy *p = policy_load_buffer("bad.yaml", cases[i].yaml,
						      strlen(cases[i].yaml), &names,
						      err, sizeof(err));
		if (p || strncmp(err, cases[i].want, strlen(cases[i].want))) {
			fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, err, cases[i].want);
			fail();
		}
	}
}

static void test_intel(void **state)
{
	char err[256];
	struct intel_hit h;
	uint8_t a[16];
	(void)state;

	FILE *f = fopen("/tmp/vigia-test-intel-ips.txt", "w");
	fputs("# comment\n203.0.113.66\n198.51.100.0/24\n", f);
	fclose(f);
	f = fopen("/tmp/vigia-test-intel-dom.txt", "w");
	fputs("evil.com\n*.bad.example\n", f);
	fclose(f);
	f = fopen("/tmp/vigia-test-intel-ja3.txt", "w");
	fputs("E7D705A3286E19EA42F587B344EE6865\n", f);
	fclose(f);
	const char *y = "intel:\n  - name: city-bl\n    severity: 1\n"
			"    ips: /tmp/vigia-test-intel-ips.txt\n"
			"    domains: /tmp/vigia-test-intel-dom.txt\n"
			"    ja3: /tmp/vigia-test-intel-ja3.txt\n";
	struct policy *p = policy_load_buffer("i.yaml", y, strlen(y), &names, err, sizeof(err));
	assert_non_null(p);
	a4(a, "203.0.113.66");
	assert_int_equal(policy_intel_ip(p, 4, a, &h), 1);
	assert_string_equal(h.list, "city-bl");
	assert_int_equal(h.severity, 1);
	a4(a, "198.51.100.200");
	assert_int_equal(policy_intel_ip(p, 4, a, &h), 1);
	a4(a, "203.0.113.67");
	assert_int_equal(policy_intel_ip(p, 4, a, &h), 0);
	assert_int_equal(policy_intel_domain(p, "evil.com", &h), 1);
	assert_int_equal(policy_intel_domain(p, "cdn.EVIL.com.", &h), 1);
	assert_string_equal(h.matched, "evil.com");
	assert_int_equal(policy_intel_domain(p, "notevil.com", &h), 0);
	assert_int_equal(policy_intel_domain(p, "evil.com.example.org", &h), 0);
	assert_int_equal(policy_intel_domain(p, "x.bad.example", &h), 1);
	assert_int_equal(policy_intel_ja3(p, "e7d705a3286e19ea42f587b344ee6865", &h), 1);
	assert_int_equal(policy_intel_ja3(p, "e7d705a3286e19ea42f587b344ee6866", &h), 0);
	policy_free(p);
	/* a bad line in a list names the list's file and line */
	f = fopen("/tmp/vigia-test-intel-ips.txt", "w");
	fputs("1.2.3.4\nnot-an-ip\n", f);
	fclose(f);
	assert_null(policy_load_buffer("i.yaml", y, strlen(y), &names, err, sizeof(err)));
	assert_string_equal(err, "/tmp/vigia-test-intel-ips.txt:2:1: 'not-an-ip' is not an IP or CIDR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lpm),
		cmocka_unit_test(test_load_and_query),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_intel),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
