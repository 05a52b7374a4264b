// SPDX-License-Identifier: GPL-2.0
/*
 * Maps and programs into the kernel: the maps a script needs, filled with
 * what the events and the machine say, and every program variant loaded,
 * with the verifier's complaint mapped back to the script line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/kernel.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "util/debug.h"
#include "ktypes.h"
#include "util/event.h"
#include <symbol/kallsyms.h>
#include "output.h"
#include "runtime-int.h"

int runtime__create_maps(struct runtime *rt)
{
	struct tap_object *obj = rt->obj;
	int i;

	obj->maps[TAP_MAP_EVENTS].max_entries = (unsigned int)tap_output__nr_cpus(rt->out);
	obj->maps[TAP_MAP_CPUS].max_entries = (unsigned int)tap_output__nr_cpus(rt->out);
	obj->maps[TAP_MAP_SCRATCH].value_size = obj->scratch_size;
	/* one entry per program and variant (gen-prog.c: prologue_scratch()) */
	obj->maps[TAP_MAP_SCRATCH].max_entries = (unsigned int)obj->nr_progs * TAP_CODE_NR;
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
		LIBBPF_OPTS(bpf_map_create_opts, mopts,
			    .map_flags = obj->maps[i].flags & ~TAP_MAP_F_TAP);
		struct tap_map_def *m = &obj->maps[i];
		enum bpf_map_type type = m->flags & TAP_MAP_F_PERCPU ? BPF_MAP_TYPE_PERCPU_HASH :
					 m->type;

		/*
		 * The globals are mapped into perf tap too, so that it can set
		 * one slot (exited, to stop every probe at once) without
		 * rewriting the others under the probes that update them.
		 */
		if (i == TAP_MAP_GLOBALS)
			mopts.map_flags |= BPF_F_MMAPABLE;
		rt->map_fds[i] = bpf_map_create(type, m->name, m->key_size, m->value_size,
						m->max_entries, &mopts);
		if (rt->map_fds[i] < 0 && i == TAP_MAP_GLOBALS && errno == EINVAL) {
			mopts.map_flags = m->flags;	/* no BPF_F_MMAPABLE before 5.5 */
			rt->map_fds[i] = bpf_map_create(m->type, m->name, m->key_size,
							m->value_size, m->max_entries, &mopts);
		}
		/* read-only data (sprintf formats): written once, then frozen */
		if (rt->map_fds[i] >= 0 && m->data &&
		    (bpf_map_update_elem(rt->map_fds[i], &(__u32){ 0 }, m->data, BPF_ANY) ||
		     bpf_map_freeze(rt->map_fds[i]))) {
			int err = errno;

			close(rt->map_fds[i]);
			rt->map_fds[i] = -1;
			errno = err;
		}
		if (i == TAP_MAP_GLOBALS && rt->map_fds[i] >= 0 &&
		    (mopts.map_flags & BPF_F_MMAPABLE)) {
			size_t len = roundup(m->value_size, 8);
			void *p;

			len = roundup(len, (size_t)sysconf(_SC_PAGESIZE));
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rt->map_fds[i], 0);
			if (p != MAP_FAILED) {
				rt->globals = p;
				rt->globals_len = len;
			}
		}
		if (rt->map_fds[i] < 0) {
			int err = errno;

			if (err == EPERM)
				pr_err(
					"perf tap: permission denied: loading BPF needs root, or CAP_BPF and CAP_PERFMON\n");
			else
				pr_err("perf tap: cannot create BPF map '%s': %s\n",
				       m->name, strerror(err));
			return -err;
		}
	}
	return 0;
}

/*
 * The address of kernel symbol @name (data symbols need CONFIG_KALLSYMS_ALL):
 * -ENOENT if it is not listed, -EACCES if its address is hidden, or why
 * /proc/kallsyms cannot be read.
 */
struct kallsyms_find {
	const char *name;
	u64 start;
};

/*
 * kallsyms__get_symbol_start() compares whole lines' names, but a module's
 * symbols are listed as "name\t[module]": compare up to the tab.
 */
static int kallsyms_find_cb(void *arg, const char *name, char type __maybe_unused, u64 start)
{
	struct kallsyms_find *find = arg;
	size_t len = strcspn(name, "\t");

	if (len != strlen(find->name) || strncmp(name, find->name, len))
		return 0;
	find->start = start;
	return 1;
}

static int kallsyms_address(const char *name, __u64 *addr)
{
	struct kallsyms_find find = { .name = name };

	if (kallsyms__parse("/proc/kallsyms", &find, kallsyms_find_cb) <= 0)
		return access("/proc/kallsyms", R_OK) ? -errno : -ENOENT;
	*addr = find.start;
	return find.start ? 0 : -EACCES;
}

/* Why kernel_v(@name) has no address, in one sentence. */
static void kernel_v_error(const char *name, int err)
{
	__u64 addr;

	if (err == -EACCES)
		pr_err(
			"perf tap: kernel_v(\"%s\"): /proc/kallsyms hides kernel addresses from this user (kernel.kptr_restrict)\n",
			name);
	else if (err != -ENOENT)
		pr_err("perf tap: kernel_v(\"%s\"): cannot read /proc/kallsyms: %s\n", name,
		       strerror(-err));
	else if (kallsyms_address("init_task", &addr) == -ENOENT)
		/* a data symbol every kernel has: this one lists functions only */
		pr_err(
			"perf tap: kernel_v(\"%s\"): no such symbol in /proc/kallsyms, which lists no data symbols on this kernel (built without CONFIG_KALLSYMS_ALL)\n",
			name);
	else
		pr_err("perf tap: kernel_v(\"%s\"): no such symbol in /proc/kallsyms\n", name);
}

/*
 * Entries of an array map, gathered and written with one system call:
 * syscalls:* alone makes hundreds of probe names, dispatch slots and
 * field places, which one update each made a measurable part of start-up.
 */
struct batch {
	__u32 *keys;
	char *values;
	__u32 value_size, nr;
};

static int batch_init(struct batch *b, __u32 value_size, int max)
{
	b->keys = calloc(max ?: 1, sizeof(*b->keys));
	b->values = calloc(max ?: 1, value_size);
	b->value_size = value_size;
	b->nr = 0;
	return b->keys && b->values ? 0 : -ENOMEM;
}

static void *batch_add(struct batch *b, __u32 key)
{
	b->keys[b->nr] = key;
	return b->values + (size_t)b->nr++ * b->value_size;
}

static int batch_write(struct batch *b, int fd)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 count = b->nr;
	int err = 0;

	if (count)
		err = bpf_map_update_batch(fd, b->keys, b->values, &count, &opts);
	free(b->keys);
	free(b->values);
	return err;
}

/* Probe names by event, the syscalls:* dispatch slots, and where arg.NAME is per event. */
static int fill_event_maps(struct runtime *rt)
{
	struct tap_object *obj = rt->obj;
	struct batch names = { 0 }, slots = { 0 }, fields = { 0 };
	int i, nr_fields = rt->evs.nr * obj->nr_fields, err;

	err = batch_init(&names, obj->str_size, rt->evs.nr);
	err = err ?: batch_init(&slots, sizeof(__u32), rt->evs.nr);
	err = err ?: batch_init(&fields, sizeof(struct tap_field), nr_fields);
	for (i = 0; i < rt->evs.nr && !err; i++) {
		struct tap_event *ev = &rt->evs.ev[i];
		struct prog_state *ps = &rt->progs[ev->prog];
		__u32 *slot;

		snprintf(batch_add(&names, (__u32)i), obj->str_size, "%s", ev->name);
		if (ev->syscall_nr < 0)
			continue;
		slot = batch_add(&slots, (__u32)((ev->sys_exit ? ps->exit_base : ps->enter_base) *
						 TAP_SYSCALL_SLOTS + ev->syscall_nr));
		*slot = (__u32)i + 1;
	}
	for (i = 0; i < nr_fields && !err; i++) {
		struct tap_field f;

		tap_events__field(&rt->evs.ev[i / obj->nr_fields], obj->fields[i % obj->nr_fields],
				  &f);
		if (f.kind)
			memcpy(batch_add(&fields, (__u32)i), &f, sizeof(f));
	}
	err = batch_write(&names, rt->map_fds[TAP_MAP_PROBENAMES]) ?: err;
	err = batch_write(&slots, rt->map_fds[TAP_MAP_SYSCALLS]) ?: err;
	return batch_write(&fields, rt->map_fds[TAP_MAP_FIELDS]) ?: err;
}

int runtime__fill_maps(struct runtime *rt)
{
	struct tap_object *obj = rt->obj;
	int i, cpu, err;

	err = fill_event_maps(rt);
	/* kernel_v(): the symbols' addresses, from /proc/kallsyms */
	if (obj->nr_ksyms) {
		__u64 *addrs = calloc(obj->nr_ksyms, sizeof(*addrs));
		__u32 key = 0;

		for (i = 0; addrs && i < obj->nr_ksyms; i++) {
			err = kallsyms_address(obj->ksyms[i], &addrs[i]);
			if (err) {
				kernel_v_error(obj->ksyms[i], err);
				free(addrs);
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
	if (err)
		pr_err("perf tap: cannot fill BPF maps: %s\n", strerror(errno));
	return err ? -1 : 0;
}

int runtime__set_global(struct runtime *rt, unsigned int offset, __u64 value)
{
	char *buf;
	__u32 key = 0;
	int err;

	if (rt->globals) {
		__atomic_store_n((__u64 *)(rt->globals + offset), value, __ATOMIC_SEQ_CST);
		return 0;
	}
	buf = calloc(1, rt->obj->globals_size);
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

__u64 runtime__get_global(struct runtime *rt, unsigned int offset)
{
	char *buf;
	__u32 key = 0;
	__u64 value = 0;

	if (rt->globals)
		return __atomic_load_n((__u64 *)(rt->globals + offset), __ATOMIC_SEQ_CST);
	buf = calloc(1, rt->obj->globals_size);
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

/*
 * in_interrupt(): patch the per-CPU variable holding the preempt count
 * and the count's offset in it, from the running kernel's BTF.
 */
static int relocate_btf_vars(struct bpf_insn *insns, unsigned int cnt)
{
	struct btf *vmlinux = tap_ktypes__btf();
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
				t = btf__type_by_id(vmlinux, var_id);
				t = btf__type_by_id(vmlinux, t->type);
				off = tap_ktypes__member_offset(vmlinux, t, "preempt_count");
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

int runtime__load_prog(struct runtime *rt, struct tap_prog_def *prog, enum bpf_prog_type type,
		       const struct tap_code *code)
{
	return runtime__load_prog_as(rt, prog, type, 0, code);
}

static int load_prog(struct runtime *rt, struct tap_prog_def *prog, enum bpf_prog_type type,
		     enum bpf_attach_type attach_type, const struct tap_code *code);

/*
 * PERF_TAP_FLOOR=1: every trace block is loaded as the smallest program,
 * "return 0", and attached as it would be.  make bench's floor row: what
 * any handler costs, so that the other rows can be shown above it.
 */
static const struct tap_code *floor_code(const struct tap_prog_def *prog)
{
	static struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static int lines[] = { 1, 1 };
	static unsigned int func_off[] = { 0 };
	static const struct tap_code code = {
		.insns = ret0, .cnt = 2, .lines = lines, .func_off = func_off, .nr_funcs = 1,
	};
	const char *env = getenv("PERF_TAP_FLOOR");

	if (prog->kind != TAP_PROG_TRACE || !env || strcmp(env, "1"))
		return NULL;
	return &code;
}

int runtime__load_prog_as(struct runtime *rt, struct tap_prog_def *prog, enum bpf_prog_type type,
			  enum bpf_attach_type attach_type, const struct tap_code *code)
{
	if (code->insns && floor_code(prog))
		code = floor_code(prog);
	if (!code->insns) {
		/* the compiler's resolver did not foresee this way of attaching */
		pr_err("perf tap: %s has no code for this kind of event\n", prog->name);
		return -EINVAL;
	}
	return load_prog(rt, prog, type, attach_type, code);
}

static int load_prog(struct runtime *rt, struct tap_prog_def *prog, enum bpf_prog_type type,
		     enum bpf_attach_type attach_type, const struct tap_code *code)
{
	LIBBPF_OPTS(bpf_prog_load_opts, lopts, .expected_attach_type = attach_type);
	const struct bpf_insn *insns = code->insns;
	const unsigned int *func_off = code->func_off;
	unsigned int cnt = code->cnt;
	int nr_funcs = code->nr_funcs;
	const int *lines = code->lines;
	struct bpf_func_info *info = NULL;
	struct btf *btf = NULL;
	struct bpf_insn *copy = malloc(cnt * sizeof(*copy));
	size_t log_size = 1 << 22;
	char *log = NULL;
	unsigned int i;
	int fd, insn;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, insns, cnt * sizeof(*copy));
	if (relocate_btf_vars(copy, cnt)) {
		pr_err(
			"perf tap: in_interrupt() needs the kernel's BTF and per-CPU symbols in kallsyms (CONFIG_KALLSYMS_ALL), which this kernel lacks\n");
		free(copy);
		return -ENOENT;
	}
	if (nr_funcs > 1) {
		btf = funcs_btf(func_off, nr_funcs, &info);
		if (!btf) {
			pr_err("perf tap: cannot load BTF for %s: %s\n", prog->name,
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
		pr_err("%s\n", log);
	if (insn >= 0 && insn < (int)cnt)
		pr_err(
			"%s:%d: error: the kernel's BPF verifier rejected the code for this line: %s%s\n",
			rt->obj->file, lines[insn],
			log ? last_log_line(log) : strerror(errno),
			rt->opts->verbose ? "" : " (-v shows the verifier log)");
	else if (log && *last_log_line(log))
		/* refused before any instruction was checked: the log says why */
		pr_err(
			"%s:%d: error: the kernel refused the BPF program of this block: %s%s\n",
			rt->obj->file, prog->line,
			last_log_line(log),
			rt->opts->verbose ? "" : " (-v shows the verifier log)");
	else
		pr_err("perf tap: cannot load the program for %s: %s\n", prog->name,
		       strerror(errno));
	fd = -EINVAL;
out:
	if (fd < 0 && errno == EPERM) {
		pr_err(
			"perf tap: permission denied: loading BPF needs root, or CAP_BPF and CAP_PERFMON\n");
		fd = -EPERM;
	}
	free(log);
	free(copy);
	free(info);
	btf__free(btf);	/* the program holds its own reference */
	return fd;
}

/* Which variants each program needs, and its syscall dispatch bases. */
void runtime__plan_progs(struct runtime *rt)
{
	int i;

	for (i = 0; i < rt->obj->nr_progs; i++) {
		struct prog_state *ps = &rt->progs[i];

		ps->fd = -1;
		ps->sys_fd = -1;
		ps->tp_fd = -1;
		ps->kprobe_fd = -1;
		ps->umulti_fd = -1;
		ps->enter_base = -1;
		ps->exit_base = -1;
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

int runtime__load_progs(struct runtime *rt)
{
	int i;

	for (i = 0; i < rt->obj->nr_progs; i++) {
		struct tap_prog_def *prog = &rt->obj->progs[i];
		struct prog_state *ps = &rt->progs[i];

		if (prog->kind == TAP_PROG_FOLLOW && !rt->follow && !rt->opts->verify_only)
			continue;
		if (prog->kind == TAP_PROG_EXEC && !(rt->opts->argv && rt->opts->argv[0]) &&
		    !rt->opts->verify_only)
			continue;
		/* a trace block has code only for the ways its events attach */
		if (prog->code[TAP_CODE_RAW].insns &&
		    (needs_plain(rt, i) || rt->opts->verify_only)) {
			enum bpf_prog_type type = prog->kind == TAP_PROG_TIMER ?
				BPF_PROG_TYPE_PERF_EVENT : BPF_PROG_TYPE_RAW_TRACEPOINT;

			ps->fd = runtime__load_prog(rt, prog, type, &prog->code[TAP_CODE_RAW]);
			if (ps->fd < 0)
				return ps->fd;
		}
		if (ps->enter_base >= 0 || ps->exit_base >= 0 ||
		    (rt->opts->verify_only && prog->code[TAP_CODE_SYSCALL].insns)) {
			ps->sys_fd = runtime__load_prog(rt, prog, BPF_PROG_TYPE_RAW_TRACEPOINT,
							&prog->code[TAP_CODE_SYSCALL]);
			if (ps->sys_fd < 0)
				return ps->sys_fd;
		}
		if (rt->opts->verify_only && prog->code[TAP_CODE_KPROBE].insns &&
		    !access("/sys/bus/event_source/devices/kprobe", F_OK)) {
			ps->kprobe_fd = runtime__load_prog(rt, prog, BPF_PROG_TYPE_KPROBE,
							   &prog->code[TAP_CODE_KPROBE]);
			if (ps->kprobe_fd < 0)
				return ps->kprobe_fd;
		}
		if (rt->opts->verify_only && prog->code[TAP_CODE_PERF_TP].insns) {
			/* as a perf tracepoint program too, as the slow path loads it */
			ps->tp_fd = runtime__load_prog(rt, prog, BPF_PROG_TYPE_TRACEPOINT,
						       &prog->code[TAP_CODE_PERF_TP]);
			if (ps->tp_fd < 0)
				return ps->tp_fd;
		}
	}
	return 0;
}
