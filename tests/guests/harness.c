/* SPDX-License-Identifier: MIT */
#include "tests/guests/harness.h"
#include "runtime/plugin/plugin.h"
#include "runtime/core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

int gt_failures;

static int ucall_pio(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
		     uint32_t *val)
{
	struct gt *t = opaque;
	struct pvn_ucall uc;

	if (!write || size != 4) {
		*val = 0;
		return 0;
	}
	if (pvn_mem_read(&t->vm->mem, PVN_VTL0, *val, &uc, sizeof(uc))) {
		fprintf(stderr, "vp%u: ucall at bad address 0x%x\n", vp, *val);
		pthread_mutex_lock(&t->lock);
		t->asserts++;
		pthread_mutex_unlock(&t->lock);
		return -EFAULT;
	}
	uc.file[sizeof(uc.file) - 1] = 0;
	uc.msg[sizeof(uc.msg) - 1] = 0;
	switch (uc.cmd) {
	case PVN_UCALL_PRINT:
		fprintf(stderr, "guest vp%u: %s\n", vp, uc.msg);
		break;
	case PVN_UCALL_SYNC:
		pthread_mutex_lock(&t->lock);
		t->syncs++;
		pthread_mutex_unlock(&t->lock);
		if (t->on_sync)
			t->on_sync(t, vp, uc.args[0], uc.args[1]);
		break;
	case PVN_UCALL_ASSERT:
		fprintf(stderr, "guest vp%u: ASSERT FAILED at %s:%u: %s (0x%" PRIx64 ", 0x%" PRIx64 ")\n",
			vp, uc.file, uc.line, uc.msg, uc.args[0], uc.args[1]);
		pthread_mutex_lock(&t->lock);
		t->asserts++;
		pthread_mutex_unlock(&t->lock);
		break;
	case PVN_UCALL_DONE:
		pthread_mutex_lock(&t->lock);
		t->done_vps |= 1u << vp;
		pthread_mutex_unlock(&t->lock);
		break;
	case PVN_UCALL_VALUE:
		pthread_mutex_lock(&t->lock);
		if (t->nr_values < 64) {
			snprintf(t->values[t->nr_values].name, 64, "%.63s", uc.msg);
			t->values[t->nr_values].v = uc.args[0];
			t->values[t->nr_values].vp = vp;
			t->nr_values++;
		}
		pthread_mutex_unlock(&t->lock);
		fprintf(stderr, "guest vp%u: %s = 0x%" PRIx64 "\n", vp, uc.msg, uc.args[0]);
		break;
	default:
		fprintf(stderr, "vp%u: unknown ucall %u\n", vp, uc.cmd);
		pthread_mutex_lock(&t->lock);
		t->asserts++;
		pthread_mutex_unlock(&t->lock);
	}
	return 0;
}

static int kvm_usable(char *why, size_t n)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, n, "no usable /dev/kvm: %s", strerror(errno));
		return 0;
	}
	close(fd);
	return 1;
}

int gt_init(struct gt *t, const char *name, const char *extra)
{
	char exe[512], dir[512], err[512], why[256];
	ssize_t n;
	FILE *f;
	int fd, r;

	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	if (!kvm_usable(why, sizeof(why))) {
		printf("SKIP: %s\n", why);
		return 77;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return 1;
	exe[n] = 0;
	snprintf(dir, sizeof(dir), "%s", dirname(exe));
	snprintf(t->cfg_path, sizeof(t->cfg_path), "/tmp/pvn-gt-%s-XXXXXX", name);
	fd = mkstemp(t->cfg_path);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		return 1;
	extra = extra ? extra : "";
	fprintf(f, "name = \"%s\";\n", name);
	if (!strstr(extra, "memory"))
		fprintf(f, "memory = { size_mib = 32; };\n");
	if (!strstr(extra, "boot"))
		fprintf(f, "boot = { image = \"%s/%s.elf\"; all_vps = true; };\n", dir, name);
	/* Tests add the Hyper-V interface and ACPI tables themselves when they
	 * test them, so the default guest has neither. */
	if (!strstr(extra, "hyperv"))
		fprintf(f, "hyperv = false;\n");
	if (!strstr(extra, "acpi"))
		fprintf(f, "acpi = false;\n");
	if (!strstr(extra, "console"))
		fprintf(f, "console = { output = \"stderr\"; };\n");
	fprintf(f, "%s\n", extra);
	fclose(f);
	r = pvn_instance_create(t->cfg_path, &t->inst, err, sizeof(err));
	if (r) {
		fprintf(stderr, "cannot build the VM: %s\n", err);
		return 1;
	}
	t->vm = t->inst->vm;
	r = pvn_icpt_claim(&t->vm->icpt, PVN_ICPT_PIO, PVN_UCALL_PORT, 4,
			   (void (*)(void))ucall_pio, t, "ucall");
	return r ? 1 : 0;
}

int gt_run(struct gt *t)
{
	int code = pvn_instance_run(t->inst);
	int ok = 1;

	if (code) {
		fprintf(stderr, "guest exit code %d (%s)\n", code, t->vm->stop_msg);
		ok = 0;
	}
	if (t->asserts) {
		fprintf(stderr, "%u guest assertion(s) failed\n", t->asserts);
		ok = 0;
	}
	if (gt_failures) {
		fprintf(stderr, "%d host check(s) failed\n", gt_failures);
		ok = 0;
	}
	return ok ? 0 : 1;
}

uint64_t gt_value(struct gt *t, const char *name, bool *found)
{
	uint64_t v = (uint64_t)-1;
	bool f = false;
	pthread_mutex_lock(&t->lock);
	for (unsigned i = 0; i < t->nr_values; i++)
		if (!strcmp(t->values[i].name, name)) {
			v = t->values[i].v;
			f = true;
		}
	pthread_mutex_unlock(&t->lock);
	if (found)
		*found = f;
	return v;
}

void gt_fini(struct gt *t)
{
	pvn_instance_destroy(t->inst);
	if (t->cfg_path[0])
		unlink(t->cfg_path);
	pthread_mutex_destroy(&t->lock);
}

/* Sign tests/plugins/SO with a fresh key into DIR/SO; trust it in DIR/trust. */
int gt_sign_plugin(const char *so, const char *dir, char *out, size_t outlen)
{
	char exe[512], path[1024], why[512] = "";
	struct pvn_key key;
	uint8_t *buf;
	size_t len;
	ssize_t n;
	FILE *f;
	int r;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -1;
	exe[n] = 0;
	/* A bare name is a test plugin (tests/plugins/SO); a path is relative
	 * to the build directory's tests/plugins too (e.g. a real plugin). */
	snprintf(path, sizeof(path), "%s/../plugins/%s", dirname(exe), so);
	if (pvn_key_generate(&key))
		return -1;
	if (pvn_read_file(path, 64 << 20, &buf, &len)) {
		fprintf(stderr, "cannot read %s\n", path);
		pvn_key_free(&key);
		return -1;
	}
	r = pvn_plugin_sign_buffer(&key, &buf, &len, why, sizeof(why));
	snprintf(path, sizeof(path), "%s/trust", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/trust/test.pub", dir);
	snprintf(exe, sizeof(exe), "%s/test.key", dir);
	if (!r)
		r = pvn_key_save(&key, exe, path, why, sizeof(why));
	pvn_key_free(&key);
	snprintf(out, outlen, "%s/%s", dir, strrchr(so, '/') ? strrchr(so, '/') + 1 : so);
	f = r ? NULL : fopen(out, "we");
	if (!f || fwrite(buf, 1, len, f) != len)
		r = -1;
	if (f && fclose(f))
		r = -1;
	free(buf);
	if (r)
		fprintf(stderr, "cannot sign %s: %s\n", so, why);
	return r;
}
