/* SPDX-License-Identifier: MIT */
/*
 * The swtpm engine: TPM commands go over swtpm's socket interface (raw TPM
 * commands on a UnixIO stream), power, locality and cancel over its control
 * channel (big-endian command codes from swtpm's tpm_ioctl.h). Either we
 * start and supervise `swtpm socket --tpm2` ourselves (restarting it if it
 * dies), or we connect to one that is already running.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugins/vtpm/engine.h"
#include "plugins/vtpm/tpm2_wire.h"
#include "plugins/vtpm/vtpm_log.h"

/* swtpm control channel commands (tpm_ioctl.h) */
enum {
	PTM_INIT = 2,
	PTM_SHUTDOWN = 3,
	PTM_SET_LOCALITY = 5,
	PTM_CANCEL_TPM_CMD = 9,
	PTM_STOP = 14,
};

#define SWTPM_MAX_RESTARTS 5
#define SWTPM_IO_TIMEOUT_MS 30000

struct swtpm {
	struct pvn_vtpm_engine e;
	struct pvn_vtpm_swtpm_proc proc; /* pid 0: not ours */
	char sock[300], ctrl[310];
	char bin[256], state_dir[256], key[256];
	int data_fd, ctrl_fd;
	bool powered;
	unsigned restarts;
	uint8_t locality;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = SWTPM_IO_TIMEOUT_MS / 1000};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int r = -errno;
		close(fd);
		return r;
	}
	/* A hung swtpm must not hang the VP forever. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static int io_all(int fd, void *buf, size_t len, bool wr)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = wr ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

bool pvn_vtpm_swtpm_available(const char *bin)
{
	const char *path = getenv("PATH");
	char buf[4096];

	bin = bin ? bin : "swtpm";
	if (strchr(bin, '/'))
		return access(bin, X_OK) == 0;
	path = path ? path : "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, bin);
		if (access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

int pvn_vtpm_swtpm_spawn(struct pvn_vtpm_swtpm_proc *p, const char *bin, const char *state_dir,
			 const char *key_path, char *err, size_t errlen)
{
	char server[400], ctrlopt[400], stateopt[400], keyopt[400], logp[300], sdir[300];
	const char *argv[20];
	unsigned n = 0;
	uint64_t deadline;
	pid_t pid;
	int fd;

	bin = bin ? bin : "swtpm";
	if (!pvn_vtpm_swtpm_available(bin)) {
		snprintf(err, errlen, "%s is not installed (Debian package 'swtpm')", bin);
		return -ENOENT;
	}
	if (!p->dir[0]) {
		snprintf(p->dir, sizeof(p->dir), "/tmp/pvn-swtpm-XXXXXX");
		if (!mkdtemp(p->dir)) {
			int r = -errno;
			snprintf(err, errlen, "mkdtemp: %s", strerror(errno));
			p->dir[0] = 0;
			return r;
		}
		p->own_dir = true;
	}
	snprintf(p->sock, sizeof(p->sock), "%s/swtpm.sock", p->dir);
	snprintf(p->ctrl, sizeof(p->ctrl), "%s.ctrl", p->sock);
	snprintf(logp, sizeof(logp), "%s/swtpm.log", p->dir);
	if (!state_dir) {
		snprintf(sdir, sizeof(sdir), "%s/state", p->dir);
		state_dir = sdir;
	}
	if (mkdir(state_dir, 0700) && errno != EEXIST) {
		int r = -errno;
		snprintf(err, errlen, "state directory %s: %s", state_dir, strerror(errno));
		return r;
	}
	unlink(p->sock);
	unlink(p->ctrl);
	snprintf(server, sizeof(server), "type=unixio,path=%s", p->sock);
	snprintf(ctrlopt, sizeof(ctrlopt), "type=unixio,path=%s,mode=0600", p->ctrl);
	snprintf(stateopt, sizeof(stateopt), "dir=%s,mode=0600", state_dir);
	argv[n++] = bin;
	argv[n++] = "socket";
	argv[n++] = "--tpm2";
	argv[n++] = "--server";
	argv[n++] = server;
	argv[n++] = "--ctrl";
	argv[n++] = ctrlopt;
	argv[n++] = "--tpmstate";
	argv[n++] = stateopt;
	argv[n++] = "--flags";
	argv[n++] = "not-need-init";
	if (key_path) {
		struct stat st;
		bool raw = !stat(key_path, &st) && st.st_size == 32;
		snprintf(keyopt, sizeof(keyopt), "file=%s,format=%s,mode=aes-256-cbc", key_path,
			 raw ? "binary" : "hex");
		argv[n++] = "--key";
		argv[n++] = keyopt;
	}
	argv[n] = NULL;

	pid = fork();
	if (pid < 0) {
		int r = -errno;
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return r;
	}
	if (pid == 0) {
		/* Child: die with the runtime, log to the run directory. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0);
		fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(bin, (char *const *)argv);
		_exit(127);
	}
	p->pid = pid;

	/* Ready when the control channel accepts (swtpm opens it last). */
	deadline = now_ms() + 10000;
	for (;;) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			p->pid = 0;
			snprintf(err, errlen, "swtpm exited during start-up (status 0x%x); see %s",
				 status, logp);
			return -ECHILD;
		}
		fd = unix_connect(p->ctrl);
		if (fd >= 0) {
			close(fd);
			fd = unix_connect(p->sock);
			if (fd >= 0) {
				close(fd);
				break;
			}
		}
		if (now_ms() > deadline) {
			snprintf(err, errlen, "swtpm did not open %s within 10 s", p->ctrl);
			pvn_vtpm_swtpm_stop(p);
			return -ETIMEDOUT;
		}
		usleep(5000);
	}
	vtpm_info("swtpm: started pid %d on %s", (int)pid, p->sock);
	return 0;
}

void pvn_vtpm_swtpm_stop(struct pvn_vtpm_swtpm_proc *p)
{
	char path[300];

	if (p->pid > 0) {
		int status;
		uint64_t deadline = now_ms() + 2000;
		kill(p->pid, SIGTERM);
		while (waitpid(p->pid, &status, WNOHANG) == 0) {
			if (now_ms() > deadline) {
				kill(p->pid, SIGKILL);
				waitpid(p->pid, &status, 0);
				break;
			}
			usleep(2000);
		}
		p->pid = 0;
	}
	if (p->sock[0])
		unlink(p->sock);
	if (p->ctrl[0])
		unlink(p->ctrl);
	if (p->own_dir && p->dir[0]) {
		/* Only what we put there: the log and an ephemeral state dir. */
		snprintf(path, sizeof(path), "%s/swtpm.log", p->dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/state/tpm2-00.permall", p->dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/state/.lock", p->dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/state", p->dir);
		rmdir(path);
		rmdir(p->dir);
		p->own_dir = false;
		p->dir[0] = 0;
	}
}

static struct swtpm *to_swtpm(struct pvn_vtpm_engine *e)
{
	return e->priv;
}

static void sw_disconnect(struct swtpm *s)
{
	if (s->data_fd >= 0)
		close(s->data_fd);
	if (s->ctrl_fd >= 0)
		close(s->ctrl_fd);
	s->data_fd = s->ctrl_fd = -1;
}

/* One control command: u32 code and payload out, u32 result (+ nothing
 * else for the commands used here) back. */
static int sw_ctrl(struct swtpm *s, uint32_t code, const void *payload, size_t len)
{
	uint8_t msg[16], res[4];
	int r;

	if (!s->ctrl[0])
		return -ENOTSUP;
	if (s->ctrl_fd < 0) {
		s->ctrl_fd = unix_connect(s->ctrl);
		if (s->ctrl_fd < 0)
			return s->ctrl_fd;
	}
	msg[0] = code >> 24;
	msg[1] = code >> 16;
	msg[2] = code >> 8;
	msg[3] = code;
	if (len > sizeof(msg) - 4)
		return -EINVAL;
	if (len)
		memcpy(msg + 4, payload, len);
	r = io_all(s->ctrl_fd, msg, 4 + len, true);
	if (!r)
		r = io_all(s->ctrl_fd, res, sizeof(res), false);
	if (r) {
		close(s->ctrl_fd);
		s->ctrl_fd = -1;
		return r;
	}
	if (tpm2_get32(res)) {
		vtpm_warn("swtpm: control command %u failed: TPM result 0x%x", code,
			  tpm2_get32(res));
		return -EIO;
	}
	return 0;
}

static int sw_connect(struct swtpm *s)
{
	if (s->data_fd >= 0)
		return 0;
	s->data_fd = unix_connect(s->sock);
	return s->data_fd < 0 ? s->data_fd : 0;
}

static int sw_power_on(struct pvn_vtpm_engine *e)
{
	struct swtpm *s = to_swtpm(e);
	uint8_t flags[4] = {0};
	int r;

	r = sw_connect(s);
	if (r) {
		vtpm_err("swtpm: connect %s: %s", s->sock, strerror(-r));
		return r;
	}
	r = sw_ctrl(s, PTM_INIT, flags, sizeof(flags));
	if (r && r != -ENOTSUP) {
		vtpm_err("swtpm: INIT: %s", strerror(-r));
		return r;
	}
	s->powered = true;
	return 0;
}

static int sw_power_off(struct pvn_vtpm_engine *e)
{
	struct swtpm *s = to_swtpm(e);

	if (!s->powered)
		return 0;
	/* STOP ends the TPM without ending the process we may not own. */
	sw_ctrl(s, PTM_STOP, NULL, 0);
	s->powered = false;
	return 0;
}

/* Our swtpm died: start it again (the guest sees a TPM reset). */
static int sw_restart(struct swtpm *s)
{
	char err[256];
	int status, r;

	if (s->proc.pid <= 0 || waitpid(s->proc.pid, &status, WNOHANG) != s->proc.pid)
		return -EIO;
	s->proc.pid = 0;
	sw_disconnect(s);
	if (s->restarts++ >= SWTPM_MAX_RESTARTS) {
		vtpm_err("swtpm: exited (status 0x%x) %u times: giving up", status, s->restarts);
		return -EIO;
	}
	vtpm_err("swtpm: exited unexpectedly (status 0x%x): restarting", status);
	r = pvn_vtpm_swtpm_spawn(&s->proc, s->bin, s->state_dir[0] ? s->state_dir : NULL,
				 s->key[0] ? s->key : NULL, err, sizeof(err));
	if (r) {
		vtpm_err("swtpm: restart failed: %s", err);
		return r;
	}
	return sw_power_on(&s->e);
}

static int sw_transmit(struct pvn_vtpm_engine *e, const uint8_t *cmd, size_t len, uint8_t *rsp,
		       size_t *rsplen)
{
	struct swtpm *s = to_swtpm(e);
	uint32_t n;
	int r;

	if (!s->powered)
		return -ENODEV;
	r = sw_connect(s);
	if (!r)
		r = io_all(s->data_fd, (void *)cmd, len, true);
	if (!r && *rsplen < TPM2_HDR_SIZE)
		r = -EMSGSIZE;
	if (!r)
		r = io_all(s->data_fd, rsp, TPM2_HDR_SIZE, false);
	if (!r) {
		/* The response size comes from swtpm: bound it by our buffer. */
		n = tpm2_get32(rsp + 2);
		if (n < TPM2_HDR_SIZE || n > *rsplen)
			r = -EPROTO;
		else
			r = io_all(s->data_fd, rsp + TPM2_HDR_SIZE, n - TPM2_HDR_SIZE, false);
	}
	if (r) {
		vtpm_err("swtpm: command exchange failed: %s", strerror(-r));
		/* The stream is out of step now: start over on a new one. */
		sw_disconnect(s);
		sw_restart(s);
		return r;
	}
	*rsplen = n;
	return 0;
}

static int sw_cancel(struct pvn_vtpm_engine *e)
{
	return sw_ctrl(to_swtpm(e), PTM_CANCEL_TPM_CMD, NULL, 0);
}

static int sw_set_locality(struct pvn_vtpm_engine *e, uint8_t loc)
{
	struct swtpm *s = to_swtpm(e);
	uint8_t req[4] = {loc, 0, 0, 0}; /* struct ptm_loc: a u8 in a 4-byte union */
	int r;

	if (loc > 4)
		return -EINVAL;
	if (s->locality == loc)
		return 0;
	r = sw_ctrl(s, PTM_SET_LOCALITY, req, sizeof(req));
	if (!r)
		s->locality = loc;
	return r;
}

static void sw_destroy(struct pvn_vtpm_engine *e)
{
	struct swtpm *s = to_swtpm(e);

	if (s->proc.pid > 0)
		sw_ctrl(s, PTM_SHUTDOWN, NULL, 0);
	sw_disconnect(s);
	pvn_vtpm_swtpm_stop(&s->proc);
	free(s);
}

static const struct pvn_vtpm_engine_ops sw_ops = {
	.size = sizeof(struct pvn_vtpm_engine_ops),
	.abi_major = PVN_VTPM_ENGINE_ABI_MAJOR,
	.version = PVN_VTPM_ENGINE_VERSION,
	.power_on = sw_power_on,
	.power_off = sw_power_off,
	.transmit = sw_transmit,
	.cancel = sw_cancel,
	.set_locality = sw_set_locality,
	/* get/set_state: swtpm keeps its own state (in its state directory). */
	.destroy = sw_destroy,
};

/* opts: NULL/"" (spawn) or "path=SOCK[,ctrl=CTRL]" (connect). */
int pvn_vtpm_swtpm_create(const char *opts, const struct pvn_vtpm_engine_cfg *cfg,
			  struct pvn_vtpm_engine **out, char *err, size_t errlen)
{
	struct swtpm *s = calloc(1, sizeof(*s));
	int r;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->data_fd = s->ctrl_fd = -1;
	s->e.size = sizeof(s->e);
	s->e.version = PVN_VTPM_ENGINE_VERSION;
	s->e.ops = &sw_ops;
	s->e.priv = s;
	snprintf(s->e.name, sizeof(s->e.name), "swtpm");
	s->locality = 0xff;

	if (opts && *opts) {
		char copy[700], *save = NULL;
		snprintf(copy, sizeof(copy), "%s", opts);
		for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			if (!strncmp(kv, "path=", 5))
				snprintf(s->sock, sizeof(s->sock), "%s", kv + 5);
			else if (!strncmp(kv, "ctrl=", 5))
				snprintf(s->ctrl, sizeof(s->ctrl), "%s", kv + 5);
			else {
				snprintf(err, errlen, "swtpm engine: unknown option '%s' (want path=, ctrl=)",
					 kv);
				free(s);
				return -EINVAL;
			}
		}
		if (!s->sock[0]) {
			snprintf(err, errlen, "swtpm engine: options need path=SOCKET");
			free(s);
			return -EINVAL;
		}
		if (!s->ctrl[0])
			snprintf(s->ctrl, sizeof(s->ctrl), "%s.ctrl", s->sock);
		if (access(s->ctrl, F_OK))
			s->ctrl[0] = 0; /* no control channel: power and locality are no-ops */
	} else {
		snprintf(s->bin, sizeof(s->bin), "%s", cfg && cfg->swtpm_bin ? cfg->swtpm_bin : "swtpm");
		if (cfg && cfg->state_path)
			snprintf(s->state_dir, sizeof(s->state_dir), "%s", cfg->state_path);
		if (cfg && cfg->key_path)
			snprintf(s->key, sizeof(s->key), "%s", cfg->key_path);
		if (cfg && cfg->run_dir)
			snprintf(s->proc.dir, sizeof(s->proc.dir), "%s", cfg->run_dir);
		r = pvn_vtpm_swtpm_spawn(&s->proc, s->bin, s->state_dir[0] ? s->state_dir : NULL,
					 s->key[0] ? s->key : NULL, err, errlen);
		if (r) {
			free(s);
			return r;
		}
		snprintf(s->sock, sizeof(s->sock), "%s", s->proc.sock);
		snprintf(s->ctrl, sizeof(s->ctrl), "%s", s->proc.ctrl);
	}
	*out = &s->e;
	return 0;
}
