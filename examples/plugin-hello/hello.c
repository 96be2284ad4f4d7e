/* SPDX-License-Identifier: MIT */
/*
 * plugin-hello: the smallest useful Paravane plugin, built outside the
 * Paravane tree against the installed headers.
 *
 * A port device at settings.port (default 0x710):
 *   port+0  write a byte, read it back (echo)
 *   port+1  read the greeting one character at a time, NUL-terminated;
 *           a write rewinds it. settings.greeting changes the text.
 */
#include <paravane/plugin.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct hello {
	pthread_mutex_t lock; /* handlers run on any VP thread */
	uint16_t port;
	uint8_t echo;
	size_t pos;
	char greeting[128];
};

/* Runs on the VP thread that exited. */
static int hello_pio(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
		     uint32_t *val)
{
	struct hello *h = opaque;

	pthread_mutex_lock(&h->lock);
	if (port == h->port) {
		if (write)
			h->echo = (uint8_t)*val;
		else
			*val = h->echo;
	} else if (write) {
		h->pos = 0;
	} else {
		*val = (uint8_t)h->greeting[h->pos];
		h->pos = h->greeting[h->pos] ? h->pos + 1 : 0;
	}
	pthread_mutex_unlock(&h->lock);
	return 0;
}

/* Main thread, before the VM starts. */
static int hello_init(const struct pvn_host_ops *ops, struct pvn_host *host, void **state)
{
	struct hello *h = calloc(1, sizeof(*h));
	const char *greeting = "Hello from plugin-hello!";
	int64_t port = 0x710;
	int r;

	if (!h)
		return -ENOMEM;
	*state = h;
	pthread_mutex_init(&h->lock, NULL);
	r = PVN_HOST_CALL(ops, cfg_get_int, host, "port", &port);
	if (r && r != -ENOENT)
		return r; /* the runtime already said which key and why */
	if (port < 0 || port > 0xfffe)
		return PVN_HOST_CALL(ops, cfg_error, host, "port", "must be 0-0xfffe");
	r = PVN_HOST_CALL(ops, cfg_get_string, host, "greeting", &greeting);
	if (r && r != -ENOENT)
		return r;
	h->port = (uint16_t)port;
	snprintf(h->greeting, sizeof(h->greeting), "%s", greeting);
	r = PVN_HOST_CALL(ops, claim_pio, host, h->port, 2, hello_pio, h);
	if (r)
		return r; /* e.g. -EEXIST: the error names the other owner */
	pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO, "greeting on ports 0x%x-0x%x", h->port,
		       h->port + 1);
	return 0;
}

/* Main thread, after the VM stopped. The runtime releases the claim. */
static void hello_fini(void *state)
{
	struct hello *h = state;
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* The publisher key id is left empty: paravane-sign fills it in. */
PVN_PLUGIN_MANIFEST("hello", "1.0.0", "");

PVN_PLUGIN_EXPORT const struct pvn_plugin_descriptor pvn_plugin_descriptor = {
	PVN_PLUGIN_DESCRIPTOR_HEADER,
	.name = "hello",
	.version = "1.0.0",
	.license = "MIT",
	.init = hello_init,
	.fini = hello_fini,
};
