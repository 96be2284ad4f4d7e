/* SPDX-License-Identifier: MIT */
/*
 * /init of the Linux end-to-end guest: one small static program (every
 * fork/exec costs about a million emulated instructions here). It mounts
 * proc, sys and dev, runs the checks named on the kernel command line
 * (pvn.checks=vmbus,tpm), prints one line per check, and powers the VM off
 * through Paravane's power port with the number of failed checks as the exit
 * code.
 *
 * No libc. System calls use "int $0x80" with the 64-bit calling convention:
 * on this project's nested hypervisor neither SYSCALL nor INT n from user
 * mode reaches the guest kernel, and the test kernel's one patch
 * (tests/e2e/patches) turns the #UD of an int $0x80 into a system call.
 */
#include <stddef.h>
#include <stdint.h>

#define SYS_read 0
#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_ioperm 173
#define SYS_mount 165
#define SYS_mkdir 83
#define SYS_getdents64 217
#define SYS_reboot 169
#define O_RDONLY 0
#define O_DIRECTORY 0200000

#define POWER_PORT 0x600

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys(nr, a, b, c) sys6(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static int starts(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

static void put(const char *s)
{
	sys(SYS_write, 1, s, slen(s));
}

static void put3(const char *a, const char *b, const char *c)
{
	put(a);
	put(b);
	put(c);
}

/* Read a small file into buf (NUL-terminated, trailing newline dropped). */
static long slurp(const char *path, char *buf, size_t n)
{
	long fd = sys(SYS_open, path, O_RDONLY, 0), r;
	if (fd < 0)
		return fd;
	r = sys(SYS_read, fd, buf, n - 1);
	sys(SYS_close, fd, 0, 0);
	if (r < 0)
		return r;
	buf[r] = 0;
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = 0;
	return r;
}

static void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static int failures;

static void result(const char *check, int ok, const char *detail)
{
	put3("PVN-CHECK ", check, ok ? ": ok: " : ": FAILED: ");
	put3(detail, "\n", "");
	failures += !ok;
}

struct dirent64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* One line per VMBus device: its name and class GUID. */
static void check_vmbus(void)
{
	static char buf[4096], path[256], id[128];
	long fd = sys(SYS_open, "/sys/bus/vmbus/devices", O_RDONLY | O_DIRECTORY, 0), n;
	int count = 0;

	if (fd < 0) {
		result("vmbus", 0, "no /sys/bus/vmbus/devices");
		return;
	}
	while ((n = sys(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			off += d->reclen;
			if (d->name[0] == '.')
				continue;
			size_t l = 0;
			for (const char *p = "/sys/bus/vmbus/devices/"; *p; p++)
				path[l++] = *p;
			for (const char *p = d->name; *p && l < 200; p++)
				path[l++] = *p;
			for (const char *p = "/class_id"; *p; p++)
				path[l++] = *p;
			path[l] = 0;
			if (slurp(path, id, sizeof(id)) < 0)
				id[0] = 0;
			put3("PVN-VMBUS-DEVICE ", d->name, " ");
			put3(id, "\n", "");
			count++;
		}
	}
	sys(SYS_close, fd, 0, 0);
	result("vmbus", count > 0, count > 0 ? "devices listed" : "no devices");
}

/* TPM2_PCR_Extend(PCR 16, SHA-256 digest of 32 bytes 0x11) with an empty
 * password session, written raw to /dev/tpm0. */
static int tpm_extend16(long fd)
{
	static uint8_t cmd[65] = {
		0x80, 0x02, 0, 0, 0, 65, 0, 0, 0x01, 0x82, /* ST_SESSIONS, size, PCR_Extend */
		0, 0, 0, 16,				     /* pcrHandle */
		0, 0, 0, 9, 0x40, 0, 0, 9, 0, 0, 0, 0, 0,    /* auth: TPM_RS_PW, empty */
		0, 0, 0, 1, 0x00, 0x0b,			     /* 1 digest, SHA-256 */
	};
	static uint8_t rsp[64];
	for (unsigned i = 0; i < 32; i++)
		cmd[33 + i] = 0x11;
	if (sys(SYS_write, fd, cmd, sizeof(cmd)) != (long)sizeof(cmd))
		return -1;
	if (sys(SYS_read, fd, rsp, sizeof(rsp)) < 10)
		return -1;
	return rsp[6] | rsp[7] | rsp[8] | rsp[9]; /* the response code */
}

static void check_tpm(void)
{
	static char buf[256];
	static const char *const pcrs[] = {"0", "16", "23"};
	long fd = sys(SYS_open, "/dev/tpm0", 2 /* O_RDWR */, 0);
	result("tpm0", fd >= 0, fd >= 0 ? "/dev/tpm0 exists" : "no /dev/tpm0");
	if (fd >= 0) {
		int rc = tpm_extend16(fd);
		result("pcr-extend", rc == 0, rc == 0 ? "PCR 16 extended through /dev/tpm0"
						      : "TPM2_PCR_Extend failed");
		sys(SYS_close, fd, 0, 0);
	}
	for (unsigned i = 0; i < 3; i++) {
		static char path[96];
		size_t l = 0;
		for (const char *p = "/sys/class/tpm/tpm0/pcr-sha256/"; *p; p++)
			path[l++] = *p;
		for (const char *p = pcrs[i]; *p; p++)
			path[l++] = *p;
		path[l] = 0;
		if (slurp(path, buf, sizeof(buf)) > 0) {
			put3("PVN-PCR sha256 ", pcrs[i], " ");
			put3(buf, "\n", "");
		} else {
			result("pcr-read", 0, path);
		}
	}
}

/* The host extends PCR 23 through the vTPM's host socket once it has read
 * PCR 16 there; wait for that (bounded), then print PCR 23 as the guest sees
 * it, so the host can compare both values with what tpm2-tools read. */
static void check_tpm_host(void)
{
	static char buf[256];
	static const char zeros[] = "0000000000000000000000000000000000000000000000000000000000000000";
	put("PVN-WAIT-HOST: extend PCR 23 through the host socket\n");
	for (unsigned long i = 0; i < 20000; i++) {
		if (slurp("/sys/class/tpm/tpm0/pcr-sha256/23", buf, sizeof(buf)) > 0 &&
		    !starts(buf, zeros)) {
			put3("PVN-PCR sha256 23 ", buf, "\n");
			result("tpm-host", 1, "PCR 23 changed by the host");
			return;
		}
	}
	result("tpm-host", 0, "PCR 23 never changed");
}

void _start_c(void);
void _start_c(void)
{
	static char cmdline[1024];
	const char *checks = "";

	sys(SYS_mkdir, "/proc", 0755, 0);
	sys(SYS_mkdir, "/sys", 0755, 0);
	sys(SYS_mkdir, "/dev", 0755, 0);
	sys6(SYS_mount, (long)"proc", (long)"/proc", (long)"proc", 0, 0, 0);
	sys6(SYS_mount, (long)"sysfs", (long)"/sys", (long)"sysfs", 0, 0, 0);
	sys6(SYS_mount, (long)"devtmpfs", (long)"/dev", (long)"devtmpfs", 0, 0, 0);
	put("PVN-INIT: /init is running\n");
	if (slurp("/proc/cmdline", cmdline, sizeof(cmdline)) > 0)
		for (char *p = cmdline; *p; p++)
			if ((p == cmdline || p[-1] == ' ') && starts(p, "pvn.checks="))
				checks = p + 11;
	for (const char *p = checks; *p && *p != ' '; p++) {
		if (starts(p, "vmbus") && (p == checks || p[-1] == ','))
			check_vmbus();
		if (starts(p, "tpm") && !starts(p, "tpmhost") && (p == checks || p[-1] == ','))
			check_tpm();
		if (starts(p, "tpmhost") && (p == checks || p[-1] == ','))
			check_tpm_host();
	}
	put(failures ? "PVN-INIT: some checks failed\n" : "PVN-INIT: all checks passed\n");
	/* The exit code goes through Paravane's power port; if the port cannot
	 * be reached, ask the kernel to power off (ACPI S5, exit code 0). */
	if (sys(SYS_ioperm, POWER_PORT, 1, 1) == 0)
		outb(POWER_PORT, (uint8_t)failures);
	sys6(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc, 0, 0, 0);
	for (;;)
		;
}

__asm__(".text\n.globl _start\n_start:\n"
	"	and $-16, %rsp\n"
	"	call _start_c\n"
	"	hlt\n");
