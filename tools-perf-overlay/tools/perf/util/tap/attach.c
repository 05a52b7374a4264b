// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching every probe and detaching it again.
 *
 * Each event's provider (provider.h) attaches it, with its index as the
 * cookie, or all of a group at once: the syscalls:* views at raw_syscalls,
 * a file's uprobes in one uprobe_multi link, the timers.  What is attached
 * is a link or a perf event with a link, and all of them are closed here;
 * attach-check.c says what could not be attached.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "perf-sys.h"
#include "util/debug.h"

#include "attach-check.h"
#include "provider.h"
#include "runtime-int.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add_fd(int **fds, int *nr, int fd)
{
	int *n = realloc(*fds, (*nr + 1) * sizeof(**fds));

	if (!n)
		return -ENOMEM;
	*fds = n;
	n[(*nr)++] = fd;
	return 0;
}

int runtime__add_link(struct runtime *rt, int fd)
{
	return add_fd(&rt->links, &rt->nr_links, fd);
}

int runtime__attach_raw(struct runtime *rt, int prog_fd, const char *tp, __u64 cookie)
{
	LIBBPF_OPTS(bpf_raw_tp_opts, ropts, .tp_name = tp, .cookie = cookie);
	int fd = bpf_raw_tracepoint_open_opts(prog_fd, &ropts);

	if (fd < 0)
		return -errno;
	if (runtime__add_link(rt, fd)) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

/* Open a perf event on @cpu (all tasks) and link @prog_fd to it. */
int runtime__attach_perf_event(struct runtime *rt, struct perf_event_attr *attr, int cpu,
			       int prog_fd, __u64 cookie)
{
	LIBBPF_OPTS(bpf_link_create_opts, lopts, .perf_event.bpf_cookie = cookie);
	int pfd, link, *links;

	pfd = sys_perf_event_open(attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	links = realloc(rt->perf_links, (rt->nr_perf_fds + 1) * sizeof(*links));
	if (links)
		rt->perf_links = links;
	if (!links || add_fd(&rt->perf_fds, &rt->nr_perf_fds, pfd)) {
		close(pfd);
		return -ENOMEM;
	}
	/* the link to come: the event is closed after it */
	rt->perf_links[rt->nr_perf_fds - 1] = rt->nr_links;
	link = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, &lopts);
	if (link < 0) {
		rt->perf_links[rt->nr_perf_fds - 1] = -1;
		return -errno;
	}
	if (runtime__add_link(rt, link)) {
		close(link);
		rt->perf_links[rt->nr_perf_fds - 1] = -1;
		return -ENOMEM;
	}
	return 0;
}

/*
 * Attach the events that are not in a group one by one.  Opening a
 * uprobe or kprobe event can take long (the kernel plants the probe in
 * every process that maps the file), so a signal stops attaching at once,
 * and a long attach says what it is doing.
 */
static void attach_each(struct runtime *rt)
{
	double start = now_s(), spent;
	int i, left = 0, tried = 0;
	bool told = false;

	for (i = 0; i < rt->evs.nr; i++)
		left += !rt->evs.ev[i].grouped;
	for (i = 0; i < rt->evs.nr && !tap_signals; i++) {
		const struct tap_event *ev = &rt->evs.ev[i];

		if (ev->grouped)
			continue;
		spent = now_s() - start;
		if (!told && tried > 0 && spent > 0.5 && spent / tried * left >= 1.5) {
			pr_warning("perf tap: attaching %d more events (~%.0f s; Ctrl-C stops)...\n",
				   left, spent / tried * left);
			told = true;
		}
		tried++;
		left--;
		rt->attach_err[i] = ev->provider->attach ? ev->provider->attach(rt, i) :
				    -EOPNOTSUPP;
	}
}

/*
 * Attach every event: first what each provider attaches in groups, then
 * the rest one by one.  An event the kernel refuses is skipped
 * (tap_attach__check says which); a trace block left with no event is an
 * error.
 */
int runtime__attach_all(struct runtime *rt)
{
	double start = now_s();
	int i, err, failed = 0;
	size_t p;

	rt->attach_err = calloc(rt->evs.nr ?: 1, sizeof(*rt->attach_err));
	if (!rt->attach_err) {
		pr_err("perf tap: cannot attach: out of memory\n");
		return -ENOMEM;
	}
	for (p = 0; p < tap_nr_providers && !tap_signals; p++) {
		if (!tap_providers[p]->attach_group)
			continue;
		err = tap_providers[p]->attach_group(rt);
		if (err)
			return err;
	}
	attach_each(rt);
	/* a signal: what is not attached need not be, nothing will run */
	if (tap_signals)
		return 0;
	err = tap_attach__check(rt->obj, &rt->evs, rt->attach_err, rt->opts->verbose);
	if (err || !rt->opts->verbose)
		return err;
	for (i = 0; i < rt->evs.nr; i++)
		failed += !!rt->attach_err[i];
	pr_info("perf tap: attached %d events in %.2f s\n", rt->evs.nr - failed, now_s() - start);
	return 0;
}

/*
 * Stop every probe at once, without detaching anything: every trace and
 * timer program returns at its start once the exited slot is set, as
 * after exit().  Without the mapped globals (kernels before 5.5), close
 * the links instead.
 */
void runtime__stop_probes(struct runtime *rt)
{
	int i;

	if (rt->globals) {
		runtime__set_global(rt, TAP_G_EXITED, 1);
		return;
	}
	for (i = 0; i < rt->nr_links; i++)
		close(rt->links[i]);
	rt->nr_links = 0;
	for (i = 0; i < rt->nr_perf_fds; i++)
		rt->perf_links[i] = -1;
}

/*
 * Closing what attach made.  A raw tracepoint link goes at once.  A perf
 * event with a program costs the kernel two grace periods (about 30 and
 * 40 ms on 6.18): one when its link lets go of the program (under
 * bpf_event_mutex), one when the event itself goes (under event_mutex).
 * Each mutex serializes its kind, so more threads per kind gain nothing
 * (measured: 100 events take 4.4 s from one thread, 4.6 s from 16 or
 * 100), but the two kinds overlap: one thread closes the links while
 * another closes each event whose link has gone.
 */
struct closing {
	struct runtime *rt;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int links_done;		/* rt->links[0, links_done) are closed */
	int events_done;	/* rt->perf_fds[0, events_done) are closed */
	double first_event;	/* when the first event was closed */
	bool stop;		/* leave the rest */
	bool finished;		/* the event thread is done */
};

static void *close_events_thread(void *arg)
{
	struct closing *c = arg;
	struct runtime *rt = c->rt;
	int j;

	for (j = c->events_done; j < rt->nr_perf_fds; j++) {
		pthread_mutex_lock(&c->lock);
		while (!c->stop && rt->perf_links[j] >= c->links_done)
			pthread_cond_wait(&c->cond, &c->lock);
		pthread_mutex_unlock(&c->lock);
		if (c->stop)
			break;
		close(rt->perf_fds[j]);
		pthread_mutex_lock(&c->lock);
		if (!c->first_event)
			c->first_event = now_s();
		c->events_done = j + 1;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_lock(&c->lock);
	c->finished = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* Is a signal asking to stop waiting?  Never in the background closer. */
static bool interrupted(int stop_signals)
{
	return stop_signals >= 0 && tap_signals > stop_signals;
}

/*
 * Once the rest will take more than a second, say what is going on.  The
 * slower kind sets the pace: events once a few have gone, else links.
 * The estimate is rough: the kernel's grace periods are longer when the
 * machine is busy.
 */
static void tell_progress(struct closing *c, double start, bool *told)
{
	struct runtime *rt = c->rt;
	int events_left = rt->nr_perf_fds - c->events_done;
	int links_left = rt->nr_links - c->links_done;
	double spent = now_s() - start, rest;

	/* the pace of the first few is no guide: wait for 8 or 2 s */
	if (*told || (!events_left && !links_left) ||
	    (spent < 2 && c->events_done < 8 && (events_left || c->links_done < 8)))
		return;
	/* the first event waits for its link: the pace is from then on */
	if (events_left && c->events_done > 1)
		rest = (now_s() - c->first_event) / (c->events_done - 1) * events_left;
	else if (!events_left && links_left && c->links_done)
		rest = spent / c->links_done * links_left;
	else
		rest = spent * 2;	/* not one gone yet */
	if (rest < 1.5)
		return;
	pr_warning(
		"perf tap: detaching %d events (~%.0f s)... Ctrl-C finishes it in the background\n",
		events_left ? events_left : links_left, rest);
	*told = true;
}

/*
 * Close links and events from where @c says on, until done or, unless
 * @stop_signals is negative, a signal beyond @stop_signals comes.
 */
static void close_from(struct closing *c, int stop_signals)
{
	struct runtime *rt = c->rt;
	double start = now_s();
	bool told = stop_signals < 0;
	sigset_t all, old;
	pthread_t th;
	bool threaded;
	int i;

	/* signals are for the main thread, which watches them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	threaded = !pthread_create(&th, NULL, close_events_thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	for (i = c->links_done; i < rt->nr_links && !interrupted(stop_signals); i++) {
		close(rt->links[i]);
		pthread_mutex_lock(&c->lock);
		c->links_done = i + 1;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
		tell_progress(c, start, &told);
	}
	if (!threaded) {
		for (i = c->events_done; i < rt->nr_perf_fds && !interrupted(stop_signals) &&
		     c->links_done == rt->nr_links; i++) {
			close(rt->perf_fds[i]);
			c->events_done = i + 1;
			tell_progress(c, start, &told);
		}
		return;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->finished && !interrupted(stop_signals)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&c->cond, &c->lock, &ts);
		tell_progress(c, start, &told);
	}
	c->stop = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	pthread_join(th, NULL);
}

/*
 * Leave what is not closed yet to a child process, so that perf tap can
 * exit now.  The child holds nothing else: no program or map, and not the
 * output streams, so that a reader of perf tap's output sees it end.
 * Returns false if there is no child.
 */
static bool close_in_background(struct closing *c)
{
	struct runtime *rt = c->rt;
	int i, fd, devnull;
	struct dirent *d;
	DIR *dir;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid > 0) {
		pr_warning(
			"perf tap: process %d closes the other %d events in the background\n",
			pid, rt->nr_perf_fds - c->events_done);
		for (i = c->links_done; i < rt->nr_links; i++)
			close(rt->links[i]);
		for (i = c->events_done; i < rt->nr_perf_fds; i++)
			close(rt->perf_fds[i]);
		return true;
	}
	prctl(PR_SET_NAME, "perf-tap-close");
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	devnull = open("/dev/null", O_RDWR);
	for (fd = 0; fd < 3 && devnull >= 0; fd++)
		dup2(devnull, fd);
	dir = opendir("/proc/self/fd");
	while (dir && (d = readdir(dir))) {
		bool keep = false;

		fd = atoi(d->d_name);
		if (d->d_name[0] == '.' || fd < 3 || fd == dirfd(dir))
			continue;
		for (i = c->links_done; i < rt->nr_links && !keep; i++)
			keep = rt->links[i] == fd;
		for (i = c->events_done; i < rt->nr_perf_fds && !keep; i++)
			keep = rt->perf_fds[i] == fd;
		if (!keep)
			close(fd);
	}
	if (dir)
		closedir(dir);
	c->stop = false;
	c->finished = false;
	close_from(c, -1);
	_exit(0);
}

/*
 * Detach everything.  When that takes more than a second, say so; a
 * signal beyond the @stop_signals that stopped tracing leaves the rest
 * to a background process.
 */
void runtime__detach_all(struct runtime *rt, int stop_signals)
{
	struct closing c = {
		.rt = rt,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	double start = now_s();

	if (!rt->nr_links && !rt->nr_perf_fds)
		return;
	close_from(&c, stop_signals);
	if (c.links_done < rt->nr_links || c.events_done < rt->nr_perf_fds) {
		if (!close_in_background(&c)) {
			/* no process to leave them to: finish here */
			c.stop = false;
			c.finished = false;
			close_from(&c, -1);
		}
	} else if (rt->opts->verbose) {
		pr_info("perf tap: detached %d links and %d perf events in %.2f s\n",
			rt->nr_links, rt->nr_perf_fds, now_s() - start);
	}
	rt->nr_links = 0;
	rt->nr_perf_fds = 0;
}
