/* SPDX-License-Identifier: MIT */
/*
 * A third-party TPM engine shipped as a plugin: it provides the `tpm-engine`
 * service 1.0 (paravane/tpm_engine.h) and executes commands with its own
 * copy of libtpms (a plugin may link its own dependencies). The vTPM plugin
 * uses it with `engine = "service"`; nothing in vtpm knows this engine.
 *
 * Settings (all optional):
 *   cmdlog = FILE   append one line per command: "cmd 0xCODE len N rc 0xRC"
 *   name   = NAME   provide "tpm-engine.NAME" instead of "tpm-engine"
 *   minimal = true  provide a vtable that ends after `transmit` (an engine
 *                   built for a smaller table: the other ops must be -ENOSYS
 *                   or "nothing to do"; libtpms is then powered on by the
 *                   first command)
 *   fail = true     every transmit fails (-EIO): the guest must see TPM_RC_FAILURE
 * fini logs "tpengine: N commands, last rc 0x..." and appends "fini
 * tpengine" to $PVN_TEST_FINI_LOG.
 *
 * The TPM is ephemeral (libtpms' NVRAM callbacks keep the permanent state
 * in memory only).
 */
#include <paravane/plugin.h>
#include <paravane/tpm_engine.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_nvfilename.h>
#include <libtpms/tpm_types.h>

PVN_PLUGIN_MANIFEST("tpengine", "0.1.0", "");

struct tpe {
	const struct pvn_host_ops *ops;
	struct pvn_host *host;
	struct pvn_tpm_engine_service svc;
	bool powered;
	bool fail;
	uint8_t locality;
	int log_fd;
	unsigned long commands;
	uint32_t last_rc;
	unsigned char *rspbuf;
	uint32_t rspbuf_size;
	unsigned char cmd[PVN_TPM_ENGINE_MAX_BUF];
	uint8_t *perm;
	size_t perm_len;
	char svc_name[40];
};

static struct tpe *cur; /* libtpms callbacks have no context */

static TPM_RESULT cb_nvram_init(void)
{
	return TPM_SUCCESS;
}

static TPM_RESULT cb_nvram_load(unsigned char **data, uint32_t *length, uint32_t tpm_number,
				const char *name)
{
	*data = NULL;
	*length = 0;
	if (!cur || strcmp(name, TPM_PERMANENT_ALL_NAME) || !cur->perm)
		return TPM_RETRY; /* a new TPM */
	if (!(*data = malloc(cur->perm_len)))
		return TPM_FAIL;
	memcpy(*data, cur->perm, cur->perm_len);
	*length = (uint32_t)cur->perm_len;
	return TPM_SUCCESS;
}

static TPM_RESULT cb_nvram_store(const unsigned char *data, uint32_t length, uint32_t tpm_number,
				 const char *name)
{
	uint8_t *copy;

	if (!cur)
		return TPM_FAIL;
	if (strcmp(name, TPM_PERMANENT_ALL_NAME))
		return TPM_SUCCESS;
	if (!(copy = malloc(length ? length : 1)))
		return TPM_FAIL;
	memcpy(copy, data, length);
	free(cur->perm);
	cur->perm = copy;
	cur->perm_len = length;
	return TPM_SUCCESS;
}

static TPM_RESULT cb_nvram_delete(uint32_t tpm_number, const char *name, TPM_BOOL must_exist)
{
	return TPM_SUCCESS;
}

static TPM_RESULT cb_io_init(void)
{
	return TPM_SUCCESS;
}

static TPM_RESULT cb_io_locality(TPM_MODIFIER_INDICATOR *loc, uint32_t tpm_number)
{
	*loc = cur ? cur->locality : 0;
	return TPM_SUCCESS;
}

static TPM_RESULT cb_io_pp(TPM_BOOL *pp, uint32_t tpm_number)
{
	*pp = FALSE;
	return TPM_SUCCESS;
}

static int tpe_power_on(void *ctx)
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
	struct tpe *t = ctx;
	TPM_RESULT rc;

	if (t->powered)
		return 0;
	rc = TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2);
	if (rc == TPM_SUCCESS)
		rc = TPMLIB_RegisterCallbacks(&cbs);
	if (rc == TPM_SUCCESS)
		rc = TPMLIB_MainInit();
	if (rc != TPM_SUCCESS) {
		pvn_plugin_log(t->ops, t->host, PVN_PLUGIN_LOG_ERROR,
			       "tpengine: libtpms would not start (0x%x)", rc);
		return -EIO;
	}
	t->powered = true;
	pvn_plugin_log(t->ops, t->host, PVN_PLUGIN_LOG_INFO, "tpengine: powered on");
	return 0;
}

static int tpe_power_off(void *ctx)
{
	struct tpe *t = ctx;

	if (!t->powered)
		return 0;
	TPMLIB_Terminate();
	t->powered = false;
	free(t->rspbuf);
	t->rspbuf = NULL;
	t->rspbuf_size = 0;
	pvn_plugin_log(t->ops, t->host, PVN_PLUGIN_LOG_INFO, "tpengine: powered off");
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int tpe_transmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t *rsplen)
{
	struct tpe *t = ctx;
	uint32_t out_len = 0;
	TPM_RESULT rc;

	if (t->fail || (!t->powered && tpe_power_on(t)))
		return -EIO;
	if (len > sizeof(t->cmd) || len < 10)
		return -EINVAL;
	memcpy(t->cmd, cmd, len);
	rc = TPMLIB_Process(&t->rspbuf, &out_len, &t->rspbuf_size, t->cmd, (uint32_t)len);
	if (rc != TPM_SUCCESS || out_len < 10)
		return -EIO;
	if (out_len > *rsplen)
		return -EMSGSIZE;
	memcpy(rsp, t->rspbuf, out_len);
	*rsplen = out_len;
	t->commands++;
	t->last_rc = be32(rsp + 6);
	if (t->log_fd >= 0) {
		char line[96];
		int n = snprintf(line, sizeof(line), "cmd 0x%08x len %zu rc 0x%x\n", be32(cmd + 6),
				 len, t->last_rc);
		if (write(t->log_fd, line, (size_t)n) != n)
			return -EIO;
	}
	return 0;
}

static int tpe_cancel(void *ctx)
{
	return TPMLIB_CancelCommand() == TPM_SUCCESS ? 0 : -EIO;
}

static int tpe_set_locality(void *ctx, uint8_t locality)
{
	struct tpe *t = ctx;

	if (locality > 4)
		return -EINVAL;
	t->locality = locality;
	return 0;
}

static void tpe_fini(void *state)
{
	struct tpe *t = state;
	const char *f;

	if (!t)
		return;
	tpe_power_off(t);
	pvn_plugin_log(t->ops, t->host, PVN_PLUGIN_LOG_INFO, "tpengine: %lu commands, last rc 0x%x",
		       t->commands, t->last_rc);
	if (t->log_fd >= 0)
		close(t->log_fd);
	if ((f = getenv("PVN_TEST_FINI_LOG"))) {
		int fd = open(f, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			if (write(fd, "fini tpengine\n", 14) != 14) {
				/* best effort */
			}
			close(fd);
		}
	}
	free(t->perm);
	cur = NULL;
	free(t);
}

static int tpe_init(const struct pvn_host_ops *ops, struct pvn_host *host, void **state)
{
	const char *logpath = NULL, *name = NULL;
	bool minimal = false;
	struct tpe *t;
	int r;

	if (!PVN_HOST_HAS(ops, log) || !PVN_HOST_HAS(ops, service_provide))
		return -ENOSYS;
	if (cur)
		return -EBUSY; /* libtpms: one TPM per process */
	if (!(t = calloc(1, sizeof(*t))))
		return -ENOMEM;
	t->ops = ops;
	t->host = host;
	t->log_fd = -1;
	cur = t;
	r = ops->cfg_get_string(host, "cmdlog", &logpath);
	if (r && r != -ENOENT)
		goto fail;
	r = ops->cfg_get_string(host, "name", &name);
	if (r && r != -ENOENT)
		goto fail;
	r = ops->cfg_get_bool(host, "minimal", &minimal);
	if (r && r != -ENOENT)
		goto fail;
	if (r == -ENOENT)
		minimal = false;
	r = ops->cfg_get_bool(host, "fail", &t->fail);
	if (r && r != -ENOENT)
		goto fail;
	if (logpath) {
		t->log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (t->log_fd < 0) {
			r = -errno;
			ops->cfg_error(host, "cmdlog", "cannot open the command log");
			goto fail;
		}
	}
	snprintf(t->svc_name, sizeof(t->svc_name), "%s%s%.24s", PVN_TPM_ENGINE_SERVICE_NAME,
		 name ? "." : "", name ? name : "");
	t->svc.ctx = t;
	t->svc.transmit = tpe_transmit;
	if (minimal) {
		t->svc.head.size = (uint32_t)(offsetof(struct pvn_tpm_engine_service, transmit) +
					      sizeof(t->svc.transmit));
	} else {
		t->svc.head.size = sizeof(t->svc);
		t->svc.power_on = tpe_power_on;
		t->svc.power_off = tpe_power_off;
		t->svc.cancel = tpe_cancel;
		t->svc.set_locality = tpe_set_locality;
		/* get_state/set_state: NULL (-ENOSYS through vtpm) */
	}
	r = ops->service_provide(host, t->svc_name, PVN_TPM_ENGINE_SERVICE_MAJOR,
				 PVN_TPM_ENGINE_SERVICE_MINOR, &t->svc);
	if (r)
		goto fail;
	pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO, "tpengine: provides %s %u.%u%s",
		       t->svc_name, PVN_TPM_ENGINE_SERVICE_MAJOR, PVN_TPM_ENGINE_SERVICE_MINOR,
		       minimal ? " (minimal vtable)" : "");
	*state = t;
	return 0;
fail:
	tpe_fini(t);
	return r < 0 ? r : -EINVAL;
}

static const struct pvn_service_ref tpe_provides[] = {
	{PVN_TPM_ENGINE_SERVICE_NAME, PVN_TPM_ENGINE_SERVICE_MAJOR, PVN_TPM_ENGINE_SERVICE_MINOR},
	{NULL, 0, 0},
};

PVN_PLUGIN_EXPORT const struct pvn_plugin_descriptor pvn_plugin_descriptor = {
	PVN_PLUGIN_DESCRIPTOR_HEADER,
	.name = "tpengine",
	.version = "0.1.0",
	.license = "MIT",
	.provides = tpe_provides,
	.init = tpe_init,
	.fini = tpe_fini,
};
