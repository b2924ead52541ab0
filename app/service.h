/* service: how vigia behaves as a daemon under systemd - readiness,
 * status and watchdog through sd_notify (Debian's libsystemd; all no-ops
 * when NOTIFY_SOCKET is unset), and dropping root once the capture and the
 * listeners are open (libcap-ng).
 */
#ifndef VIGIA_SERVICE_H
#define VIGIA_SERVICE_H

#include <stddef.h>
#include <stdint.h>

/* READY=1 with a STATUS= line. */
void service_ready(const char *status);
/* STATUS= line (a human reads it in `systemctl status`). */
__attribute__((format(printf, 1, 2)))
void service_status(const char *fmt, ...);
/* STOPPING=1. */
void service_stopping(void);
/* RELOADING=1 ... READY=1 around a policy reload. */
void service_reloading(int done);
/* The watchdog interval systemd asked for (WatchdogSec=), 0 when none. */
uint64_t service_watchdog_usec(void);
/* When systemd asked for a watchdog: a thread sends WATCHDOG=1 every half
 * interval, but only while *heartbeat keeps changing (the control loop
 * bumps it each turn): a stuck loop gets the service restarted, and a slow
 * notify socket never blocks the capture. 0, or -errno. */
int service_watchdog_start(const volatile uint64_t *heartbeat);
void service_watchdog_stop(void);

/* Capabilities kept after the drop. */
enum { SERVICE_KEEP_NONE = 0, SERVICE_KEEP_CAPTURE = 1 /* CAP_NET_RAW, CAP_NET_ADMIN */ };

/* Become `user` (and `group`, else the user's primary group), keeping
 * only the capabilities `keep` names, with the bounding set cleared and
 * supplementary groups dropped. First the paths of `own` (NULL-terminated,
 * NULL entries skipped; may be NULL) that exist are handed to that user,
 * folders with what they hold (three levels): files opened or made as root
 * (the output, the state folder, the spool) stay writable and reopenable.
 * Only when running as root; 0, or -1 with err filled (unknown user or
 * group, libcap-ng failure). */
int service_drop_privileges(const char *user, const char *group, int keep,
			    const char *const *own, char *err, size_t errlen);

#endif
