/* SPDX-License-Identifier: MIT */
/* Build a tpm-engine from its spec string (see engine.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plugins/vtpm/engine.h"

int pvn_vtpm_engine_create(const char *spec, const struct pvn_vtpm_engine_cfg *cfg,
			   struct pvn_vtpm_engine **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!spec || !strcmp(spec, "libtpms"))
		return pvn_vtpm_libtpms_create(cfg, out, err, errlen);
	if (!strcmp(spec, "swtpm"))
		return pvn_vtpm_swtpm_create(NULL, cfg, out, err, errlen);
	if (!strncmp(spec, "swtpm:", 6))
		return pvn_vtpm_swtpm_create(spec + 6, cfg, out, err, errlen);
	if (!strncmp(spec, "tcti:", 5)) {
		if (cfg && (cfg->state_path || cfg->key_path)) {
			snprintf(err, errlen,
				 "engine '%s': state and key belong to the TPM behind the TCTI",
				 spec);
			return -EINVAL;
		}
		return pvn_vtpm_tcti_create(spec + 5, out, err, errlen);
	}
	if (!strcmp(spec, "service") || !strncmp(spec, "service:", 8)) {
		if (!cfg || !cfg->service) {
			snprintf(err, errlen,
				 "engine '%s': no plugin provides the tpm-engine service (list the "
				 "engine's plugin before vtpm)",
				 spec);
			return -ENOENT;
		}
		return pvn_vtpm_service_engine_create(cfg->service, cfg->service_name, out, err,
						      errlen);
	}
	snprintf(err, errlen,
		 "unknown tpm engine '%s' (want libtpms, swtpm, swtpm:path=..., tcti:CONF, "
		 "service[:NAME])",
		 spec);
	return -EINVAL;
}
