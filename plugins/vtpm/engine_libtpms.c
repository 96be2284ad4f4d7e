/* SPDX-License-Identifier: MIT */
/*
 * The in-process libtpms engine. libtpms keeps one TPM per process in
 * globals and calls its NVRAM callbacks without a context pointer, so this
 * engine is a process-wide singleton too: a second instance is refused
 * (run another vTPM with the swtpm engine or in a worker process).
 *
 * Persistence: libtpms hands us its permanent state ("permall") through
 * the store callback whenever it changes; we write it with
 * pvn_vtpm_state_save (atomic, optionally encrypted) before the command
 * that changed it completes, so an acknowledged NV write survives a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_nvfilename.h>
#include <libtpms/tpm_types.h>

#include "plugins/vtpm/engine.h"
#include "plugins/vtpm/state.h"
#include "plugins/vtpm/vtpm_log.h"

struct ltpms {
	struct pvn_vtpm_engine e;
	char *state_path; /* NULL: ephemeral */
	struct pvn_vtpm_key key;
	int lock_fd;
	uint8_t *perm; /* the last permanent state loaded or stored */
	size_t perm_len;
	bool powered;
	bool store_failed;
	uint8_t locality;
	unsigned char *rspbuf; /* libtpms-owned response buffer, reused */
	uint32_t rspbuf_size;
	uint8_t cmd[PVN_VTPM_MAX_BUF];
};

/* libtpms gives the callbacks no context: the one instance lives here. */
static atomic_bool ltpms_taken;
static struct ltpms *ltpms_cur;

static TPM_RESULT cb_nvram_init(void)
{
	return TPM_SUCCESS;
}

static TPM_RESULT cb_nvram_load(unsigned char **data, uint32_t *length, uint32_t tpm_number,
				const char *name)
{
	struct ltpms *t = ltpms_cur;

	(void)tpm_number;
	*data = NULL;
	*length = 0;
	if (!t || strcmp(name, TPM_PERMANENT_ALL_NAME) || !t->perm)
		return TPM_RETRY; /* "no such file": libtpms manufactures a new TPM */
	/* libtpms frees this with free(). */
	*data = malloc(t->perm_len);
	if (!*data)
		return TPM_FAIL;
	memcpy(*data, t->perm, t->perm_len);
	*length = (uint32_t)t->perm_len;
	return TPM_SUCCESS;
}

static TPM_RESULT cb_nvram_store(const unsigned char *data, uint32_t length, uint32_t tpm_number,
				 const char *name)
{
	struct ltpms *t = ltpms_cur;
	char err[256];
	uint8_t *copy;
	int r;

	(void)tpm_number;
	if (!t)
		return TPM_FAIL;
	if (strcmp(name, TPM_PERMANENT_ALL_NAME))
		return TPM_SUCCESS; /* volatile/save state: not kept across runs */
	copy = malloc(length ? length : 1);
	if (!copy)
		return TPM_FAIL;
	memcpy(copy, data, length);
	if (t->state_path) {
		r = pvn_vtpm_state_save(t->state_path, &t->key, data, length, err, sizeof(err));
		if (r) {
			/* Failing the store puts libtpms into failure mode: the
			 * guest sees errors rather than a TPM that forgets. */
			vtpm_err("libtpms: %s", err);
			t->store_failed = true;
			free(copy);
			return TPM_FAIL;
		}
	}
	free(t->perm);
	t->perm = copy;
	t->perm_len = length;
	return TPM_SUCCESS;
}

static TPM_RESULT cb_nvram_delete(uint32_t tpm_number, const char *name, TPM_BOOL must_exist)
{
	(void)tpm_number;
	(void)name;
	(void)must_exist;
	return TPM_SUCCESS;
}

static TPM_RESULT cb_io_init(void)
{
	return TPM_SUCCESS;
}

static TPM_RESULT cb_io_locality(TPM_MODIFIER_INDICATOR *loc, uint32_t tpm_number)
{
	(void)tpm_number;
	*loc = ltpms_cur ? ltpms_cur->locality : 0;
	return TPM_SUCCESS;
}

static TPM_RESULT cb_io_pp(TPM_BOOL *pp, uint32_t tpm_number)
{
	(void)tpm_number;
	*pp = FALSE;
	return TPM_SUCCESS;
}

static struct ltpms *to_ltpms(struct pvn_vtpm_engine *e)
{
	return e->priv;
}

static int ltpms_power_on(struct pvn_vtpm_engine *e)
{
	struct libtpms_callbacks cbs = {
		.sizeOfStruct = sizeof(cbs),
		.tpm_nvram_init = cb_nvram_init,
		.tpm_nvram_loaddata = cb_nvram_load,
		.tpm_nvram_storedata = cb_nvram_store,
		.tpm_nvram_deletename = cb_nvram_delete,
		.tpm_io_init = cb_io_init,
		.tpm_io_getlocality = cb_io_locality,
		.tpm_io_getphysicalpresence = cb_io_pp,
	};
	struct ltpms *t = to_ltpms(e);
	TPM_RESULT rc;

	if (t->powered)
		return 0;
	rc = TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2);
	if (rc == TPM_SUCCESS)
		rc = TPMLIB_RegisterCallbacks(&cbs);
	if (rc == TPM_SUCCESS)
		rc = TPMLIB_MainInit();
	if (rc != TPM_SUCCESS) {
		vtpm_err("libtpms: TPM initialisation failed (0x%x)%s", rc,
			 t->perm ? ": the stored state was refused by libtpms" : "");
		return -EIO;
	}
	t->powered = true;
	return 0;
}

static int ltpms_power_off(struct pvn_vtpm_engine *e)
{
	struct ltpms *t = to_ltpms(e);

	if (!t->powered)
		return 0;
	TPMLIB_Terminate();
	t->powered = false;
	free(t->rspbuf);
	t->rspbuf = NULL;
	t->rspbuf_size = 0;
	return 0;
}

static int ltpms_transmit(struct pvn_vtpm_engine *e, const uint8_t *cmd, size_t len,
			  uint8_t *rsp, size_t *rsplen)
{
	struct ltpms *t = to_ltpms(e);
	uint32_t out_len = 0;
	TPM_RESULT rc;

	if (!t->powered)
		return -ENODEV;
	if (len > sizeof(t->cmd))
		return -E2BIG;
	/* libtpms takes a non-const buffer: give it a copy. */
	memcpy(t->cmd, cmd, len);
	rc = TPMLIB_Process(&t->rspbuf, &out_len, &t->rspbuf_size, t->cmd, (uint32_t)len);
	if (rc != TPM_SUCCESS)
		return -EIO;
	if (out_len > *rsplen)
		return -EMSGSIZE;
	memcpy(rsp, t->rspbuf, out_len);
	*rsplen = out_len;
	return 0;
}

static int ltpms_cancel(struct pvn_vtpm_engine *e)
{
	(void)e;
	return TPMLIB_CancelCommand() == TPM_SUCCESS ? 0 : -EIO;
}

static int ltpms_set_locality(struct pvn_vtpm_engine *e, uint8_t loc)
{
	if (loc > 4)
		return -EINVAL;
	to_ltpms(e)->locality = loc;
	return 0;
}

static int ltpms_get_state(struct pvn_vtpm_engine *e, uint8_t **blob, size_t *len)
{
	struct ltpms *t = to_ltpms(e);

	if (t->powered) {
		unsigned char *b = NULL;
		uint32_t n = 0;
		if (TPMLIB_GetState(TPMLIB_STATE_PERMANENT, &b, &n) != TPM_SUCCESS)
			return -EIO;
		*blob = b;
		*len = n;
		return 0;
	}
	if (!t->perm)
		return -ENOENT;
	*blob = malloc(t->perm_len);
	if (!*blob)
		return -ENOMEM;
	memcpy(*blob, t->perm, t->perm_len);
	*len = t->perm_len;
	return 0;
}

static int ltpms_set_state(struct pvn_vtpm_engine *e, const uint8_t *blob, size_t len)
{
	struct ltpms *t = to_ltpms(e);

	if (t->powered)
		return -EBUSY;
	/* Goes through the store callback's path: cached and written out. */
	ltpms_cur = t;
	return cb_nvram_store(blob, (uint32_t)len, 0, TPM_PERMANENT_ALL_NAME) == TPM_SUCCESS ? 0
											      : -EIO;
}

static void ltpms_destroy(struct pvn_vtpm_engine *e)
{
	struct ltpms *t = to_ltpms(e);

	ltpms_power_off(e);
	ltpms_cur = NULL;
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	free(t->perm);
	free(t->state_path);
	pvn_vtpm_key_wipe(&t->key);
	free(t);
	atomic_store(&ltpms_taken, false);
}

static const struct pvn_vtpm_engine_ops ltpms_ops = {
	.size = sizeof(struct pvn_vtpm_engine_ops),
	.abi_major = PVN_VTPM_ENGINE_ABI_MAJOR,
	.version = PVN_VTPM_ENGINE_VERSION,
	.power_on = ltpms_power_on,
	.power_off = ltpms_power_off,
	.transmit = ltpms_transmit,
	.cancel = ltpms_cancel,
	.set_locality = ltpms_set_locality,
	.get_state = ltpms_get_state,
	.set_state = ltpms_set_state,
	.destroy = ltpms_destroy,
};

int pvn_vtpm_libtpms_create(const struct pvn_vtpm_engine_cfg *cfg, struct pvn_vtpm_engine **out,
			    char *err, size_t errlen)
{
	struct ltpms *t;
	int r;

	if (atomic_exchange(&ltpms_taken, true)) {
		snprintf(err, errlen,
			 "libtpms holds one TPM per process and this process already runs one; "
			 "use the swtpm engine or worker isolation for another vTPM");
		return -EBUSY;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		atomic_store(&ltpms_taken, false);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->lock_fd = -1;
	t->e.size = sizeof(t->e);
	t->e.version = PVN_VTPM_ENGINE_VERSION;
	t->e.ops = &ltpms_ops;
	t->e.priv = t;
	snprintf(t->e.name, sizeof(t->e.name), "libtpms");
	if (cfg && cfg->key_path) {
		r = pvn_vtpm_key_load(cfg->key_path, &t->key, err, errlen);
		if (r)
			goto fail;
	}
	if (cfg && cfg->state_path) {
		char lock[4096];
		t->state_path = strdup(cfg->state_path);
		if (!t->state_path) {
			r = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		/* One VM per state file: a second would fork the TPM's history. */
		snprintf(lock, sizeof(lock), "%s.lock", cfg->state_path);
		t->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (t->lock_fd < 0 || flock(t->lock_fd, LOCK_EX | LOCK_NB)) {
			r = -errno;
			snprintf(err, errlen, "state %s: %s", cfg->state_path,
				 errno == EWOULDBLOCK ? "in use by another vTPM" : strerror(errno));
			goto fail;
		}
		r = pvn_vtpm_state_load(cfg->state_path, &t->key, &t->perm, &t->perm_len, err,
					errlen);
		if (r == -ENOENT) {
			vtpm_info("libtpms: no state at %s: a new TPM will be manufactured",
				  cfg->state_path);
		} else if (r) {
			goto fail; /* never reset a state we cannot read */
		}
	} else if (t->key.set) {
		r = -EINVAL;
		snprintf(err, errlen, "a key file without a state path makes no sense");
		goto fail;
	}
	ltpms_cur = t;
	*out = &t->e;
	return 0;
fail:
	ltpms_destroy(&t->e);
	return r;
}
