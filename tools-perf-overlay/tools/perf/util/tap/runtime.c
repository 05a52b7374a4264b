// SPDX-License-Identifier: GPL-2.0
/*
 * Running a compiled script: maps and programs into the kernel, the
 * top-level program, attachment of every probe, the output loop, and an
 * orderly teardown that leaves no program, link or perf event behind.
 *
 * Trace blocks attach as raw tracepoints, one link per event with the
 * event index as cookie: raw tracepoint links detach without the grace
 * period per event that perf tracepoint events need.  syscalls:* events
 * are views of raw_syscalls:sys_enter/sys_exit, so a block matching any of
 * them attaches there once and dispatches on the syscall number.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/log2.h>
#include <linux/perf_event.h>

#include <api/fs/tracing_path.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "perf-sys.h"
#include "util/cap.h"
#include <perf/cpumap.h>
#include "util/machine.h"
#include "util/map.h"
#include "util/symbol.h"
#include "util/trace-event.h"
#include <linux/err.h>

#include "event.h"
#include "format.h"
#include "output.h"
#include "runtime.h"
#include "sema.h"
#include "track.h"
#include "attach.h"
#include "usym.h"

struct prog_state {
	int fd;			/* plain variant */
	int sys_fd;		/* syscalls:* variant */
	int tp_fd;		/* plain variant as a perf tracepoint program, on demand */
	int kprobe_fd;		/* as a kprobe program, for probe:FUNC events */
	int umulti_fd;		/* ... loaded for uprobe_multi links */
	int enter_base, exit_base;	/* dispatch bases in TAP_MAP_SYSCALLS, -1 if none */
};

struct runtime {
	struct tap_object *obj;
	const struct tap_run_opts *opts;
	struct tap_events evs;
	int *map_fds;
	struct prog_state *progs;
	int *links;
	int nr_links;
	int *perf_fds;
	int nr_perf_fds;
	int *attach_err;		/* per event: 0 attached, else -errno */
	int nr_bases;
	struct tap_output *out;
	struct tap_printer printer;
	pid_t child;
	int go_pipe;
	int exec_pipe;
	int child_status;
	bool child_done;
	struct machine *machine;	/* kernel symbols, loaded on first use */
	struct tep_event **formats;	/* per event, for argstr, parsed on first use */
	__u64 cpu_mask;			/* -C, 0 for every CPU */
	struct tap_usyms *usyms;	/* ustack() frames */
	struct tap_track *track;	/* ... with the mappings of processes that exit */
};

/* stack(): stacks kept; the kernel rounds the buckets up to 16384 */
#define TAP_STACK_MAP_ENTRIES	8193

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static volatile sig_atomic_t done;

/* -C: perf's CPU list syntax ("0,2-3") into a mask of online CPUs. */
static int parse_cpus(struct runtime *rt, const char *list)
{
	struct perf_cpu_map *map = perf_cpu_map__new(list);
	struct perf_cpu cpu;
	int idx;

	if (!map || perf_cpu_map__is_empty(map)) {
		fprintf(stderr, "perf tap: -C: not a CPU list: '%s'\n", list);
		perf_cpu_map__put(map);
		return -EINVAL;
	}
	perf_cpu_map__for_each_cpu(cpu, idx, map) {
		if (cpu.cpu < 0 || cpu.cpu >= 64 || tap_output__fd(rt->out, cpu.cpu) < 0) {
			fprintf(stderr, "perf tap: -C: CPU %d is not online (or above 63)\n",
				cpu.cpu);
			perf_cpu_map__put(map);
			return -EINVAL;
		}
		rt->cpu_mask |= 1ULL << cpu.cpu;
	}
	perf_cpu_map__put(map);
	return 0;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC now: gettimeofday_*() add it in BPF. */
static __u64 realtime_offset(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (__u64)((real.tv_sec - mono.tv_sec) * 1000000000LL +
		       (real.tv_nsec - mono.tv_nsec));
}

/*
 * argstr: format the event with libtraceevent, exactly as perf script
 * prints a tracepoint's fields.  At raw_syscalls the record is rebuilt
 * from pt_regs: __syscall_nr, then the six arguments, or the return value
 * for a sys_exit event, as the syscalls:* events lay them out.
 */
static void format_event(void *arg, int cpu, const void *data, FILE *fp)
{
	/* offsetof(struct pt_regs, di, si, dx, r10, r8, r9) on x86_64 */
	static const int regs_off[] = { 112, 104, 96, 56, 72, 64 };
	struct runtime *rt = arg;
	const unsigned char *d = data;
	__u32 idx, kind;
	struct tap_event *ev;
	struct tep_event *tp;
	unsigned char rec[64];
	int i, size;

	memcpy(&idx, d, 4);
	memcpy(&kind, d + 4, 4);
	if (idx >= (__u32)rt->evs.nr || kind == TAP_ARGSTR_NONE)
		return;
	ev = &rt->evs.ev[idx];
	if (!rt->formats)
		rt->formats = calloc(rt->evs.nr, sizeof(*rt->formats));
	if (!rt->formats)
		return;
	if (!rt->formats[idx]) {
		tp = trace_event__tp_format(ev->sys, ev->name);
		if (IS_ERR_OR_NULL(tp))
			return;
		rt->formats[idx] = tp;
	}
	tp = rt->formats[idx];
	if (kind == TAP_ARGSTR_RECORD) {
		unsigned char full[TAP_ARGSTR_DATA];

		/*
		 * The kernel hands BPF the record with its first 8 bytes (the
		 * common fields) replaced by a pt_regs pointer: put the type back.
		 */
		memcpy(full, d + 8, sizeof(full));
		memset(full, 0, 8);
		memcpy(full, &(__u16){ (__u16)tp->id }, 2);
		event_format__fprintf(tp, cpu, full, sizeof(full), fp);
		return;
	}
	memset(rec, 0, sizeof(rec));
	memcpy(rec, &(__u16){ (__u16)tp->id }, 2);
	memcpy(rec + 8, &ev->syscall_nr, 4);
	if (ev->sys_exit) {
		memcpy(rec + 16, d + 8 + 80, 8);	/* ax */
		size = 24;
	} else {
		for (i = 0; i < 6; i++)
			memcpy(rec + 16 + 8 * i, d + 8 + regs_off[i], 8);
		size = 64;
	}
	event_format__fprintf(tp, cpu, rec, size, fp);
}

static const char *symbolize_user(void *arg, int pid, u64 addr, char *buf, size_t size)
{
	struct runtime *rt = arg;

	if (!rt->usyms)
		rt->usyms = tap_usyms__new();
	if (!rt->usyms) {
		snprintf(buf, size, "0x%llx", (unsigned long long)addr);
		return buf;
	}
	return tap_usyms__name(rt->usyms, pid, addr, buf, size);
}

/* "function+0xoff" for a kernel address, with perf's kernel symbol maps. */
static const char *symbolize_kernel(void *arg, u64 addr, char *buf, size_t size)
{
	struct runtime *rt = arg;
	struct map *map = NULL;
	struct symbol *sym = NULL;

	if (!rt->machine) {
		symbol__init(NULL);
		rt->machine = machine__new_host();
	}
	if (rt->machine)
		sym = machine__find_kernel_symbol(rt->machine, addr, &map);
	if (!sym)
		snprintf(buf, size, "0x%llx", (unsigned long long)addr);
	else
		snprintf(buf, size, "%s+0x%llx", sym->name,
			 (unsigned long long)(map__map_ip(map, addr) - sym->start));
	return buf;
}

/* Loading tracing programs needs CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON. */
static bool may_trace(void)
{
	bool used_root;

	if (perf_cap__capable(CAP_SYS_ADMIN, &used_root))
		return true;
	return perf_cap__capable(CAP_BPF, &used_root) &&
	       perf_cap__capable(CAP_PERFMON, &used_root);
}

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
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

/* ---- maps -------------------------------------------------------------- */

static int create_maps(struct runtime *rt)
{
	struct tap_object *obj = rt->obj;
	int i;

	obj->maps[TAP_MAP_EVENTS].max_entries = (unsigned int)tap_output__nr_cpus(rt->out);
	obj->maps[TAP_MAP_SCRATCH].value_size = obj->scratch_size;
	obj->maps[TAP_MAP_SCRATCH].max_entries = (unsigned int)obj->nr_progs;
	obj->maps[TAP_MAP_PROBENAMES].max_entries = rt->evs.nr ? (unsigned int)rt->evs.nr : 1;
	obj->maps[TAP_MAP_SYSCALLS].max_entries =
		rt->nr_bases ? (unsigned int)rt->nr_bases * TAP_SYSCALL_SLOTS : 1;
	/*
	 * A stack map has a power of two of hash buckets, one stack each, and
	 * preallocates max_entries stacks: 8193 stacks (8 MB) get 16384 buckets,
	 * half the collisions of 8192, for the memory of one more stack.
	 */
	obj->maps[TAP_MAP_STACKS].max_entries = obj->uses_stacks ? TAP_STACK_MAP_ENTRIES : 1;
	obj->maps[TAP_MAP_FIELDS].max_entries = obj->nr_fields && rt->evs.nr ?
		(unsigned int)(rt->evs.nr * obj->nr_fields) : 1;

	rt->map_fds = calloc(obj->nr_maps, sizeof(int));
	if (!rt->map_fds)
		return -ENOMEM;
	for (i = 0; i < obj->nr_maps; i++)
		rt->map_fds[i] = -1;
	for (i = 0; i < obj->nr_maps; i++) {
		struct tap_map_def *m = &obj->maps[i];
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = m->flags);

		rt->map_fds[i] = bpf_map_create(m->type, m->name, m->key_size, m->value_size,
						m->max_entries, &opts);
		/* read-only data (sprintf formats): written once, then frozen */
		if (rt->map_fds[i] >= 0 && m->data &&
		    (bpf_map_update_elem(rt->map_fds[i], &(__u32){ 0 }, m->data, BPF_ANY) ||
		     bpf_map_freeze(rt->map_fds[i]))) {
			int err = errno;

			close(rt->map_fds[i]);
			rt->map_fds[i] = -1;
			errno = err;
		}
		if (rt->map_fds[i] < 0) {
			int err = errno;

			if (err == EPERM)
				fprintf(stderr, "perf tap: permission denied: loading BPF needs "
					"root, or CAP_BPF and CAP_PERFMON\n");
			else
				fprintf(stderr, "perf tap: cannot create BPF map '%s': %s\n",
					m->name, strerror(err));
			return -err;
		}
	}
	return 0;
}

/*
 * The address of kernel symbol @name (data symbols need CONFIG_KALLSYMS_ALL):
 * -ENOENT if it is not listed, -EACCES if its address is hidden.
 */
static int kallsyms_address(const char *name, __u64 *addr)
{
	char line[512], sym[256], type;
	unsigned long long a;
	FILE *fp = fopen("/proc/kallsyms", "r");
	int err = -ENOENT;

	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && !strcmp(sym, name)) {
			*addr = a;
			err = a ? 0 : -EACCES;
			break;
		}
	}
	fclose(fp);
	return err;
}

/* Why kernel_v(@name) has no address, in one sentence. */
static void kernel_v_error(const char *name, int err)
{
	__u64 addr;

	if (err == -EACCES)
		fprintf(stderr, "perf tap: kernel_v(\"%s\"): /proc/kallsyms hides kernel "
			"addresses from this user (kernel.kptr_restrict)\n", name);
	else if (err != -ENOENT)
		fprintf(stderr, "perf tap: kernel_v(\"%s\"): cannot read /proc/kallsyms: %s\n",
			name, strerror(-err));
	else if (kallsyms_address("init_task", &addr) == -ENOENT)
		/* a data symbol every kernel has: this one lists functions only */
		fprintf(stderr, "perf tap: kernel_v(\"%s\"): no such symbol in /proc/kallsyms, "
			"which lists no data symbols on this kernel (built without "
			"CONFIG_KALLSYMS_ALL)\n", name);
	else
		fprintf(stderr, "perf tap: kernel_v(\"%s\"): no such symbol in /proc/kallsyms\n",
			name);
}

static int fill_maps(struct runtime *rt)
{
	struct tap_object *obj = rt->obj;
	char *name = calloc(1, obj->str_size);
	int i, cpu, err = 0;

	if (!name)
		return -ENOMEM;
	for (i = 0; i < rt->evs.nr && !err; i++) {
		__u32 key = (__u32)i;

		memset(name, 0, obj->str_size);
		snprintf(name, obj->str_size, "%s", rt->evs.ev[i].name);
		err = bpf_map_update_elem(rt->map_fds[TAP_MAP_PROBENAMES], &key, name, BPF_ANY);
	}
	for (i = 0; i < rt->evs.nr && !err; i++) {
		struct tap_event *ev = &rt->evs.ev[i];
		struct prog_state *ps = &rt->progs[ev->prog];
		__u32 key, val = (__u32)i + 1;

		if (ev->syscall_nr < 0)
			continue;
		key = (__u32)((ev->sys_exit ? ps->exit_base : ps->enter_base) *
			      TAP_SYSCALL_SLOTS + ev->syscall_nr);
		err = bpf_map_update_elem(rt->map_fds[TAP_MAP_SYSCALLS], &key, &val, BPF_ANY);
	}
	/* arg.NAME: where each field is in each event */
	for (i = 0; i < rt->evs.nr * obj->nr_fields && !err; i++) {
		struct tap_field f;
		__u32 key = (__u32)i;

		tap_events__field(&rt->evs.ev[i / obj->nr_fields], obj->fields[i % obj->nr_fields],
				  &f);
		if (f.kind)
			err = bpf_map_update_elem(rt->map_fds[TAP_MAP_FIELDS], &key, &f, BPF_ANY);
	}
	/* kernel_v(): the symbols' addresses, from /proc/kallsyms */
	if (obj->nr_ksyms) {
		__u64 *addrs = calloc(obj->nr_ksyms, sizeof(*addrs));
		__u32 key = 0;

		for (i = 0; addrs && i < obj->nr_ksyms; i++) {
			err = kallsyms_address(obj->ksyms[i], &addrs[i]);
			if (err) {
				kernel_v_error(obj->ksyms[i], err);
				free(addrs);
				free(name);
				return -1;
			}
		}
		err = addrs ? bpf_map_update_elem(rt->map_fds[TAP_MAP_KSYMS], &key, addrs,
						  BPF_ANY) : -1;
		free(addrs);
	}
	for (cpu = 0; cpu < tap_output__nr_cpus(rt->out) && !err; cpu++) {
		int fd = tap_output__fd(rt->out, cpu);
		__u32 key = (__u32)cpu;

		if (fd >= 0)
			err = bpf_map_update_elem(rt->map_fds[TAP_MAP_EVENTS], &key, &fd, BPF_ANY);
	}
	free(name);
	if (err)
		fprintf(stderr, "perf tap: cannot fill BPF maps: %s\n", strerror(errno));
	return err ? -1 : 0;
}

static int set_global(struct runtime *rt, unsigned int offset, __u64 value)
{
	char *buf = calloc(1, rt->obj->globals_size);
	__u32 key = 0;
	int err;

	if (!buf)
		return -ENOMEM;
	err = bpf_map_lookup_elem(rt->map_fds[TAP_MAP_GLOBALS], &key, buf);
	if (!err) {
		memcpy(buf + offset, &value, sizeof(value));
		err = bpf_map_update_elem(rt->map_fds[TAP_MAP_GLOBALS], &key, buf, BPF_ANY);
	}
	free(buf);
	return err;
}

static __u64 get_global(struct runtime *rt, unsigned int offset)
{
	char *buf = calloc(1, rt->obj->globals_size);
	__u32 key = 0;
	__u64 value = 0;

	if (buf && !bpf_map_lookup_elem(rt->map_fds[TAP_MAP_GLOBALS], &key, buf))
		memcpy(&value, buf + offset, sizeof(value));
	free(buf);
	return value;
}

/* ---- programs ---------------------------------------------------------- */

/* The instruction index the verifier stopped at: its last "N: (" line. */
static int verifier_insn(const char *log)
{
	const char *line = log;
	int last = -1, n;

	while (line && *line) {
		if (sscanf(line, "%d: (", &n) == 1 || sscanf(line, "unreachable insn %d", &n) == 1)
			last = n;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return last;
}

/* The verifier's complaint: its last log line but the statistics. */
static const char *last_log_line(char *log)
{
	char *end = log + strlen(log), *line;

	for (;;) {
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			*--end = 0;
		line = end;
		while (line > log && line[-1] != '\n')
			line--;
		if (line == log || (strncmp(line, "processed ", 10) &&
				    strncmp(line, "verification time", 17) &&
				    strncmp(line, "stack depth", 11)))
			return line;
		end = line;
	}
}

/* Byte offset of member @name in struct/union @t, looking into anonymous members. */
static int btf_member_offset(const struct btf *btf, const struct btf_type *t, const char *name)
{
	const struct btf_member *m = btf_members(t);
	int k, off;

	if (!btf_is_composite(t))
		return -1;
	for (k = 0; k < btf_vlen(t); k++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);

		if (mname && !strcmp(mname, name))
			return (int)(m->offset / 8);
		if (mname && *mname)
			continue;
		off = btf_member_offset(btf, btf__type_by_id(btf, m->type), name);
		if (off >= 0)
			return (int)(m->offset / 8) + off;
	}
	return -1;
}

/*
 * in_interrupt(): patch the per-CPU variable holding the preempt count
 * and the count's offset in it, from the running kernel's BTF.
 */
static int relocate_btf_vars(struct bpf_insn *insns, unsigned int cnt)
{
	static struct btf *vmlinux;
	static int var_id = -1, off = -1;
	static const char *var_name;
	unsigned int i;
	__u64 addr;

	for (i = 0; i + 1 < cnt; i++) {
		if (insns[i].code != (BPF_LD | BPF_DW | BPF_IMM) ||
		    insns[i].src_reg != BPF_PSEUDO_BTF_ID || insns[i].imm != TAP_RELOC_PREEMPT_VAR)
			continue;
		if (var_id < 0) {
			if (!vmlinux)
				vmlinux = btf__load_vmlinux_btf();
			if (libbpf_get_error(vmlinux))
				return -1;
			var_id = btf__find_by_name_kind(vmlinux, "__preempt_count", BTF_KIND_VAR);
			var_name = "__preempt_count";
			off = 0;
			if (var_id < 0) {
				/* older x86: a member of struct pcpu_hot */
				const struct btf_type *t;

				var_name = "pcpu_hot";
				var_id = btf__find_by_name_kind(vmlinux, "pcpu_hot", BTF_KIND_VAR);
				if (var_id < 0)
					return -1;
				t = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, var_id)->type);
				off = btf_member_offset(vmlinux, t, "preempt_count");
				if (off < 0)
					return -1;
			}
		}
		/* the kernel resolves the variable by name in kallsyms */
		if (kallsyms_address(var_name, &addr))
			return -1;
		insns[i].imm = var_id;
		/* the load of the count follows the bpf_this_cpu_ptr call */
		for (; i < cnt; i++)
			if (BPF_CLASS(insns[i].code) == BPF_LDX &&
			    insns[i].off == TAP_RELOC_PREEMPT_OFF) {
				insns[i].off = (__s16)off;
				break;
			}
	}
	return 0;
}

/*
 * Programs with callbacks (BPF subprograms) must describe their functions
 * in BTF: one FUNC per subprogram, the callbacks static.  All arguments are
 * plain 64-bit integers; the verifier types callback arguments itself.
 */
static struct btf *funcs_btf(const unsigned int *offs, int nr, struct bpf_func_info **info)
{
	struct btf *btf = btf__new_empty();
	int i, id_long, proto_main, proto_cb, fn;
	char name[32];

	*info = calloc(nr, sizeof(**info));
	if (!btf || !*info)
		goto fail;
	id_long = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	proto_main = btf__add_func_proto(btf, id_long);
	if (id_long < 0 || proto_main < 0 || btf__add_func_param(btf, "ctx", id_long))
		goto fail;
	proto_cb = btf__add_func_proto(btf, id_long);
	if (proto_cb < 0 || btf__add_func_param(btf, "map", id_long) ||
	    btf__add_func_param(btf, "key", id_long) ||
	    btf__add_func_param(btf, "value", id_long) ||
	    btf__add_func_param(btf, "ctx", id_long))
		goto fail;
	for (i = 0; i < nr; i++) {
		snprintf(name, sizeof(name), i ? "tap_callback_%d" : "tap_prog", i);
		fn = btf__add_func(btf, name, i ? BTF_FUNC_STATIC : BTF_FUNC_GLOBAL,
				   i ? proto_cb : proto_main);
		if (fn < 0)
			goto fail;
		(*info)[i].insn_off = offs[i];
		(*info)[i].type_id = (__u32)fn;
	}
	if (btf__load_into_kernel(btf))
		goto fail;
	return btf;
fail:
	btf__free(btf);
	free(*info);
	*info = NULL;
	return NULL;
}

static int load_prog_as(struct runtime *rt, struct tap_prog_def *prog, enum bpf_prog_type type,
			enum bpf_attach_type attach, const struct tap_code *code)
{
	const struct bpf_insn *insns = code->insns;
	const unsigned int *func_off = code->func_off;
	unsigned int cnt = code->cnt;
	int nr_funcs = code->nr_funcs;
	const int *lines = code->lines;
	struct bpf_func_info *info = NULL;
	struct btf *btf = NULL;
	struct bpf_insn *copy = malloc(cnt * sizeof(*copy));
	LIBBPF_OPTS(bpf_prog_load_opts, lopts, .expected_attach_type = attach);
	size_t log_size = 1 << 22;
	char *log = NULL;
	unsigned int i;
	int fd, insn;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, insns, cnt * sizeof(*copy));
	if (relocate_btf_vars(copy, cnt)) {
		fprintf(stderr, "perf tap: in_interrupt() needs the kernel's BTF and per-CPU "
			"symbols in kallsyms (CONFIG_KALLSYMS_ALL), which this kernel lacks\n");
		free(copy);
		return -ENOENT;
	}
	if (nr_funcs > 1) {
		btf = funcs_btf(func_off, nr_funcs, &info);
		if (!btf) {
			fprintf(stderr, "perf tap: cannot load BTF for %s: %s\n", prog->name,
				strerror(errno));
			free(copy);
			return -EINVAL;
		}
		lopts.prog_btf_fd = (__u32)btf__fd(btf);
		lopts.func_info = info;
		lopts.func_info_cnt = (__u32)nr_funcs;
		lopts.func_info_rec_size = sizeof(*info);
	}
	for (i = 0; i < cnt; i++) {
		if (copy[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    (copy[i].src_reg == BPF_PSEUDO_MAP_FD ||
		     copy[i].src_reg == BPF_PSEUDO_MAP_VALUE))
			copy[i].imm = rt->map_fds[copy[i].imm];
	}
	fd = bpf_prog_load(type, prog->name, "GPL", copy, cnt, &lopts);
	if (fd >= 0 || errno == EPERM)
		goto out;
	/* again with the verifier's log, to say which script line it refused */
	log = calloc(1, log_size);
	if (log) {
		lopts.log_buf = log;
		lopts.log_size = (__u32)log_size;
		lopts.log_level = 1;
		fd = bpf_prog_load(type, prog->name, "GPL", copy, cnt, &lopts);
	}
	if (fd >= 0)
		goto out;
	insn = log ? verifier_insn(log) : -1;
	if (rt->opts->verbose && log)
		fprintf(stderr, "%s\n", log);
	if (insn >= 0 && insn < (int)cnt)
		fprintf(stderr, "%s:%d: error: the kernel's BPF verifier rejected the code for "
			"this line: %s%s\n", rt->obj->c->file, lines[insn],
			log ? last_log_line(log) : strerror(errno),
			rt->opts->verbose ? "" : " (-v shows the verifier log)");
	else if (log && *last_log_line(log))
		/* refused before any instruction was checked: the log says why */
		fprintf(stderr, "%s:%d: error: the kernel refused the BPF program of this "
			"block: %s%s\n", rt->obj->c->file, prog->node ? prog->node->line : 1,
			last_log_line(log), rt->opts->verbose ? "" : " (-v shows the verifier log)");
	else
		fprintf(stderr, "perf tap: cannot load the program for %s: %s\n", prog->name,
			strerror(errno));
	fd = -EINVAL;
out:
	if (fd < 0 && errno == EPERM) {
		fprintf(stderr, "perf tap: permission denied: loading BPF needs root, "
			"or CAP_BPF and CAP_PERFMON\n");
		fd = -EPERM;
	}
	free(log);
	free(copy);
	free(info);
	btf__free(btf);	/* the program holds its own reference */
	return fd;
}

static int load_prog(struct runtime *rt, struct tap_prog_def *prog, enum bpf_prog_type type,
		     const struct tap_code *code)
{
	return load_prog_as(rt, prog, type, 0, code);
}

/* Which variants each program needs, and its syscall dispatch bases. */
static void plan_progs(struct runtime *rt)
{
	int i;

	for (i = 0; i < rt->obj->nr_progs; i++) {
		rt->progs[i].fd = rt->progs[i].sys_fd = rt->progs[i].tp_fd = -1;
		rt->progs[i].kprobe_fd = rt->progs[i].umulti_fd = -1;
		rt->progs[i].enter_base = rt->progs[i].exit_base = -1;
	}
	for (i = 0; i < rt->evs.nr; i++) {
		struct tap_event *ev = &rt->evs.ev[i];
		struct prog_state *ps = &rt->progs[ev->prog];

		if (ev->syscall_nr < 0)
			continue;
		if (ev->sys_exit && ps->exit_base < 0)
			ps->exit_base = rt->nr_bases++;
		if (!ev->sys_exit && ps->enter_base < 0)
			ps->enter_base = rt->nr_bases++;
	}
}

static bool needs_plain(struct runtime *rt, int prog)
{
	int i;

	if (rt->obj->progs[prog].kind != TAP_PROG_TRACE)
		return true;
	for (i = 0; i < rt->evs.nr; i++)
		if (rt->evs.ev[i].prog == prog && rt->evs.ev[i].syscall_nr < 0)
			return true;
	return false;
}

static int load_progs(struct runtime *rt)
{
	int i;

	for (i = 0; i < rt->obj->nr_progs; i++) {
		struct tap_prog_def *prog = &rt->obj->progs[i];
		struct prog_state *ps = &rt->progs[i];

		if (needs_plain(rt, i) || rt->opts->verify_only) {
			ps->fd = load_prog(rt, prog, prog->kind == TAP_PROG_TIMER ?
					   BPF_PROG_TYPE_PERF_EVENT : BPF_PROG_TYPE_RAW_TRACEPOINT,
					   &prog->code[TAP_CODE_RAW]);
			if (ps->fd < 0)
				return ps->fd;
		}
		if (ps->enter_base >= 0 || ps->exit_base >= 0 ||
		    (rt->opts->verify_only && prog->code[TAP_CODE_SYSCALL].insns)) {
			ps->sys_fd = load_prog(rt, prog, BPF_PROG_TYPE_RAW_TRACEPOINT,
					       &prog->code[TAP_CODE_SYSCALL]);
			if (ps->sys_fd < 0)
				return ps->sys_fd;
		}
		if (rt->opts->verify_only && prog->kind == TAP_PROG_TRACE &&
		    !access("/sys/bus/event_source/devices/kprobe", F_OK)) {
			ps->kprobe_fd = load_prog(rt, prog, BPF_PROG_TYPE_KPROBE,
						  &prog->code[TAP_CODE_KPROBE]);
			if (ps->kprobe_fd < 0)
				return ps->kprobe_fd;
		}
		if (rt->opts->verify_only && prog->kind == TAP_PROG_TRACE) {
			/* as a perf tracepoint program too, as the slow path loads it */
			ps->tp_fd = load_prog(rt, prog, BPF_PROG_TYPE_TRACEPOINT,
					      &prog->code[TAP_CODE_PERF_TP]);
			if (ps->tp_fd < 0)
				return ps->tp_fd;
		}
	}
	return 0;
}

/* ---- attaching --------------------------------------------------------- */

static int attach_raw(struct runtime *rt, int prog_fd, const char *tp, __u64 cookie)
{
	LIBBPF_OPTS(bpf_raw_tp_opts, ropts, .tp_name = tp, .cookie = cookie);
	int fd = bpf_raw_tracepoint_open_opts(prog_fd, &ropts);

	if (fd < 0)
		return -errno;
	return add_fd(&rt->links, &rt->nr_links, fd);
}

/* Open a perf event on @cpu (all tasks) and link @prog_fd to it. */
static int attach_perf_event(struct runtime *rt, struct perf_event_attr *attr, int cpu,
			     int prog_fd, __u64 cookie)
{
	LIBBPF_OPTS(bpf_link_create_opts, lopts, .perf_event.bpf_cookie = cookie);
	int pfd, link;

	pfd = sys_perf_event_open(attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (add_fd(&rt->perf_fds, &rt->nr_perf_fds, pfd)) {
		close(pfd);
		return -ENOMEM;
	}
	link = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, &lopts);
	if (link < 0)
		return -errno;
	if (add_fd(&rt->links, &rt->nr_links, link)) {
		close(link);
		return -ENOMEM;
	}
	return 0;
}

/*
 * The slow path: a perf tracepoint event with the block loaded as a
 * tracepoint program.  For events raw tracepoints cannot reach, such as
 * syscalls:* views of syscalls this perf has no number for.  Closing one
 * costs the kernel a grace period, so only a few events should take it.
 */
static int attach_perf_tracepoint(struct runtime *rt, int idx)
{
	struct tap_event *ev = &rt->evs.ev[idx];
	struct tap_prog_def *prog = &rt->obj->progs[ev->prog];
	struct prog_state *ps = &rt->progs[ev->prog];
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
	};
	char path[256], *file;
	FILE *fp;
	int err;

	if (ps->tp_fd < 0) {
		ps->tp_fd = load_prog(rt, prog, BPF_PROG_TYPE_TRACEPOINT,
				      &prog->code[TAP_CODE_PERF_TP]);
		if (ps->tp_fd < 0)
			return ps->tp_fd;
	}
	snprintf(path, sizeof(path), "%s/%s/id", ev->sys, ev->name);
	file = get_events_file(path);
	fp = file ? fopen(file, "r") : NULL;
	put_events_file(file);
	if (!fp)
		return -ENOENT;
	err = fscanf(fp, "%llu", (unsigned long long *)&attr.config) == 1 ? 0 : -EINVAL;
	fclose(fp);
	if (err)
		return err;
	return attach_perf_event(rt, &attr, 0, ps->tp_fd, (__u64)idx);
}

/* A sysfs number of the kprobe or uprobe PMU: its type, or the retprobe bit. */
static int probe_pmu_value(const char *pmu, const char *file, const char *prefix)
{
	char path[256];
	int value = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/%s", pmu, file);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	if (prefix) {
		char buf[64];

		if (fgets(buf, sizeof(buf), fp) && !strncmp(buf, prefix, strlen(prefix)))
			value = atoi(buf + strlen(prefix));
	} else if (fscanf(fp, "%d", &value) != 1) {
		value = -1;
	}
	fclose(fp);
	return value;
}

/*
 * probe:FUNC through the kprobe PMU, probe:/PATH:SYM through the uprobe
 * PMU (both run kprobe programs on pt_regs): perf_event_open creates the probe
 * and closing the event removes it, so nothing is left in kprobe_events
 * whatever happens to perf.
 */
static int attach_kprobe(struct runtime *rt, int idx)
{
	struct tap_event *ev = &rt->evs.ev[idx];
	struct tap_prog_def *prog = &rt->obj->progs[ev->prog];
	struct prog_state *ps = &rt->progs[ev->prog];
	const char *pmu = ev->path ? "uprobe" : "kprobe";
	int type = probe_pmu_value(pmu, "type", NULL);
	int retbit = probe_pmu_value(pmu, "format/retprobe", "config:");
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.sample_period = 1,
	};

	if (type < 0 || (ev->kretprobe && retbit < 0))
		return -ENOENT;
	attr.type = (__u32)type;
	if (ev->path) {
		attr.config1 = (__u64)(unsigned long)ev->path;	/* uprobe_path */
		attr.config2 = ev->offset;			/* probe_offset */
	} else {
		attr.config1 = (__u64)(unsigned long)ev->name;	/* kprobe_func */
		attr.config2 = 0;				/* probe_offset */
	}
	if (ev->kretprobe)
		attr.config = 1ULL << retbit;
	if (ps->kprobe_fd < 0) {
		ps->kprobe_fd = load_prog(rt, prog, BPF_PROG_TYPE_KPROBE,
					  &prog->code[TAP_CODE_KPROBE]);
		if (ps->kprobe_fd < 0)
			return ps->kprobe_fd;
	}
	return attach_perf_event(rt, &attr, 0, ps->kprobe_fd, (__u64)idx);
}

static int attach_timer(struct runtime *rt, int idx, struct tap_prog_def *prog, int prog_fd)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = (__u64)prog->period_ns,
		.disabled = 0,
	};
	int ncpus = tap_output__nr_cpus(rt->out);
	int cpu, err, started = 0;

	for (cpu = 0; cpu < ncpus && (prog->profile || !started); cpu++) {
		if (tap_output__fd(rt->out, cpu) < 0)
			continue;	/* offline */
		if (rt->cpu_mask && (cpu >= 64 || !(rt->cpu_mask & (1ULL << cpu))))
			continue;	/* not chosen with -C */
		started++;
		err = attach_perf_event(rt, &attr, cpu, prog_fd, (__u64)idx);
		if (err)
			return err;
	}
	return 0;
}

/* tap_uprobe_ops for tap_uprobes__attach */
static int uprobe_prog_fd(void *arg, int prog)
{
	struct runtime *rt = arg;
	struct prog_state *ps = &rt->progs[prog];

	if (ps->umulti_fd < 0)
		ps->umulti_fd = load_prog_as(rt, &rt->obj->progs[prog], BPF_PROG_TYPE_KPROBE,
					     BPF_TRACE_UPROBE_MULTI,
					     &rt->obj->progs[prog].code[TAP_CODE_KPROBE]);
	return ps->umulti_fd;
}

static int uprobe_add_link(void *arg, int fd)
{
	struct runtime *rt = arg;
	int err = add_fd(&rt->links, &rt->nr_links, fd);

	if (err)
		close(fd);
	return err;
}

static void uprobe_result(void *arg, int idx, int err)
{
	struct runtime *rt = arg;

	rt->attach_err[idx] = err;
}

static int attach_all(struct runtime *rt)
{
	struct tap_uprobe_ops uops = {
		.prog_fd = uprobe_prog_fd, .add_link = uprobe_add_link,
		.result = uprobe_result, .arg = rt,
	};
	int i, err, multi;

	rt->attach_err = calloc(rt->evs.nr ?: 1, sizeof(*rt->attach_err));
	if (!rt->attach_err)
		return -ENOMEM;
	for (i = 0; i < rt->obj->nr_progs; i++) {
		struct prog_state *ps = &rt->progs[i];

		if (ps->enter_base >= 0) {
			err = attach_raw(rt, ps->sys_fd, "sys_enter",
					 TAP_COOKIE_SYSCALL | (__u64)ps->enter_base * TAP_SYSCALL_SLOTS);
			if (err)
				goto fail_sys;
		}
		if (ps->exit_base >= 0) {
			err = attach_raw(rt, ps->sys_fd, "sys_exit",
					 TAP_COOKIE_SYSCALL | (1ULL << 30) |
					 (__u64)ps->exit_base * TAP_SYSCALL_SLOTS);
			if (err)
				goto fail_sys;
		}
	}
	/* uprobes: a few uprobe_multi links, else one perf event each below */
	multi = tap_uprobes__attach(&rt->evs, &uops);
	if (multi && multi != -EOPNOTSUPP)
		return multi;
	for (i = 0; i < rt->evs.nr; i++) {
		struct tap_event *ev = &rt->evs.ev[i];
		struct tap_prog_def *prog = &rt->obj->progs[ev->prog];

		if (prog->kind == TAP_PROG_TIMER) {
			err = attach_timer(rt, i, prog, rt->progs[ev->prog].fd);
			if (err) {
				fprintf(stderr, "perf tap: cannot start timer %s: %s\n", ev->name,
					strerror(-err));
				return err;
			}
			continue;
		}
		if (ev->syscall_nr >= 0 || (ev->path && !multi))
			continue;
		if (ev->kprobe || ev->path) {
			rt->attach_err[i] = attach_kprobe(rt, i);
			continue;
		}
		/* argstr needs the event's record: only perf tracepoints have it */
		if (!strcmp(ev->sys, "syscalls") || prog->uses_argstr)
			err = attach_perf_tracepoint(rt, i);
		else
			err = attach_raw(rt, rt->progs[ev->prog].fd, ev->name, (__u64)i);
		if (err == -ENOENT && strcmp(ev->sys, "syscalls"))
			err = attach_perf_tracepoint(rt, i);
		rt->attach_err[i] = err;
	}
	return tap_attach__check(rt->obj, &rt->evs, rt->attach_err, rt->opts->verbose);
fail_sys:
	fprintf(stderr, "perf tap: cannot attach to raw_syscalls: %s\n", strerror(-err));
	return err;
}

static void detach_all(struct runtime *rt)
{
	int i;

	for (i = 0; i < rt->nr_links; i++)
		close(rt->links[i]);
	rt->nr_links = 0;
	for (i = 0; i < rt->nr_perf_fds; i++)
		close(rt->perf_fds[i]);
	rt->nr_perf_fds = 0;
}

/* ---- the workload ------------------------------------------------------ */

/* Fork the command stopped before exec, so its pid can be the target first. */
static int prepare_workload(struct runtime *rt)
{
	int go[2], failed[2];

	if (pipe(go) < 0)
		return -errno;
	/* closed by a successful exec; carries errno if exec fails */
	if (pipe2(failed, O_CLOEXEC) < 0) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	rt->child = fork();
	if (rt->child < 0) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	if (!rt->child) {
		char c;

		close(go[1]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		close(failed[0]);
		execvp(rt->opts->argv[0], (char *const *)rt->opts->argv);
		c = (char)errno;
		if (write(failed[1], &c, 1) != 1)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(failed[1]);
	rt->go_pipe = go[1];
	rt->exec_pipe = failed[0];
	return 0;
}

static int start_workload(struct runtime *rt)
{
	char err;

	if (rt->go_pipe < 0)
		return 0;
	if (write(rt->go_pipe, "g", 1) != 1)
		fprintf(stderr, "perf tap: cannot start the workload\n");
	close(rt->go_pipe);
	rt->go_pipe = -1;
	if (read(rt->exec_pipe, &err, 1) == 1) {
		fprintf(stderr, "perf tap: cannot run '%s': %s\n", rt->opts->argv[0],
			strerror(err));
		return -ENOENT;
	}
	return 0;
}

static void reap_workload(struct runtime *rt, bool wait)
{
	if (rt->child <= 0 || rt->child_done)
		return;
	if (waitpid(rt->child, &rt->child_status, wait ? 0 : WNOHANG) == rt->child)
		rt->child_done = true;
}

/* ---- running ----------------------------------------------------------- */

static int drain(struct runtime *rt)
{
	int n;

	/* mappings first: the records may name code mapped just before */
	tap_track__drain(rt->track);
	n = tap_output__drain(rt->out, tap_print_record, &rt->printer);

	fflush(rt->printer.fp);
	return n;
}

static int run_once(struct runtime *rt, int prog)
{
	__u64 ctx[2] = { 0, 0 };
	LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = ctx, .ctx_size_in = sizeof(ctx));
	int fd = rt->progs[prog].fd;

	if (bpf_prog_test_run_opts(fd, &topts)) {
		fprintf(stderr, "perf tap: cannot run %s: %s\n", rt->obj->progs[prog].name,
			strerror(errno));
		return -errno;
	}
	drain(rt);
	return 0;
}

static void trace_loop(struct runtime *rt)
{
	/* a script without probes or timers is done after its top-level code */
	if (!rt->evs.nr && rt->child <= 0)
		return;
	while (!done && !rt->printer.exited) {
		tap_output__poll(rt->out, 100);
		drain(rt);
		/* keep the target's mappings for ustack(): it may exit before they print */
		if (rt->obj->uses_stacks && (rt->child > 0 || rt->opts->pid > 0)) {
			if (!rt->usyms)
				rt->usyms = tap_usyms__new();
			if (rt->usyms)
				tap_usyms__snapshot(rt->usyms, rt->child > 0 ? rt->child :
						    rt->opts->pid);
		}
		if (rt->child > 0) {
			reap_workload(rt, false);
			if (rt->child_done)
				break;
		} else if (rt->opts->pid > 0 && kill(rt->opts->pid, 0) && errno == ESRCH) {
			break;
		}
	}
}

/*
 * stack() values that hold no stack.  Without BPF_F_REUSE_STACKID (which
 * would hand the id of a stored stack to a new one, so that table keys
 * taken earlier print the wrong frames) a stack whose hash bucket holds
 * another stack is not kept: bpf_get_stackid() returns -EEXIST.
 */
static void report_lost_stacks(struct runtime *rt)
{
	/* counted in BPF: every sample, not only the values printed */
	unsigned long long collided = get_global(rt, TAP_G_STACKLOST);

	if (collided)
		fprintf(stderr, "perf tap: warning: %llu stacks were lost to hash collisions in the "
			"stack map (%u buckets)\n", collided,
			(unsigned int)roundup_pow_of_two(TAP_STACK_MAP_ENTRIES));
	if (rt->printer.stacks_full)
		fprintf(stderr, "perf tap: warning: %llu of the stack values printed were lost "
			"because the stack map was full (%u stacks)\n",
			(unsigned long long)rt->printer.stacks_full, TAP_STACK_MAP_ENTRIES);
	if (tap_track__lost(rt->track))
		fprintf(stderr, "perf tap: warning: %llu reports of processes' mappings were lost: "
			"some user stack frames may show addresses only\n",
			(unsigned long long)tap_track__lost(rt->track));
	if (rt->printer.stacks_other)
		fprintf(stderr, "perf tap: warning: %llu of the stack values printed hold no "
			"stack (shown as [stack lost: ...])\n",
			(unsigned long long)rt->printer.stacks_other);
}

static void report_losses(struct runtime *rt)
{
	__u64 lost = tap_output__lost(rt->out);
	__u64 refused = get_global(rt, TAP_G_OUTFAIL);
	__u64 drops = get_global(rt, TAP_G_DROPS);
	__u64 loops = get_global(rt, TAP_G_LOOPS);

	/* the kernel counts a full ring both ways; report the larger */
	if (refused > lost)
		lost = refused;
	if (lost)
		fprintf(stderr, "perf tap: warning: %llu output records lost (the rings were "
			"full; try a larger -m)\n", (unsigned long long)lost);
	if (drops)
		fprintf(stderr, "perf tap: warning: %llu table updates lost (a table was "
			"full at %u entries)\n", (unsigned long long)drops,
			rt->obj->table_entries);
	if (loops)
		fprintf(stderr, "perf tap: warning: loops were stopped %llu times after "
			"%u iterations (--loop-max)\n", (unsigned long long)loops,
			rt->obj->loop_max);
	if (rt->printer.bad)
		fprintf(stderr, "perf tap: warning: %llu records could not be decoded\n",
			(unsigned long long)rt->printer.bad);
	report_lost_stacks(rt);
}

static void cleanup(struct runtime *rt)
{
	int i;

	detach_all(rt);
	if (rt->progs) {
		for (i = 0; i < rt->obj->nr_progs; i++) {
			if (rt->progs[i].fd >= 0)
				close(rt->progs[i].fd);
			if (rt->progs[i].sys_fd >= 0)
				close(rt->progs[i].sys_fd);
			if (rt->progs[i].tp_fd >= 0)
				close(rt->progs[i].tp_fd);
			if (rt->progs[i].kprobe_fd >= 0)
				close(rt->progs[i].kprobe_fd);
			if (rt->progs[i].umulti_fd >= 0)
				close(rt->progs[i].umulti_fd);
		}
	}
	if (rt->map_fds) {
		for (i = 0; i < rt->obj->nr_maps; i++)
			if (rt->map_fds[i] >= 0)
				close(rt->map_fds[i]);
	}
	if (rt->go_pipe >= 0)
		close(rt->go_pipe);
	if (rt->exec_pipe >= 0)
		close(rt->exec_pipe);
	if (rt->child > 0 && !rt->child_done) {
		kill(rt->child, SIGTERM);
		reap_workload(rt, true);
	}
	tap_output__delete(rt->out);
	tap_events__exit(&rt->evs);
	free(rt->map_fds);
	free(rt->progs);
	free(rt->links);
	free(rt->perf_fds);
	free(rt->attach_err);
	free(rt->formats);
	tap_track__delete(rt->track);
	tap_usyms__delete(rt->usyms);
	if (rt->machine) {
		machine__delete(rt->machine);
		symbol__exit();
	}
}

int tap_run(struct tap_object *obj, const struct tap_run_opts *opts)
{
	struct runtime rt = { .obj = obj, .opts = opts, .go_pipe = -1, .exec_pipe = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int err = -1, end;

	rt.printer.obj = obj;
	rt.printer.fp = stdout;
	rt.printer.symbolize = symbolize_kernel;
	rt.printer.symbolize_user = symbolize_user;
	rt.printer.symbolize_arg = &rt;
	rt.printer.format_event = format_event;
	rt.printer.format_event_arg = &rt;
	if (!may_trace()) {
		fprintf(stderr, "perf tap: permission denied: tracing with BPF needs root, or "
			"the CAP_BPF and CAP_PERFMON capabilities\n");
		goto out;
	}
	if (tap_events__resolve(&rt.evs, obj, opts->verbose))
		goto out;
	rt.progs = calloc(obj->nr_progs, sizeof(*rt.progs));
	if (!rt.progs)
		goto out;
	plan_progs(&rt);
	rt.out = tap_output__new(opts->mmap_pages);
	if (!rt.out)
		goto out;
	/* from now on, so ustack() frames of processes that exit keep their names */
	if (obj->uses_stacks) {
		rt.usyms = tap_usyms__new();
		rt.track = rt.usyms ? tap_track__new(rt.usyms) : NULL;
	}
	err = create_maps(&rt);
	if (err)
		goto out;
	rt.printer.stacks_fd = rt.map_fds[TAP_MAP_STACKS];
	err = fill_maps(&rt);
	if (err)
		goto out;
	err = load_progs(&rt);
	if (err || opts->verify_only)
		goto out;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (opts->argv && opts->argv[0]) {
		err = prepare_workload(&rt);
		if (err) {
			fprintf(stderr, "perf tap: cannot start the workload: %s\n",
				strerror(-err));
			goto out;
		}
	}
	err = set_global(&rt, TAP_G_NCPUS, (__u64)libbpf_num_possible_cpus());
	if (!err)
		err = set_global(&rt, TAP_G_CLOCK, realtime_offset());
	if (!err && opts->cpus) {
		err = parse_cpus(&rt, opts->cpus);
		if (!err)
			err = set_global(&rt, TAP_G_CPUS, rt.cpu_mask);
	}
	if (err)
		goto out;
	if (rt.child > 0 || opts->pid > 0) {
		err = set_global(&rt, TAP_G_TARGET, (__u64)(rt.child > 0 ? rt.child : opts->pid));
		if (err)
			goto out;
	}

	/* top-level code runs before any probe is attached */
	err = run_once(&rt, 0);
	if (err)
		goto out;
	if (!rt.printer.exited && !done) {
		err = attach_all(&rt);
		if (err)
			goto out;
		err = start_workload(&rt);
		if (err)
			goto out;
		trace_loop(&rt);
	}
	detach_all(&rt);
	drain(&rt);
	/* every trace_end runs, in order, even after exit(): only probes stop */
	for (end = 0; end < obj->nr_progs; end++) {
		if (obj->progs[end].kind != TAP_PROG_END)
			continue;
		err = run_once(&rt, end);
		if (err)
			goto out;
	}
	report_losses(&rt);
	err = 0;
out:
	cleanup(&rt);
	return err ? 1 : 0;
}
