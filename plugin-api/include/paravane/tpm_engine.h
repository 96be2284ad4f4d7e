/* SPDX-License-Identifier: MIT */
/*
 * The `tpm-engine` service, version 1.0: a TPM 2.0 engine shipped as a
 * plugin. The vTPM plugin (plugins/vtpm) owns the guest-facing CRB device;
 * with its setting `engine = "service"` it executes the guest's commands
 * through whichever plugin provides this service, so a third party ships its
 * own TPM (a hardware pass-through, a remote TPM, a simulator, ...) without
 * rebuilding anything; the VM config picks it.
 *
 * Providing it (from your plugin's init; the vtable stays valid until fini):
 *
 *     static struct pvn_tpm_engine_service svc = {
 *         .head = {sizeof(svc)}, .transmit = my_transmit, ...
 *     };
 *     svc.ctx = my_state;
 *     r = PVN_HOST_CALL(ops, service_provide, host, PVN_TPM_ENGINE_SERVICE_NAME,
 *                       PVN_TPM_ENGINE_SERVICE_MAJOR, PVN_TPM_ENGINE_SERVICE_MINOR, &svc);
 *
 * and list it in the descriptor's `provides`. In the VM file, list the
 * engine's plugin BEFORE vtpm (services are looked up from init, in list
 * order; plugins are finalised in reverse order, so the engine outlives the
 * device that uses it):
 *
 *     plugins = ( { path = "my-engine.so"; },
 *                 { path = "vtpm.so"; settings = { engine = "service"; }; } );
 *
 * A plugin offering several engines names the others "tpm-engine.NAME";
 * vtpm's `engine = "service:NAME"` picks one (plain "service" means
 * "tpm-engine").
 *
 * Versioning (as for the plugin ABI itself):
 *  - `head.size` is sizeof the provider's vtable; the user checks that the
 *    vtable reaches the end of a field before touching it
 *    (PVN_TPM_ENGINE_HAS). Fields are only appended, and each append raises
 *    the minor; anything incompatible gets a new major (and users look up
 *    major 1 only).
 *  - Every op but `transmit` may be NULL (or beyond `head.size`): vtpm then
 *    treats power_on/power_off as "nothing to do" and answers -ENOSYS for
 *    cancel, set_locality, get_state and set_state.
 *
 * Threading: `transmit` is called on a VP thread (the guest's START write)
 * or on vtpm's host-socket thread (host tools), never two at once: the CRB
 * device serialises them. `cancel` may be called from another thread while
 * `transmit` runs. power_on/power_off are called from the plugin's
 * init/fini. Nothing is called after the user's fini.
 *
 * Errors are negative errno values. `transmit` returns 0 with a TPM response
 * (possibly a TPM error response) in rsp, or a negative errno when no
 * response could be had; the device then answers TPM_RC_FAILURE.
 */
#ifndef PARAVANE_TPM_ENGINE_H
#define PARAVANE_TPM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <paravane/plugin.h>

#define PVN_TPM_ENGINE_SERVICE_NAME "tpm-engine"
#define PVN_TPM_ENGINE_SERVICE_MAJOR 1
#define PVN_TPM_ENGINE_SERVICE_MINOR 0

/* The largest command or response the device asks an engine to carry. */
#define PVN_TPM_ENGINE_MAX_BUF 4096u

struct pvn_tpm_engine_service {
	struct pvn_service_head head; /* sizeof(struct pvn_tpm_engine_service) as built */
	void *ctx;                    /* passed back to every op */
	/* ---- 1.0 ---- */
	/* Execute one TPM 2.0 command. *rsplen: capacity of rsp on entry (at
	 * least PVN_TPM_ENGINE_MAX_BUF), the response length on return. */
	int (*transmit)(void *ctx, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t *rsplen);
	/* Power the TPM on (TPM2_Startup is the guest's job) / off. */
	int (*power_on)(void *ctx);
	int (*power_off)(void *ctx);
	/* Abort the command `transmit` is running (any thread). */
	int (*cancel)(void *ctx);
	/* The locality (0-4) of the following commands. */
	int (*set_locality)(void *ctx, uint8_t locality);
	/* Permanent state as an opaque blob: get_state returns a malloc'd
	 * copy the caller frees; set_state restores it while powered off. */
	int (*get_state)(void *ctx, uint8_t **blob, size_t *len);
	int (*set_state)(void *ctx, const uint8_t *blob, size_t len);
};

/* The size of a 1.0 vtable: what a user may rely on at minor 0. */
#define PVN_TPM_ENGINE_SERVICE_SIZE_1_0                                                            \
	(offsetof(struct pvn_tpm_engine_service, set_state) + sizeof(void *))

/* True when the provider's vtable has op `f` (its size reaches it, not NULL). */
#define PVN_TPM_ENGINE_HAS(svc, f)                                                                 \
	((svc) && (svc)->head.size >= offsetof(struct pvn_tpm_engine_service, f) + sizeof((svc)->f) && \
	 (svc)->f != NULL)

#endif
