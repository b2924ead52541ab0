/* run_dpdk: `vigia dpdk -- EAL-ARGS`: the DPDK fast path, one worker per lcore. */
#include "app.h"

struct stats_thr {
	struct dpdk_ctx *c;
	struct pipeline *pl;
	unsigned interval;
	volatile int done;
};

static void *dpdk_stats_main(void *arg)
{
	struct stats_thr *t = arg;
	struct dpdk_stats s;
	unsigned waited = 0;

	while (!t->done) {
		struct timespec ts = { 0, 100 * 1000000 };
		nanosleep(&ts, NULL);
		watchdog_tick();
		maybe_reload(t->pl); /* SIGHUP: the lcores are all workers */
		if (!t->interval || ++waited < t->interval * 10)
			continue;
		waited = 0;
		dpdk_get_stats(t->c, &s);
		fprintf(stderr, "vigia: port: %" PRIu64 " rx, %" PRIu64 " missed, %"
			PRIu64 " no mbuf, %" PRIu64 " errors; workers:", s.ipackets,
			s.imissed, s.rx_nombuf, s.ierrors);
		for (unsigned i = 0; i < s.nq; i++)
			fprintf(stderr, " %" PRIu64, s.worker_pkts[i]);
		fprintf(stderr, "\n");
	}
	return NULL;
}

static int run_dpdk(struct pipeline *pl, struct opts *o, int nargs, char **args)
{
	char err[512];
	char **eal = calloc((size_t)nargs + 2, sizeof(char *));

	if (!eal)
		return EXIT_INPUT;
	eal[0] = (char *)"vigia";
	for (int i = 0; i < nargs; i++)
		eal[i + 1] = args[i];
	o->dpdk.eal_argc = nargs + 1;
	o->dpdk.eal_argv = eal;
	o->dpdk.stop = &g_stop;
	o->dpdk.reasm_mem = o->reasm_mb << 20;
	o->dpdk.reasm_timeout_us = (o->reasm_timeout_s ? o->reasm_timeout_s : 30) * 1000000ULL;
	struct dpdk_ctx *c = dpdk_open(&o->dpdk, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "vigia: %s\n", err);
		free(eal);
		return EXIT_INPUT;
	}
	o->workers = dpdk_nb_queues(c);
	/* a vdev replay (idle stop) is lossless like replay; a live NIC drops
	 * and counts events rather than stall its RX queues */
	int rc = pipeline_init(pl, o, o->dpdk.idle_stop_ms != 0 ? PL_LOSSLESS : 0);
	if (rc) {
		dpdk_close(c);
		free(eal);
		return rc;
	}
	pl->show_progress = 0;
	if (!o->quiet)
		fprintf(stderr, "vigia: DPDK capture, %u worker%s (Ctrl-C to stop)\n",
			o->workers, o->workers > 1 ? "s" : "");
	struct stats_thr st = { c, pl, o->stats_interval, 0 };
	pthread_t thr;
	if (become_service(pl, SERVICE_KEEP_CAPTURE, 1, "DPDK capture") != 0) {
		pipeline_finish(pl, "cannot drop privileges");
		dpdk_close(c);
		free(eal);
		return EXIT_INPUT;
	}
	/* this thread turns the reloads, reopens and the watchdog */
	int have_thr = pthread_create(&thr, NULL, dpdk_stats_main, &st) == 0;
	dpdk_run(c, pl->w);
	if (have_thr) {
		st.done = 1;
		pthread_join(thr, NULL);
	}
	dpdk_get_stats(c, &pl->dstats);
	pl->have_dpdk = 1;
	for (unsigned i = 0; i < pl->dstats.nq; i++)
		pl->pkts += pl->dstats.worker_pkts[i];
	rc = pipeline_finish(pl, g_stop ? "interrupted" : "ok");
	dpdk_close(c);
	free(eal);
	return rc;
}

int cmd_dpdk(int argc, char **argv)
{
	struct pipeline *pl;
	int rc = capture_opts(argc, argv, &pl);

	if (rc)
		return rc;
	struct opts *o = pl->o;
	if (o->workers > 1 || o->preload || o->raw_read || o->decode_only) {
		fprintf(stderr, "vigia: dpdk runs one worker per EAL lcore "
				"(-l/--lcores after --); -w, --preload and "
				"--raw-read/--decode-only are for replay\n");
		return EXIT_USAGE;
	}
	return run_dpdk(pl, o, argc - optind, argv + optind);
}
