/* SPDX-License-Identifier: MIT */
/* The backends by name: a new backend is a file and a line here. */
#include "plugins/vmbus-net/backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*create)(const struct pvn_net_backend_cfg *cfg, struct pvn_net_backend **out,
	              const char **key, char *err, size_t errlen);
} backends[] = {
    {"tap", pvn_net_tap_create},
    {"socket", pvn_net_socket_create},
};

int pvn_net_backend_create(const struct pvn_net_backend_cfg *cfg, struct pvn_net_backend **out,
                           const char **key, char *err, size_t errlen)
{
	const char *type = cfg->type ? cfg->type : "tap";

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(type, backends[i].name))
			return backends[i].create(cfg, out, key, err, errlen);
	*key = "backend";
	snprintf(err, errlen, "\"%s\": not a backend (tap, socket)", type);
	return -EINVAL;
}
