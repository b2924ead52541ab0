#include "service.h"

#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>
#include <systemd/sd-daemon.h>

void service_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%lu", status ? status : "running",
		   (unsigned long)getpid());
}

void service_status(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", line);
}

void service_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void service_reloading(int done)
{
	sd_notify(0, done ? "READY=1" : "RELOADING=1");
}

uint64_t service_watchdog_usec(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

static struct {
	pthread_t thr;
	int running, stop;
	uint64_t every_us;
	const volatile uint64_t *beat;
} wd;

static void *watchdog_main(void *arg)
{
	uint64_t seen = ~0ULL;

	(void)arg;
	pthread_setname_np(pthread_self(), "vigia-watchdog");
	while (!__atomic_load_n(&wd.stop, __ATOMIC_ACQUIRE)) {
		uint64_t b = *wd.beat;
		if (b != seen) {
			seen = b;
			sd_notify(0, "WATCHDOG=1");
		}
		/* short naps: stopping must not wait a whole interval */
		for (uint64_t slept = 0; slept < wd.every_us &&
					 !__atomic_load_n(&wd.stop, __ATOMIC_ACQUIRE);
		     slept += 20000) {
			struct timespec ts = { 0, 20000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

int service_watchdog_start(const volatile uint64_t *heartbeat)
{
	uint64_t usec = service_watchdog_usec();

	if (!usec || wd.running)
		return 0;
	wd.every_us = usec / 2;
	wd.beat = heartbeat;
	wd.stop = 0;
	int rc = pthread_create(&wd.thr, NULL, watchdog_main, NULL);
	if (rc)
		return -rc;
	wd.running = 1;
	return 0;
}

void service_watchdog_stop(void)
{
	if (!wd.running)
		return;
	__atomic_store_n(&wd.stop, 1, __ATOMIC_RELEASE);
	pthread_join(wd.thr, NULL);
	wd.running = 0;
}

static uid_t own_uid;
static gid_t own_gid;

static int own_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	if (ftw->level <= 3 && lchown(path, own_uid, own_gid) != 0)
		fprintf(stderr, "vigia: cannot hand %s over: %s\n", path, strerror(errno));
	return 0;
}

int service_drop_privileges(const char *user, const char *group, int keep,
			    const char *const *own, char *err, size_t errlen)
{
	if (geteuid() != 0)
		return 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "no user '%s' to run as (create it, or --user)", user);
		return -1;
	}
	gid_t gid = pw->pw_gid;
	if (group) {
		struct group *gr = getgrnam(group);
		if (!gr) {
			snprintf(err, errlen, "no group '%s'", group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	own_uid = pw->pw_uid;
	own_gid = gid;
	for (unsigned i = 0; own && own[i]; i++)
		if (own[i][0] && access(own[i], F_OK) == 0)
			nftw(own[i], own_one, 8, FTW_PHYS);
	capng_clear(CAPNG_SELECT_BOTH);
	if (keep & SERVICE_KEEP_CAPTURE &&
	    capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_RAW,
			  CAP_NET_ADMIN, -1) != 0) {
		snprintf(err, errlen, "libcap-ng: cannot keep the capture capabilities");
		return -1;
	}
	int rc = capng_change_id((int)pw->pw_uid, (int)gid,
				 CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	if (rc != 0) {
		snprintf(err, errlen, "cannot become %s (libcap-ng error %d)", user, rc);
		return -1;
	}
	if (geteuid() == 0 || getegid() == 0) {
		snprintf(err, errlen, "still root after dropping privileges");
		return -1;
	}
	return 0;
}
