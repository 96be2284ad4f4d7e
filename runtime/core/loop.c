/* SPDX-License-Identifier: MIT */
#include "runtime/core/loop.h"
#include "runtime/core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct pvn_watch {
	struct pvn_watch *next; /* in loop->live or loop->dead */
	int fd;
	bool is_timer, dead;
	pvn_fd_fn fd_fn;
	pvn_timer_fn timer_fn;
	void *opaque;
};

struct pvn_loop {
	int epfd;
	int wakefd;
	pthread_t thread;
	bool running;
	bool stop;
	pthread_mutex_t lock;
	struct pvn_watch *live;
	struct pvn_watch *dead; /* freed between epoll batches */
};

int pvn_loop_create(struct pvn_loop **out)
{
	struct pvn_loop *l = calloc(1, sizeof(*l));
	struct epoll_event ev = {.events = EPOLLIN};

	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->epfd < 0 || l->wakefd < 0 ||
	    epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev) < 0) {
		int r = -errno;
		if (l->epfd >= 0)
			close(l->epfd);
		if (l->wakefd >= 0)
			close(l->wakefd);
		free(l);
		return r;
	}
	*out = l;
	return 0;
}

static void free_list(struct pvn_watch *w)
{
	while (w) {
		struct pvn_watch *n = w->next;
		if (w->is_timer)
			close(w->fd);
		free(w);
		w = n;
	}
}

static void *loop_thread(void *arg)
{
	struct pvn_loop *l = arg;
	struct epoll_event evs[32];

	for (;;) {
		int n = epoll_wait(l->epfd, evs, 32, -1);
		if (n < 0 && errno != EINTR) {
			pvn_err("event loop: epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct pvn_watch *w = evs[i].data.ptr;
			if (!w) {
				uint64_t v;
				if (read(l->wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
					pvn_warn("event loop: wake read: %s", strerror(errno));
				continue;
			}
			pthread_mutex_lock(&l->lock);
			bool dead = w->dead;
			pthread_mutex_unlock(&l->lock);
			if (dead)
				continue;
			if (w->is_timer) {
				uint64_t ticks;
				if (read(w->fd, &ticks, sizeof(ticks)) == sizeof(ticks))
					w->timer_fn(w->opaque);
			} else {
				w->fd_fn(w->opaque, w->fd, evs[i].events);
			}
		}
		pthread_mutex_lock(&l->lock);
		struct pvn_watch *dead = l->dead;
		l->dead = NULL;
		bool stop = l->stop;
		pthread_mutex_unlock(&l->lock);
		free_list(dead);
		if (stop)
			break;
	}
	return NULL;
}

int pvn_loop_start(struct pvn_loop *l)
{
	int r = pthread_create(&l->thread, NULL, loop_thread, l);
	if (r)
		return -r;
	l->running = true;
	return 0;
}

static void wake(struct pvn_loop *l)
{
	uint64_t one = 1;
	if (write(l->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pvn_warn("event loop: wake: %s", strerror(errno));
}

void pvn_loop_stop(struct pvn_loop *l)
{
	if (!l->running)
		return;
	pthread_mutex_lock(&l->lock);
	l->stop = true;
	pthread_mutex_unlock(&l->lock);
	wake(l);
	pthread_join(l->thread, NULL);
	l->running = false;
	l->stop = false;
}

void pvn_loop_destroy(struct pvn_loop *l)
{
	if (!l)
		return;
	pvn_loop_stop(l);
	free_list(l->live);
	free_list(l->dead);
	close(l->epfd);
	close(l->wakefd);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static int add_watch(struct pvn_loop *l, struct pvn_watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return -errno;
	pthread_mutex_lock(&l->lock);
	w->next = l->live;
	l->live = w;
	pthread_mutex_unlock(&l->lock);
	return 0;
}

int pvn_loop_add_fd(struct pvn_loop *l, int fd, uint32_t events, pvn_fd_fn fn, void *opaque,
		    struct pvn_watch **out)
{
	struct pvn_watch *w;
	int r;

	if (fd < 0 || !fn)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct pvn_watch){.fd = fd, .fd_fn = fn, .opaque = opaque};
	r = add_watch(l, w, events);
	if (r) {
		free(w);
		return r;
	}
	if (out)
		*out = w;
	return 0;
}

static struct itimerspec to_its(uint64_t first_ns, uint64_t period_ns)
{
	struct itimerspec its = {
		.it_value = {(time_t)(first_ns / 1000000000u), (long)(first_ns % 1000000000u)},
		.it_interval = {(time_t)(period_ns / 1000000000u), (long)(period_ns % 1000000000u)},
	};
	if (!first_ns) /* zero would disarm: fire as soon as possible */
		its.it_value.tv_nsec = 1;
	return its;
}

int pvn_loop_add_timer(struct pvn_loop *l, uint64_t first_ns, uint64_t period_ns,
		       pvn_timer_fn fn, void *opaque, struct pvn_watch **out)
{
	struct itimerspec its = to_its(first_ns, period_ns);
	struct pvn_watch *w;
	int r;

	if (!fn)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct pvn_watch){.is_timer = true, .timer_fn = fn, .opaque = opaque};
	w->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (w->fd < 0 || timerfd_settime(w->fd, 0, &its, NULL) < 0) {
		r = -errno;
		goto fail;
	}
	r = add_watch(l, w, EPOLLIN);
	if (r)
		goto fail;
	if (out)
		*out = w;
	return 0;
fail:
	if (w->fd >= 0)
		close(w->fd);
	free(w);
	return r;
}

int pvn_loop_timer_set(struct pvn_loop *l, struct pvn_watch *w, uint64_t first_ns,
		       uint64_t period_ns)
{
	struct itimerspec its = to_its(first_ns, period_ns);
	(void)l;
	if (!w || !w->is_timer)
		return -EINVAL;
	if (timerfd_settime(w->fd, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

void pvn_loop_remove(struct pvn_loop *l, struct pvn_watch *w)
{
	struct pvn_watch **pp;

	if (!w)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	pthread_mutex_lock(&l->lock);
	for (pp = &l->live; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	w->dead = true;
	if (l->running) {
		/* The loop may hold w in its current batch: free it after. */
		w->next = l->dead;
		l->dead = w;
		w = NULL;
	}
	pthread_mutex_unlock(&l->lock);
	if (w) {
		if (w->is_timer)
			close(w->fd);
		free(w);
	}
}
