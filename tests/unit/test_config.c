/* config: the sample configs (deploy/vigia.yaml, deploy/vigia-pcap.yaml)
 * as argv, config first and the command line after (getopt: the later
 * flag wins); lists, the EAL list, null values, relative paths; a table of
 * broken configs with their exact FILE:LINE:COL messages; where an option
 * came from; every truncation of the samples. Run from the repository
 * root (make unit does). */
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../app/config.h"

#define SAMPLE "deploy/vigia.yaml"
#define SAMPLE_PCAP "deploy/vigia-pcap.yaml"

static int load(const char *y, struct config *cfg, char *err, size_t errlen)
{
	return config_load_buffer("t.yaml", y, strlen(y), cfg, err, errlen);
}

/* The value of option opt in cfg (the first), or NULL. */
static const char *val_of(const struct config *cfg, const char *opt)
{
	for (unsigned i = 0; i < cfg->n; i++)
		if (!strcmp(cfg->args[i].opt, opt))
			return cfg->args[i].val;
	return NULL;
}

static void test_sample_dpdk(void **state)
{
	struct config cfg;
	char err[1024], where[300];
	int ac;
	(void)state;

	assert_int_equal(config_load(SAMPLE, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.file, SAMPLE);
	assert_string_equal(cfg.mode, "dpdk");
	/* the EAL list, in order, NULL-terminated */
	static const char *const eal[] = { "-l", "2-5", "--main-lcore", "2", "-a",
					   "0000:03:00.0", "--file-prefix", "vigia",
					   "--log-level=warning" };
	assert_int_equal(cfg.neal, 9);
	for (unsigned i = 0; i < 9; i++)
		assert_string_equal(cfg.eal[i], eal[i]);
	assert_null(cfg.eal[9]);
	/* a few values, and keys left empty are not options */
	assert_string_equal(val_of(&cfg, "--sensor"), "edge-01");
	assert_string_equal(val_of(&cfg, "--port"), "0000:03:00.0");
	assert_string_equal(val_of(&cfg, "--max-flows"), "1048576");
	assert_string_equal(val_of(&cfg, "--redis"), "127.0.0.1:6379");
	assert_string_equal(val_of(&cfg, "--metrics-listen"), "127.0.0.1:9477");
	assert_string_equal(val_of(&cfg, "--spool-max"), "1024");
	assert_null(val_of(&cfg, "--interface"));
	assert_null(val_of(&cfg, "--policy"));
	assert_null(val_of(&cfg, "--redis-password-file"));
	assert_null(val_of(&cfg, "--detectors"));
	assert_null(val_of(&cfg, "--quiet"));
	assert_string_equal(val_of(&cfg, "--state-interval"), "300");
	assert_int_equal(cfg.n, 33);

	/* argv: argv[0], the config in the file's order, the command line */
	char *cmd[] = { "dpdk", "--sensor", "lab-7", "-w", "1", NULL };
	char **av = config_argv(&cfg, 5, cmd, &ac);
	assert_non_null(av);
	assert_int_equal(ac, 1 + 2 * 33 + 4);
	assert_null(av[ac]);
	assert_string_equal(av[0], "dpdk");
	assert_string_equal(av[1], "--sensor");
	assert_string_equal(av[2], "edge-01");
	assert_string_equal(av[3], "--workers");
	assert_string_equal(av[4], "1");
	assert_string_equal(av[5], "--log-level");
	assert_string_equal(av[6], "info");
	assert_string_equal(av[7], "--state-dir");
	assert_string_equal(av[8], "/var/lib/vigia");
	assert_string_equal(av[9], "--state-interval");
	assert_string_equal(av[10], "300");
	assert_string_equal(av[11], "--user");
	assert_string_equal(av[13], "--group");
	assert_string_equal(av[15], "--port");
	assert_string_equal(av[17], "--mbufs");
	assert_string_equal(av[18], "65536");
	assert_string_equal(av[ac - 6], "--community-id-seed");
	assert_string_equal(av[ac - 5], "0");
	assert_ptr_equal(av[ac - 4], cmd[1]);
	assert_ptr_equal(av[ac - 1], cmd[4]);

	/* getopt_long over it: the command line's --sensor wins; where each
	 * value came from */
	static const struct option lo[] = {
		{ "sensor", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "mbufs", required_argument, NULL, 'm' },
		{ "log-level", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sensor = NULL, *sensor_from = NULL, *mbufs_from = NULL;
	int c, nsensor = 0;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(ac, av, "w:", lo, NULL)) != -1) {
		if (c == 's') {
			sensor = optarg;
			sensor_from = config_origin(&cfg, optarg, where, sizeof(where));
			nsensor++;
		}
		if (c == 'm')
			mbufs_from = config_origin(&cfg, optarg, where, sizeof(where));
	}
	assert_int_equal(nsensor, 2);
	assert_string_equal(sensor, "lab-7");
	assert_null(sensor_from); /* the last one came from the command line */
	assert_non_null(mbufs_from);
	assert_string_equal(mbufs_from, SAMPLE ":47:12");
	config_free_argv(av);

	/* by name */
	assert_string_equal(config_origin(&cfg, "--sensor", where, sizeof(where)),
			    SAMPLE ":17:9");
	assert_string_equal(config_origin(&cfg, "-w", where, sizeof(where)),
			    SAMPLE ":19:10");
	assert_null(config_origin(&cfg, "--policy", where, sizeof(where)));
	assert_null(config_origin(&cfg, "edge-01", where, sizeof(where)));
	config_free(&cfg);
	assert_int_equal(cfg.n, 0);
	assert_null(cfg.args);
}

static void test_sample_pcap(void **state)
{
	struct config cfg;
	char err[1024];
	int ac;
	(void)state;

	assert_int_equal(config_load(SAMPLE_PCAP, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.mode, "live");
	assert_int_equal(cfg.neal, 0);
	assert_null(cfg.eal);
	char *cmd[] = { "live", "-i", "eth1", NULL };
	char **av = config_argv(&cfg, 3, cmd, &ac);
	static const char *const want[] = {
		"live", "--sensor", "edge-02", "--user", "vigia", "--group", "vigia",
		"--state-dir", "/var/lib/vigia", "--interface", "eth0",
		"--redis", "127.0.0.1:6379", "-i", "eth1",
	};
	assert_int_equal(ac, 15);
	for (int i = 0; i < ac; i++)
		assert_string_equal(av[i], want[i]);
	assert_null(av[ac]);
	config_free_argv(av);
	config_free(&cfg);
}

static void test_lists_and_values(void **state)
{
	struct config cfg;
	char err[1024];
	int ac;
	(void)state;

	const char *y =
		"quiet: yes\n"
		"capture:\n"
		"  mode: pcap\n"
		"  dpdk:\n"
		"    ports: [\"0000:03:00.0\", net_pcap0]\n"
		"    eal:\n"
		"      - -l\n"
		"      - 0-3\n"
		"    mbufs: ~\n"
		"detectors: [scan, flood]\n"
		"policy: policy.yaml\n"
		"outputs: {file: \"-\", redis: , spool: {dir: ../spool}}\n"
		"pseudonym_key_file: /abs/key\n"
		"metrics: {listen: off}\n"
		"workers: \"4\"\n";
	assert_int_equal(config_load_buffer("/etc/vigia/vigia.yaml", y, strlen(y), &cfg,
					    err, sizeof(err)), 0);
	assert_string_equal(cfg.mode, "live");
	assert_int_equal(cfg.neal, 2);
	assert_string_equal(cfg.eal[0], "-l");
	assert_string_equal(cfg.eal[1], "0-3");
	assert_null(cfg.eal[2]);
	char **av = config_argv(&cfg, 1, (char *[]){ "x", NULL }, &ac);
	static const char *const want[] = {
		"x", "--quiet", "--port", "0000:03:00.0", "--port", "net_pcap0",
		"--detectors", "scan,flood", "--policy", "/etc/vigia/policy.yaml",
		"--output", "-", "--spool-dir", "/etc/vigia/../spool",
		"--pseudonym-key-file", "/abs/key", "--metrics-listen", "off",
		"--workers", "4",
	};
	assert_int_equal(ac, (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < ac; i++)
		assert_string_equal(av[i], want[i]);
	assert_int_equal(cfg.args[0].has_val, 0);
	assert_int_equal(cfg.args[1].line, 5);
	assert_int_equal(cfg.args[1].col, 13);
	assert_int_equal(cfg.args[2].col, 29);
	config_free_argv(av);
	config_free(&cfg);

	/* false: no option; detectors as one string; a name without a folder
	 * keeps relative paths relative */
	y = "quiet: false\ndetectors: none\npolicy: p.yaml\n";
	assert_int_equal(load(y, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n, 2);
	assert_string_equal(val_of(&cfg, "--detectors"), "none");
	assert_string_equal(val_of(&cfg, "--policy"), "p.yaml");
	config_free(&cfg);

	/* bounds are inclusive */
	y = "workers: 64\ngtp_depth: 8\nreasm_mem_mb: 0\ncapture: {dpdk: {rx_desc: 32}}\n"
	    "flow_table: {max_flows: 268435456, active_timeout: 0}\n"
	    "community_id_seed: 65535\nevents_per_worker: 64\n";
	assert_int_equal(load(y, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n, 8);
	config_free(&cfg);

	/* a list at its limit: 64 EAL arguments, 8 ports */
	char big[4096];
	size_t o = (size_t)snprintf(big, sizeof(big), "capture:\n  dpdk:\n    eal: [");
	for (int i = 0; i < CONFIG_MAX_LIST; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%sa%d", i ? ", " : "", i);
	o += (size_t)snprintf(big + o, sizeof(big) - o, "]\n    ports: [");
	for (int i = 0; i < 8; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%sp%d", i ? ", " : "", i);
	snprintf(big + o, sizeof(big) - o, "]\n");
	assert_int_equal(load(big, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.neal, CONFIG_MAX_LIST);
	assert_string_equal(cfg.eal[63], "a63");
	assert_int_equal(cfg.n, 8);
	config_free(&cfg);

	/* a value of exactly 511 bytes */
	memset(big, 0, sizeof(big));
	memcpy(big, "sensor: ", 8);
	memset(big + 8, 'x', CONFIG_MAX_VAL);
	big[8 + CONFIG_MAX_VAL] = '\n';
	assert_int_equal(load(big, &cfg, err, sizeof(err)), 0);
	assert_int_equal(strlen(cfg.args[0].val), CONFIG_MAX_VAL);
	config_free(&cfg);
}

static void test_empty(void **state)
{
	static const char *const ok[] = {
		"", "\n", "# only a comment\n", "~\n", "---\n", "---\n...\n",
		"capture:\noutputs:\n  redis:\n", "sensor:\nworkers: ~\n",
	};
	struct config cfg;
	char err[256];
	int ac;
	(void)state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (load(ok[i], &cfg, err, sizeof(err)))
			fail_msg("'%s': %s", ok[i], err);
		assert_int_equal(cfg.n, 0);
		assert_string_equal(cfg.mode, "");
		config_free(&cfg);
	}
	/* no config at all: a copy of argv */
	char *cmd[] = { "replay", "a.pcap", NULL };
	char **av = config_argv(NULL, 2, cmd, &ac);
	assert_int_equal(ac, 2);
	assert_ptr_equal(av[1], cmd[1]);
	assert_null(av[2]);
	config_free_argv(av);
}

static void test_errors(void **state)
{
	static const struct {
		const char *yaml, *err;
	} bad[] = {
		/* types and ranges, at the value */
		{ "workers: four\n",
		  "t.yaml:1:10: workers: expected a number from 1 to 64, got 'four'" },
		{ "workers: 65\n",
		  "t.yaml:1:10: workers: expected a number from 1 to 64, got '65'" },
		{ "workers: 0\n",
		  "t.yaml:1:10: workers: expected a number from 1 to 64, got '0'" },
		{ "workers: -1\n",
		  "t.yaml:1:10: workers: expected a number from 1 to 64, got '-1'" },
		{ "workers: 4.5\n",
		  "t.yaml:1:10: workers: expected a number from 1 to 64, got '4.5'" },
		{ "workers: 0x10\n",
		  "t.yaml:1:10: workers: expected a number from 1 to 64, got '0x10'" },
		{ "flow_table:\n  max_flows: 99999999999999999999\n",
		  "t.yaml:2:14: flow_table.max_flows: expected a number from 1 to "
		  "268435456, got '99999999999999999999'" },
		{ "capture:\n  dpdk:\n    rx_desc: 31\n",
		  "t.yaml:3:14: capture.dpdk.rx_desc: expected a number from 32 to 32768" },
		{ "gtp_depth: 9\n", "t.yaml:1:12: gtp_depth: expected a number from 1 to 8" },
		{ "reasm_mem_mb: 4097\n",
		  "t.yaml:1:15: reasm_mem_mb: expected a number from 0 to 4096" },
		{ "events_per_worker: 63\n",
		  "t.yaml:1:20: events_per_worker: expected a number from 64 to 4194304" },
		{ "outputs:\n  redis:\n    db: [1]\n",
		  "t.yaml:3:9: outputs.redis.db: expected a number from 0 to 1023, got a list" },
		{ "sensor: {name: a}\n", "t.yaml:1:9: sensor: expected a string, got a mapping" },
		{ "sensor: [a, b]\n", "t.yaml:1:9: sensor: expected a string, got a list" },
		{ "sensor: \"\"\n", "t.yaml:1:9: sensor: expected a string, got an empty string" },
		{ "sensor: \"a\\0b\"\n", "t.yaml:1:9: sensor: contains a NUL byte" },
		{ "policy: {a: 1}\n", "t.yaml:1:9: policy: expected a path, got a mapping" },
		{ "quiet: maybe\n", "t.yaml:1:8: quiet: expected true or false, got 'maybe'" },
		{ "log_level: verbose\n",
		  "t.yaml:1:12: log_level: expected one of error, warn, info, debug, got 'verbose'" },
		{ "log_level: Info\n", "t.yaml:1:12: log_level: expected one of error," },
		{ "capture:\n  mode: af_xdp\n",
		  "t.yaml:2:9: capture.mode: expected one of dpdk, pcap, got 'af_xdp'" },
		{ "capture: dpdk\n",
		  "t.yaml:1:10: capture: expected a mapping (mode, interface, dpdk), got 'dpdk'" },
		{ "capture:\n  dpdk: [a]\n",
		  "t.yaml:2:9: capture.dpdk: expected a mapping (eal, ports, mbufs, rx_desc), "
		  "got a list" },
		/* lists */
		{ "capture:\n  dpdk:\n    ports: 0000:03:00.0\n",
		  "t.yaml:3:12: capture.dpdk.ports: expected a list of strings, got '0000:03:00.0'" },
		{ "capture:\n  dpdk:\n    ports: [a, b, c, d, e, f, g, h, i]\n",
		  "t.yaml:3:12: capture.dpdk.ports: more than 8 entries" },
		{ "capture:\n  dpdk:\n    eal: [-l, [0, 1]]\n",
		  "t.yaml:3:15: capture.dpdk.eal: expected a list of strings, got a list" },
		{ "capture:\n  dpdk:\n    eal: \"-l 0-3\"\n",
		  "t.yaml:3:10: capture.dpdk.eal: expected a list of strings, got '-l 0-3'" },
		{ "detectors: []\n",
		  "t.yaml:1:12: detectors: an empty list (to run none, write: detectors: none)" },
		{ "detectors: [scan, \"flood,dns\"]\n",
		  "t.yaml:1:19: detectors: 'flood,dns': one name per list entry" },
		{ "detectors: {scan: 1}\n",
		  "t.yaml:1:12: detectors: expected a list of strings or one string, got a mapping" },
		/* keys, at the key */
		{ "bogus: 1\n",
		  "t.yaml:1:1: unknown key 'bogus' (valid: sensor, workers, log_level, quiet, "
		  "state_dir, state_interval, user, group, capture, flow_table, events_per_worker, "
		  "outputs, "
		  "policy, pseudonym_key_file, detectors, stats_interval, metrics, gtp_depth, "
		  "reasm_mem_mb, reasm_timeout_s, community_id_seed)" },
		{ "outputs:\n  redis:\n    address: a\n    adress: b\n",
		  "t.yaml:4:5: unknown key 'adress' in outputs.redis (valid: address, user, "
		  "password_file, db, prefix, maxlen, batch, publish)" },
		{ "flow_table:\n  tcp_timeout: 5\n  max-flows: 5\n",
		  "t.yaml:3:3: unknown key 'max-flows' in flow_table (valid: max_flows, "
		  "classify_slots, tcp_timeout, tcp_new_timeout, closed_timeout, udp_timeout, "
		  "active_timeout)" },
		{ "workers: 2\nsensor: a\nworkers: 3\n",
		  "t.yaml:3:1: duplicate key 'workers' (first at line 1)" },
		{ "outputs:\n  spool:\n    dir: /a\n    dir: /b\n",
		  "t.yaml:4:5: duplicate key 'outputs.spool.dir' (first at line 3)" },
		{ "? [a]\n: 1\n", "t.yaml:1:3: keys must be names, not lists" },
		{ "<<: {sensor: a}\n", "t.yaml:1:1: unknown key '<<' (valid: sensor," },
		/* the document */
		{ "- sensor: a\n",
		  "t.yaml:1:1: expected a mapping of keys (sensor:, workers:, ...), got a list" },
		{ "sensor\n",
		  "t.yaml:1:1: expected a mapping of keys (sensor:, workers:, ...), got 'sensor'" },
		{ "sensor: a\n---\nsensor: b\n",
		  "t.yaml:2:1: a second YAML document: one config per file" },
		{ "sensor: [a\n",
		  "t.yaml:2:1: bad YAML: did not find expected ',' or ']' while parsing a "
		  "flow sequence" },
		{ "sensor: a\n  workers: 4\n",
		  "t.yaml:2:10: bad YAML: mapping values are not allowed in this context" },
		{ "sensor: 'x\n", "t.yaml:2:1: bad YAML: found unexpected end of stream" },
		{ "sensor: *nope\n", "t.yaml:1:9: bad YAML: found undefined alias" },
		{ "\tsensor: a\n", "t.yaml:1:1: bad YAML: found character that cannot start" },
	};
	struct config cfg;
	char err[1024];
	(void)state;

	assert_true(sizeof(bad) / sizeof(bad[0]) >= 15);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&cfg, 0x5a, sizeof(cfg));
		err[0] = 0;
		if (load(bad[i].yaml, &cfg, err, sizeof(err)) != -1)
			fail_msg("#%zu loaded: %s", i, bad[i].yaml);
		if (strncmp(err, bad[i].err, strlen(bad[i].err)))
			fail_msg("#%zu\n  got:  %s\n  want: %s", i, err, bad[i].err);
		/* emptied: nothing to free, config_free harmless */
		assert_int_equal(cfg.n, 0);
		assert_null(cfg.args);
		assert_null(cfg.eal);
		config_free(&cfg);
	}

	/* too long: a value, a list joined, a path with the folder in front */
	char y[2048];
	snprintf(y, sizeof(y), "sensor: %0512d\n", 0);
	assert_int_equal(load(y, &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:1:9: sensor: longer than 511 bytes");
	snprintf(y, sizeof(y), "detectors: [%0300d, %0300d]\n", 1, 2);
	assert_int_equal(load(y, &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:1:315: detectors: longer than 511 bytes joined");
	snprintf(y, sizeof(y), "policy: %0505d\n", 0);
	assert_int_equal(config_load_buffer("/etc/vigia/v.yaml", y, strlen(y), &cfg, err,
					    sizeof(err)), -1);
	assert_string_equal(err, "/etc/vigia/v.yaml:1:9: policy: longer than 511 bytes "
			    "with the config's folder in front");
	/* 65 EAL arguments */
	size_t o = (size_t)snprintf(y, sizeof(y), "capture: {dpdk: {eal: [");
	for (int i = 0; i <= CONFIG_MAX_LIST; i++)
		o += (size_t)snprintf(y + o, sizeof(y) - o, "%sx", i ? "," : "");
	snprintf(y + o, sizeof(y) - o, "]}}\n");
	assert_int_equal(load(y, &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:1:23: capture.dpdk.eal: more than 64 entries");
	/* a short error buffer is cut, still terminated */
	assert_int_equal(load("workers: 99\n", &cfg, err, 12), -1);
	assert_string_equal(err, "t.yaml:1:10");
}

static void test_files(void **state)
{
	struct config cfg;
	char err[512];
	(void)state;

	assert_int_equal(config_load("/nonexistent/vigia.yaml", &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/vigia.yaml: cannot read: No such file "
			    "or directory");
	assert_int_equal(config_load("deploy", &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "deploy: not a regular file");
	assert_int_equal(cfg.n, 0);

	char path[] = "/tmp/vigia-test-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("sensor: a\nflow_table:\n  udp_timeout: x\n", f);
	fclose(f);
	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
	char want[256];
	snprintf(want, sizeof(want), "%s:3:16: flow_table.udp_timeout: expected a "
		 "number from 0 to 31536000, got 'x'", path);
	assert_string_equal(err, want);
	/* too large */
	f = fopen(path, "w");
	static char hashes[4096];
	memset(hashes, '#', sizeof(hashes));
	for (int i = 0; i <= CONFIG_MAX_FILE / 4096; i++)
		fwrite(hashes, 1, sizeof(hashes), f);
	fclose(f);
	assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", path);
	assert_string_equal(err, want);
	unlink(path);
}

/* Every prefix of the samples, in a buffer of exactly that size (ASan
 * sees any read past it): loads or fails, never crashes. */
static void truncations(const char *path, int *nok)
{
	FILE *f = fopen(path, "rb");
	char *all = malloc(CONFIG_MAX_FILE);
	struct config cfg;
	char err[1024];

	assert_non_null(f);
	size_t n = fread(all, 1, CONFIG_MAX_FILE, f);
	fclose(f);
	assert_true(n > 0);
	for (size_t len = 0; len <= n; len++) {
		char *b = malloc(len ? len : 1);
		memcpy(b, all, len);
		int rc = config_load_buffer(path, b, len, &cfg, err, sizeof(err));
		assert_true(rc == 0 || rc == -1);
		if (rc == 0) {
			assert_true(cfg.n <= 64);
			(*nok)++;
		} else {
			assert_true(!strncmp(err, path, strlen(path)));
		}
		config_free(&cfg);
		free(b);
	}
	free(all);
}

static void test_truncation(void **state)
{
	int ok1 = 0, ok2 = 0;
	(void)state;

	truncations(SAMPLE, &ok1);
	truncations(SAMPLE_PCAP, &ok2);
	assert_true(ok1 > 100); /* cut at a comment or after a value: loads */
	assert_true(ok2 > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_dpdk),
		cmocka_unit_test(test_sample_pcap),
		cmocka_unit_test(test_lists_and_values),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
