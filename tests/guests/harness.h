/* SPDX-License-Identifier: MIT */
/*
 * Host side of the guest tests. A test builds a VM from a generated config
 * with its guest image, adds the devices it wants to exercise (through the
 * same intercept and interrupt calls that plugins reach), runs the guest and
 * reads the verdict from the ucall port.
 */
#ifndef PVN_TESTS_HARNESS_H
#define PVN_TESTS_HARNESS_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/instance.h"
#include "tests/guests/ucall.h"

struct gt;
/* Called on the VP thread for each SYNC ucall. */
typedef void (*gt_sync_fn)(struct gt *t, unsigned vp, uint64_t stage, uint64_t arg);

struct gt {
	struct pvn_instance *inst;
	struct pvn_vm *vm;
	pthread_mutex_t lock;
	gt_sync_fn on_sync;
	void *opaque;
	unsigned done_vps;   /* bitmask of VPs that reported DONE */
	unsigned asserts;
	unsigned syncs;
	unsigned nr_values;
	struct {
		char name[64];
		uint64_t v;
		unsigned vp;
	} values[64];
	char cfg_path[256];
};

/*
 * Build the VM for guest image `name` (tests/guests/NAME.elf). `extra` is
 * appended to the generated config (e.g. "vps = 4;"); memory and boot are
 * set unless given there, and hyperv and acpi are off unless given there
 * (tests that need them create them). Returns 0, or 77 when there is no usable /dev/kvm
 * (the reason is printed), or 1 on failure.
 */
int gt_init(struct gt *t, const char *name, const char *extra);
/* Run the guest to its end. 0 when it powered off with code 0 and no assert
 * failed, else 1 (the reason is printed). */
int gt_run(struct gt *t);
void gt_fini(struct gt *t);
/* The last VALUE the guest reported under `name`, or -1 (and found=false). */
uint64_t gt_value(struct gt *t, const char *name, bool *found);

/* Sign the test plugin tests/plugins/SO (next to the test binary's
 * directory; SO may be a relative path from there, such as
 * "../../plugins/vmbus-net/vmbus-net.so") with a fresh key into
 * DIR/basename(SO) and trust that key in DIR/trust; the signed path goes to
 * out. 0 or -1 (the reason is printed). */
int gt_sign_plugin(const char *so, const char *dir, char *out, size_t outlen);

/* Test-side checks that print and count failures. */
extern int gt_failures;
#define GT_CHECK(e)                                                                                \
	do {                                                                                       \
		if (!(e)) {                                                                        \
			fprintf(stderr, "%s:%d: host check failed: %s\n", __FILE__, __LINE__, #e); \
			gt_failures++;                                                             \
		}                                                                                  \
	} while (0)

#endif
