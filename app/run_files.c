/* run_files: `vigia replay FILE...`: capture files through the pipeline. */
#include "app.h"

static int run_files(struct pipeline *pl, char **files, int nfiles)
{
	char err[512];
	struct replay_result res;
	struct replay_cfg rc = {
		.files = files,
		.nfiles = nfiles,
		.nworkers = pl->nw,
		.workers = pl->w,
		.mode = pl->o->raw_read      ? REPLAY_RAW_READ
			: pl->o->decode_only ? REPLAY_DECODE_ONLY
					     : REPLAY_PIPELINE,
		.preload_repeat = pl->o->preload,
		.stop = &g_stop,
		.reasm_mem = pl->o->reasm_mb << 20,
		.reasm_timeout_us = (pl->o->reasm_timeout_s ? pl->o->reasm_timeout_s : 30) * 1000000ULL,
	};
	struct replay *r = replay_create(&rc, err, sizeof(err));

	if (!r) {
		fprintf(stderr, "vigia: %s\n", err);
		pipeline_finish(pl, "bad input");
		return EXIT_INPUT;
	}
	if (replay_start(r) != 0) {
		fprintf(stderr, "vigia: cannot start replay\n");
		replay_destroy(r);
		pipeline_finish(pl, "bad input");
		return EXIT_INPUT;
	}
	while (!replay_done(r)) {
		struct timespec ts = { 0, 50 * 1000000 };
		nanosleep(&ts, NULL);
		maybe_reload(pl);
		if (pl->show_progress) {
			struct replay_progress p;
			replay_get_progress(r, &p);
			show_progress(pl, p.pkts, p.file_bytes, p.total_bytes, 0);
		}
	}
	replay_finish(r, &res);
	replay_destroy(r);
	maybe_reload(pl); /* a SIGHUP that came in the last moments still counts */
	pl->pkts = res.pkts;
	pl->replay = res;
	pl->have_replay = 1;
	if (pl->show_progress)
		show_progress(pl, res.pkts, 1, 1, 1);
	const char *status = "ok";
	if (res.status == 1) {
		fprintf(stderr, "%svigia: %s\n", pl->show_progress ? "\n" : "",
			res.error);
		status = "bad input";
	} else if (res.status == 2 || g_stop) {
		status = "interrupted";
	}
	int frc = pipeline_finish(pl, status);
	return res.status == 1 ? EXIT_INPUT : frc;
}


int cmd_replay(int argc, char **argv)
{
	struct pipeline *pl;
	int rc = capture_opts(argc, argv, &pl);

	if (rc)
		return rc;
	struct opts *o = pl->o;
	int nfiles = argc - optind;
	char **files = argv + optind;
	if (nfiles < 1) {
		fprintf(stderr, "vigia: replay needs at least one capture file\n");
		return EXIT_USAGE;
	}
	rc = pipeline_init(pl, o, PL_LOSSLESS | PL_TIME_DECIDED);
	if (rc)
		return rc;
	if (become_service(pl, SERVICE_KEEP_NONE, 0, "replaying") != 0) {
		pipeline_finish(pl, "cannot drop privileges");
		return EXIT_INPUT;
	}
	pl->show_progress = !o->quiet && (o->progress == 1 ||
			   (o->progress == -1 && isatty(STDERR_FILENO)));
	return run_files(pl, files, nfiles);
}
