/* SPDX-License-Identifier: MIT */
#include "plugins/vtpm/vtpm_log.h"

#include <stdio.h>

static pvn_vtpm_log_fn log_fn;
static void *log_opaque;
static int log_threshold = PVN_VTPM_LOG_INFO;

void pvn_vtpm_log_set(pvn_vtpm_log_fn fn, void *opaque, int threshold)
{
	log_fn = fn;
	log_opaque = opaque;
	log_threshold = threshold;
}

void pvn_vtpm_log(int level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	char msg[512];
	va_list ap;

	if (level > log_threshold)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_fn)
		log_fn(log_opaque, level, msg);
	else
		fprintf(stderr, "paravane: %s: %s\n", names[level & 3], msg);
}
