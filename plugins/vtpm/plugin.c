/* SPDX-License-Identifier: MIT */
/*
 * The vTPM plugin: a TPM 2.0 CRB device at 0xFED40000 whose engine is picked
 * per VM. Settings (all optional):
 *   engine    = "libtpms" | "swtpm" | "swtpm:path=SOCK" | "tcti:CONF"  (libtpms)
 *               | "service" | "service:NAME": the `tpm-engine` service (or
 *               "tpm-engine.NAME") another plugin, listed before vtpm, provides
 *   state     = libtpms: state file; swtpm: state directory            (none: ephemeral)
 *   key       = AES-256 key file for the state at rest
 *   swtpm     = the swtpm binary                                       ("swtpm")
 *   host_socket = Unix socket (mode 0600) for host tools: mssim:path= / swtpm:path=  (off)
 *   host_port   = 127.0.0.1 TCP port (and port+1) for mssim:host=,port=            (off)
 * Provides the "tpm" service 1.0 (tpm_service.h).
 *
 * ACPI (plugin ABI 1.2): the plugin adds a TPM2 table (start method CRB) and
 * an MSFT0101 device with the CRB's MMIO range to the DSDT, so a guest's
 * tpm_crb driver finds it. On an older runtime, or a VM without ACPI, the
 * device still works but the guest must know where it is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <paravane/plugin.h>
#include <paravane/tpm_engine.h>

#include "plugins/vtpm/acpi_tpm2.h"
#include "plugins/vtpm/crb.h"
#include "plugins/vtpm/engine.h"
#include "plugins/vtpm/host_socket.h"
#include "plugins/vtpm/tpm_service.h"
#include "plugins/vtpm/vtpm_log.h"

PVN_PLUGIN_MANIFEST("vtpm", "0.1.0", "");

struct vtpm_plugin {
	const struct pvn_host_ops *ops;
	struct pvn_host *host;
	struct pvn_vtpm_engine *engine;
	struct pvn_vtpm_crb crb;
	bool crb_ready;
	struct pvn_vtpm_hostsock *hs; /* host tools' access; NULL when off */
	struct pvn_tpm_service svc;
	char engine_svc[40]; /* engine = "service[:NAME]": the service's name */
};

static void host_log(void *opaque, int level, const char *msg)
{
	struct vtpm_plugin *p = opaque;
	/* vtpm_log prefixes "vtpm: "; the host prefixes the plugin name. */
	if (!strncmp(msg, "vtpm: ", 6))
		msg += 6;
	p->ops->log(p->host, level, msg);
}

static int get_str(struct vtpm_plugin *p, const char *key, const char **out)
{
	int r = PVN_HOST_CALL(p->ops, cfg_get_string, p->host, key, out);
	if (r == -ENOENT) {
		*out = NULL;
		return 0;
	}
	return r;
}

/* engine = "service[:NAME]": find the tpm-engine service another plugin
 * provides. Anything else: nothing to do. */
static int lookup_engine_service(struct vtpm_plugin *p, const char *engine,
				 struct pvn_vtpm_engine_cfg *cfg)
{
	char *name = p->engine_svc;
	const size_t namelen = sizeof(p->engine_svc);
	const void *vt = NULL;
	char msg[256];
	int r;

	if (strcmp(engine, "service") && strncmp(engine, "service:", 8))
		return 0;
	if (engine[7] == ':')
		snprintf(name, namelen, "%s.%.20s", PVN_TPM_ENGINE_SERVICE_NAME, engine + 8);
	else
		snprintf(name, namelen, "%s", PVN_TPM_ENGINE_SERVICE_NAME);
	r = PVN_HOST_CALL(p->ops, service_lookup, p->host, name, PVN_TPM_ENGINE_SERVICE_MAJOR, 0,
			  &vt, NULL);
	if (!r) {
		cfg->service = vt;
		cfg->service_name = name;
		return 0;
	}
	snprintf(msg, sizeof(msg), "\"%s\": %s", engine,
		 r == -ENOENT   ? "no plugin provides the tpm-engine service under that name; list "
				  "the engine's plugin before vtpm"
		 : r == -ENOSYS ? "this runtime has no plugin services (plugin ABI before 1.1)"
		 : r == -EPROTO ? "the provided tpm-engine service is not version 1.x"
				: strerror(-r));
	PVN_HOST_CALL(p->ops, cfg_error, p->host, "engine", msg);
	return r;
}

static int svc_transmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t *rsplen)
{
	return pvn_vtpm_crb_host_transmit(ctx, cmd, len, rsp, rsplen);
}

static int crb_mmio(void *opaque, unsigned vp, uint64_t gpa, unsigned size, bool write,
		    uint64_t *val)
{
	return pvn_vtpm_crb_mmio_handler(opaque, vp, gpa, size, write, val);
}

static void vtpm_fini(void *state)
{
	struct vtpm_plugin *p = state;

	if (!p)
		return;
	pvn_vtpm_hostsock_stop(p->hs);
	if (p->crb_ready)
		pvn_vtpm_crb_fini(&p->crb);
	if (p->engine) {
		pvn_vtpm_engine_power_off(p->engine);
		pvn_vtpm_engine_destroy(p->engine);
	}
	pvn_vtpm_log_set(NULL, NULL, PVN_VTPM_LOG_INFO);
	free(p);
}

static int vtpm_init(const struct pvn_host_ops *ops, struct pvn_host *host, void **state)
{
	struct pvn_vtpm_engine_cfg cfg = {0};
	const char *engine = NULL;
	struct vtpm_plugin *p;
	char err[512];
	int r;

	if (!PVN_HOST_HAS(ops, log) || !PVN_HOST_HAS(ops, claim_mmio))
		return -ENOSYS;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ops = ops;
	p->host = host;
	pvn_vtpm_log_set(host_log, p, PVN_VTPM_LOG_INFO);

	if ((r = get_str(p, "engine", &engine)) || (r = get_str(p, "state", &cfg.state_path)) ||
	    (r = get_str(p, "key", &cfg.key_path)) || (r = get_str(p, "swtpm", &cfg.swtpm_bin)))
		goto fail;
	engine = engine ? engine : "libtpms";
	if ((r = lookup_engine_service(p, engine, &cfg)))
		goto fail;
	r = pvn_vtpm_engine_create(engine, &cfg, &p->engine, err, sizeof(err));
	if (r) {
		PVN_HOST_CALL(ops, cfg_error, host, "engine", err);
		goto fail;
	}
	r = pvn_vtpm_engine_power_on(p->engine);
	if (r) {
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_ERROR, "engine %s would not power on",
			       engine);
		goto fail;
	}
	r = pvn_vtpm_crb_init(&p->crb, PVN_CRB_BASE, p->engine);
	if (r)
		goto fail;
	p->crb_ready = true;
	{
		/* Host-side access to the same TPM, off unless a setting asks. */
		struct pvn_vtpm_hostsock_cfg hc = {.tcp_port = -1};
		int64_t port;
		if ((r = get_str(p, "host_socket", &hc.unix_path)))
			goto fail;
		r = PVN_HOST_CALL(ops, cfg_get_int, host, "host_port", &port);
		if (!r) {
			if (port < 0 || port > 65534) {
				PVN_HOST_CALL(ops, cfg_error, host, "host_port",
					      "must be a TCP port 0-65534 (0: pick a free one)");
				r = -EINVAL;
				goto fail;
			}
			hc.tcp_port = (int)port;
		} else if (r != -ENOENT) {
			goto fail;
		}
		r = 0;
		if ((hc.unix_path || hc.tcp_port >= 0) &&
		    (r = pvn_vtpm_hostsock_start(&p->crb, &hc, &p->hs, err, sizeof(err)))) {
			PVN_HOST_CALL(ops, cfg_error, host, hc.unix_path ? "host_socket" : "host_port",
				      err);
			goto fail;
		}
	}
	r = ops->claim_mmio(host, PVN_CRB_BASE, PVN_CRB_PAGE_SIZE, crb_mmio, &p->crb);
	if (r)
		goto fail;

	p->svc.head.size = sizeof(p->svc);
	p->svc.ctx = &p->crb;
	p->svc.transmit = svc_transmit;
	r = PVN_HOST_CALL(ops, service_provide, host, PVN_TPM_SERVICE_NAME, PVN_TPM_SERVICE_MAJOR,
			  PVN_TPM_SERVICE_MINOR, &p->svc);
	if (r && r != -ENOSYS)
		goto fail;

	{
		uint8_t tpm2[PVN_VTPM_TPM2_TABLE_LEN], dev[256];
		size_t dev_len = pvn_vtpm_acpi_dsdt_device(dev, sizeof(dev), (uint32_t)PVN_CRB_BASE);
		int a;

		pvn_vtpm_acpi_tpm2_table(tpm2, PVN_CRB_BASE);
		a = PVN_HOST_CALL(ops, acpi_add_table, host, tpm2, sizeof(tpm2));
		if (!a)
			a = dev_len ? PVN_HOST_CALL(ops, acpi_add_device, host, dev, dev_len)
				    : -EINVAL;
		if (a == -ENOSYS || a == -ENODEV)
			pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_WARN,
				       "TPM2 table and MSFT0101 device not installed (%s): guests "
				       "must find the CRB at 0x%llx themselves",
				       a == -ENOSYS ? "runtime before plugin ABI 1.2"
						    : "the VM has no ACPI tables",
				       (unsigned long long)PVN_CRB_BASE);
		else if (a) {
			r = a;
			pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_ERROR,
				       "cannot add the TPM2 ACPI table or device: %s", strerror(-a));
			goto fail;
		}
	}
	pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO, "TPM 2.0 CRB at 0x%llx, engine %s%s%s",
		       (unsigned long long)PVN_CRB_BASE, engine, cfg.state_path ? ", state " : "",
		       cfg.state_path ? cfg.state_path : "");
	*state = p;
	return 0;
fail:
	vtpm_fini(p);
	return r < 0 ? r : -EINVAL;
}

static const struct pvn_service_ref vtpm_provides[] = {
	{PVN_TPM_SERVICE_NAME, PVN_TPM_SERVICE_MAJOR, PVN_TPM_SERVICE_MINOR},
	{NULL, 0, 0},
};

PVN_PLUGIN_EXPORT const struct pvn_plugin_descriptor pvn_plugin_descriptor = {
	PVN_PLUGIN_DESCRIPTOR_HEADER,
	.name = "vtpm",
	.version = "0.1.0",
	.license = "MIT",
	.provides = vtpm_provides,
	.init = vtpm_init,
	.fini = vtpm_fini,
};
