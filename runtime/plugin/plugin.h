/* SPDX-License-Identifier: MIT */
/*
 * The plugin loader. For each plugin the VM config lists:
 *
 *   verify  copy the file once into a sealed memfd and map it read-only;
 *           on those bytes check the signature
 *           trailer against the trust store and the revocation list; read
 *           the manifest note and the descriptor's fixed fields with libelf;
 *           check the ABI and that manifest and descriptor agree. No plugin
 *           code has run yet.
 *   dlopen  dlopen /proc/self/fd/N of that memfd: the bytes checked are
 *           the bytes loaded. Then check the live descriptor again.
 *   init    call init() with the host-ops table (runtime/plugin/host.c).
 *
 * Any failure unwinds every plugin loaded before it (fini in reverse order,
 * then their claims, lines, watches and services are released) and the VM
 * does not start. Threading: everything here runs on the main thread.
 */
#ifndef PVN_PLUGIN_PLUGIN_H
#define PVN_PLUGIN_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/config/config.h"
#include "runtime/plugin/manifest.h"
#include "runtime/plugin/sign.h"

struct pvn_vm;
struct pvn_vmbus;
struct pvn_acpi;
struct pvn_plugin_set;

/* The trust store and revocation list of a policy, loaded once. */
struct pvn_plugin_verifier {
	enum pvn_plugin_mode mode;
	bool has_trust;
	struct pvn_trust trust;
	bool has_revocations;
	struct pvn_revocations rev;
	char *revocation_file;
	/* Test-only: present a host-ops table of this minor (-1: current; 0, 1
	 * and 2 trim it to 1.0 / 1.1 / 1.2). Set from PARAVANE_TEST_HOST_OPS_MINOR by
	 * pvn_plugin_set_create. */
	int host_ops_minor;
};

int pvn_plugin_verifier_open(const struct pvn_config *cfg, struct pvn_plugin_verifier *v,
			     char *err, size_t errlen);
void pvn_plugin_verifier_close(struct pvn_plugin_verifier *v);

/* A plugin file after the static checks. */
struct pvn_plugin_image {
	char *path;
	uint8_t *bytes; /* the whole file: a read-only mapping of the sealed memfd */
	size_t len;
	size_t elf_len; /* bytes before the trailer */
	bool is_signed;
	bool trusted; /* signature verified with a trusted key */
	char keyid[PVN_KEYID_HEX];
	char key_file[512]; /* the trust-store file that verified it */
	struct pvn_elf_info elf;
	int memfd; /* sealed copy of the file, what dlopen maps; -1 */
	uint64_t verify_ns;
};

/*
 * Run every check that needs no plugin code. 0, or a negative errno with err
 * saying "PATH: why". In permissive mode an unsigned plugin (or one signed
 * by an unknown key) passes with a warning logged; a bad signature or a
 * revoked key or digest never passes.
 */
int pvn_plugin_verify(const struct pvn_plugin_verifier *v, const char *path,
		      struct pvn_plugin_image *img, char *err, size_t errlen);
void pvn_plugin_image_free(struct pvn_plugin_image *img);

/*
 * Stage the enabled plugins of cfg: pvn_plugin_verify on each, in config
 * order, and refuse two with the same name. Needs no VM and runs no plugin
 * code, so a refused plugin is reported before the hypervisor is touched.
 * *out holds the verified images (sealed memfds) until
 * pvn_plugin_set_create_env loads them or pvn_plugin_staged_free drops them.
 */
struct pvn_plugin_staged;
int pvn_plugin_stage(const struct pvn_config *cfg, struct pvn_plugin_staged **out, char *err,
		     size_t errlen);
size_t pvn_plugin_staged_count(const struct pvn_plugin_staged *st);
void pvn_plugin_staged_free(struct pvn_plugin_staged *st);

/* Load, in config order, every enabled plugin of cfg into vm. *out is NULL
 * when the config enables none. On failure nothing stays loaded. Plugins
 * see neither VMBus nor ACPI (their calls return -ENODEV). */
int pvn_plugin_set_create(struct pvn_vm *vm, const struct pvn_config *cfg,
			  struct pvn_plugin_set **out, char *err, size_t errlen);

/* The parts of the VM, beyond vm itself, that plugins may use (ABI 1.2).
 * NULL members are absent (their host calls return -ENODEV). */
struct pvn_plugin_env {
	struct pvn_vmbus *vmbus; /* offers go here; must outlive the set */
	struct pvn_acpi *acpi;   /* tables and devices go here, built after the set */
};
/* pvn_plugin_set_create with env (may be NULL) and the plugins staged from
 * the same cfg (NULL: stage them here; otherwise the caller still frees
 * staged, whose images this consumed). ACPI additions are accepted only while
 * the plugins initialise, i.e. until this returns. */
int pvn_plugin_set_create_env(struct pvn_vm *vm, const struct pvn_plugin_env *env,
			      const struct pvn_config *cfg, struct pvn_plugin_staged *staged,
			      struct pvn_plugin_set **out, char *err, size_t errlen);
/* fini in reverse load order, release everything (channels are rescinded),
 * dlclose. The VM must be stopped (or never started); the VMBus must still
 * exist. */
void pvn_plugin_set_destroy(struct pvn_plugin_set *s);

struct pvn_plugin_timing {
	const char *name;
	size_t file_bytes;
	uint64_t verify_ns, dlopen_ns, init_ns;
};
size_t pvn_plugin_set_count(const struct pvn_plugin_set *s);
int pvn_plugin_set_timing(const struct pvn_plugin_set *s, size_t i, struct pvn_plugin_timing *t);

/*
 * Sign an in-memory plugin: drop an existing trailer, write k's id into the
 * manifest note (if there is one), sign and append a new trailer. *buf is
 * reallocated.
 */
int pvn_plugin_sign_buffer(const struct pvn_key *k, uint8_t **buf, size_t *len, char *why,
			   size_t whylen);

#endif
