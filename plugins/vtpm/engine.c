/* SPDX-License-Identifier: MIT */
/* Checked calls into a tpm-engine (see engine.h for the rules). */
#include "plugins/vtpm/engine.h"

#include <errno.h>
#include <stdio.h>

/* Does the engine's ops table reach the end of field `f`? */
#define OPS_HAS(e, f)                                                                              \
	((e)->ops->size >= offsetof(struct pvn_vtpm_engine_ops, f) + sizeof((e)->ops->f) &&        \
	 (e)->ops->f)

int pvn_vtpm_engine_check(const struct pvn_vtpm_engine *e, char *err, size_t errlen)
{
	if (!e || e->size < offsetof(struct pvn_vtpm_engine, name) || !e->ops) {
		snprintf(err, errlen, "not a tpm-engine (bad size or no ops)");
		return -EINVAL;
	}
	if (e->ops->size < offsetof(struct pvn_vtpm_engine_ops, power_on)) {
		snprintf(err, errlen, "tpm-engine ops table too small (%zu bytes)", e->ops->size);
		return -EINVAL;
	}
	if (e->ops->abi_major != PVN_VTPM_ENGINE_ABI_MAJOR) {
		snprintf(err, errlen, "tpm-engine ABI major %u, this device speaks %u",
			 e->ops->abi_major, PVN_VTPM_ENGINE_ABI_MAJOR);
		return -EPROTO;
	}
	if (!OPS_HAS(e, transmit)) {
		snprintf(err, errlen, "tpm-engine has no transmit op");
		return -EINVAL;
	}
	return 0;
}

int pvn_vtpm_engine_power_on(struct pvn_vtpm_engine *e)
{
	return OPS_HAS(e, power_on) ? e->ops->power_on(e) : 0;
}

int pvn_vtpm_engine_power_off(struct pvn_vtpm_engine *e)
{
	return OPS_HAS(e, power_off) ? e->ops->power_off(e) : 0;
}

int pvn_vtpm_engine_transmit(struct pvn_vtpm_engine *e, const uint8_t *cmd, size_t len,
			     uint8_t *rsp, size_t *rsplen)
{
	return OPS_HAS(e, transmit) ? e->ops->transmit(e, cmd, len, rsp, rsplen) : -ENOSYS;
}

int pvn_vtpm_engine_cancel(struct pvn_vtpm_engine *e)
{
	return OPS_HAS(e, cancel) ? e->ops->cancel(e) : -ENOSYS;
}

int pvn_vtpm_engine_set_locality(struct pvn_vtpm_engine *e, uint8_t locality)
{
	return OPS_HAS(e, set_locality) ? e->ops->set_locality(e, locality) : -ENOSYS;
}

int pvn_vtpm_engine_get_state(struct pvn_vtpm_engine *e, uint8_t **blob, size_t *len)
{
	return OPS_HAS(e, get_state) ? e->ops->get_state(e, blob, len) : -ENOTSUP;
}

int pvn_vtpm_engine_set_state(struct pvn_vtpm_engine *e, const uint8_t *blob, size_t len)
{
	return OPS_HAS(e, set_state) ? e->ops->set_state(e, blob, len) : -ENOTSUP;
}

void pvn_vtpm_engine_destroy(struct pvn_vtpm_engine *e)
{
	if (e && e->ops && OPS_HAS(e, destroy))
		e->ops->destroy(e);
}
