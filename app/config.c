/* config: the YAML config file as command-line options (see config.h).
 *
 * The option table (optable.c) names every key: its dotted path, the option
 * it becomes and the type and bounds of its value, the very bounds the
 * flag's parser checks: the loader reports a number out of range at its line
 * and column, and the flag's parser, which sees the value afterwards, would
 * refuse exactly the same. Mappings are implied by the paths. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "optable.h"

/* The keys are the option table's (optable.h): its entries with a path. */
#define keys optable
#define NKEYS config_nkeys()

/* The table lists the keyed options first; the command line's own follow. */
static size_t config_nkeys(void)
{
	size_t n = 0;

	while (n < optable_n && optable[n].path)
		n++;
	return n;
}
#define MAX_PATH_LEN 64 /* longest dotted key path, with room to spare */

struct ctx {
	const char *name;
	char dir[CONFIG_MAX_VAL + 1]; /* the config's folder, "" if none */
	yaml_document_t *doc;
	struct config *cfg;
	unsigned cap;
	char *err;
	size_t errlen;
};

/* ---- errors ----------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int fail(struct ctx *c, const yaml_mark_t *m, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m)
		snprintf(c->err, c->errlen, "%s:%zu:%zu: %s", c->name, m->line + 1,
			 m->column + 1, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->name, msg);
	return -1;
}

static int is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	const char *s = (const char *)n->data.scalar.value;
	return !s[0] || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* What a node is, for "expected X, got Y". */
static const char *got(const yaml_node_t *n, char *buf, size_t len)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (n->type != YAML_SCALAR_NODE)
		return "nothing";
	if (!n->data.scalar.length)
		return "an empty string";
	snprintf(buf, len, "'%.40s%s'", (const char *)n->data.scalar.value,
		 n->data.scalar.length > 40 ? "..." : "");
	return buf;
}

static void expected(const struct optdef *k, char *buf, size_t len)
{
	switch (k->type) {
	case K_STR: snprintf(buf, len, "a string"); break;
	case K_PATH: snprintf(buf, len, "a path"); break;
	case K_UINT: snprintf(buf, len, "a number from %lu to %lu", k->min, k->max); break;
	case K_BOOL: snprintf(buf, len, "true or false"); break;
	case K_LIST: case K_EAL: snprintf(buf, len, "a list of strings"); break;
	case K_CSV: snprintf(buf, len, "a list of strings or one string"); break;
	case K_ENUM: case K_MODE: {
		size_t o = 0;
		o += (size_t)snprintf(buf, len, "one of ");
		for (const char *s = k->choices; *s && o + 2 < len; s++) {
			if (*s == '|') {
				buf[o++] = ',';
				buf[o++] = ' ';
			} else {
				buf[o++] = *s;
			}
		}
		buf[o < len ? o : len - 1] = 0;
		break;
	}
	}
}

static int wrong(struct ctx *c, const struct optdef *k, const yaml_node_t *n)
{
	char want[96], buf[64];

	expected(k, want, sizeof(want));
	return fail(c, &n->start_mark, "%s: expected %s, got %s", k->path, want,
		    got(n, buf, sizeof(buf)));
}

/* ---- the table ---------------------------------------------------------- */

static const struct optdef *find_key(const char *path)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].path, path))
			return &keys[i];
	return NULL;
}

/* Is path ("outputs.redis") a mapping of the table? */
static int is_map(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < NKEYS; i++)
		if (!strncmp(keys[i].path, path, n) && keys[i].path[n] == '.')
			return 1;
	return 0;
}

/* The names valid under prefix ("" for the top), comma-separated. */
static void valid_keys(const char *prefix, char *out, size_t len)
{
	size_t plen = strlen(prefix), o = 0;

	out[0] = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		const char *p = keys[i].path;
		if (plen && (strncmp(p, prefix, plen) || p[plen] != '.'))
			continue;
		const char *name = plen ? p + plen + 1 : p;
		size_t nl = strcspn(name, ".");
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++) {
			const char *q = keys[j].path;
			if (plen && (strncmp(q, prefix, plen) || q[plen] != '.'))
				continue;
			const char *qn = plen ? q + plen + 1 : q;
			seen = strcspn(qn, ".") == nl && !strncmp(qn, name, nl);
		}
		if (!seen && o < len)
			o += (size_t)snprintf(out + o, len - o, "%s%.*s", o ? ", " : "",
					      (int)nl, name);
	}
}

/* ---- values -------------------------------------------------------------- */

static struct config_arg *new_arg(struct ctx *c, const struct optdef *k,
				  const yaml_node_t *at)
{
	struct config *cfg = c->cfg;

	if (cfg->n == c->cap) {
		unsigned nc = c->cap ? c->cap * 2 : 16;
		struct config_arg *a = realloc(cfg->args, nc * sizeof(*a));
		if (!a)
			return NULL;
		cfg->args = a;
		c->cap = nc;
	}
	struct config_arg *a = &cfg->args[cfg->n++];
	memset(a, 0, sizeof(*a));
	snprintf(a->opt, sizeof(a->opt), "%s", k->opt);
	a->line = (unsigned)at->start_mark.line + 1;
	a->col = (unsigned)at->start_mark.column + 1;
	return a;
}

/* A scalar as a string: no NUL inside, not empty, at most CONFIG_MAX_VAL. */
static int str_of(struct ctx *c, const struct optdef *k, const yaml_node_t *n,
		  const char **out)
{
	if (n->type != YAML_SCALAR_NODE || !n->data.scalar.length)
		return wrong(c, k, n);
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return fail(c, &n->start_mark, "%s: contains a NUL byte", k->path);
	if (n->data.scalar.length > CONFIG_MAX_VAL)
		return fail(c, &n->start_mark, "%s: longer than %d bytes", k->path,
			    CONFIG_MAX_VAL);
	*out = (const char *)n->data.scalar.value;
	return 0;
}

static int add_value(struct ctx *c, const struct optdef *k, const yaml_node_t *n,
		     const char *v)
{
	struct config_arg *a = new_arg(c, k, n);

	if (!a)
		return fail(c, NULL, "out of memory");
	a->has_val = 1;
	if (k->type == K_PATH && v[0] != '/' && strcmp(v, "-") && c->dir[0]) {
		if ((size_t)snprintf(a->val, sizeof(a->val), "%s/%s", c->dir, v) >=
		    sizeof(a->val))
			return fail(c, &n->start_mark, "%s: longer than %d bytes with "
				    "the config's folder in front", k->path, CONFIG_MAX_VAL);
	} else {
		snprintf(a->val, sizeof(a->val), "%s", v);
	}
	return 0;
}

static int load_uint(struct ctx *c, const struct optdef *k, const yaml_node_t *n)
{
	const char *s;
	unsigned long v = 0;

	if (n->type != YAML_SCALAR_NODE || !n->data.scalar.length ||
	    n->data.scalar.length > 12)
		return wrong(c, k, n);
	s = (const char *)n->data.scalar.value;
	for (size_t i = 0; i < n->data.scalar.length; i++) {
		if (s[i] < '0' || s[i] > '9')
			return wrong(c, k, n);
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < k->min || v > k->max)
		return wrong(c, k, n);
	return add_value(c, k, n, s);
}

static int load_choice(struct ctx *c, const struct optdef *k, const yaml_node_t *n,
		       const char **out)
{
	size_t len = n->type == YAML_SCALAR_NODE ? n->data.scalar.length : 0;
	const char *s = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";

	for (const char *p = k->choices; len && *p;) {
		size_t w = strcspn(p, "|");
		if (w == len && !memcmp(p, s, len)) {
			*out = s;
			return 0;
		}
		p += w + (p[w] == '|');
	}
	return wrong(c, k, n);
}

static yaml_node_t *item(struct ctx *c, const yaml_node_item_t *it)
{
	return yaml_document_get_node(c->doc, *it);
}

static int load_list(struct ctx *c, const struct optdef *k, const yaml_node_t *n)
{
	const yaml_node_item_t *it;
	unsigned count;
	char joined[CONFIG_MAX_VAL + 1];
	size_t jl = 0;

	if (k->type == K_CSV && n->type == YAML_SCALAR_NODE) {
		const char *s;
		return str_of(c, k, n, &s) ? -1 : add_value(c, k, n, s);
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return wrong(c, k, n);
	it = n->data.sequence.items.start;
	count = (unsigned)(n->data.sequence.items.top - it);
	if (count > k->max)
		return fail(c, &n->start_mark, "%s: more than %lu entries", k->path,
			    k->max);
	if (!count && k->type == K_CSV)
		return fail(c, &n->start_mark, "%s: an empty list (to run none, "
			    "write: %s: none)", k->path, k->path);
	if (k->type == K_EAL) {
		if (c->cfg->eal)
			return fail(c, &n->start_mark, "%s: given twice", k->path);
		c->cfg->eal = calloc(count + 1, sizeof(char *));
		if (!c->cfg->eal)
			return fail(c, NULL, "out of memory");
	}
	for (; it < n->data.sequence.items.top; it++) {
		const yaml_node_t *e = item(c, it);
		const char *s;
		if (!e || str_of(c, k, e, &s))
			return e ? -1 : wrong(c, k, n);
		if (k->type == K_LIST) {
			if (add_value(c, k, e, s))
				return -1;
		} else if (k->type == K_EAL) {
			c->cfg->eal[c->cfg->neal] = strdup(s);
			if (!c->cfg->eal[c->cfg->neal++])
				return fail(c, NULL, "out of memory");
		} else {
			if (strchr(s, ','))
				return fail(c, &e->start_mark, "%s: '%.40s': one name "
					    "per list entry", k->path, s);
			size_t sl = strlen(s);
			if (jl + !!jl + sl > CONFIG_MAX_VAL)
				return fail(c, &e->start_mark, "%s: longer than %d bytes "
					    "joined", k->path, CONFIG_MAX_VAL);
			if (jl)
				joined[jl++] = ',';
			memcpy(joined + jl, s, sl);
			jl += sl;
			joined[jl] = 0;
		}
	}
	return k->type == K_CSV ? add_value(c, k, n, joined) : 0;
}

static int load_value(struct ctx *c, const struct optdef *k, const yaml_node_t *n)
{
	const char *s;

	if (is_null(n))
		return 0; /* unset: the option's default */
	switch (k->type) {
	case K_STR:
	case K_PATH:
		return str_of(c, k, n, &s) ? -1 : add_value(c, k, n, s);
	case K_UINT:
		return load_uint(c, k, n);
	case K_BOOL:
		s = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
		if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
			struct config_arg *a = new_arg(c, k, n);
			return a ? 0 : fail(c, NULL, "out of memory");
		}
		if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))
			return 0;
		return wrong(c, k, n);
	case K_ENUM:
		return load_choice(c, k, n, &s) ? -1 : add_value(c, k, n, s);
	case K_MODE:
		if (load_choice(c, k, n, &s))
			return -1;
		snprintf(c->cfg->mode, sizeof(c->cfg->mode), "%s",
			 !strcmp(s, "pcap") ? "live" : s);
		return 0;
	case K_LIST:
	case K_CSV:
	case K_EAL:
		return load_list(c, k, n);
	}
	return wrong(c, k, n);
}

/* ---- mappings ------------------------------------------------------------ */

static int load_map(struct ctx *c, const yaml_node_t *map, const char *prefix)
{
	const yaml_node_pair_t *start = map->data.mapping.pairs.start;

	for (const yaml_node_pair_t *p = start; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
		const yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
		char path[MAX_PATH_LEN + 2], valid[512];

		if (!kn || !vn)
			return fail(c, &map->start_mark, "%s: broken mapping",
				    prefix[0] ? prefix : "config");
		if (kn->type != YAML_SCALAR_NODE || !kn->data.scalar.length ||
		    strlen((const char *)kn->data.scalar.value) != kn->data.scalar.length)
			return fail(c, &kn->start_mark, "keys must be names, not %s",
				    kn->type == YAML_MAPPING_NODE ? "mappings"
				    : kn->type == YAML_SEQUENCE_NODE ? "lists"
								    : "empty");
		const char *name = (const char *)kn->data.scalar.value;
		int pl = snprintf(path, sizeof(path), "%s%s%s", prefix,
				  prefix[0] ? "." : "", name);
		const struct optdef *k = pl <= MAX_PATH_LEN ? find_key(path) : NULL;
		int sub = !k && pl <= MAX_PATH_LEN && is_map(path);
		if (!k && !sub) {
			valid_keys(prefix, valid, sizeof(valid));
			return fail(c, &kn->start_mark, "unknown key '%.64s'%s%s (valid: %s)",
				    name, prefix[0] ? " in " : "", prefix, valid);
		}
		/* every key before this one is known, so this is bounded by the
		 * number of keys at this level */
		for (const yaml_node_pair_t *q = start; q < p; q++) {
			const yaml_node_t *qk = yaml_document_get_node(c->doc, q->key);
			if (!strcmp((const char *)qk->data.scalar.value, name))
				return fail(c, &kn->start_mark, "duplicate key '%s' "
					    "(first at line %zu)", path,
					    qk->start_mark.line + 1);
		}
		if (k) {
			if (load_value(c, k, vn))
				return -1;
		} else if (vn->type == YAML_MAPPING_NODE) {
			if (load_map(c, vn, path))
				return -1;
		} else if (!is_null(vn)) {
			char buf[64];
			valid_keys(path, valid, sizeof(valid));
			return fail(c, &vn->start_mark, "%s: expected a mapping (%s), "
				    "got %s", path, valid, got(vn, buf, sizeof(buf)));
		}
	}
	return 0;
}

/* ---- loading --------------------------------------------------------------- */

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->args);
	if (cfg->eal)
		for (unsigned i = 0; i < cfg->neal; i++)
			free(cfg->eal[i]);
	free(cfg->eal);
	memset(cfg, 0, sizeof(*cfg));
}

static int load_doc(struct ctx *c, yaml_parser_t *parser)
{
	yaml_document_t doc2;
	yaml_node_t *root = yaml_document_get_root_node(c->doc);

	if (root && root->type == YAML_MAPPING_NODE) {
		if (load_map(c, root, ""))
			return -1;
	} else if (root && !is_null(root)) {
		char buf[64];
		return fail(c, &root->start_mark, "expected a mapping of keys "
			    "(sensor:, workers:, ...), got %s", got(root, buf, sizeof(buf)));
	}
	/* one document per file: a second one is a mistake, not ignored */
	if (!yaml_parser_load(parser, &doc2))
		return fail(c, &parser->problem_mark, "bad YAML: %s",
			    parser->problem ? parser->problem : "error");
	yaml_node_t *r2 = yaml_document_get_root_node(&doc2);
	int rc = 0;
	if (r2)
		rc = fail(c, &doc2.start_mark, "a second YAML document: one config "
			  "per file");
	yaml_document_delete(&doc2);
	return rc;
}

int config_load_buffer(const char *name, const char *buf, size_t len,
		       struct config *cfg, char *err, size_t errlen)
{
	struct ctx c = { .name = name, .cfg = cfg, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	const char *slash = strrchr(name, '/');
	if (slash)
		snprintf(c.dir, sizeof(c.dir), "%.*s", (int)(slash - name), name);
	if (slash == name)
		snprintf(c.dir, sizeof(c.dir), "/");
	if (len > CONFIG_MAX_FILE)
		return fail(&c, NULL, "larger than %d bytes", CONFIG_MAX_FILE);
	if (!yaml_parser_initialize(&parser))
		return fail(&c, NULL, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = parser.error == YAML_MEMORY_ERROR
			     ? fail(&c, NULL, "out of memory")
			     : fail(&c, &parser.problem_mark, "bad YAML: %s%s%s",
				    parser.problem ? parser.problem : "error",
				    parser.context ? " " : "",
				    parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		config_free(cfg);
		return rc;
	}
	c.doc = &doc;
	rc = load_doc(&c, &parser);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc) {
		config_free(cfg);
		snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	}
	return rc;
}

int config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	struct stat sb;
	char *buf = NULL;
	int rc = -1;
	FILE *f = fopen(path, "rb");

	memset(cfg, 0, sizeof(*cfg));
	if (!f) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (sb.st_size > CONFIG_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, CONFIG_MAX_FILE);
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	size_t n = fread(buf, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	rc = config_load_buffer(path, buf, n, cfg, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

/* ---- use ---------------------------------------------------------------------- */

char **config_argv(const struct config *cfg, int argc, char **argv, int *out_argc)
{
	unsigned n = cfg ? cfg->n : 0;
	size_t total = 1 + 2 * (size_t)n + (argc > 1 ? (size_t)argc - 1 : 0);
	char **v = calloc(total + 1, sizeof(char *));
	size_t o = 0;

	if (!v) {
		errno = ENOMEM;
		return NULL;
	}
	v[o++] = argc > 0 && argv[0] ? argv[0] : (char *)"vigia";
	for (unsigned i = 0; i < n; i++) {
		v[o++] = (char *)cfg->args[i].opt;
		if (cfg->args[i].has_val)
			v[o++] = (char *)cfg->args[i].val;
	}
	for (int i = 1; i < argc; i++)
		v[o++] = argv[i];
	v[o] = NULL;
	*out_argc = (int)o;
	return v;
}

void config_free_argv(char **v)
{
	free(v);
}

const char *config_origin(const struct config *cfg, const char *opt, char *buf,
			  size_t len)
{
	const struct config_arg *hit = NULL;

	if (!cfg || !opt)
		return NULL;
	/* optarg: one of our own strings, or not from the config at all */
	for (unsigned i = 0; i < cfg->n && !hit; i++)
		if (opt == cfg->args[i].val || opt == cfg->args[i].opt)
			hit = &cfg->args[i];
	if (!hit && opt[0] == '-') {
		/* a name: "-w" is "--workers" */
		if (opt[1] && opt[1] != '-' && !opt[2])
			for (size_t k = 0; k < NKEYS; k++)
				if (keys[k].shortopt == opt[1])
					opt = keys[k].opt;
		for (unsigned i = 0; i < cfg->n; i++)
			if (!strcmp(cfg->args[i].opt, opt))
				hit = &cfg->args[i];
	}
	if (!hit)
		return NULL;
	snprintf(buf, len, "%s:%u:%u", cfg->file, hit->line, hit->col);
	return buf;
}
