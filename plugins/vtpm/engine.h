/* SPDX-License-Identifier: MIT */
/*
 * The `tpm-engine` interface: what executes the TPM commands the CRB device
 * collects. One versioned, append-only struct of ops, so that an engine can
 * be shipped separately (a plugin that provides the `tpm-engine` service)
 * and the device keeps working with an engine built for an older or newer
 * minor version.
 *
 * Rules (the same as tpm2-tss TCTI contexts and libtpms callbacks):
 *  - `size` is the first field of both structs; a caller checks it covers a
 *    field before it touches that field.
 *  - `version` rises when ops are appended; nothing is reordered or removed
 *    without a new major (PVN_VTPM_ENGINE_ABI_MAJOR).
 *  - Call through the pvn_vtpm_engine_* wrappers below: they check size,
 *    version and NULL ops and return -ENOSYS instead of jumping through NULL.
 *
 * Threading: an engine is used by one thread at a time (the device
 * serialises), except `cancel`, which may be called from another thread
 * while `transmit` runs.
 *
 * Errors are negative errno values. `transmit` returns 0 with a TPM
 * response (possibly a TPM error response) or a negative errno when no
 * response could be had at all (the device then answers TPM_RC_FAILURE).
 */
#ifndef PVN_VTPM_ENGINE_H
#define PVN_VTPM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PVN_VTPM_ENGINE_ABI_MAJOR 1
#define PVN_VTPM_ENGINE_VERSION 1 /* minor: rises when ops are appended */

/* The largest command or response an engine is asked to carry. */
#define PVN_VTPM_MAX_BUF 4096u

struct pvn_vtpm_engine;

struct pvn_vtpm_engine_ops {
	size_t size;      /* sizeof(struct pvn_vtpm_engine_ops) the engine was built with */
	uint32_t abi_major; /* PVN_VTPM_ENGINE_ABI_MAJOR */
	uint32_t version;   /* PVN_VTPM_ENGINE_VERSION it was built with */
	/* --- version 1 --- */
	/* Power the TPM on (TPM2_Startup is the guest's job) / off. */
	int (*power_on)(struct pvn_vtpm_engine *e);
	int (*power_off)(struct pvn_vtpm_engine *e);
	/* Execute one command. *rsplen holds the capacity of rsp on entry and
	 * the response length on return. */
	int (*transmit)(struct pvn_vtpm_engine *e, const uint8_t *cmd, size_t len, uint8_t *rsp,
			size_t *rsplen);
	int (*cancel)(struct pvn_vtpm_engine *e);
	int (*set_locality)(struct pvn_vtpm_engine *e, uint8_t locality);
	/* Permanent state as an opaque blob (malloc'd, caller frees) / restore
	 * it (power off first). -ENOTSUP when the engine keeps its own. */
	int (*get_state)(struct pvn_vtpm_engine *e, uint8_t **blob, size_t *len);
	int (*set_state)(struct pvn_vtpm_engine *e, const uint8_t *blob, size_t len);
	void (*destroy)(struct pvn_vtpm_engine *e);
};

struct pvn_vtpm_engine {
	size_t size;      /* sizeof(struct pvn_vtpm_engine) */
	uint32_t version; /* PVN_VTPM_ENGINE_VERSION */
	const struct pvn_vtpm_engine_ops *ops;
	char name[32]; /* "libtpms", "swtpm", "tcti" ... */
	void *priv;
};

/* What the factory needs to build an engine; all optional. */
struct pvn_vtpm_engine_cfg {
	const char *state_path; /* libtpms: the state file; swtpm: the state directory */
	const char *key_path;   /* AES-256 key file (32 raw bytes or 64 hex digits) */
	const char *swtpm_bin;  /* default "swtpm" from PATH */
	const char *run_dir;    /* swtpm sockets; default a fresh /tmp/pvn-swtpm-XXXXXX */
	/* "service[:NAME]": the looked-up `tpm-engine` service vtable
	 * (struct pvn_tpm_engine_service, paravane/tpm_engine.h) and its name. */
	const void *service;
	const char *service_name;
};

/*
 * Build an engine from its spec string:
 *   "libtpms"                    in-process libtpms (one per process)
 *   "swtpm"                      start and supervise `swtpm socket --tpm2`
 *   "swtpm:path=SOCK[,ctrl=CTRL]" connect to a running swtpm (ctrl defaults
 *                                 to SOCK.ctrl, as tpm2-tss's swtpm TCTI does)
 *   "tcti:CONF"                  any tpm2-tss TCTI through Tss2_TctiLdr, e.g.
 *                                 "tcti:swtpm:path=/tmp/x", "tcti:mssim:port=2321"
 *   "service" / "service:NAME"   the `tpm-engine` service another plugin provides
 *                                 (cfg->service: the vtable the caller looked up)
 * On failure returns a negative errno and writes the reason to err.
 * The engine is not powered on yet.
 */
int pvn_vtpm_engine_create(const char *spec, const struct pvn_vtpm_engine_cfg *cfg,
			   struct pvn_vtpm_engine **out, char *err, size_t errlen);

/* Checked calls (see the rules above). */
int pvn_vtpm_engine_check(const struct pvn_vtpm_engine *e, char *err, size_t errlen);
int pvn_vtpm_engine_power_on(struct pvn_vtpm_engine *e);
int pvn_vtpm_engine_power_off(struct pvn_vtpm_engine *e);
int pvn_vtpm_engine_transmit(struct pvn_vtpm_engine *e, const uint8_t *cmd, size_t len,
			     uint8_t *rsp, size_t *rsplen);
int pvn_vtpm_engine_cancel(struct pvn_vtpm_engine *e);
int pvn_vtpm_engine_set_locality(struct pvn_vtpm_engine *e, uint8_t locality);
int pvn_vtpm_engine_get_state(struct pvn_vtpm_engine *e, uint8_t **blob, size_t *len);
int pvn_vtpm_engine_set_state(struct pvn_vtpm_engine *e, const uint8_t *blob, size_t len);
void pvn_vtpm_engine_destroy(struct pvn_vtpm_engine *e);

/* The built-in engines (engine_*.c). */
int pvn_vtpm_libtpms_create(const struct pvn_vtpm_engine_cfg *cfg, struct pvn_vtpm_engine **out,
			    char *err, size_t errlen);
int pvn_vtpm_swtpm_create(const char *opts, const struct pvn_vtpm_engine_cfg *cfg,
			  struct pvn_vtpm_engine **out, char *err, size_t errlen);
/* vtable: a struct pvn_tpm_engine_service; the adapter does not own it. */
int pvn_vtpm_service_engine_create(const void *vtable, const char *name,
				   struct pvn_vtpm_engine **out, char *err, size_t errlen);
int pvn_vtpm_tcti_create(const char *conf, struct pvn_vtpm_engine **out, char *err,
			 size_t errlen);

/*
 * A supervised swtpm process (used by the swtpm engine and by tests that
 * need a swtpm for the TCTI engine). Listens on DIR/swtpm.sock with its
 * control channel on DIR/swtpm.sock.ctrl, state in state_dir, not needing
 * INIT (the engine still sends it). PR_SET_PDEATHSIG kills it with us.
 */
struct pvn_vtpm_swtpm_proc {
	pid_t pid;
	char dir[256];
	char sock[300];
	char ctrl[310];
	bool own_dir;
};
/* Returns 0, -ENOENT when the swtpm binary is not installed, or another
 * negative errno (reason in err). Waits until the sockets accept. */
int pvn_vtpm_swtpm_spawn(struct pvn_vtpm_swtpm_proc *p, const char *bin, const char *state_dir,
			 const char *key_path, char *err, size_t errlen);
/* SIGTERM, wait up to 2 s, then SIGKILL; removes the sockets (and the dir
 * when spawn made it). Safe to call twice. */
void pvn_vtpm_swtpm_stop(struct pvn_vtpm_swtpm_proc *p);
/* Is `bin` (default swtpm) runnable from PATH? */
bool pvn_vtpm_swtpm_available(const char *bin);

#endif
