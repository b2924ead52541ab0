/* optable: the one option table is whole and consistent. Every option it
 * names is documented in docs/vigia.8 and every config key appears in
 * deploy/vigia.yaml (and no key there is unknown); names, flags and keys
 * are unique; fields fit their values; optable_apply checks bounds and
 * choices and sets the field; --help lists every option. Run from the
 * repository root (make unit does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <yaml.h>

#include "../../app/optable.h"
#include "../../app/opts.h"

#define MAN "docs/vigia.8"
#define SAMPLE "deploy/vigia.yaml"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* "--max-flows" as groff writes it: \-\-max\-flows */
static void groff(const char *opt, char *out, size_t len)
{
	size_t k = 0;
	for (; *opt && k + 3 < len; opt++) {
		if (*opt == '-')
			out[k++] = '\\';
		out[k++] = *opt;
	}
	out[k] = 0;
}

/* The name must not continue: "\-\-redis" is not found in "\-\-redis\-db". */
static int man_names(const char *man, const char *g)
{
	size_t l = strlen(g);
	for (const char *p = strstr(man, g); p; p = strstr(p + 1, g)) {
		char next = p[l];
		if (!(next == '\\' && p[l + 1] == '-') && next != '-' &&
		    !(next >= 'a' && next <= 'z') && !(next >= '0' && next <= '9'))
			return 1;
	}
	return 0;
}

static void test_man_page_names_every_option(void **state)
{
	(void)state;
	char *man = slurp(MAN, NULL);
	unsigned missing = 0;

	for (size_t i = 0; i < optable_n; i++) {
		const struct optdef *d = &optable[i];
		char g[80];
		if (!d->opt)
			continue;
		groff(d->opt, g, sizeof(g));
		if (!man_names(man, g)) {
			fprintf(stderr, "%s does not document %s\n", MAN, d->opt);
			missing++;
		}
		if (d->shortopt) {
			char s[8] = { '\\', '-', d->shortopt, 0 };
			if (!man_names(man, s)) {
				fprintf(stderr, "%s does not document -%c\n", MAN, d->shortopt);
				missing++;
			}
		}
	}
	assert_int_equal(missing, 0);
	free(man);
}

/* Every mapping key of the sample as a dotted path. */
struct paths {
	char p[128][64];
	unsigned n;
};

static void walk(yaml_document_t *doc, yaml_node_t *n, const char *prefix, struct paths *out)
{
	if (n->type != YAML_MAPPING_NODE)
		return;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(doc, pr->value);
		assert_int_equal(k->type, YAML_SCALAR_NODE);
		assert_true(out->n < 128);
		char *p = out->p[out->n++];
		snprintf(p, 64, "%s%s%.*s", prefix, *prefix ? "." : "",
			 (int)k->data.scalar.length, (const char *)k->data.scalar.value);
		walk(doc, v, p, out);
	}
}

static int has_path(const struct paths *ps, const char *p)
{
	for (unsigned i = 0; i < ps->n; i++)
		if (!strcmp(ps->p[i], p))
			return 1;
	return 0;
}

static const struct optdef *by_path(const char *p)
{
	for (size_t i = 0; i < optable_n; i++)
		if (optable[i].path && !strcmp(optable[i].path, p))
			return &optable[i];
	return NULL;
}

static void test_sample_config_has_every_key(void **state)
{
	(void)state;
	size_t len;
	char *y = slurp(SAMPLE, &len);
	yaml_parser_t parser;
	yaml_document_t doc;
	static struct paths ps;

	assert_true(yaml_parser_initialize(&parser));
	yaml_parser_set_input_string(&parser, (const unsigned char *)y, len);
	assert_true(yaml_parser_load(&parser, &doc));
	walk(&doc, yaml_document_get_root_node(&doc), "", &ps);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(y);

	unsigned missing = 0;
	for (size_t i = 0; i < optable_n; i++)
		if (optable[i].path && !has_path(&ps, optable[i].path)) {
			fprintf(stderr, "%s lacks %s\n", SAMPLE, optable[i].path);
			missing++;
		}
	assert_int_equal(missing, 0);
	/* and every leaf of the sample is a key of the table (mappings are
	 * implied by the paths: "capture", "outputs.redis", ...) */
	for (unsigned i = 0; i < ps.n; i++) {
		if (by_path(ps.p[i]))
			continue;
		size_t l = strlen(ps.p[i]);
		int prefix = 0;
		for (size_t k = 0; k < optable_n; k++)
			prefix |= optable[k].path && !strncmp(optable[k].path, ps.p[i], l) &&
				  optable[k].path[l] == '.';
		if (!prefix)
			fprintf(stderr, "%s: unknown key %s\n", SAMPLE, ps.p[i]);
		assert_true(prefix);
	}
}

static void test_table_consistent(void **state)
{
	(void)state;
	int keyed = 1;

	for (size_t i = 0; i < optable_n; i++) {
		const struct optdef *d = &optable[i];
		/* config keys first (config.c counts them so) */
		if (!d->path)
			keyed = 0;
		else
			assert_true(keyed);
		assert_true(d->opt || d->path);
		assert_true(d->section < 8);
		if (d->opt) {
			assert_true(!strncmp(d->opt, "--", 2) && d->opt[2]);
			assert_non_null(d->help);
			assert_ptr_equal(optable_find(d->opt + 2, 0), d);
			if (d->shortopt)
				assert_ptr_equal(optable_find(NULL, d->shortopt), d);
			/* a value needs a name in --help */
			if (d->type != K_BOOL)
				assert_non_null(d->arg);
		}
		for (size_t j = i + 1; j < optable_n; j++) {
			const struct optdef *e = &optable[j];
			if (d->opt && e->opt)
				assert_string_not_equal(d->opt, e->opt);
			if (d->path && e->path)
				assert_string_not_equal(d->path, e->path);
			if (d->shortopt)
				assert_int_not_equal(d->shortopt, e->shortopt);
		}
		if (d->type == K_UINT)
			assert_true(d->min <= d->max);
		if (d->type == K_ENUM || d->type == K_MODE)
			assert_non_null(d->choices);
		if (d->set || d->type == K_MODE || d->type == K_EAL || !d->opt ||
		    !strcmp(d->opt, "--help"))
			continue;
		/* a plain field: inside struct opts, of a size that holds the value */
		assert_true(d->off + d->size <= sizeof(struct opts));
		switch (d->type) {
		case K_UINT:
			assert_true(d->size == 2 || d->size == 4 || d->size == 8);
			if (d->size < 8)
				assert_true(d->max < (1ul << (8 * d->size)));
			break;
		case K_BOOL:
			assert_int_equal(d->size, sizeof(int));
			break;
		default:
			assert_int_equal(d->size, sizeof(char *));
			break;
		}
	}
}

static void test_apply_checks_bounds(void **state)
{
	(void)state;
	static struct opts o;
	const struct optdef *w = optable_find("workers", 0);
	const struct optdef *f = optable_find("max-flows", 0);
	const struct optdef *q = optable_find(NULL, 'q');
	const struct optdef *out = optable_find(NULL, 'o');
	const struct optdef *ll = optable_find("log-level", 0);
	const struct optdef *cid = optable_find("community-id-seed", 0);

	assert_non_null(w), assert_non_null(f), assert_non_null(q);
	assert_non_null(out), assert_non_null(ll), assert_non_null(cid);
	assert_null(optable_find("no-such-option", 0));

	assert_int_equal(optable_apply(w, &o, "64"), 0);
	assert_int_equal(o.workers, 64);
	assert_int_equal(optable_apply(w, &o, "65"), 2);
	assert_int_equal(optable_apply(w, &o, "0"), 2);
	assert_int_equal(optable_apply(w, &o, "-1"), 2);
	assert_int_equal(optable_apply(w, &o, "3x"), 2);
	assert_int_equal(optable_apply(w, &o, ""), 2);
	assert_int_equal(o.workers, 64); /* a refused value sets nothing */
	assert_int_equal(optable_apply(f, &o, "268435456"), 0);
	assert_int_equal(o.ft.max_flows, 268435456u);
	assert_int_equal(optable_apply(f, &o, "268435457"), 2);
	assert_int_equal(optable_apply(cid, &o, "65535"), 0);
	assert_int_equal(o.cid_seed, 65535);
	assert_int_equal(optable_apply(cid, &o, "65536"), 2);
	assert_int_equal(optable_apply(q, &o, NULL), 0);
	assert_int_equal(o.quiet, 1);
	assert_int_equal(optable_apply(out, &o, "x.json"), 0);
	assert_string_equal(o.out_path, "x.json");
	assert_int_equal(optable_apply(ll, &o, "debug"), 0);
	assert_int_equal(optable_apply(ll, &o, "info"), 0);
	assert_int_equal(optable_apply(ll, &o, "inf"), 2);
	assert_int_equal(optable_apply(ll, &o, "infos"), 2);
	assert_int_equal(optable_apply(ll, &o, ""), 2);
}

static void test_help_lists_every_option(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	optable_help(fp);
	fclose(fp);
	for (size_t i = 0; i < optable_n; i++) {
		const struct optdef *d = &optable[i];
		char want[80];
		if (!d->opt)
			continue;
		snprintf(want, sizeof(want), "%s%s", d->opt, d->arg ? " " : "\n");
		if (d->type == K_BOOL)
			snprintf(want, sizeof(want), "%s ", d->opt);
		assert_non_null(strstr(buf, want));
		if (d->shortopt) {
			char s[8] = { '-', d->shortopt, ',', ' ', 0 };
			assert_non_null(strstr(buf, s));
		}
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_man_page_names_every_option),
		cmocka_unit_test(test_sample_config_has_every_key),
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_apply_checks_bounds),
		cmocka_unit_test(test_help_lists_every_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
