/* SPDX-License-Identifier: MIT */
#include "runtime/core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int pvn_log_threshold = PVN_LOG_INFO;

static pvn_log_sink_fn log_sink;
static void *log_sink_opaque;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

const char *pvn_log_level_name(enum pvn_log_level lvl)
{
	return (unsigned)lvl < 4 ? level_names[lvl] : "?";
}

int pvn_log_level_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (!strcasecmp(name, level_names[i]))
			return i;
	if (!strcasecmp(name, "warning"))
		return PVN_LOG_WARN;
	return -EINVAL;
}

void pvn_log_set_sink(pvn_log_sink_fn fn, void *opaque)
{
	pthread_mutex_lock(&log_lock);
	log_sink = fn;
	log_sink_opaque = opaque;
	pthread_mutex_unlock(&log_lock);
}

void pvn_logv(enum pvn_log_level lvl, const char *fmt, va_list ap)
{
	char buf[1024];

	if ((int)lvl > pvn_log_threshold)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	pthread_mutex_lock(&log_lock);
	if (log_sink)
		log_sink(log_sink_opaque, lvl, buf);
	else
		fprintf(stderr, "paravane: %s: %s\n", pvn_log_level_name(lvl), buf);
	pthread_mutex_unlock(&log_lock);
}

void pvn_log(enum pvn_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pvn_logv(lvl, fmt, ap);
	va_end(ap);
}
