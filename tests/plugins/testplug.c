/* SPDX-License-Identifier: MIT */
/*
 * The test plugin. One source, built into several .so files with -D
 * switches (tests/plugins/local.mk) to produce good and deliberately broken
 * plugins:
 *
 *   TP_NAME "x"         plugin name (default "testplug")
 *   TP_ABI_MAJOR/MINOR  ABI it claims (default: this header's)
 *   TP_MANIFEST_NAME    manifest name, when it should disagree
 *   TP_TRUNCATED        export an 8-byte descriptor
 *   TP_NO_DESCRIPTOR    export no descriptor symbol
 *   TP_NEEDS_SERVICES   init needs service_provide (ABI 1.1) or fails
 *   TP_REQUIRES "svc"   require service svc 1.0 and call it in init
 *   TP_FAIL_INIT        claim the port, then fail init with -EIO
 *   TP_PAD_BYTES n      carry n bytes of initialised data (the bench)
 *
 * The device (settings: port, default 0x710): port+0 latches a byte written
 * and reads it back; reads of port+1 return the greeting one character at a
 * time, ending with NUL (a write to port+1 rewinds it).
 *
 * A constructor appends "<name>\n" to $PVN_TEST_MARKER: the tests check that
 * a refused plugin never ran any code. fini appends "fini <name>\n" to
 * $PVN_TEST_FINI_LOG (order checks).
 */
#include <paravane/plugin.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TP_NAME
#define TP_NAME "testplug"
#endif
#ifndef TP_MANIFEST_NAME
#define TP_MANIFEST_NAME TP_NAME
#endif
#ifndef TP_ABI_MAJOR
#define TP_ABI_MAJOR PVN_PLUGIN_ABI_MAJOR
#endif
#ifndef TP_ABI_MINOR
#define TP_ABI_MINOR PVN_PLUGIN_ABI_MINOR
#endif
#define TP_VERSION "0.1.0"

static void append(const char *env, const char *what)
{
	const char *path = getenv(env);
	int fd;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, what, strlen(what)) < 0) {
		/* nothing useful to do in a test marker */
	}
	close(fd);
}

__attribute__((constructor)) static void tp_ctor(void)
{
	append("PVN_TEST_MARKER", TP_NAME "\n");
}

#ifdef TP_PAD_BYTES
/* Initialised, so it takes file space (a 1 MiB plugin for the benchmark). */
__attribute__((used)) static const unsigned char tp_pad[TP_PAD_BYTES] = {1, 2, 3};
#endif

struct tp {
	const struct pvn_host_ops *ops;
	struct pvn_host *host;
	pthread_mutex_t lock;
	uint16_t port;
	uint8_t latch;
	unsigned pos;
	char greeting[64];
	int timer_fired;
	struct pvn_host_watch *timer;
};

static int tp_pio(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
		  uint32_t *val)
{
	struct tp *t = opaque;
	size_t n = strlen(t->greeting) + 1;

	pthread_mutex_lock(&t->lock);
	if (port == t->port) {
		if (write)
			t->latch = (uint8_t)*val;
		else
			*val = t->latch;
	} else if (write) {
		t->pos = 0;
	} else {
		*val = (uint8_t)t->greeting[t->pos];
		t->pos = (t->pos + 1) % n;
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static void tp_timer(void *opaque)
{
	struct tp *t = opaque;
	pthread_mutex_lock(&t->lock);
	t->timer_fired++;
	pthread_mutex_unlock(&t->lock);
}

/* A service (ABI 1.1): the vtable starts with its size. */
struct tp_svc {
	struct pvn_service_head head;
	int (*answer)(void);
};
static int tp_answer(void)
{
	return 42;
}
static const struct tp_svc tp_svc = {{sizeof(struct tp_svc)}, tp_answer};

__attribute__((unused)) static int tp_init(const struct pvn_host_ops *ops, struct pvn_host *host, void **state)
{
	struct tp *t = calloc(1, sizeof(*t));
	int64_t port = 0x710;
	const char *greet = "Hello from " TP_NAME;
	bool verbose = false;
	int r;

	if (!t)
		return -ENOMEM;
	t->ops = ops;
	t->host = host;
	pthread_mutex_init(&t->lock, NULL);
	*state = t;

	r = PVN_HOST_CALL(ops, cfg_get_int, host, "port", &port);
	if (r && r != -ENOENT)
		return r;
	if (port < 0 || port > 0xfffe)
		return PVN_HOST_CALL(ops, cfg_error, host, "port", "must be 0-0xfffe");
	t->port = (uint16_t)port;
	r = PVN_HOST_CALL(ops, cfg_get_string, host, "greeting", &greet);
	if (r && r != -ENOENT)
		return r;
	snprintf(t->greeting, sizeof(t->greeting), "%s", greet);
	r = PVN_HOST_CALL(ops, cfg_get_bool, host, "verbose", &verbose);
	if (r && r != -ENOENT)
		return r;

	/* 1.1 features, used only when the runtime has them. */
	if (PVN_HOST_HAS(ops, cfg_get_string_list)) {
		const char *const *tags;
		size_t n;
		r = ops->cfg_get_string_list(host, "tags", &tags, &n);
		if (r && r != -ENOENT)
			return r;
		for (size_t i = 0; !r && i < n; i++)
			pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO, "tag %s", tags[i]);
	}
#ifdef TP_NEEDS_SERVICES
	r = PVN_HOST_CALL(ops, service_provide, host, "testsvc", 1, 1, &tp_svc);
	if (r) {
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_ERROR,
			       "cannot provide service testsvc: %s (runtime ABI %u.%u)",
			       strerror(-r), ops->abi_major, ops->abi_minor);
		return r;
	}
#else
	(void)tp_svc;
#endif
#ifdef TP_REQUIRES
	{
		const struct tp_svc *svc;
		uint16_t minor;
		r = PVN_HOST_CALL(ops, service_lookup, host, TP_REQUIRES, 1, 0,
				  (const void **)&svc, &minor);
		if (r)
			return r;
		if (svc->head.size < sizeof(*svc) || svc->answer() != 42)
			return -EPROTO;
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO, "service %s 1.%u answers %d",
			       TP_REQUIRES, minor, svc->answer());
	}
#endif

	r = PVN_HOST_CALL(ops, claim_pio, host, t->port, 2, tp_pio, t);
	if (r)
		return r;
	r = PVN_HOST_CALL(ops, timer_add, host, 1000000, 0, tp_timer, t, &t->timer);
	if (r)
		return r;
#ifdef TP_FAIL_INIT
	pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_ERROR, "failing init on purpose");
	return -EIO;
#endif
	if (verbose)
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO, "port 0x%x, ABI %d.%d on runtime %u.%u",
			       t->port, TP_ABI_MAJOR, TP_ABI_MINOR, ops->abi_major, ops->abi_minor);
	return 0;
}

__attribute__((unused)) static void tp_fini(void *state)
{
	struct tp *t = state;
	append("PVN_TEST_FINI_LOG", "fini " TP_NAME "\n");
	if (!t)
		return;
	if (t->timer)
		PVN_HOST_CALL(t->ops, watch_remove, t->host, t->timer);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

#if defined(TP_NEEDS_SERVICES)
static const struct pvn_service_ref tp_provides[] = {{"testsvc", 1, 1}, {NULL, 0, 0}};
#else
#define tp_provides NULL
#endif
#if defined(TP_REQUIRES)
static const struct pvn_service_ref tp_requires[] = {{TP_REQUIRES, 1, 0}, {NULL, 0, 0}};
#else
#define tp_requires NULL
#endif

PVN_PLUGIN_MANIFEST_ABI(TP_MANIFEST_NAME, TP_VERSION, "", TP_ABI_MAJOR, TP_ABI_MINOR);

#if defined(TP_NO_DESCRIPTOR)
/* Exports something, but not the descriptor. */
PVN_PLUGIN_EXPORT const struct pvn_plugin_descriptor pvn_plugin_descriptr = {
	PVN_PLUGIN_DESCRIPTOR_HEADER, .name = TP_NAME, .version = TP_VERSION, .init = tp_init,
};
#elif defined(TP_TRUNCATED)
struct tp_short_descriptor {
	uint32_t struct_size;
	uint16_t abi_major, abi_minor;
};
PVN_PLUGIN_EXPORT const struct tp_short_descriptor pvn_plugin_descriptor = {
	sizeof(struct tp_short_descriptor), TP_ABI_MAJOR, TP_ABI_MINOR};
#elif TP_ABI_MINOR > PVN_PLUGIN_ABI_MINOR
/* A plugin from the future: its descriptor has a field this runtime has
 * never heard of, and it says so in struct_size. */
struct tp_future_descriptor {
	struct pvn_plugin_descriptor d;
	const char *future_field;
};
PVN_PLUGIN_EXPORT const struct tp_future_descriptor pvn_plugin_descriptor = {
	.d = {.struct_size = sizeof(struct tp_future_descriptor), .abi_major = TP_ABI_MAJOR,
	      .abi_minor = TP_ABI_MINOR, .name = TP_NAME, .version = TP_VERSION,
	      .license = "MIT", .provides = tp_provides, .requires = tp_requires,
	      .init = tp_init, .fini = tp_fini},
	.future_field = "from ABI 1." "x",
};
#else
PVN_PLUGIN_EXPORT const struct pvn_plugin_descriptor pvn_plugin_descriptor = {
	.struct_size = sizeof(struct pvn_plugin_descriptor),
	.abi_major = TP_ABI_MAJOR,
	.abi_minor = TP_ABI_MINOR,
	.name = TP_NAME,
	.version = TP_VERSION,
	.license = "MIT",
	.provides = tp_provides,
	.requires = tp_requires,
	.init = tp_init,
	.fini = tp_fini,
};
#endif
