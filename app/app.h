/* app: the program's room - the internal face its files share (options,
 * pipeline assembly, run modes, subcommands, summary). Nothing outside app/
 * includes it. Exit status everywhere: 0 ok, 1 bad input, 2 bad usage. */
#ifndef VIGIA_APP_H
#define VIGIA_APP_H

#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../dataplane/capture_dpdk.h"
#include "../dataplane/capture_pcap.h"
#include "../dataplane/classify.h"
#include "config.h"
#include "opts.h"
#include "devices.h"
#include "../dataplane/decode.h"
#include "preflight.h"
#include "../detectors/analytics.h"
#include "../policies/policy_ref.h"
#include "../dataplane/replay.h"
#include "../dataplane/session.h"
#include "../dataplane/worker.h"
#include "../telemetry/community_id.h"
#include "../telemetry/log.h"
#include "service.h"
#include "../telemetry/redis_consumer.h"
#include "../telemetry/http_status.h"
#include "../telemetry/status.h"
#include "../telemetry/state_store.h"
#include "../telemetry/telemetry.h"

#ifndef VIGIA_VERSION
#define VIGIA_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2 };


struct pipeline {
	struct opts *o;
	struct worker *w[64];
	struct evq *q[64];
	unsigned nw;
	struct telemetry *tel;
	FILE *out;
	int out_owned;
	/* progress */
	uint64_t pkts;
	struct replay_result replay;
	int have_replay;
	struct dpdk_stats dstats;
	int have_dpdk;
	struct redis_sink *redis;
	struct policy_ref *pref;
	struct analytics *an;         /* cross-flow detectors; NULL: none */
	struct status *status;        /* --metrics-listen: the live aggregate */
	/* live capture: learnt state saved (and shared) every state_interval */
	pthread_t state_thr;
	int state_thr_on, state_stop;
	uint64_t checkpoints;
	/* workers' load: CPU time of their threads between two scrapes */
	pthread_mutex_t busy_mu;
	double busy_at;
	uint64_t busy_cpu[STATUS_MAX_WORKERS];
	double busy[STATUS_MAX_WORKERS];
	struct http_status *http;     /* ... and its listener */
	uint64_t pol_hash;            /* the policy in force */
	struct evq *an_q;             /* its alerts, to the telemetry thread */
	struct classifier *names_cls; /* resolves app/category names for policies */
	struct policy_names names;
	double t_start, t_last_progress;
	int show_progress;
};

extern volatile sig_atomic_t g_stop, g_reload, g_reopen;
/* Bumped by the control loop each turn; the watchdog thread pets systemd
 * only while it moves (service.h). */
extern volatile uint64_t g_heartbeat;
extern struct cap_pcap *volatile g_cap;

/* main.c */
void install_signals(void);

/* options.c: parse_opts returns 0, or an exit status after printing why */
void usage(FILE *fp);
int parse_opts(int argc, char **argv, struct opts *o);
int capture_opts(int argc, char **argv, struct pipeline **plp);
char **expand_argfiles(int *argc, char **argv);
int apply_config(int *argc, char ***argv, struct config *cfg);

/* pipeline.c */
double now_s(void);
struct classifier *names_classifier(struct policy_names *nm, char *err, size_t errlen);
/* flags: PL_LOSSLESS (a replay: queues wait, nothing dropped),
 * PL_TIME_DECIDED (the reader decided each packet's time: pktclock.h) */
#define PL_LOSSLESS 1
#define PL_TIME_DECIDED 2
int pipeline_init(struct pipeline *pl, struct opts *o, int flags);
int pipeline_finish(struct pipeline *pl, const char *status);
void maybe_reload(struct pipeline *pl);
void show_progress(struct pipeline *pl, uint64_t pkts, uint64_t done, uint64_t total,
		   int final);
void deliver_one(void *ctx, const struct pkt *p);
int become_service(struct pipeline *pl, int keep, int live, const char *what);
void watchdog_tick(void);

/* checkpoint.c */
void state_load(struct pipeline *pl);
void state_save(struct pipeline *pl);
void state_checkpoints_start(struct pipeline *pl);
void state_checkpoints_stop(struct pipeline *pl);

/* summary.c */
void pipeline_summary(struct pipeline *pl, double elapsed, const char *status);

/* run modes and subcommands: (argc, argv) from the subcommand's name on */
int cmd_replay(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_dpdk(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_check_policy(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_preflight(int argc, char **argv);
int cmd_detectors(int argc, char **argv);

#endif
