/* SPDX-License-Identifier: MIT */
/*
 * The TCTI engine: any tpm2-tss TCTI (swtpm, mssim, device, cmd, ...)
 * through Tss2_TctiLdr_Initialize, e.g. "swtpm:path=/run/x" or
 * "mssim:host=127.0.0.1,port=2321". Power is the TCTI's business (mssim
 * powers on at initialisation; swtpm should run with not-need-init).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tcti.h>
#include <tss2/tss2_tctildr.h>

#include "plugins/vtpm/engine.h"
#include "plugins/vtpm/vtpm_log.h"

#define TCTI_TIMEOUT_MS 30000

struct tcti {
	struct pvn_vtpm_engine e;
	TSS2_TCTI_CONTEXT *ctx;
	char conf[256];
};

static struct tcti *to_tcti(struct pvn_vtpm_engine *e)
{
	return e->priv;
}

static int tcti_transmit(struct pvn_vtpm_engine *e, const uint8_t *cmd, size_t len, uint8_t *rsp,
			 size_t *rsplen)
{
	struct tcti *t = to_tcti(e);
	TSS2_RC rc;

	rc = Tss2_Tcti_Transmit(t->ctx, len, cmd);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_Tcti_Receive(t->ctx, rsplen, rsp, TCTI_TIMEOUT_MS);
	if (rc != TSS2_RC_SUCCESS) {
		vtpm_err("tcti %s: %s", t->conf, Tss2_RC_Decode(rc));
		return -EIO;
	}
	return 0;
}

static int tcti_cancel(struct pvn_vtpm_engine *e)
{
	return Tss2_Tcti_Cancel(to_tcti(e)->ctx) == TSS2_RC_SUCCESS ? 0 : -EIO;
}

static int tcti_set_locality(struct pvn_vtpm_engine *e, uint8_t loc)
{
	TSS2_RC rc = Tss2_Tcti_SetLocality(to_tcti(e)->ctx, loc);
	/* Not every TCTI can (device, cmd): locality 0 is what they give. */
	if (rc != TSS2_RC_SUCCESS && loc != 0)
		return -ENOTSUP;
	return 0;
}

static void tcti_destroy(struct pvn_vtpm_engine *e)
{
	struct tcti *t = to_tcti(e);

	if (t->ctx)
		Tss2_TctiLdr_Finalize(&t->ctx);
	free(t);
}

static const struct pvn_vtpm_engine_ops tcti_ops = {
	.size = sizeof(struct pvn_vtpm_engine_ops),
	.abi_major = PVN_VTPM_ENGINE_ABI_MAJOR,
	.version = PVN_VTPM_ENGINE_VERSION,
	.transmit = tcti_transmit,
	.cancel = tcti_cancel,
	.set_locality = tcti_set_locality,
	.destroy = tcti_destroy,
};

int pvn_vtpm_tcti_create(const char *conf, struct pvn_vtpm_engine **out, char *err,
			 size_t errlen)
{
	struct tcti *t = calloc(1, sizeof(*t));
	TSS2_RC rc;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->e.size = sizeof(t->e);
	t->e.version = PVN_VTPM_ENGINE_VERSION;
	t->e.ops = &tcti_ops;
	t->e.priv = t;
	snprintf(t->e.name, sizeof(t->e.name), "tcti");
	snprintf(t->conf, sizeof(t->conf), "%s", conf);
	rc = Tss2_TctiLdr_Initialize(conf, &t->ctx);
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(err, errlen, "TCTI '%s': %s", conf, Tss2_RC_Decode(rc));
		free(t);
		return -EIO;
	}
	*out = &t->e;
	return 0;
}
