/* run_live: `vigia live -i IFACE`: a live interface through libpcap. */
#include "app.h"

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int run_live(struct pipeline *pl, const char *iface)
{
	char err[512];
	struct cap_pcap *c = cap_pcap_open_live(iface, err, sizeof(err));
	int rc = EXIT_OK;

	if (!c) {
		fprintf(stderr, "vigia: %s\n", err);
		pipeline_finish(pl, "bad input");
		return EXIT_INPUT;
	}
	g_cap = c;
	char what[128];
	snprintf(what, sizeof(what), "capturing on %s", iface);
	if (become_service(pl, SERVICE_KEEP_NONE, 1, what) != 0) {
		g_cap = NULL;
		cap_pcap_close(c);
		pipeline_finish(pl, "cannot drop privileges");
		return EXIT_INPUT;
	}
	if (!pl->o->quiet)
		fprintf(stderr, "vigia: capturing on %s (Ctrl-C to stop)\n", iface);
	worker_policy_online(pl->w[0]);
	while (!g_stop) {
		watchdog_tick();
		if (g_reopen && !g_reload)
			maybe_reload(pl);
		if (g_reload) {
			/* this thread is the worker: step out of the read side */
			worker_policy_offline(pl->w[0]);
			maybe_reload(pl);
			worker_policy_online(pl->w[0]);
		}
		int n = cap_pcap_dispatch(c, 256, deliver_one, pl);
		if (n == -2)
			break;
		if (n < 0) {
			fprintf(stderr, "vigia: %s: %s\n", iface, cap_pcap_error(c));
			rc = EXIT_INPUT;
			break;
		}
		if (n == 0) /* quiet link: the clock still moves */
			for (unsigned i = 0; i < pl->nw; i++)
				worker_advance(pl->w[i], wall_us());
		if (pl->show_progress)
			show_progress(pl, pl->pkts, 0, 0, 0);
	}
	g_cap = NULL;
	worker_policy_offline(pl->w[0]);
	uint64_t recv, drop;
	if (cap_pcap_live_stats(c, &recv, &drop) == 0 && !pl->o->quiet)
		fprintf(stderr, "\nvigia: %s: %" PRIu64 " received by filter, %"
			PRIu64 " dropped by kernel/interface\n", iface, recv, drop);
	cap_pcap_close(c);
	int frc = pipeline_finish(pl, rc ? "capture error" : "ok");
	return rc ? rc : frc;
}

int cmd_live(int argc, char **argv)
{
	struct pipeline *pl;
	int rc = capture_opts(argc, argv, &pl);

	if (rc)
		return rc;
	struct opts *o = pl->o;
	if (!o->iface) {
		fprintf(stderr, "vigia: live needs -i IFACE\n");
		return EXIT_USAGE;
	}
	if (argc - optind > 0) {
		fprintf(stderr, "vigia: live takes no file arguments\n");
		return EXIT_USAGE;
	}
	if (o->workers > 1 || o->preload || o->raw_read || o->decode_only) {
		fprintf(stderr, "vigia: live capture runs one worker; -w, --preload "
				"and --raw-read/--decode-only are for replay (use DPDK for more)\n");
		return EXIT_USAGE;
	}
	rc = pipeline_init(pl, o, 0);
	if (rc)
		return rc;
	pl->show_progress = !o->quiet && (o->progress == 1 ||
			   (o->progress == -1 && isatty(STDERR_FILENO)));
	return run_live(pl, o->iface);
}
