/* SPDX-License-Identifier: MIT */
#include "runtime/config/config.h"
#include "runtime/core/log.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ctx {
	struct pvn_config *cfg;
	char *err;
	size_t errlen;
};

static int fail(struct ctx *c, const config_setting_t *s, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct ctx *c, const config_setting_t *s, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%u: %s: %s", c->cfg->file,
		 s ? config_setting_source_line(s) : 0, key, msg);
	return -EINVAL;
}

/* Every key in `group` must be one of `allowed`. */
static int check_keys(struct ctx *c, const config_setting_t *group, const char *prefix,
		      const char *const *allowed)
{
	int n = config_setting_length(group);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, i);
		const char *name = config_setting_name(s);
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			ok |= !strcmp(*a, name);
		if (!ok) {
			char key[128];
			snprintf(key, sizeof(key), "%s%s", prefix, name);
			return fail(c, s, key, "unknown key");
		}
	}
	return 0;
}

static const config_setting_t *member(const config_setting_t *g, const char *name)
{
	return g ? config_setting_get_member(g, name) : NULL;
}

static int get_u64(struct ctx *c, const config_setting_t *g, const char *name, const char *key,
		   uint64_t min, uint64_t max, bool *present, uint64_t *out)
{
	const config_setting_t *s = member(g, name);
	long long v;
	if (present)
		*present = s != NULL;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(c, s, key, "must be an integer");
	v = config_setting_get_int64(s);
	/* libconfig stores a constant without the L suffix as a signed 32-bit
	 * int, so 0x80000000-0xffffffff read back negative; written in hex they
	 * are meant as unsigned (addresses). */
	if (config_setting_type(s) == CONFIG_TYPE_INT &&
	    config_setting_get_format(s) == CONFIG_FORMAT_HEX)
		v = (uint32_t)config_setting_get_int(s);
	if (v < 0 || (uint64_t)v < min || (uint64_t)v > max)
		return fail(c, s, key, "%lld is out of range (%llu-%llu)", v,
			    (unsigned long long)min, (unsigned long long)max);
	*out = (uint64_t)v;
	return 0;
}

static int get_str(struct ctx *c, const config_setting_t *g, const char *name, const char *key,
		   char **out)
{
	const config_setting_t *s = member(g, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(c, s, key, "must be a string");
	if (!*config_setting_get_string(s))
		return fail(c, s, key, "must not be empty");
	free(*out);
	*out = strdup(config_setting_get_string(s));
	return *out ? 0 : -ENOMEM;
}

static int get_bool(struct ctx *c, const config_setting_t *g, const char *name, const char *key,
		    bool *out)
{
	const config_setting_t *s = member(g, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(c, s, key, "must be true or false");
	*out = config_setting_get_bool(s);
	return 0;
}

static int get_enum(struct ctx *c, const config_setting_t *g, const char *name, const char *key,
		    const char *const *names, int *out)
{
	char *v = NULL;
	int r = get_str(c, g, name, key, &v);
	if (r || !v)
		return r;
	for (int i = 0; names[i]; i++) {
		if (!strcmp(names[i], v)) {
			*out = i;
			free(v);
			return 0;
		}
	}
	char list[128] = "";
	for (int i = 0; names[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 names[i]);
	r = fail(c, member(g, name), key, "'%s' is not one of: %s", v, list);
	free(v);
	return r;
}

static int want_group(struct ctx *c, const config_setting_t *s, const char *key)
{
	if (s && config_setting_type(s) != CONFIG_TYPE_GROUP)
		return fail(c, s, key, "must be a group { ... }");
	return 0;
}

char *pvn_config_path(const struct pvn_config *cfg, const char *p)
{
	char *out;
	if (!p)
		return NULL;
	if (p[0] == '/' || !cfg->dir)
		return strdup(p);
	if (asprintf(&out, "%s/%s", cfg->dir, p) < 0)
		return NULL;
	return out;
}

static int parse_memory(struct ctx *c, const config_setting_t *root)
{
	static const char *const keys[] = {"size_mib", "vtl2_private_mib", NULL};
	const config_setting_t *g = member(root, "memory");
	uint64_t mib = 64, vtl2 = 0;
	int r;

	if (!g)
		return fail(c, NULL, "memory", "missing (e.g. memory = { size_mib = 64; };)");
	if ((r = want_group(c, g, "memory")) || (r = check_keys(c, g, "memory.", keys)))
		return r;
	if (!member(g, "size_mib"))
		return fail(c, g, "memory.size_mib", "missing");
	if ((r = get_u64(c, g, "size_mib", "memory.size_mib", 2, 1 << 20, NULL, &mib)) ||
	    (r = get_u64(c, g, "vtl2_private_mib", "memory.vtl2_private_mib", 0, 1 << 16, NULL,
			 &vtl2)))
		return r;
	c->cfg->memory_bytes = mib << 20;
	c->cfg->vtl2_bytes = vtl2 << 20;
	return 0;
}

static int parse_boot(struct ctx *c, const config_setting_t *root)
{
	static const char *const keys[] = {"image", "format",  "load_address", "entry", "stack",
					   "all_vps", "initrd", "cmdline",	     "igvm",  NULL};
	/* An IGVM file says where it loads and how its VPs start. */
	static const char *const not_igvm[] = {"image", "format", "load_address", "entry",
					       "stack", "all_vps", "initrd", NULL};
	static const char *const formats[] = {"auto", "elf", "flat", "linux", "bzimage", NULL};
	const config_setting_t *g = member(root, "boot");
	struct pvn_config *cfg = c->cfg;
	char *image = NULL;
	int fmt = PVN_BOOT_AUTO, r;

	if (!g)
		return fail(c, NULL, "boot", "missing (e.g. boot = { image = \"guest.elf\"; };)");
	if ((r = want_group(c, g, "boot")) || (r = check_keys(c, g, "boot.", keys)))
		return r;
	if ((r = get_str(c, g, "igvm", "boot.igvm", &image)))
		return r;
	if (image) {
		cfg->boot.igvm = pvn_config_path(cfg, image);
		free(image);
		image = NULL;
		if (!cfg->boot.igvm)
			return -ENOMEM;
		for (const char *const *k = not_igvm; *k; k++) {
			char key[32];
			if (!member(g, *k))
				continue;
			snprintf(key, sizeof(key), "boot.%s", *k);
			return fail(c, member(g, *k), key, "%s",
				    strcmp(*k, "image") ? "does not apply to boot.igvm (the IGVM "
							   "file says where it loads and starts)"
							 : "give either boot.image or boot.igvm, "
							   "not both");
		}
		if (access(cfg->boot.igvm, R_OK))
			return fail(c, member(g, "igvm"), "boot.igvm", "cannot read '%s': %s",
				    cfg->boot.igvm, strerror(errno));
		goto cmdline;
	}
	if ((r = get_str(c, g, "image", "boot.image", &image)))
		return r;
	if (!image)
		return fail(c, g, "boot.image", "missing (or boot.igvm)");
	cfg->boot.image = pvn_config_path(cfg, image);
	free(image);
	image = NULL; /* reused for boot.initrd below */
	if (!cfg->boot.image)
		return -ENOMEM;
	if (access(cfg->boot.image, R_OK))
		return fail(c, member(g, "image"), "boot.image", "cannot read '%s': %s",
			    cfg->boot.image, strerror(errno));
	if ((r = get_enum(c, g, "format", "boot.format", formats, &fmt)))
		return r;
	cfg->boot.format = fmt;
	if ((r = get_u64(c, g, "load_address", "boot.load_address", 0, (1ULL << 52) - 1,
			 &cfg->boot.has_load_address, &cfg->boot.load_address)) ||
	    (r = get_u64(c, g, "entry", "boot.entry", 0, (1ULL << 48) - 1, &cfg->boot.has_entry,
			 &cfg->boot.entry)) ||
	    (r = get_u64(c, g, "stack", "boot.stack", 0, (1ULL << 48) - 1, &cfg->boot.has_stack,
			 &cfg->boot.stack)) ||
	    (r = get_bool(c, g, "all_vps", "boot.all_vps", &cfg->boot.all_vps)))
		return r;
	if (cfg->boot.has_load_address && cfg->boot.format != PVN_BOOT_FLAT)
		return fail(c, member(g, "load_address"), "boot.load_address",
			    "only applies to format = \"flat\" (an ELF says where it loads)");
	if ((r = get_str(c, g, "initrd", "boot.initrd", &image)))
		return r;
	if (image) {
		cfg->boot.initrd = pvn_config_path(cfg, image);
		free(image);
		if (!cfg->boot.initrd)
			return -ENOMEM;
		if (access(cfg->boot.initrd, R_OK))
			return fail(c, member(g, "initrd"), "boot.initrd", "cannot read '%s': %s",
				    cfg->boot.initrd, strerror(errno));
	}
cmdline:
	if ((r = get_str(c, g, "cmdline", "boot.cmdline", &cfg->boot.cmdline)))
		return r;
	if (cfg->boot.cmdline && strlen(cfg->boot.cmdline) > 4095)
		return fail(c, member(g, "cmdline"), "boot.cmdline", "longer than 4095 bytes");
	/* With "auto" the loader checks it once it knows the image is a kernel. */
	if ((cfg->boot.initrd || cfg->boot.cmdline) && (cfg->boot.format == PVN_BOOT_ELF ||
							cfg->boot.format == PVN_BOOT_FLAT))
		return fail(c, member(g, cfg->boot.initrd ? "initrd" : "cmdline"),
			    cfg->boot.initrd ? "boot.initrd" : "boot.cmdline",
			    cfg->boot.initrd ? "only applies to a Linux kernel (format = \"bzimage\", "
					       "\"linux\" or \"auto\")"
					     : "only applies to a Linux kernel (format = \"bzimage\", "
					       "\"linux\" or \"auto\") or boot.igvm");
	return 0;
}

static int parse_console(struct ctx *c, const config_setting_t *root)
{
	static const char *const keys[] = {"output", "path", NULL};
	static const char *const outputs[] = {"stdout", "stderr", "file", "none", NULL};
	const config_setting_t *g = member(root, "console");
	struct pvn_config *cfg = c->cfg;
	char *path = NULL;
	int out = PVN_CONSOLE_STDOUT, r;

	if (!g)
		return 0;
	if ((r = want_group(c, g, "console")) || (r = check_keys(c, g, "console.", keys)) ||
	    (r = get_enum(c, g, "output", "console.output", outputs, &out)) ||
	    (r = get_str(c, g, "path", "console.path", &path)))
		return r;
	cfg->console.output = out;
	if (out == PVN_CONSOLE_FILE && !path)
		return fail(c, g, "console.path", "missing (needed by output = \"file\")");
	if (path && out != PVN_CONSOLE_FILE) {
		free(path);
		return fail(c, member(g, "path"), "console.path", "only applies to output = \"file\"");
	}
	cfg->console.path = pvn_config_path(cfg, path);
	free(path);
	return 0;
}

static int parse_plugins(struct ctx *c, const config_setting_t *root)
{
	static const char *const keys[] = {"path", "enabled", "settings", NULL};
	const config_setting_t *l = member(root, "plugins");
	struct pvn_config *cfg = c->cfg;
	int n, r;

	if (!l)
		return 0;
	if (config_setting_type(l) != CONFIG_TYPE_LIST && config_setting_type(l) != CONFIG_TYPE_ARRAY)
		return fail(c, l, "plugins", "must be a list ( { path = \"...\"; }, ... )");
	n = config_setting_length(l);
	cfg->plugins = calloc(n ? n : 1, sizeof(*cfg->plugins));
	if (!cfg->plugins)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(l, i);
		struct pvn_plugin_cfg *p = &cfg->plugins[i];
		char prefix[32], key[48], *path = NULL;

		snprintf(prefix, sizeof(prefix), "plugins.[%d].", i);
		snprintf(key, sizeof(key), "plugins.[%d]", i);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP)
			return fail(c, g, key, "must be a group { path = \"...\"; }");
		if ((r = check_keys(c, g, prefix, keys)))
			return r;
		p->enabled = true;
		p->line = config_setting_source_line(g);
		snprintf(key, sizeof(key), "plugins.[%d].path", i);
		if ((r = get_str(c, g, "path", key, &path)))
			return r;
		if (!path)
			return fail(c, g, key, "missing");
		p->path = pvn_config_path(cfg, path);
		free(path);
		if (!p->path)
			return -ENOMEM;
		cfg->nr_plugins++;
		snprintf(key, sizeof(key), "plugins.[%d].enabled", i);
		if ((r = get_bool(c, g, "enabled", key, &p->enabled)))
			return r;
		snprintf(key, sizeof(key), "plugins.[%d].settings", i);
		p->settings = member(g, "settings");
		if ((r = want_group(c, p->settings, key)))
			return r;
		snprintf(key, sizeof(key), "plugins.[%d].path", i);
		if (p->enabled && access(p->path, R_OK))
			return fail(c, member(g, "path"), key, "cannot read '%s': %s", p->path,
				    strerror(errno));
	}
	return 0;
}

static int parse_plugin_policy(struct ctx *c, const config_setting_t *root)
{
	static const char *const keys[] = {"trust_store", "revocation_list", "mode", NULL};
	static const char *const modes[] = {"enforce", "permissive", NULL};
	const config_setting_t *g = member(root, "plugin_policy");
	struct pvn_config *cfg = c->cfg;
	char *ts = NULL, *rl = NULL;
	int mode = PVN_PLUGIN_ENFORCE, r;

	if (!g)
		return 0;
	if ((r = want_group(c, g, "plugin_policy")) ||
	    (r = check_keys(c, g, "plugin_policy.", keys)) ||
	    (r = get_str(c, g, "trust_store", "plugin_policy.trust_store", &ts)) ||
	    (r = get_str(c, g, "revocation_list", "plugin_policy.revocation_list", &rl)) ||
	    (r = get_enum(c, g, "mode", "plugin_policy.mode", modes, &mode))) {
		free(ts);
		free(rl);
		return r;
	}
	cfg->plugin_policy.trust_store = pvn_config_path(cfg, ts);
	cfg->plugin_policy.revocation_list = pvn_config_path(cfg, rl);
	cfg->plugin_policy.mode = mode;
	free(ts);
	free(rl);
	return 0;
}

static int parse_vmbus(struct ctx *c, const config_setting_t *root)
{
	static const char *const keys[] = {"enabled", "echo_channels", NULL};
	const config_setting_t *g = member(root, "vmbus");
	uint64_t echo = 0;
	int r;

	c->cfg->vmbus.enabled = true;
	if (!g)
		return 0;
	if ((r = want_group(c, g, "vmbus")) || (r = check_keys(c, g, "vmbus.", keys)) ||
	    (r = get_bool(c, g, "enabled", "vmbus.enabled", &c->cfg->vmbus.enabled)) ||
	    (r = get_u64(c, g, "echo_channels", "vmbus.echo_channels", 0, 16, NULL, &echo)))
		return r;
	c->cfg->vmbus.echo = (unsigned)echo;
	return 0;
}

int pvn_config_load(const char *path, struct pvn_config *cfg, char *err, size_t errlen)
{
	static const char *const keys[] = {"name",	"memory",  "vps",	    "boot",
					   "console",	"log_level", "plugins",	    "plugin_policy",
					   "hyperv",	"acpi",	   "pit",	    "vmbus",
					   NULL};
	struct ctx c = {cfg, err, errlen};
	const config_setting_t *root;
	uint64_t vps = 1;
	char *dirbuf;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = -1;
	cfg->file = strdup(path);
	dirbuf = strdup(path);
	if (!cfg->file || !dirbuf) {
		free(dirbuf);
		return -ENOMEM;
	}
	cfg->dir = strdup(dirname(dirbuf));
	free(dirbuf);
	if (!cfg->dir)
		return -ENOMEM;
	config_init(&cfg->lc);
	cfg->lc_valid = true;
	if (access(path, R_OK)) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (!config_read_file(&cfg->lc, path)) {
		snprintf(err, errlen, "%s:%d: syntax error: %s",
			 config_error_file(&cfg->lc) ? config_error_file(&cfg->lc) : path,
			 config_error_line(&cfg->lc), config_error_text(&cfg->lc));
		return -EINVAL;
	}
	root = config_root_setting(&cfg->lc);
	if ((r = check_keys(&c, root, "", keys)))
		return r;
	if ((r = get_str(&c, root, "name", "name", &cfg->name)))
		return r;
	if ((r = parse_memory(&c, root)))
		return r;
	if ((r = get_u64(&c, root, "vps", "vps", 1, 64, NULL, &vps)))
		return r;
	cfg->vps = (unsigned)vps;
	if ((r = parse_boot(&c, root)) || (r = parse_console(&c, root)) ||
	    (r = parse_plugins(&c, root)) || (r = parse_plugin_policy(&c, root)))
		return r;
	if (member(root, "log_level")) {
		static const char *const levels[] = {"error", "warn", "info", "debug", NULL};
		int lvl = 0;
		if ((r = get_enum(&c, root, "log_level", "log_level", levels, &lvl)))
			return r;
		cfg->log_level = lvl;
	}
	cfg->hyperv = true;
	cfg->acpi = true;
	if ((r = parse_vmbus(&c, root)))
		return r;
	if ((r = get_bool(&c, root, "hyperv", "hyperv", &cfg->hyperv)) ||
	    (r = get_bool(&c, root, "acpi", "acpi", &cfg->acpi)) ||
	    (r = get_bool(&c, root, "pit", "pit", &cfg->pit)))
		return r;
	if (!cfg->hyperv) {
		/* VMBus rides on the Hyper-V interface: off with it, unless asked for. */
		const config_setting_t *en = member(member(root, "vmbus"), "enabled");
		if (en && config_setting_get_bool(en))
			return fail(&c, en, "vmbus.enabled",
				    "VMBus needs the Hyper-V interface (hyperv = true)");
		cfg->vmbus.enabled = false;
	}
	if (!cfg->name)
		cfg->name = strdup("vm");
	return 0;
}

void pvn_config_free(struct pvn_config *cfg)
{
	for (size_t i = 0; i < cfg->nr_plugins; i++)
		free(cfg->plugins[i].path);
	free(cfg->plugins);
	free(cfg->plugin_policy.trust_store);
	free(cfg->plugin_policy.revocation_list);
	free(cfg->boot.image);
	free(cfg->boot.igvm);
	free(cfg->boot.initrd);
	free(cfg->boot.cmdline);
	free(cfg->console.path);
	free(cfg->name);
	free(cfg->file);
	free(cfg->dir);
	if (cfg->lc_valid)
		config_destroy(&cfg->lc);
	memset(cfg, 0, sizeof(*cfg));
}
