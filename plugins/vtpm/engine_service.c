/* SPDX-License-Identifier: MIT */
/*
 * The "service" engine: a pvn_vtpm_engine over a `tpm-engine` service vtable
 * (paravane/tpm_engine.h) that another plugin provides. The provider owns
 * its engine: destroy frees only this adapter. Every op checks that the
 * provider's vtable reaches it (head.size) and is not NULL; a missing
 * power_on/power_off is "nothing to do", any other missing op -ENOSYS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <paravane/tpm_engine.h>

#include "plugins/vtpm/engine.h"

struct svc_engine {
	struct pvn_vtpm_engine e;
	const struct pvn_tpm_engine_service *svc;
};

static const struct pvn_tpm_engine_service *svc_of(struct pvn_vtpm_engine *e)
{
	return ((struct svc_engine *)e->priv)->svc;
}

static int se_power_on(struct pvn_vtpm_engine *e)
{
	const struct pvn_tpm_engine_service *s = svc_of(e);
	return PVN_TPM_ENGINE_HAS(s, power_on) ? s->power_on(s->ctx) : 0;
}

static int se_power_off(struct pvn_vtpm_engine *e)
{
	const struct pvn_tpm_engine_service *s = svc_of(e);
	return PVN_TPM_ENGINE_HAS(s, power_off) ? s->power_off(s->ctx) : 0;
}

static int se_transmit(struct pvn_vtpm_engine *e, const uint8_t *cmd, size_t len, uint8_t *rsp,
		       size_t *rsplen)
{
	const struct pvn_tpm_engine_service *s = svc_of(e);
	size_t cap = *rsplen;
	int r;

	if (!PVN_TPM_ENGINE_HAS(s, transmit))
		return -ENOSYS;
	r = s->transmit(s->ctx, cmd, len, rsp, rsplen);
	if (!r && *rsplen > cap)
		return -EMSGSIZE; /* a provider that overran the buffer is not trusted */
	return r > 0 ? -EIO : r;
}

static int se_cancel(struct pvn_vtpm_engine *e)
{
	const struct pvn_tpm_engine_service *s = svc_of(e);
	return PVN_TPM_ENGINE_HAS(s, cancel) ? s->cancel(s->ctx) : -ENOSYS;
}

static int se_set_locality(struct pvn_vtpm_engine *e, uint8_t locality)
{
	const struct pvn_tpm_engine_service *s = svc_of(e);
	return PVN_TPM_ENGINE_HAS(s, set_locality) ? s->set_locality(s->ctx, locality) : -ENOSYS;
}

static int se_get_state(struct pvn_vtpm_engine *e, uint8_t **blob, size_t *len)
{
	const struct pvn_tpm_engine_service *s = svc_of(e);
	return PVN_TPM_ENGINE_HAS(s, get_state) ? s->get_state(s->ctx, blob, len) : -ENOSYS;
}

static int se_set_state(struct pvn_vtpm_engine *e, const uint8_t *blob, size_t len)
{
	const struct pvn_tpm_engine_service *s = svc_of(e);
	return PVN_TPM_ENGINE_HAS(s, set_state) ? s->set_state(s->ctx, blob, len) : -ENOSYS;
}

static void se_destroy(struct pvn_vtpm_engine *e)
{
	free(e->priv);
}

static const struct pvn_vtpm_engine_ops se_ops = {
	.size = sizeof(struct pvn_vtpm_engine_ops),
	.abi_major = PVN_VTPM_ENGINE_ABI_MAJOR,
	.version = PVN_VTPM_ENGINE_VERSION,
	.power_on = se_power_on,
	.power_off = se_power_off,
	.transmit = se_transmit,
	.cancel = se_cancel,
	.set_locality = se_set_locality,
	.get_state = se_get_state,
	.set_state = se_set_state,
	.destroy = se_destroy,
};

int pvn_vtpm_service_engine_create(const void *vtable, const char *name,
				   struct pvn_vtpm_engine **out, char *err, size_t errlen)
{
	const struct pvn_tpm_engine_service *s = vtable;
	struct svc_engine *se;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "no %s service to use", name ? name : "tpm-engine");
		return -ENOENT;
	}
	if (s->head.size < offsetof(struct pvn_tpm_engine_service, transmit)) {
		snprintf(err, errlen, "service %s: vtable too small (%u bytes)",
			 name ? name : "tpm-engine", s->head.size);
		return -EINVAL;
	}
	if (!PVN_TPM_ENGINE_HAS(s, transmit)) {
		snprintf(err, errlen, "service %s has no transmit op", name ? name : "tpm-engine");
		return -ENOSYS;
	}
	se = calloc(1, sizeof(*se));
	if (!se) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	se->svc = s;
	se->e.size = sizeof(se->e);
	se->e.version = PVN_VTPM_ENGINE_VERSION;
	se->e.ops = &se_ops;
	se->e.priv = se;
	snprintf(se->e.name, sizeof(se->e.name), "%s", name ? name : "tpm-engine");
	*out = &se->e;
	return 0;
}
