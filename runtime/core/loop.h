/* SPDX-License-Identifier: MIT */
/*
 * The event loop: one thread per VM, running fd watches and timers with
 * epoll. Callbacks run on the loop thread, one at a time. Watches can be
 * added and removed from any thread; a removed watch's callback is never
 * called after pvn_loop_remove returns, except that a callback running
 * right now on the loop thread finishes.
 */
#ifndef PVN_CORE_LOOP_H
#define PVN_CORE_LOOP_H

#include <stdint.h>

struct pvn_loop;
struct pvn_watch;

typedef void (*pvn_fd_fn)(void *opaque, int fd, uint32_t events);
typedef void (*pvn_timer_fn)(void *opaque);

int pvn_loop_create(struct pvn_loop **out);
/* Start the loop thread. */
int pvn_loop_start(struct pvn_loop *l);
/* Stop and join the loop thread (callable from any thread but the loop's). */
void pvn_loop_stop(struct pvn_loop *l);
/* Frees every watch still registered. The loop must be stopped. */
void pvn_loop_destroy(struct pvn_loop *l);

/* Watch fd for `events` (EPOLLIN, EPOLLOUT, ...). */
int pvn_loop_add_fd(struct pvn_loop *l, int fd, uint32_t events, pvn_fd_fn fn, void *opaque,
		    struct pvn_watch **out);
/* A timer that first fires after first_ns and then every period_ns (0 = once). */
int pvn_loop_add_timer(struct pvn_loop *l, uint64_t first_ns, uint64_t period_ns,
		       pvn_timer_fn fn, void *opaque, struct pvn_watch **out);
/* Re-arm a timer watch. */
int pvn_loop_timer_set(struct pvn_loop *l, struct pvn_watch *w, uint64_t first_ns,
		       uint64_t period_ns);
void pvn_loop_remove(struct pvn_loop *l, struct pvn_watch *w);

#endif
