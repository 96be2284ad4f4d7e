/* SPDX-License-Identifier: MIT */
/*
 * The event loop (runtime/core/loop): fd watches and timers run on the loop
 * thread; watches removed from another thread or from inside a callback are
 * not called afterwards; destroy frees what is still registered. Timing is
 * only checked as "happened within a generous bound".
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/core/loop.h"

#define MS 1000000ULL
#define WAIT_MS 5000 /* generous: a loaded CI machine is slow */

struct counter {
	atomic_uint n;
	atomic_uint in_callback; /* > 1 would mean two callbacks at once */
	atomic_uint max_concurrent;
	atomic_uint bad_events;   /* fd callbacks without EPOLLIN */
	pthread_t thread;   /* where the callback last ran */
	atomic_bool thread_set;
	struct pvn_loop *loop;
	struct pvn_watch *self;  /* removed by the callback when n reaches remove_at */
	unsigned remove_at;
	struct pvn_watch *other; /* removed by this callback on its first run */
	bool drain;              /* fd callbacks: read what is readable */
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Poll until *n >= want or WAIT_MS pass; returns the last value seen. */
static unsigned wait_for(atomic_uint *n, unsigned want)
{
	for (unsigned waited = 0; waited < WAIT_MS; waited++) {
		unsigned v = atomic_load(n);
		if (v >= want)
			return v;
		sleep_ms(1);
	}
	return atomic_load(n);
}

static void enter(struct counter *c)
{
	unsigned now = atomic_fetch_add(&c->in_callback, 1) + 1;
	if (now > atomic_load(&c->max_concurrent))
		atomic_store(&c->max_concurrent, now);
	c->thread = pthread_self();
	atomic_store(&c->thread_set, true);
}

static void leave(struct counter *c)
{
	if (c->other) {
		pvn_loop_remove(c->loop, c->other);
		c->other = NULL;
	}
	if (c->self && atomic_load(&c->n) == c->remove_at) {
		pvn_loop_remove(c->loop, c->self);
		c->self = NULL;
	}
	atomic_fetch_sub(&c->in_callback, 1);
}

static void on_fd(void *opaque, int fd, uint32_t events)
{
	struct counter *c = opaque;
	char buf[64];
	enter(c);
	if (!(events & EPOLLIN))
		atomic_fetch_add(&c->bad_events, 1);
	if (c->drain)
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	atomic_fetch_add(&c->n, 1);
	leave(c);
}

static void on_timer(void *opaque)
{
	struct counter *c = opaque;
	enter(c);
	atomic_fetch_add(&c->n, 1);
	leave(c);
}

static void make_pipe(int p[2])
{
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
}

static int setup(void **state)
{
	struct pvn_loop *l = NULL;
	if (pvn_loop_create(&l))
		return -1;
	*state = l;
	return 0;
}

static int teardown(void **state)
{
	pvn_loop_stop(*state);
	pvn_loop_destroy(*state);
	return 0;
}

static void test_fd_watch_on_loop_thread(void **state)
{
	struct pvn_loop *l = *state;
	struct counter c = {.drain = true};
	struct pvn_watch *w = NULL;
	int p[2];

	make_pipe(p);
	assert_int_equal(pvn_loop_add_fd(l, p[0], EPOLLIN, on_fd, &c, &w), 0);
	assert_non_null(w);
	assert_int_equal(pvn_loop_start(l), 0);
	sleep_ms(20);
	assert_int_equal(atomic_load(&c.n), 0); /* nothing readable yet */
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_true(wait_for(&c.n, 1) >= 1);
	assert_true(atomic_load(&c.thread_set));
	assert_false(pthread_equal(c.thread, pthread_self()));
	/* each write wakes it again */
	for (unsigned i = 2; i <= 5; i++) {
		assert_int_equal(write(p[1], "y", 1), 1);
		assert_true(wait_for(&c.n, i) >= i);
	}
	assert_int_equal(atomic_load(&c.bad_events), 0);
	pvn_loop_remove(l, w);
	close(p[0]);
	close(p[1]);
}

static void test_fd_and_timer_share_the_thread(void **state)
{
	struct pvn_loop *l = *state;
	struct counter cf = {.drain = true}, ct = {0};
	struct pvn_watch *wf, *wt;
	int p[2];

	make_pipe(p);
	assert_int_equal(pvn_loop_add_fd(l, p[0], EPOLLIN, on_fd, &cf, &wf), 0);
	assert_int_equal(pvn_loop_add_timer(l, MS, MS, on_timer, &ct, &wt), 0);
	assert_int_equal(pvn_loop_start(l), 0);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(write(p[1], "z", 1), 1);
		sleep_ms(1);
	}
	assert_true(wait_for(&cf.n, 1) >= 1);
	assert_true(wait_for(&ct.n, 3) >= 3);
	assert_true(pthread_equal(cf.thread, ct.thread));
	assert_false(pthread_equal(ct.thread, pthread_self()));
	pvn_loop_remove(l, wt);
	pvn_loop_remove(l, wf);
	assert_int_equal(atomic_load(&cf.max_concurrent), 1);
	assert_int_equal(atomic_load(&ct.max_concurrent), 1);
	close(p[0]);
	close(p[1]);
}

static void test_timer_once(void **state)
{
	struct pvn_loop *l = *state;
	struct counter c = {0}, z = {0};
	struct pvn_watch *w, *wz;

	assert_int_equal(pvn_loop_add_timer(l, 2 * MS, 0, on_timer, &c, &w), 0);
	/* first_ns = 0 means "as soon as possible", not "disarmed" */
	assert_int_equal(pvn_loop_add_timer(l, 0, 0, on_timer, &z, &wz), 0);
	assert_int_equal(pvn_loop_start(l), 0);
	assert_int_equal(wait_for(&c.n, 1), 1);
	assert_int_equal(wait_for(&z.n, 1), 1);
	sleep_ms(50);
	assert_int_equal(atomic_load(&c.n), 1);
	assert_int_equal(atomic_load(&z.n), 1);
	/* re-arming a one-shot timer makes it fire again */
	assert_int_equal(pvn_loop_timer_set(l, w, MS, 0), 0);
	assert_int_equal(wait_for(&c.n, 2), 2);
	sleep_ms(20);
	assert_int_equal(atomic_load(&c.n), 2);
	pvn_loop_remove(l, w);
	pvn_loop_remove(l, wz);
}

static void test_timer_periodic(void **state)
{
	struct pvn_loop *l = *state;
	struct counter c = {0};
	struct pvn_watch *w;
	unsigned n;

	assert_int_equal(pvn_loop_add_timer(l, MS, 2 * MS, on_timer, &c, &w), 0);
	assert_int_equal(pvn_loop_start(l), 0);
	assert_true(wait_for(&c.n, 10) >= 10);
	/* disarm it by re-arming with a long first expiry: it stops firing */
	assert_int_equal(pvn_loop_timer_set(l, w, 3600000 * MS, 0), 0);
	sleep_ms(10); /* one that was already queued may still arrive */
	n = atomic_load(&c.n);
	sleep_ms(50);
	assert_int_equal(atomic_load(&c.n), n);
	/* and periodic again */
	assert_int_equal(pvn_loop_timer_set(l, w, MS, MS), 0);
	assert_true(wait_for(&c.n, n + 5) >= n + 5);
	pvn_loop_remove(l, w);
}

static void test_timer_set_errors(void **state)
{
	struct pvn_loop *l = *state;
	struct counter c = {0};
	struct pvn_watch *w;
	int p[2];

	make_pipe(p);
	assert_int_equal(pvn_loop_add_fd(l, p[0], EPOLLIN, on_fd, &c, &w), 0);
	assert_int_equal(pvn_loop_timer_set(l, w, MS, 0), -EINVAL);
	assert_int_equal(pvn_loop_timer_set(l, NULL, MS, 0), -EINVAL);
	pvn_loop_remove(l, w);
	/* bad arguments to add */
	assert_int_equal(pvn_loop_add_fd(l, -1, EPOLLIN, on_fd, &c, &w), -EINVAL);
	assert_int_equal(pvn_loop_add_fd(l, p[0], EPOLLIN, NULL, &c, &w), -EINVAL);
	assert_int_equal(pvn_loop_add_timer(l, MS, 0, NULL, &c, &w), -EINVAL);
	close(p[0]);
	close(p[1]);
	assert_int_equal(pvn_loop_add_fd(l, p[0], EPOLLIN, on_fd, &c, &w), -EBADF);
	/* the same fd twice */
	make_pipe(p);
	assert_int_equal(pvn_loop_add_fd(l, p[0], EPOLLIN, on_fd, &c, &w), 0);
	assert_int_equal(pvn_loop_add_fd(l, p[0], EPOLLIN, on_fd, &c, NULL), -EEXIST);
	pvn_loop_remove(l, w);
	pvn_loop_remove(l, NULL); /* no-op */
	close(p[0]);
	close(p[1]);
}

struct remover {
	struct pvn_loop *loop;
	struct pvn_watch *w;
	struct counter *c;
	unsigned at_remove;
};

static void *remove_thread(void *arg)
{
	struct remover *r = arg;
	pvn_loop_remove(r->loop, r->w);
	r->at_remove = atomic_load(&r->c->n);
	return NULL;
}

static void test_remove_from_other_thread(void **state)
{
	struct pvn_loop *l = *state;
	struct counter ct = {0}, cf = {0}; /* cf: never drains, fires while readable */
	struct pvn_watch *wt, *wf;
	struct remover rt, rf;
	pthread_t th;
	int p[2];

	make_pipe(p);
	assert_int_equal(pvn_loop_add_timer(l, MS, MS, on_timer, &ct, &wt), 0);
	assert_int_equal(pvn_loop_add_fd(l, p[0], EPOLLIN, on_fd, &cf, &wf), 0);
	assert_int_equal(pvn_loop_start(l), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_true(wait_for(&ct.n, 3) >= 3);
	assert_true(wait_for(&cf.n, 3) >= 3);

	rt = (struct remover){l, wt, &ct, 0};
	rf = (struct remover){l, wf, &cf, 0};
	assert_int_equal(pthread_create(&th, NULL, remove_thread, &rt), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(pthread_create(&th, NULL, remove_thread, &rf), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	sleep_ms(50);
	/* at most the one callback that was running when remove returned */
	assert_true(atomic_load(&ct.n) <= rt.at_remove + 1);
	assert_true(atomic_load(&cf.n) <= rf.at_remove + 1);
	/* the fd is still readable: the watch, not the data, is gone */
	char b;
	assert_int_equal(read(p[0], &b, 1), 1);
	close(p[0]);
	close(p[1]);
}

static void test_remove_from_callback(void **state)
{
	struct pvn_loop *l = *state;
	struct counter ct = {0}, cf = {0};
	int p[2];

	/* a periodic timer that removes itself on its 3rd run */
	ct.loop = l;
	ct.remove_at = 3;
	assert_int_equal(pvn_loop_add_timer(l, MS, MS, on_timer, &ct, &ct.self), 0);
	/* a level-triggered fd that is never drained (so it would fire again
	 * and again) and removes itself on its first run */
	make_pipe(p);
	cf.loop = l;
	cf.remove_at = 1;
	assert_int_equal(pvn_loop_add_fd(l, p[0], EPOLLIN, on_fd, &cf, &cf.self), 0);
	assert_int_equal(write(p[1], "x", 1), 1);

	assert_int_equal(pvn_loop_start(l), 0);
	assert_int_equal(wait_for(&ct.n, 3), 3);
	assert_int_equal(wait_for(&cf.n, 1), 1);
	sleep_ms(50);
	assert_int_equal(atomic_load(&ct.n), 3);
	assert_int_equal(atomic_load(&cf.n), 1);
	assert_null(ct.self);
	assert_null(cf.self);
	close(p[0]);
	close(p[1]);
}

static void test_remove_other_in_callback(void **state)
{
	struct pvn_loop *l = *state;
	struct counter victim = {0}, killer = {.drain = true};
	struct pvn_watch *wv;
	int q[2], k[2];
	unsigned n;

	make_pipe(q);
	make_pipe(k);
	assert_int_equal(pvn_loop_add_fd(l, q[0], EPOLLIN, on_fd, &victim, &wv), 0);
	killer.loop = l;
	killer.other = wv;
	assert_int_equal(pvn_loop_add_fd(l, k[0], EPOLLIN, on_fd, &killer, NULL), 0);
	assert_int_equal(pvn_loop_start(l), 0);
	/* the victim fires again and again while its pipe holds data */
	assert_int_equal(write(q[1], "v", 1), 1);
	assert_true(wait_for(&victim.n, 5) >= 5);
	/* the killer removes it from inside its own callback */
	assert_int_equal(write(k[1], "k", 1), 1);
	assert_int_equal(wait_for(&killer.n, 1), 1);
	n = atomic_load(&victim.n);
	sleep_ms(50);
	assert_int_equal(atomic_load(&victim.n), n);
	assert_null(killer.other);
	close(q[0]);
	close(q[1]);
	close(k[0]);
	close(k[1]);
}

static void test_remove_before_start(void **state)
{
	struct pvn_loop *l = *state;
	struct counter c = {0};
	struct pvn_watch *w;
	int p[2];

	make_pipe(p);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(pvn_loop_add_fd(l, p[0], EPOLLIN, on_fd, &c, &w), 0);
	pvn_loop_remove(l, w); /* freed at once: the loop is not running */
	assert_int_equal(pvn_loop_start(l), 0);
	sleep_ms(30);
	assert_int_equal(atomic_load(&c.n), 0);
	close(p[0]);
	close(p[1]);
}

static void test_many_fds(void **state)
{
	struct pvn_loop *l = *state;
	enum { N = 80 }; /* more than one epoll_wait batch */
	struct counter c[N];
	int p[N][2];

	memset(c, 0, sizeof(c));
	for (int i = 0; i < N; i++) {
		make_pipe(p[i]);
		c[i].drain = true;
		assert_int_equal(pvn_loop_add_fd(l, p[i][0], EPOLLIN, on_fd, &c[i], NULL), 0);
		assert_int_equal(write(p[i][1], "x", 1), 1);
	}
	assert_int_equal(pvn_loop_start(l), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(wait_for(&c[i].n, 1), 1);
	pvn_loop_stop(l);
	/* destroy (in teardown) frees the watches still registered; the fds
	 * are the caller's and stay open */
	for (int i = 0; i < N; i++) {
		assert_true(fcntl(p[i][0], F_GETFD) >= 0);
		close(p[i][0]);
		close(p[i][1]);
	}
}

static void test_stop_and_restart(void **state)
{
	struct pvn_loop *l = *state;
	struct counter c = {.drain = true};
	int p[2];

	make_pipe(p);
	assert_int_equal(pvn_loop_add_fd(l, p[0], EPOLLIN, on_fd, &c, NULL), 0);
	assert_int_equal(pvn_loop_start(l), 0);
	assert_int_equal(write(p[1], "1", 1), 1);
	assert_int_equal(wait_for(&c.n, 1), 1);
	pvn_loop_stop(l);
	pvn_loop_stop(l); /* stopping a stopped loop is a no-op */
	/* stopped: nothing runs */
	assert_int_equal(write(p[1], "2", 1), 1);
	sleep_ms(30);
	assert_int_equal(atomic_load(&c.n), 1);
	/* started again: what arrived meanwhile is handled */
	assert_int_equal(pvn_loop_start(l), 0);
	assert_int_equal(wait_for(&c.n, 2), 2);
	pvn_loop_stop(l);
	close(p[0]);
	close(p[1]);
}

static void test_destroy_with_live_watches(void **state)
{
	struct counter c[4];
	struct pvn_loop *l2;
	int p[2];

	(void)state;
	memset(c, 0, sizeof(c));
	make_pipe(p);
	/* never started */
	assert_int_equal(pvn_loop_create(&l2), 0);
	assert_int_equal(pvn_loop_add_fd(l2, p[0], EPOLLIN, on_fd, &c[0], NULL), 0);
	assert_int_equal(pvn_loop_add_timer(l2, MS, MS, on_timer, &c[1], NULL), 0);
	pvn_loop_destroy(l2);
	/* running, with a periodic timer firing and a removed watch pending free */
	assert_int_equal(pvn_loop_create(&l2), 0);
	struct pvn_watch *w;
	assert_int_equal(pvn_loop_add_fd(l2, p[0], EPOLLIN, on_fd, &c[2], NULL), 0);
	assert_int_equal(pvn_loop_add_timer(l2, MS, MS, on_timer, &c[3], &w), 0);
	assert_int_equal(pvn_loop_start(l2), 0);
	assert_true(wait_for(&c[3].n, 2) >= 2);
	pvn_loop_stop(l2);
	pvn_loop_destroy(l2);
	pvn_loop_destroy(NULL);
	assert_int_equal(atomic_load(&c[0].n), 0);
	assert_true(fcntl(p[0], F_GETFD) >= 0);
	close(p[0]);
	close(p[1]);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fd_watch_on_loop_thread),
		T(test_fd_and_timer_share_the_thread),
		T(test_timer_once),
		T(test_timer_periodic),
		T(test_timer_set_errors),
		T(test_remove_from_other_thread),
		T(test_remove_from_callback),
		T(test_remove_other_in_callback),
		T(test_remove_before_start),
		T(test_many_fds),
		T(test_stop_and_restart),
		cmocka_unit_test(test_destroy_with_live_watches),
	};
	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
