#include "spool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_MAGIC 0x56475350u /* "VGSP" */

/* on-disk record header, little endian as the host writes it */
struct rec_hdr {
	uint32_t total;            /* header + strings + json */
	uint8_t fam, sev;
	uint16_t etype_len, seg_len;
	uint16_t pad;
	uint64_t id_ms, id_seq;
};

static int spool_write_rec(FILE *f, const struct spool_rec *e)
{
	struct rec_hdr h;
	size_t el = strlen(e->etype), sl = strlen(e->segment);

	memset(&h, 0, sizeof(h));
	h.total = (uint32_t)(sizeof(h) + el + sl + e->len);
	h.fam = e->fam;
	h.sev = e->sev;
	h.etype_len = (uint16_t)el;
	h.seg_len = (uint16_t)sl;
	h.id_ms = e->id_ms;
	h.id_seq = e->id_seq;
	if (fwrite(&h, sizeof(h), 1, f) != 1 || fwrite(e->etype, 1, el, f) != el ||
	    fwrite(e->segment, 1, sl, f) != sl ||
	    fwrite(e->json, 1, e->len, f) != e->len)
		return -EIO;
	return (int)h.total;
}

/* Read the next record into *e (json allocated). 1 ok, 0 end, -1 bad,
 * -2 torn: the file ends inside it (a write the process did not finish). */
static int spool_read_rec(FILE *f, unsigned nfam, struct spool_rec *e)
{
	struct rec_hdr h;
	size_t got = fread(&h, 1, sizeof(h), f);

	if (got != sizeof(h))
		return got ? -2 : 0;
	if (h.fam >= nfam || h.etype_len >= sizeof(e->etype) ||
	    h.seg_len >= sizeof(e->segment) ||
	    h.total < sizeof(h) + h.etype_len + h.seg_len || h.total > (64u << 20))
		return -1;
	memset(e, 0, sizeof(*e));
	e->fam = h.fam;
	e->sev = h.sev;
	e->id_ms = h.id_ms;
	e->id_seq = h.id_seq;
	e->len = h.total - sizeof(h) - h.etype_len - h.seg_len;
	e->json = malloc(e->len + 1);
	if (!e->json)
		return -1;
	if (fread(e->etype, 1, h.etype_len, f) != h.etype_len ||
	    fread(e->segment, 1, h.seg_len, f) != h.seg_len ||
	    fread(e->json, 1, e->len, f) != e->len) {
		free(e->json);
		return -2;
	}
	e->json[e->len] = 0;
	return 1;
}

int spool_open(struct spool *sp, const char *dir, const char *name, uint64_t max_bytes,
	       unsigned nfam, unsigned keep_fam, uint64_t *id_floor_ms, char *err,
	       size_t errlen)
{
	struct stat sb;

	memset(sp, 0, sizeof(*sp));
	sp->max_bytes = max_bytes;
	sp->nfam = nfam;
	sp->keep_fam = keep_fam;
	if (!dir)
		return 0;
	mkdir(dir, 0750);
	snprintf(sp->path, sizeof(sp->path), "%s/%s.spool", dir, name);
	sp->f = fopen(sp->path, "a+b");
	if (!sp->f) {
		snprintf(err, errlen, "spool %s: %s", sp->path, strerror(errno));
		return -1;
	}
	fstat(fileno(sp->f), &sb);
	if (sb.st_size == 0) {
		uint32_t m = SPOOL_MAGIC;
		fwrite(&m, sizeof(m), 1, sp->f);
		fflush(sp->f);
		return 0;
	}
	/* resume: count what waits, and keep new ids above the spooled ones */
	uint32_t m = 0;
	rewind(sp->f);
	if (fread(&m, sizeof(m), 1, sp->f) != 1 || m != SPOOL_MAGIC) {
		snprintf(err, errlen, "spool %s: not a vigia spool", sp->path);
		return -1;
	}
	struct spool_rec e;
	int r;
	long good = ftell(sp->f);
	while ((r = spool_read_rec(sp->f, sp->nfam, &e)) == 1) {
		sp->records++;
		if (e.id_ms >= *id_floor_ms)
			*id_floor_ms = e.id_ms + 1;
		free(e.json);
		good = ftell(sp->f);
	}
	if (r == -1) {
		snprintf(err, errlen, "spool %s: damaged record after %llu",
			 sp->path, (unsigned long long)sp->records);
		return -1;
	}
	sp->bytes = (uint64_t)sb.st_size;
	if (r == -2 && good > 0) {
		/* the last write was cut short (a crash, a full disk): drop its
		 * part, or what follows would be read as its rest */
		fflush(sp->f);
		if (ftruncate(fileno(sp->f), good) != 0) {
			snprintf(err, errlen, "spool %s: cannot cut a torn record: %s", sp->path,
				 strerror(errno));
			return -1;
		}
		sp->torn_bytes = sp->bytes - (uint64_t)good;
		sp->bytes = (uint64_t)good;
	}
	fseek(sp->f, 0, SEEK_END);
	return 0;
}

/* Make room for `need` bytes: rewrite the spool without its oldest
 * flows/stats/anomalies and, only if those are not enough, its oldest
 * alerts, down to 3/4 of the limit. */
static void spool_compact(struct spool *sp, uint64_t need)
{
	char tmp[600];
	uint64_t size = sp->bytes;
	struct spool_rec e;
	int r;

	if (size + need <= sp->max_bytes)
		return;
	uint64_t drop = size + need - sp->max_bytes * 3 / 4;
	uint64_t non_alert = 0;
	fflush(sp->f);
	FILE *in = fopen(sp->path, "rb");
	if (!in)
		return;
	fseek(in, sizeof(uint32_t), SEEK_SET);
	while ((r = spool_read_rec(in, sp->nfam, &e)) == 1) {
		if (e.fam != sp->keep_fam)
			non_alert += sizeof(struct rec_hdr) + strlen(e.etype) +
				     strlen(e.segment) + e.len;
		free(e.json);
	}
	uint64_t from_alerts = drop > non_alert ? drop - non_alert : 0;
	uint64_t freed_na = 0, freed_a = 0, written = sizeof(uint32_t), kept = 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", sp->path);
	FILE *out = fopen(tmp, "wb");
	if (!out) {
		fclose(in);
		return;
	}
	uint32_t m = SPOOL_MAGIC;
	fwrite(&m, sizeof(m), 1, out);
	fseek(in, sizeof(uint32_t), SEEK_SET);
	while ((r = spool_read_rec(in, sp->nfam, &e)) == 1) {
		uint64_t rl = sizeof(struct rec_hdr) + strlen(e.etype) +
			      strlen(e.segment) + e.len;
		if (e.fam != sp->keep_fam && freed_na < drop) {
			freed_na += rl;
			sp->dropped++;
		} else if (e.fam == sp->keep_fam && freed_a < from_alerts) {
			freed_a += rl;
			sp->dropped++;
		} else {
			spool_write_rec(out, &e);
			written += rl;
			kept++;
		}
		free(e.json);
	}
	fclose(in);
	if (fclose(out) != 0 || rename(tmp, sp->path) != 0) {
		unlink(tmp);
		return;
	}
	fclose(sp->f);
	sp->f = fopen(sp->path, "a+b");
	sp->bytes = written;
	sp->records = kept;
}

void spool_append(struct spool *sp, const struct spool_rec *e)
{
	if (!sp->f) {
		sp->dropped++;
		return;
	}
	uint64_t rl = sizeof(struct rec_hdr) + strlen(e->etype) +
		      strlen(e->segment) + e->len;
	spool_compact(sp, rl);
	if (!sp->f) {
		sp->dropped++;
		return;
	}
	fseek(sp->f, 0, SEEK_END);
	if (spool_write_rec(sp->f, e) < 0) {
		sp->dropped++;
		return;
	}
	sp->records++;
	sp->spooled++;
	sp->bytes += rl;
}

/* Replay the spool in order; truncate it once everything landed. */
int spool_replay(struct spool *sp, spool_send_fn send, void *ctx)
{
	struct spool_rec batch[64];
	unsigned n = 0;
	int r;

	if (!sp->f || !sp->records)
		return 0;
	fflush(sp->f);
	FILE *in = fopen(sp->path, "rb");
	if (!in)
		return -1;
	fseek(in, sizeof(uint32_t), SEEK_SET);
	for (;;) {
		r = spool_read_rec(in, sp->nfam, &batch[n]);
		if (r == 1 && ++n < sizeof(batch) / sizeof(batch[0]))
			continue;
		if (n) {
			unsigned done = send(ctx, batch, n);
			for (unsigned i = 0; i < n; i++)
				free(batch[i].json);
			if (done < n) {
				fclose(in);
				return -1; /* connection lost: the spool stays whole */
			}
			n = 0;
		}
		if (r != 1)
			break;
	}
	fclose(in);
	/* everything landed: start an empty spool */
	fclose(sp->f);
	sp->f = fopen(sp->path, "w+b");
	if (sp->f) {
		uint32_t m = SPOOL_MAGIC;
		fwrite(&m, sizeof(m), 1, sp->f);
		fflush(sp->f);
	}
	sp->records = 0;
	sp->bytes = sizeof(uint32_t);
	return 0;
}

void spool_flush(struct spool *sp)
{
	if (sp->f)
		fflush(sp->f);
}

void spool_close(struct spool *sp)
{
	if (sp->f)
		fclose(sp->f);
	sp->f = NULL;
}
