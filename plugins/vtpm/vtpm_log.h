/* SPDX-License-Identifier: MIT */
/*
 * Logging for the vTPM code. The device, engine and state code do not link
 * the runtime (a plugin links only libc and its own dependencies), so they
 * log through this one process-wide hook: the plugin points it at the host's
 * log call, tests at the runtime log or a capture buffer. Default: stderr.
 */
#ifndef PVN_VTPM_LOG_H
#define PVN_VTPM_LOG_H

#include <stdarg.h>

enum pvn_vtpm_log_level {
	PVN_VTPM_LOG_ERROR = 0,
	PVN_VTPM_LOG_WARN = 1,
	PVN_VTPM_LOG_INFO = 2,
	PVN_VTPM_LOG_DEBUG = 3,
};

typedef void (*pvn_vtpm_log_fn)(void *opaque, int level, const char *msg);
/* fn NULL: back to stderr. Set it before devices are created. */
void pvn_vtpm_log_set(pvn_vtpm_log_fn fn, void *opaque, int threshold);
void pvn_vtpm_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define vtpm_err(...) pvn_vtpm_log(PVN_VTPM_LOG_ERROR, "vtpm: " __VA_ARGS__)
#define vtpm_warn(...) pvn_vtpm_log(PVN_VTPM_LOG_WARN, "vtpm: " __VA_ARGS__)
#define vtpm_info(...) pvn_vtpm_log(PVN_VTPM_LOG_INFO, "vtpm: " __VA_ARGS__)
#define vtpm_debug(...) pvn_vtpm_log(PVN_VTPM_LOG_DEBUG, "vtpm: " __VA_ARGS__)

#endif
