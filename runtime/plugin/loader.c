/* SPDX-License-Identifier: MIT */
#include "runtime/plugin/internal.h"
#include "runtime/core/log.h"
#include "runtime/vm.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PLUGIN_MAX_BYTES (512u << 20)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

int pvn_plugin_verifier_open(const struct pvn_config *cfg, struct pvn_plugin_verifier *v,
			     char *err, size_t errlen)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->mode = cfg->plugin_policy.mode;
	v->host_ops_minor = -1;
	if (cfg->plugin_policy.trust_store) {
		r = pvn_trust_load(cfg->plugin_policy.trust_store, &v->trust, err, errlen);
		if (r)
			return r;
		v->has_trust = true;
	}
	if (cfg->plugin_policy.revocation_list) {
		r = pvn_revocations_load(cfg->plugin_policy.revocation_list, &v->rev, err, errlen);
		if (r) {
			pvn_plugin_verifier_close(v);
			return r;
		}
		v->has_revocations = true;
		v->revocation_file = strdup(cfg->plugin_policy.revocation_list);
	}
	return 0;
}

void pvn_plugin_verifier_close(struct pvn_plugin_verifier *v)
{
	if (v->has_trust)
		pvn_trust_free(&v->trust);
	if (v->has_revocations)
		pvn_revocations_free(&v->rev);
	free(v->revocation_file);
	memset(v, 0, sizeof(*v));
}

void pvn_plugin_image_free(struct pvn_plugin_image *img)
{
	free(img->path);
	if (img->bytes)
		munmap(img->bytes, img->len);
	if (img->memfd >= 0)
		close(img->memfd);
	memset(img, 0, sizeof(*img));
	img->memfd = -1;
}

/*
 * Copy the file into a memfd inside the kernel, seal it, and map it
 * read-only: every later check reads this mapping and dlopen maps the same
 * memfd, so the bytes verified are the bytes loaded, and nobody (not even
 * this process) can change them in between.
 */
static int stage_file(const char *path, struct pvn_plugin_image *img)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *map;
	int r;

	if (fd < 0)
		return -errno;
	img->memfd = memfd_create("paravane-plugin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (img->memfd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > PLUGIN_MAX_BYTES) {
		r = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out;
	}
	for (;;) {
		ssize_t n = sendfile(img->memfd, fd, NULL, 1 << 30);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
	}
	if (fcntl(img->memfd, F_ADD_SEALS,
		  F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0 ||
	    fstat(img->memfd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if ((uint64_t)st.st_size > PLUGIN_MAX_BYTES || !st.st_size) {
		r = st.st_size ? -EFBIG : -ENOEXEC;
		goto out;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, img->memfd, 0);
	if (map == MAP_FAILED) {
		r = -errno;
		goto out;
	}
	img->bytes = map;
	img->len = st.st_size;
	r = 0;
out:
	close(fd);
	return r;
}

#define REFUSE(...)                                                                                \
	do {                                                                                       \
		int n_ = snprintf(err, errlen, "%s: ", path);                                      \
		if (n_ >= 0 && (size_t)n_ < errlen)                                                \
			snprintf(err + n_, errlen - n_, __VA_ARGS__);                              \
		goto refuse;                                                                       \
	} while (0)

/* The signature part: trailer, revocations, trust, Ed25519. */
static int check_signature(const struct pvn_plugin_verifier *v, const char *path,
			   struct pvn_plugin_image *img, char *err, size_t errlen)
{
	struct pvn_sig_trailer t;
	const struct pvn_key *key;
	char why[256];
	int r;

	r = pvn_sig_parse_trailer(img->bytes, img->len, &t, why, sizeof(why));
	if (r == -ENOENT && v->mode == PVN_PLUGIN_PERMISSIVE) {
		pvn_warn("*** %s: UNSIGNED plugin loaded because plugin_policy.mode = "
			 "\"permissive\" -- development only, never in production ***",
			 path);
		img->elf_len = img->len;
		return 0;
	}
	if (r == -ENOENT)
		REFUSE("%s; plugin_policy.mode = \"enforce\" loads only plugins signed by a "
		       "trusted publisher (sign it with paravane-sign)",
		       why);
	if (r)
		REFUSE("%s", why);
	img->is_signed = true;
	img->elf_len = img->len - PVN_SIG_TRAILER_SIZE;
	pvn_keyid_hex(t.keyid, img->keyid);
	if (v->has_revocations && v->rev.nr_digests) {
		uint8_t d[32];
		pvn_sha256(img->bytes, img->len, d);
		if (pvn_revoked_digest(&v->rev, d))
			REFUSE("revoked: its sha256 is listed in %s", v->revocation_file);
	}
	if (v->has_revocations && pvn_revoked_key(&v->rev, t.keyid))
		REFUSE("signed by key %s, which is revoked in %s", img->keyid, v->revocation_file);
	key = v->has_trust ? pvn_trust_find(&v->trust, t.keyid) : NULL;
	if (!key && v->mode == PVN_PLUGIN_PERMISSIVE) {
		pvn_warn("*** %s: signed by key %s, which is not trusted; loaded because "
			 "plugin_policy.mode = \"permissive\" -- development only ***",
			 path, img->keyid);
		return 0;
	}
	if (!key && !v->has_trust)
		REFUSE("signed by key %s, but no trust store is configured "
		       "(plugin_policy.trust_store)",
		       img->keyid);
	if (!key)
		REFUSE("signed by key %s, which is not in the trust store %s", img->keyid,
		       v->trust.dir);
	if (pvn_sig_verify(key, img->bytes, img->elf_len, t.sig))
		REFUSE("signature does not verify with key %s (%s): the file was modified "
		       "after it was signed",
		       img->keyid, key->file);
	img->trusted = true;
	snprintf(img->key_file, sizeof(img->key_file), "%s", key->file);
	return 0;
refuse:
	return -EKEYREJECTED;
}

int pvn_plugin_verify(const struct pvn_plugin_verifier *v, const char *path,
		      struct pvn_plugin_image *img, char *err, size_t errlen)
{
	const struct pvn_elf_info *e = &img->elf;
	const struct pvn_manifest *m = &e->manifest;
	uint64_t t0 = now_ns();
	char why[256];
	int r;

	memset(img, 0, sizeof(*img));
	img->memfd = -1;
	img->path = strdup(path);
	if (!img->path)
		return -ENOMEM;
	r = stage_file(path, img);
	if (r) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
			 r == -ENOEXEC ? "empty file" : strerror(-r));
		return r;
	}
	r = check_signature(v, path, img, err, errlen);
	if (r)
		return r;
	r = pvn_elf_inspect(img->bytes, img->elf_len, &img->elf, why, sizeof(why));
	if (r)
		REFUSE("%s", why);
	if (!e->has_manifest)
		REFUSE("no manifest (a %s note \"%s\"; add PVN_PLUGIN_MANIFEST(...))",
		       PVN_NOTE_SECTION, PVN_NOTE_OWNER);
	if (img->is_signed && strcmp(m->keyid, img->keyid))
		REFUSE("the manifest names publisher key '%s' but the file is signed by %s",
		       m->keyid, img->keyid);
	if (m->abi_major != PVN_PLUGIN_ABI_MAJOR)
		REFUSE("built for plugin ABI %u.%u; this runtime provides ABI %u.%u and loads "
		       "only major %u",
		       m->abi_major, m->abi_minor, PVN_PLUGIN_ABI_MAJOR, PVN_PLUGIN_ABI_MINOR,
		       PVN_PLUGIN_ABI_MAJOR);
	if (!e->has_descriptor)
		REFUSE("does not export the descriptor symbol '%s'", PVN_PLUGIN_DESCRIPTOR_SYMBOL);
	if (e->desc_sym_size < PVN_PLUGIN_DESCRIPTOR_SIZE_1_0 ||
	    e->desc_struct_size < PVN_PLUGIN_DESCRIPTOR_SIZE_1_0 ||
	    e->desc_struct_size > e->desc_sym_size)
		REFUSE("truncated descriptor: struct_size %u, symbol size %llu; ABI %u.0 needs at "
		       "least %zu bytes",
		       e->desc_struct_size, (unsigned long long)e->desc_sym_size,
		       PVN_PLUGIN_ABI_MAJOR, (size_t)PVN_PLUGIN_DESCRIPTOR_SIZE_1_0);
	if (e->desc_abi_major != m->abi_major || e->desc_abi_minor != m->abi_minor)
		REFUSE("the manifest says ABI %u.%u but the descriptor says %u.%u", m->abi_major,
		       m->abi_minor, e->desc_abi_major, e->desc_abi_minor);
	if (e->desc_name[0] && strcmp(e->desc_name, m->name))
		REFUSE("the manifest names the plugin '%s' but the descriptor names it '%s'",
		       m->name, e->desc_name);
	if (e->desc_version[0] && strcmp(e->desc_version, m->version))
		REFUSE("the manifest says version '%s' but the descriptor says '%s'", m->version,
		       e->desc_version);
	img->verify_ns = now_ns() - t0;
	return 0;
refuse:
	return -EKEYREJECTED;
}

/* ---- loading ---- */

/* dlopen the memfd. glibc recognises an already loaded object by its path
 * name, and /proc/self/fd/N names repeat once an fd is closed: move the fd
 * until no loaded object has that name. */
static void *dlopen_fd(int *fd, char *err, size_t errlen)
{
	char path[64];
	void *h;

	for (int tries = 0; tries < 64; tries++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", *fd);
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
		if (!h)
			break;
		dlclose(h);
		int nfd = fcntl(*fd, F_DUPFD_CLOEXEC, *fd + 1);
		if (nfd < 0) {
			snprintf(err, errlen, "dup: %s", strerror(errno));
			return NULL;
		}
		close(*fd);
		*fd = nfd;
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		snprintf(err, errlen, "dlopen: %s", dlerror());
	return h;
}

static void unload(struct pvn_plugin *p)
{
	if (p->inited && p->desc->fini) {
		pvn_debug("%s: fini", p->host.name);
		p->desc->fini(p->state);
	}
	p->inited = false;
	if (p->host.set)
		pvn_host_release(&p->host);
	if (p->dl)
		dlclose(p->dl);
	p->dl = NULL;
	if (p->memfd >= 0)
		close(p->memfd);
	p->memfd = -1;
	pvn_plugin_image_free(&p->img);
	if (p->host.set) {
		pthread_mutex_destroy(&p->host.lock);
		pthread_rwlock_destroy(&p->host.gpadl_lock);
	}
	p->host.set = NULL;
}

static bool service_listed(const struct pvn_service_ref *l, const char *name)
{
	for (; l && l->name; l++)
		if (!strcmp(l->name, name))
			return true;
	return false;
}

/* Load one staged plugin: p takes over the verified image *img. */
static int load_one(struct pvn_plugin_set *s, const struct pvn_config *cfg, int index,
		    struct pvn_plugin_image *img, struct pvn_plugin *p, char *err, size_t errlen)
{
	const struct pvn_plugin_cfg *pc = &cfg->plugins[index];
	const char *path = pc->path;
	const struct pvn_plugin_descriptor *d;
	const struct pvn_manifest *m;
	char why[256] = "";
	uint64_t t0;
	int r;

	p->memfd = -1;
	p->img = *img;
	memset(img, 0, sizeof(*img));
	img->memfd = -1;
	m = &p->img.elf.manifest;

	t0 = now_ns();
	p->memfd = p->img.memfd; /* the fd stays open while the object is loaded */
	p->img.memfd = -1;
	/* The first plugin code runs here (constructors). */
	p->dl = dlopen_fd(&p->memfd, why, sizeof(why));
	if (!p->dl) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -ENOEXEC;
	}
	d = dlsym(p->dl, PVN_PLUGIN_DESCRIPTOR_SYMBOL);
	/* Re-check what the static read saw, on the live object. */
	if (!d || d->struct_size < PVN_PLUGIN_DESCRIPTOR_SIZE_1_0 ||
	    d->abi_major != m->abi_major || d->abi_minor != m->abi_minor || !d->name ||
	    strcmp(d->name, m->name) || !d->version || strcmp(d->version, m->version) || !d->init) {
		snprintf(err, errlen,
			 "%s: the loaded descriptor is missing, truncated, has no init, or "
			 "disagrees with the manifest ('%s' %s, ABI %u.%u)",
			 path, m->name, m->version, m->abi_major, m->abi_minor);
		return -EBADMSG;
	}
	p->desc = d;
	p->timing.dlopen_ns = now_ns() - t0;
	if (d->abi_minor > s->ops.abi_minor)
		pvn_info("%s: built for ABI %u.%u, newer than this runtime's %u.%u: it sees only "
			 "what %u.%u offers",
			 m->name, d->abi_major, d->abi_minor, PVN_PLUGIN_ABI_MAJOR,
			 s->ops.abi_minor, PVN_PLUGIN_ABI_MAJOR, s->ops.abi_minor);
	for (const struct pvn_service_ref *q = d->requires; q && q->name; q++) {
		const struct pvn_service *sv = pvn_service_find(s, q->name);
		if (!sv || sv->major != q->major || sv->minor < q->minor) {
			snprintf(err, errlen,
				 "%s: plugin '%s' requires service '%s' %u.%u, which %s%s%s", path,
				 m->name, q->name, q->major, q->minor,
				 sv ? "has the wrong version from '" : "no plugin listed before it provides",
				 sv ? sv->owner->name : "", sv ? "'" : "");
			return -ENOENT;
		}
	}

	p->host.set = s;
	p->host.vm = s->vm;
	p->host.index = index;
	p->host.cfg = cfg;
	p->host.settings = pc->settings;
	pthread_mutex_init(&p->host.lock, NULL);
	pthread_rwlock_init(&p->host.gpadl_lock, NULL);
	snprintf(p->host.name, sizeof(p->host.name), "%s", m->name);
	p->timing.name = p->host.name;
	p->timing.file_bytes = p->img.len;
	p->timing.verify_ns = p->img.verify_ns;

	t0 = now_ns();
	r = d->init(&s->ops, &p->host, &p->state);
	p->timing.init_ns = now_ns() - t0;
	if (r) {
		snprintf(err, errlen, "%s: plugin '%s' failed to initialise: %s%s%s", path, m->name,
			 r < 0 ? strerror(-r) : "bad return value", p->host.error[0] ? ": " : "",
			 p->host.error);
		return r < 0 ? r : -EINVAL;
	}
	p->inited = true;
	for (const struct pvn_service_ref *q = d->provides; q && q->name; q++)
		if (!pvn_service_find(s, q->name))
			pvn_warn("%s: declares service '%s' but did not provide it", m->name,
				 q->name);
	for (size_t i = 0; i < s->nr_services; i++)
		if (s->services[i].owner == &p->host && !service_listed(d->provides, s->services[i].name))
			pvn_warn("%s: provides service '%s' without declaring it", m->name,
				 s->services[i].name);
	pvn_info("plugin %s %s loaded from %s (ABI %u.%u, %s%s)", m->name, m->version, path,
		 d->abi_major, d->abi_minor,
		 p->img.trusted ? "signed by " : (p->img.is_signed ? "UNTRUSTED key " : "UNSIGNED"),
		 p->img.keyid);
	return 0;
}

/* ---- staging: every static check, before a VM exists ---- */

struct pvn_plugin_staged {
	struct pvn_plugin_verifier v;
	size_t nr;
	int *index;                   /* in cfg->plugins */
	struct pvn_plugin_image *img; /* verified, not yet loaded */
};

void pvn_plugin_staged_free(struct pvn_plugin_staged *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nr; i++)
		pvn_plugin_image_free(&st->img[i]);
	pvn_plugin_verifier_close(&st->v);
	free(st->img);
	free(st->index);
	free(st);
}

int pvn_plugin_stage(const struct pvn_config *cfg, struct pvn_plugin_staged **out, char *err,
		     size_t errlen)
{
	struct pvn_plugin_staged *st;
	size_t enabled = 0;
	int r;

	*out = NULL;
	for (size_t i = 0; i < cfg->nr_plugins; i++)
		enabled += cfg->plugins[i].enabled;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->img = calloc(enabled ? enabled : 1, sizeof(*st->img));
	st->index = calloc(enabled ? enabled : 1, sizeof(*st->index));
	if (!st->img || !st->index) {
		free(st->img);
		free(st->index);
		free(st);
		return -ENOMEM;
	}
	if (!enabled) {
		*out = st;
		return 0;
	}
	r = pvn_plugin_verifier_open(cfg, &st->v, err, errlen);
	if (r) {
		free(st->img);
		free(st->index);
		free(st);
		return r;
	}
	for (size_t i = 0; i < cfg->nr_plugins; i++) {
		const struct pvn_manifest *m;
		if (!cfg->plugins[i].enabled)
			continue;
		r = pvn_plugin_verify(&st->v, cfg->plugins[i].path, &st->img[st->nr], err, errlen);
		if (r) {
			pvn_plugin_image_free(&st->img[st->nr]);
			break;
		}
		st->index[st->nr] = (int)i;
		m = &st->img[st->nr].elf.manifest;
		for (size_t j = 0; j < st->nr; j++) {
			if (!strcmp(st->img[j].elf.manifest.name, m->name)) {
				snprintf(err, errlen, "%s: a plugin named '%s' is already listed, from %s",
					 cfg->plugins[i].path, m->name, st->img[j].path);
				r = -EEXIST;
				break;
			}
		}
		st->nr++;
		if (r)
			break;
	}
	if (r) {
		pvn_plugin_staged_free(st);
		return r;
	}
	*out = st;
	return 0;
}

size_t pvn_plugin_staged_count(const struct pvn_plugin_staged *st)
{
	return st ? st->nr : 0;
}

int pvn_plugin_set_create(struct pvn_vm *vm, const struct pvn_config *cfg,
			  struct pvn_plugin_set **out, char *err, size_t errlen)
{
	return pvn_plugin_set_create_env(vm, NULL, cfg, NULL, out, err, errlen);
}

int pvn_plugin_set_create_env(struct pvn_vm *vm, const struct pvn_plugin_env *env,
			      const struct pvn_config *cfg, struct pvn_plugin_staged *staged,
			      struct pvn_plugin_set **out, char *err, size_t errlen)
{
	struct pvn_plugin_staged *st = staged;
	struct pvn_plugin_set *s;
	const char *minor;
	int r = 0;

	*out = NULL;
	if (!st) {
		r = pvn_plugin_stage(cfg, &st, err, errlen);
		if (r)
			return r;
	}
	if (!st->nr)
		goto out;
	s = calloc(1, sizeof(*s));
	if (s)
		s->plugins = calloc(st->nr, sizeof(*s->plugins));
	if (!s || !s->plugins) {
		free(s);
		r = -ENOMEM;
		goto out;
	}
	s->vm = vm;
	if (env) {
		s->vmbus = env->vmbus;
		s->acpi = env->acpi;
	}
	/* Test-only switch: make this runtime look like an older ABI minor. */
	minor = getenv("PARAVANE_TEST_HOST_OPS_MINOR");
	st->v.host_ops_minor = minor && *minor ? atoi(minor) : -1;
	pvn_host_ops_fill(&s->ops, st->v.host_ops_minor);
	if (st->v.mode == PVN_PLUGIN_PERMISSIVE)
		pvn_warn("*** plugin_policy.mode = \"permissive\": unsigned plugins will load. "
			 "Development only. ***");
	s->acpi_open = true;
	for (size_t i = 0; i < st->nr; i++) {
		r = load_one(s, cfg, st->index[i], &st->img[i], &s->plugins[s->nr++], err, errlen);
		if (r) {
			/* The one that failed: release (no fini: its init did not succeed). */
			unload(&s->plugins[--s->nr]);
			break;
		}
	}
	s->acpi_open = false; /* the caller builds the tables next */
	if (r) {
		pvn_plugin_set_destroy(s);
		goto out;
	}
	*out = s;
out:
	if (!staged)
		pvn_plugin_staged_free(st);
	return r;
}

void pvn_plugin_set_destroy(struct pvn_plugin_set *s)
{
	if (!s)
		return;
	while (s->nr)
		unload(&s->plugins[--s->nr]);
	free(s->plugins);
	free(s->services);
	free(s);
}

size_t pvn_plugin_set_count(const struct pvn_plugin_set *s)
{
	return s ? s->nr : 0;
}

int pvn_plugin_set_timing(const struct pvn_plugin_set *s, size_t i, struct pvn_plugin_timing *t)
{
	if (!s || i >= s->nr)
		return -ENOENT;
	*t = s->plugins[i].timing;
	return 0;
}

int pvn_plugin_sign_buffer(const struct pvn_key *k, uint8_t **buf, size_t *len, char *why,
			   size_t whylen)
{
	struct pvn_sig_trailer t;
	struct pvn_elf_info info;
	size_t elf_len = *len;
	uint8_t *nb;
	int r;

	if (!pvn_sig_parse_trailer(*buf, *len, &t, why, whylen))
		elf_len -= PVN_SIG_TRAILER_SIZE; /* re-signing replaces the old trailer */
	r = pvn_elf_inspect(*buf, elf_len, &info, why, whylen);
	if (r)
		return r;
	if (info.has_manifest) {
		/* manifest_offset + sizeof(manifest) <= elf_len: pvn_elf_inspect
		 * read the note from inside the file. */
		uint8_t *kid = *buf + info.manifest_offset + offsetof(struct pvn_manifest, keyid);
		char hex[PVN_KEYID_HEX];
		pvn_keyid_hex(k->id, hex);
		memset(kid, 0, PVN_MANIFEST_KEYID_MAX);
		memcpy(kid, hex, strlen(hex));
	}
	nb = realloc(*buf, elf_len + PVN_SIG_TRAILER_SIZE);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	memset(&t, 0, sizeof(t));
	memcpy(t.keyid, k->id, PVN_KEYID_LEN);
	r = pvn_sig_sign(k, nb, elf_len, t.sig);
	if (r) {
		snprintf(why, whylen, "signing failed");
		return r;
	}
	pvn_sig_encode_trailer(&t, nb + elf_len);
	*len = elf_len + PVN_SIG_TRAILER_SIZE;
	return 0;
}
