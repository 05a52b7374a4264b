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
#include <linux/kernel.h>
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
	rt->nr_raw_links++;
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
 * How attaching goes: the events attached so far by each way, and whether
 * a long attach has been announced.  An event went the way of what its
 * attach added: a perf event, a raw tracepoint link, or another link (a
 * group's: tracepoint_multi, uprobe_multi).
 */
enum attach_path { PATH_RAW, PATH_PERF, PATH_LINK, PATH_NONE };

struct attach_progress {
	double start, checked;
	int total;		/* events to attach */
	int by_path[PATH_NONE];
	int links;		/* the links of PATH_LINK */
	bool told;
};

struct attach_mark {
	int raw, perf, links;
};

static void mark(struct runtime *rt, struct attach_mark *m)
{
	m->raw = rt->nr_raw_links;
	m->perf = rt->nr_perf_fds;
	m->links = rt->nr_links;
}

static enum attach_path path_since(struct runtime *rt, const struct attach_mark *m)
{
	if (rt->nr_perf_fds > m->perf)
		return PATH_PERF;
	if (rt->nr_raw_links > m->raw)
		return PATH_RAW;
	return rt->nr_links > m->links ? PATH_LINK : PATH_NONE;
}

static void count_path(struct runtime *rt, struct attach_progress *pr,
		       const struct attach_mark *m, int events)
{
	enum attach_path path = path_since(rt, m);

	if (path == PATH_NONE)
		return;
	pr->by_path[path] += events;
	if (path == PATH_LINK)
		pr->links += rt->nr_links - m->links;
}

/* "1603 as raw tracepoints, 16 as perf events, 686 in 3 links" */
static void paths_str(const struct attach_progress *pr, char *buf, size_t size)
{
	int n = 0;

	buf[0] = 0;
	if (pr->by_path[PATH_RAW])
		n += scnprintf(buf + n, size - n, "%d as raw tracepoints", pr->by_path[PATH_RAW]);
	if (pr->by_path[PATH_PERF])
		n += scnprintf(buf + n, size - n, "%s%d as perf events", n ? ", " : "",
			       pr->by_path[PATH_PERF]);
	if (pr->by_path[PATH_LINK])
		n += scnprintf(buf + n, size - n, "%s%d in %d multi-event links", n ? ", " : "",
			       pr->by_path[PATH_LINK], pr->links);
	if (!n)
		scnprintf(buf, size, "none yet");
}

/*
 * Once attaching has taken half a second, say how many events there are
 * and how they go, the way perf trace and bpftrace announce their probes.
 */
static void tell_attaching(struct attach_progress *pr)
{
	char paths[160];

	if (pr->told || now_s() - pr->start < 0.5)
		return;
	paths_str(pr, paths, sizeof(paths));
	pr_warning("perf tap: attaching %d events (so far %s)... Ctrl-C stops\n", pr->total,
		   paths);
	pr->told = true;
}

/*
 * Stop attaching?  At a signal, or when the command or every -p process
 * has gone: nothing is left to trace.  The targets are looked at every
 * 10 ms, not at every event.
 */
static bool attach_stopped(struct runtime *rt, struct attach_progress *pr)
{
	double now;

	if (tap_signals)
		return true;
	now = now_s();
	if (now - pr->checked < 0.01)
		return false;
	pr->checked = now;
	return runtime__targets_gone(rt);
}

/*
 * Attach the events that are not in a group one by one.  Opening a
 * uprobe or kprobe event can take long (the kernel plants the probe in
 * every process that maps the file), so a signal stops attaching at once.
 */
static void attach_each(struct runtime *rt, struct attach_progress *pr)
{
	struct attach_mark m;
	int i;

	for (i = 0; i < rt->evs.nr && !attach_stopped(rt, pr); i++) {
		const struct tap_event *ev = &rt->evs.ev[i];

		if (ev->grouped)
			continue;
		tell_attaching(pr);
		mark(rt, &m);
		rt->attach_err[i] = ev->provider->attach ? ev->provider->attach(rt, i) :
				    -EOPNOTSUPP;
		if (!rt->attach_err[i])
			count_path(rt, pr, &m, 1);
	}
}

/* A group's events: those it marked grouped now, less those it could not attach. */
static int attached_grouped(struct runtime *rt, bool *was_grouped)
{
	int i, n = 0;

	for (i = 0; i < rt->evs.nr; i++) {
		if (rt->evs.ev[i].grouped && !was_grouped[i] && !rt->attach_err[i])
			n++;
		was_grouped[i] = rt->evs.ev[i].grouped;
	}
	return n;
}

/*
 * Attach every event: first what each provider attaches in groups, then
 * the rest one by one.  An event the kernel refuses is skipped
 * (tap_attach__check says which); a trace block left with no event is an
 * error.  A signal, or the end of the targets, stops attaching: then
 * rt->hurry says so.
 */
int runtime__attach_all(struct runtime *rt)
{
	struct attach_progress pr = { .start = now_s(), .total = rt->evs.nr };
	struct attach_mark m;
	bool *was_grouped;
	char paths[160];
	int err = 0;
	size_t p;

	rt->attach_err = calloc(rt->evs.nr ?: 1, sizeof(*rt->attach_err));
	was_grouped = calloc(rt->evs.nr ?: 1, sizeof(*was_grouped));
	if (!rt->attach_err || !was_grouped) {
		free(was_grouped);
		pr_err("perf tap: cannot attach: out of memory\n");
		return -ENOMEM;
	}
	for (p = 0; p < tap_nr_providers && !attach_stopped(rt, &pr); p++) {
		if (!tap_providers[p]->attach_group)
			continue;
		tell_attaching(&pr);
		mark(rt, &m);
		err = tap_providers[p]->attach_group(rt);
		if (err)
			break;
		count_path(rt, &pr, &m, attached_grouped(rt, was_grouped));
	}
	free(was_grouped);
	if (err)
		return err;
	attach_each(rt, &pr);
	/* stopped: what is not attached need not be, nothing will run */
	if (tap_signals || runtime__targets_gone(rt)) {
		rt->hurry = true;
		return 0;
	}
	err = tap_attach__check(rt->obj, &rt->evs, rt->attach_err, rt->opts->verbose);
	if (err || (!rt->opts->verbose && !pr.told))
		return err;
	paths_str(&pr, paths, sizeof(paths));
	pr_warning("perf tap: attached %d events in %.2f s: %s\n",
		   pr.by_path[PATH_RAW] + pr.by_path[PATH_PERF] + pr.by_path[PATH_LINK],
		   now_s() - pr.start, paths);
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

	/*
	 * The pace of the first few is no guide: wait for 8 or 2 s, and
	 * half a second at least (the first link closes can take longer
	 * than all the rest: a detach of 1578 raw tracepoint links that took
	 * 0.1 s was announced as ~3 s).
	 */
	if (*told || (!events_left && !links_left) || spent < 0.5 ||
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
		if (rt->links[i] >= 0)
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
		int left = rt->nr_perf_fds - c->events_done;

		/* stopped while attaching, only links may be left */
		for (i = c->links_done; !left && i < rt->nr_links; i++)
			left += rt->links[i] >= 0;
		pr_warning(
			"perf tap: process %d closes the other %d event%s in the background\n",
			pid, left, left == 1 ? "" : "s");
		for (i = c->links_done; i < rt->nr_links; i++)
			if (rt->links[i] >= 0)
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
 * Stopped while attaching: the user wants out now.  Close the links that
 * go at once (raw tracepoints, tracepoint_multi, uprobe_multi: about 60 us
 * each), for up to 50 ms; the perf events and their links, which take a
 * grace period each, and what is left go to the background process.
 * Returns whether anything is left.
 */
static bool close_quick_links(struct runtime *rt)
{
	double deadline = now_s() + 0.05;
	bool *slow = calloc(rt->nr_links ?: 1, sizeof(*slow));
	int i, left = 0;

	if (!slow)
		return true;
	for (i = 0; i < rt->nr_perf_fds; i++)
		if (rt->perf_links[i] >= 0)
			slow[rt->perf_links[i]] = true;
	for (i = 0; i < rt->nr_links; i++) {
		if (rt->links[i] < 0)
			continue;
		if (slow[i] || now_s() > deadline) {
			left++;
			continue;
		}
		close(rt->links[i]);
		rt->links[i] = -1;
	}
	free(slow);
	return left || rt->nr_perf_fds;
}

/*
 * Detach everything.  When that takes more than a second, say so; a
 * signal beyond the @stop_signals that stopped tracing leaves the rest
 * to a background process, as does a stop while attaching (rt->hurry).
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
	if (rt->hurry && stop_signals >= 0) {
		if (close_quick_links(rt) && !close_in_background(&c))
			close_from(&c, -1);
		rt->nr_links = 0;
		rt->nr_perf_fds = 0;
		return;
	}
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
