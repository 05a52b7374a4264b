// SPDX-License-Identifier: GPL-2.0
/*
 * The uprobe provider: probe:/PATH:SYM and probe:/PATH:SYM%return, SYM a
 * glob over the functions perf's symbol code reads from the file
 * (.symtab, else .dynsym).  A block's uprobes in one file go through one uprobe_multi
 * link per direction: one program for thousands of functions, attached
 * and detached with one grace period instead of two per function.
 * Kernels without uprobe_multi links (before 6.6) take one perf event of
 * the uprobe PMU per function, as kprobes do.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/filter.h>
#include <linux/kernel.h>
#include "util/debug.h"
#include "util/string2.h"

#include "provider.h"
#include "runtime-int.h"
#include "usym.h"

struct uprobe_match {
	struct tap_events *evs;
	const char *path, *glob;
	int prog, found;
	bool ret;
};

static int add_uprobe(void *arg, const char *name, u64 off)
{
	struct uprobe_match *um = arg;
	struct tap_events *evs = um->evs;
	struct tap_event *ev;

	if (!strglobmatch(name, um->glob))
		return 0;
	/* aliases share an address: one probe each address */
	if (evs->nr && evs->ev[evs->nr - 1].path && evs->ev[evs->nr - 1].offset == off &&
	    evs->ev[evs->nr - 1].prog == um->prog)
		return 0;
	ev = tap_events__add(evs, &tap_provider_uprobe, "probe", name, um->prog);
	if (!ev)
		return 1;
	ev->kretprobe = um->ret;
	ev->path = strdup(um->path);
	ev->offset = off;
	if (!ev->path)
		return 1;
	um->found++;
	return 0;
}

/* probe:/PATH:SYM, or probe:LIB:SYM with a library's name */
static bool up_claims(const char *spec)
{
	return !strncmp(spec, "probe:", 6) && (spec[6] == '/' || strchr(spec + 6, ':'));
}

/*
 * probe:libc:malloc: the library of that name in the system's library
 * directories, as the dynamic linker would find it for a program: the
 * versioned file (libc.so.6), since the unversioned one is often a linker
 * script for the compiler.  "c" is "libc" too.  NULL if there is none.
 */
#ifndef TAP_MULTIARCH
#define TAP_MULTIARCH "x86_64-linux-gnu"	/* regs.h: x86_64 only for now */
#endif

static char *find_library(const char *name)
{
	static const char * const dirs[] = {
		"/lib/" TAP_MULTIARCH, "/usr/lib/" TAP_MULTIARCH, "/lib64", "/usr/lib64",
		"/lib", "/usr/lib", "/usr/local/lib",
	};
	const char *prefix = strncmp(name, "lib", 3) ? "lib" : "";
	char pattern[PATH_MAX], *found = NULL;
	size_t d, i;
	glob_t g;

	for (d = 0; d < ARRAY_SIZE(dirs) && !found; d++) {
		snprintf(pattern, sizeof(pattern), "%s/%s%s.so.*", dirs[d], prefix, name);
		if (glob(pattern, 0, NULL, &g))
			continue;
		/* libc.so.6 before libc.so.6.1: the shortest name is the soname */
		for (i = 0; i < g.gl_pathc; i++)
			if (!found || strlen(g.gl_pathv[i]) < strlen(found))
				found = g.gl_pathv[i];
		found = found ? strdup(found) : NULL;
		globfree(&g);
	}
	return found;
}

/* Can uprobes go into @path?  0; 1: the kernel cannot tell; -1 after an error at @spec. */
static int check_file(struct tap_events *evs, struct tap_object *obj,
		      const struct tap_spec *spec, const char *path)
{
	struct stat st;
	__u64 retprobe;
	__u32 type;
	int err;

	if (tap_probe__pmu("uprobe", &type, &retprobe)) {
		err = tap_spec__cannot_tell(evs, obj, spec, "this kernel has no uprobe PMU",
					    "this kernel has no uprobe PMU (CONFIG_UPROBE_EVENTS) for");
		return err < 0 ? err : 1;
	}
	/* a FIFO or a device would block or mean nothing: only regular files */
	if (stat(path, &st) || access(path, R_OK)) {
		tap_spec__error(obj, spec, "cannot open the file of");
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		tap_spec__error(obj, spec, "not a regular file (an executable or library):");
		return -1;
	}
	return 0;
}

static int up_resolve(struct tap_events *evs, struct tap_object *obj,
		      const struct tap_spec *spec, int prog)
{
	struct uprobe_match um = { .evs = evs, .prog = prog };
	char *target, *colon, *lib = NULL;
	int err = -1;

	target = tap_probe__target(obj, spec, &um.ret);
	if (!target)
		return -1;
	colon = strrchr(target, ':');
	if (!colon || !colon[1]) {
		tap_spec__error(obj, spec, "a uprobe is probe:/PATH:SYMBOL, not");
		goto out;
	}
	*colon = 0;
	um.glob = colon + 1;
	um.path = target;
	if (target[0] != '/') {
		lib = find_library(target);
		if (!lib) {
			tap_spec__error(obj, spec,
					"no library of that name in the system's library directories for");
			goto out;
		}
		um.path = lib;
	}
	err = check_file(evs, obj, spec, um.path);
	if (err) {
		err = err > 0 ? 0 : -1;
		goto out;
	}
	err = -1;
	if (tap_usym__funcs(um.path, add_uprobe, &um))
		tap_spec__error(obj, spec, "not an ELF file, or one without symbols:");
	else if (!um.found)
		tap_spec__error(obj, spec, "no function in the file matches");
	else
		err = 0;
out:
	free(lib);
	free(target);
	return err;
}

/*
 * uprobe_multi links came with Linux 6.6.  Older kernels load a kprobe
 * program whatever its expected attach type, and refuse the link with
 * EINVAL; newer ones look at the path first, and "/" is no regular file,
 * so only where the link type exists does the link fail with EBADF.
 */
static bool have_uprobe_multi(void)
{
	static const struct bpf_insn insns[] = {
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, lopts, .expected_attach_type = BPF_TRACE_UPROBE_MULTI);
	LIBBPF_OPTS(bpf_link_create_opts, opts, .uprobe_multi.path = "/",
		    .uprobe_multi.offsets = (unsigned long[]){ 0 }, .uprobe_multi.cnt = 1);
	static int have = -1;
	int prog, link;

	if (have >= 0)
		return have;
	have = 0;
	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "tap_probe", "GPL", insns, 2, &lopts);
	if (prog < 0)
		return false;
	link = bpf_link_create(prog, 0, BPF_TRACE_UPROBE_MULTI, &opts);
	have = link < 0 && errno == EBADF;
	if (link >= 0)
		close(link);
	close(prog);
	return have;
}

/* The uprobes of one block in one file, entries or returns. */
struct uprobe_group {
	struct runtime *rt;
	int prog_fd;
	const char *path;
	bool ret;
	int *idx;			/* event indexes */
	unsigned long *offsets;
	__u64 *cookies;
};

/* Errors that say nothing about one function: splitting would only repeat them. */
static bool refuses_all(int err)
{
	switch (err) {
	case EPERM: case EACCES: case EBADF: case ENOMEM: case E2BIG: case EFAULT:
	case EOPNOTSUPP: case EINTR:
		return true;
	default:
		return false;
	}
}

/*
 * Attach events [lo, hi) of @g with one link.  The kernel registers the
 * offsets in order and gives up at the first one it refuses, undoing the
 * others.  So a refused range is split in halves until each refused
 * function is alone: k refusals among n functions cost about 2k log2(n/k)
 * attempts, and leave that many links.  Each event's result goes to
 * rt->attach_err; a signal leaves the rest unattached.
 */
static void attach_range(struct uprobe_group *g, int lo, int hi)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .uprobe_multi.path = g->path,
		    .uprobe_multi.offsets = g->offsets + lo,
		    .uprobe_multi.cookies = g->cookies + lo,
		    .uprobe_multi.cnt = (__u32)(hi - lo),
		    .uprobe_multi.flags = g->ret ? BPF_F_UPROBE_MULTI_RETURN : 0);
	int fd, err, i, mid;

	if (tap_signals)
		return;
	fd = bpf_link_create(g->prog_fd, 0, BPF_TRACE_UPROBE_MULTI, &opts);
	err = fd < 0 ? errno : 0;
	if (fd >= 0 && runtime__add_link(g->rt, fd)) {
		close(fd);
		err = ENOMEM;
	}
	if (!err || hi - lo == 1 || refuses_all(err)) {
		for (i = lo; i < hi; i++)
			g->rt->attach_err[g->idx[i]] = -err;
		return;
	}
	mid = lo + (hi - lo) / 2;
	attach_range(g, lo, mid);
	attach_range(g, mid, hi);
}

static bool is_uprobe(const struct tap_event *ev)
{
	return ev->provider == &tap_provider_uprobe;
}

static bool same_group(const struct tap_event *a, const struct tap_event *b)
{
	return is_uprobe(b) && !b->grouped && a->prog == b->prog &&
	       a->kretprobe == b->kretprobe && !strcmp(a->path, b->path);
}

/* Event @first's group: its block's other uprobes in the file, in the same direction. */
static int attach_group_of(struct uprobe_group *g, int first)
{
	struct runtime *rt = g->rt;
	const struct tap_event *ev = &rt->evs.ev[first];
	struct tap_prog_def *prog = &rt->obj->progs[ev->prog];
	struct prog_state *ps = &rt->progs[ev->prog];
	int j, n = 0;

	if (ps->umulti_fd < 0) {
		ps->umulti_fd = runtime__load_prog_as(rt, prog, BPF_PROG_TYPE_KPROBE,
						      BPF_TRACE_UPROBE_MULTI,
						      &prog->code[TAP_CODE_KPROBE]);
		if (ps->umulti_fd < 0)
			return ps->umulti_fd;
	}
	for (j = first; j < rt->evs.nr; j++) {
		if (!same_group(ev, &rt->evs.ev[j]))
			continue;
		rt->evs.ev[j].grouped = true;
		g->idx[n] = j;
		g->offsets[n] = (unsigned long)rt->evs.ev[j].offset;
		g->cookies[n] = (__u64)j;
		n++;
	}
	g->prog_fd = ps->umulti_fd;
	g->path = ev->path;
	g->ret = ev->kretprobe;
	attach_range(g, 0, n);
	return 0;
}

/*
 * Every uprobe through uprobe_multi links: 0, or -errno if a program
 * cannot be loaded.  Without uprobe_multi links nothing is grouped, and
 * up_attach() attaches each event.
 */
static int up_attach_group(struct runtime *rt)
{
	struct uprobe_group g = { .rt = rt };
	int i, err = 0;

	for (i = 0; i < rt->evs.nr && !is_uprobe(&rt->evs.ev[i]); i++)
		;
	if (i == rt->evs.nr || !have_uprobe_multi())
		return 0;
	g.idx = calloc(rt->evs.nr, sizeof(*g.idx));
	g.offsets = calloc(rt->evs.nr, sizeof(*g.offsets));
	g.cookies = calloc(rt->evs.nr, sizeof(*g.cookies));
	if (!g.idx || !g.offsets || !g.cookies) {
		pr_err("perf tap: cannot attach uprobes: out of memory\n");
		err = -ENOMEM;
	}
	for (; i < rt->evs.nr && !err && !tap_signals; i++)
		if (is_uprobe(&rt->evs.ev[i]) && !rt->evs.ev[i].grouped)
			err = attach_group_of(&g, i);
	/* a signal: what is not attached need not be, nothing will run */
	for (i = 0; i < rt->evs.nr && !err; i++)
		rt->evs.ev[i].grouped |= is_uprobe(&rt->evs.ev[i]);
	free(g.idx);
	free(g.offsets);
	free(g.cookies);
	return err;
}

static int up_attach(struct runtime *rt, int idx)
{
	return tap_probe__attach_pmu(rt, idx, "uprobe", rt->evs.ev[idx].path,
				     rt->evs.ev[idx].offset);
}

/* "uprobe libc.so.6:malloc" */
static void up_describe(const struct tap_event *ev, char *buf, size_t size)
{
	const char *slash = strrchr(ev->path, '/');

	snprintf(buf, size, "uprobe %s:%s", slash ? slash + 1 : ev->path, ev->name);
}

const struct tap_provider tap_provider_uprobe = {
	.name = "uprobe",
	.claims = up_claims,
	.resolve = up_resolve,
	.code_kinds = tap_probe__code_kinds,
	.field_type = tap_probe__field_type,
	.attach_group = up_attach_group,
	.attach = up_attach,
	.describe = up_describe,
};
