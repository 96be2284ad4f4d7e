/* SPDX-License-Identifier: MIT */
/* Logging: one process-wide sink and threshold (process settings, not VM state). */
#ifndef PVN_CORE_LOG_H
#define PVN_CORE_LOG_H

#include <stdarg.h>

enum pvn_log_level {
	PVN_LOG_ERROR = 0,
	PVN_LOG_WARN = 1,
	PVN_LOG_INFO = 2,
	PVN_LOG_DEBUG = 3,
};

/* Messages above this level are dropped before formatting. */
extern int pvn_log_threshold;

/* A sink receives every message that passes the threshold (tests capture with it).
 * The default sink writes "paravane: <level>: <msg>\n" to stderr. */
typedef void (*pvn_log_sink_fn)(void *opaque, enum pvn_log_level lvl, const char *msg);
void pvn_log_set_sink(pvn_log_sink_fn fn, void *opaque);

int pvn_log_level_parse(const char *name); /* -EINVAL when unknown */
const char *pvn_log_level_name(enum pvn_log_level lvl);

void pvn_logv(enum pvn_log_level lvl, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void pvn_log(enum pvn_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pvn_err(...) pvn_log(PVN_LOG_ERROR, __VA_ARGS__)
#define pvn_warn(...) pvn_log(PVN_LOG_WARN, __VA_ARGS__)
#define pvn_info(...) pvn_log(PVN_LOG_INFO, __VA_ARGS__)
#define pvn_debug(...)                                                                             \
	do {                                                                                       \
		if (pvn_log_threshold >= PVN_LOG_DEBUG)                                            \
			pvn_log(PVN_LOG_DEBUG, __VA_ARGS__);                                       \
	} while (0)

#endif
