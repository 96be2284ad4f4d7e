/* SPDX-License-Identifier: MIT */
/*
 * The ucall channel between a test guest and its host-side test, in the
 * manner of Linux's KVM selftests: the guest fills a struct pvn_ucall in its
 * own memory and writes the struct's guest-physical address (32 bits) to
 * PVN_UCALL_PORT; the host reads it through the runtime's checked guest
 * memory calls.
 */
#ifndef PVN_TESTS_UCALL_H
#define PVN_TESTS_UCALL_H

#include <stdint.h>

#define PVN_UCALL_PORT 0xe0

enum pvn_ucall_cmd {
	PVN_UCALL_PRINT = 1,  /* msg: a line of text */
	PVN_UCALL_SYNC = 2,   /* args[0]: stage; the host may act, then the guest goes on */
	PVN_UCALL_ASSERT = 3, /* file, line, msg: the failed expression; args: values */
	PVN_UCALL_DONE = 4,   /* the guest test passed (on this VP) */
	PVN_UCALL_VALUE = 5,  /* msg: a name; args[0]: its value */
};

struct pvn_ucall {
	uint32_t cmd;
	uint32_t line;
	uint64_t args[4];
	char file[64];
	char msg[192];
};
_Static_assert(sizeof(struct pvn_ucall) == 296, "ucall layout is shared by guest and host");

#endif
