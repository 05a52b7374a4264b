// SPDX-License-Identifier: GPL-2.0
/*
 * ustack() with --call-graph dwarf: the BPF program sent the thread's user
 * registers and a copy of its stack (gen-ustack.c); here they become a
 * struct perf_sample's user_regs and user_stack, as a perf record
 * --call-graph dwarf sample carries them, and perf's unwind__get_entries()
 * walks them with the CFI of the files @machine knows the thread mapped.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/err.h>
#include <linux/perf_event.h>
#include <linux/zalloc.h>

#include "util/debug.h"
#include "util/hashmap.h"
#include "util/intlist.h"
#include "util/machine.h"
#include "util/map.h"
#include "util/maps.h"
#include "util/sample.h"
#include "util/thread.h"
#include "util/unwind.h"
/* as util/perf-regs-arch/ does: perf's register numbers, whatever the host */
#include "../../../arch/x86/include/uapi/asm/perf_regs.h"
#include "object.h"
#include "regs.h"
#include "usym.h"
#include "unwind.h"

/*
 * The stack handed to the unwinder is the copy followed by this many bytes
 * of POISON: a frame whose return address the unwinder reads there went
 * on above the copy, and the chain ends with a return to POISON_IP.
 */
#define POISON_SIZE	4096
#define POISON		0xa5
#define POISON_IP	0xa5a5a5a5a5a5a5a5ULL

#define HDR		(TAP_USTACK_REGS + TAP_REGS_SIZE)

struct chain {
	int pid;
	enum tap_unwind_state state;
	__u32 size;			/* the bytes of stack asked for */
	__u64 canon;			/* the first stack value unwound to it: see fold */
	int nr;
	__u64 ips[];
};

/*
 * A snapshot unwound before, by where it was taken (process, IP, SP and
 * bytes copied), and where in its copy the unwinder found the return
 * address of each frame but the innermost: a later snapshot taken there
 * with the same return addresses at the same places has the same frames,
 * as the CFI of each frame's code finds the next frame the same way.  A
 * profile of a hot loop or a probe on a path taken again unwinds once.
 */
struct seen {
	int pid;
	__u32 len;
	__u64 ip, sp;
	struct chain *chain;
	int nr;				/* return addresses: chain->nr - 1 */
	__u32 off[];
};

struct tap_unwind {
	struct machine *machine;
	bool live;
	struct hashmap *by_value;	/* stack value -> its chain */
	struct hashmap *chains;		/* each distinct chain, once: chain -> chain */
	struct hashmap *seen;		/* where snapshots were taken: seen -> seen */
	__u64 unwound, reused;		/* snapshots unwound by libdw, and by a seen one */
	/* folding tables (tap_unwind__canonical) */
	struct hashmap *fresh;		/* stack values added since the last fold pass */
	struct hashmap *lost;		/* pid -> the first value of it without a snapshot */
	__u64 ripe;			/* values out of fresh that no pass folded yet */
	struct intlist *proc_read;	/* live: processes whose /proc maps were read */
	char *stack;			/* the copy being unwound, then the poison */
	size_t stack_alloc;
};

static size_t value_hash(long key, void *ctx __maybe_unused)
{
	return (size_t)((unsigned long)key * 0x9e3779b97f4a7c15UL);
}

static bool value_equal(long a, long b, void *ctx __maybe_unused)
{
	return a == b;
}

static size_t chain_hash(long key, void *ctx __maybe_unused)
{
	const struct chain *c = (const void *)key;
	size_t h = 14695981039346656037UL ^ (size_t)c->pid ^ ((size_t)c->state << 32);
	int i;

	for (i = 0; i < c->nr; i++)
		h = (h ^ c->ips[i]) * 1099511628211UL;
	return h;
}

static bool chain_equal(long a, long b, void *ctx __maybe_unused)
{
	const struct chain *x = (const void *)a, *y = (const void *)b;

	return x->pid == y->pid && x->state == y->state && x->size == y->size &&
	       x->nr == y->nr && !memcmp(x->ips, y->ips, x->nr * sizeof(x->ips[0]));
}

bool tap_unwind__wanted(const struct tap_object *obj)
{
	int i;

	for (i = 0; i < obj->nr_recs; i++)
		if (obj->recs[i].kind == TAP_REC_USTACK)
			return true;
	return false;
}

static size_t seen_hash(long key, void *ctx __maybe_unused)
{
	const struct seen *x = (const void *)key;

	return (size_t)((x->ip ^ (x->sp << 7) ^ ((__u64)x->pid << 40) ^ x->len) *
			0x9e3779b97f4a7c15UL);
}

static bool seen_equal(long a, long b, void *ctx __maybe_unused)
{
	const struct seen *x = (const void *)a, *y = (const void *)b;

	return x->pid == y->pid && x->len == y->len && x->ip == y->ip && x->sp == y->sp;
}

static __u64 stack_word(const char *stack, __u32 off)
{
	__u64 v;

	memcpy(&v, stack + off, sizeof(v));
	return v;
}

/* The chain of @s, if @stack holds its return addresses where it did. */
static struct chain *seen_match(const struct seen *s, const char *stack)
{
	int i;

	for (i = 0; i < s->nr; i++)
		/* the unwinder gives a return address less one: inside the call */
		if (stack_word(stack, s->off[i]) != s->chain->ips[i + 1] + 1)
			return NULL;
	return s->chain;
}

/*
 * Remember where @chain's return addresses are in @stack, if each is found
 * above the one before; else (one was in the poison, or a register) not.
 */
static void seen_add(struct tap_unwind *u, const struct seen *key, struct chain *chain,
		     const char *stack)
{
	struct seen *s = zalloc(sizeof(*s) + chain->nr * sizeof(s->off[0]));
	__u32 off = 0;
	long old_key;
	int i;

	if (!s)
		return;
	*s = *key;
	s->chain = chain;
	s->nr = chain->nr ? chain->nr - 1 : 0;
	for (i = 0; i < s->nr; i++) {
		while (off + 8 <= key->len && stack_word(stack, off) != chain->ips[i + 1] + 1)
			off += 8;
		if (off + 8 > key->len) {
			free(s);
			return;
		}
		s->off[i] = off;
		off += 8;
	}
	if (hashmap__set(u->seen, (long)s, (long)s, &old_key, NULL))
		free(s);
	else
		free((void *)old_key);
}

struct tap_unwind *tap_unwind__new(struct machine *machine, bool live)
{
	struct tap_unwind *u = zalloc(sizeof(*u));

	if (!u)
		goto out_err;
	u->machine = machine;
	u->live = live;
	u->by_value = hashmap__new(value_hash, value_equal, NULL);
	u->chains = hashmap__new(chain_hash, chain_equal, NULL);
	u->seen = hashmap__new(seen_hash, seen_equal, NULL);
	u->fresh = hashmap__new(value_hash, value_equal, NULL);
	u->lost = hashmap__new(value_hash, value_equal, NULL);
	u->proc_read = intlist__new(NULL);
	if (IS_ERR_OR_NULL(u->by_value) || IS_ERR_OR_NULL(u->chains) || IS_ERR_OR_NULL(u->seen) ||
	    IS_ERR_OR_NULL(u->fresh) || IS_ERR_OR_NULL(u->lost) || !u->proc_read) {
		if (IS_ERR(u->by_value))
			u->by_value = NULL;
		if (IS_ERR(u->chains))
			u->chains = NULL;
		if (IS_ERR(u->seen))
			u->seen = NULL;
		if (IS_ERR(u->fresh))
			u->fresh = NULL;
		if (IS_ERR(u->lost))
			u->lost = NULL;
		tap_unwind__delete(u);
		goto out_err;
	}
	return u;

out_err:
	pr_err("perf tap: out of memory for unwinding user stacks: they print as lost\n");
	return NULL;
}

void tap_unwind__delete(struct tap_unwind *u)
{
	struct hashmap_entry *e;
	size_t bkt;

	if (!u)
		return;
	pr_debug("perf tap: %llu user stack snapshots unwound, %llu more known from one before\n",
		 (unsigned long long)u->unwound, (unsigned long long)u->reused);
	if (u->seen)
		hashmap__for_each_entry(u->seen, e, bkt)
			free(e->pvalue);
	hashmap__free(u->seen);
	if (u->chains)
		hashmap__for_each_entry(u->chains, e, bkt)
			free(e->pvalue);
	hashmap__free(u->chains);
	hashmap__free(u->by_value);
	hashmap__free(u->fresh);
	hashmap__free(u->lost);
	intlist__delete(u->proc_read);
	free(u->stack);
	free(u);
}

#if defined(__x86_64__)
/*
 * perf's x86_64 user registers (PERF_REGS_MASK: all but the segments
 * DS..GS) from struct pt_regs, in the order of their bits in the mask.
 */
static const struct {
	int perf;
	int pt;
} user_regs[] = {
	{ PERF_REG_X86_AX, offsetof(struct pt_regs, rax) },
	{ PERF_REG_X86_BX, offsetof(struct pt_regs, rbx) },
	{ PERF_REG_X86_CX, offsetof(struct pt_regs, rcx) },
	{ PERF_REG_X86_DX, offsetof(struct pt_regs, rdx) },
	{ PERF_REG_X86_SI, offsetof(struct pt_regs, rsi) },
	{ PERF_REG_X86_DI, offsetof(struct pt_regs, rdi) },
	{ PERF_REG_X86_BP, offsetof(struct pt_regs, rbp) },
	{ PERF_REG_X86_SP, offsetof(struct pt_regs, rsp) },
	{ PERF_REG_X86_IP, offsetof(struct pt_regs, rip) },
	{ PERF_REG_X86_FLAGS, offsetof(struct pt_regs, eflags) },
	{ PERF_REG_X86_CS, offsetof(struct pt_regs, cs) },
	{ PERF_REG_X86_SS, offsetof(struct pt_regs, ss) },
	{ PERF_REG_X86_R8, offsetof(struct pt_regs, r8) },
	{ PERF_REG_X86_R9, offsetof(struct pt_regs, r9) },
	{ PERF_REG_X86_R10, offsetof(struct pt_regs, r10) },
	{ PERF_REG_X86_R11, offsetof(struct pt_regs, r11) },
	{ PERF_REG_X86_R12, offsetof(struct pt_regs, r12) },
	{ PERF_REG_X86_R13, offsetof(struct pt_regs, r13) },
	{ PERF_REG_X86_R14, offsetof(struct pt_regs, r14) },
	{ PERF_REG_X86_R15, offsetof(struct pt_regs, r15) },
};

#define NR_USER_REGS	ARRAY_SIZE(user_regs)
#define REG_IP		offsetof(struct pt_regs, rip)
#define REG_SP		offsetof(struct pt_regs, rsp)
#define REG_CS		offsetof(struct pt_regs, cs)
#endif

static __u64 pt_reg(const char *pt, size_t off)
{
	__u64 v;

	memcpy(&v, pt + off, sizeof(v));
	return v;
}

/*
 * The thread whose maps name @ip.  Live, a process not seen yet, or that
 * mapped @ip where no report said, has its /proc maps read, once.
 */
static struct thread *find_thread(struct tap_unwind *u, int pid, __u64 ip)
{
	struct thread *thread = machine__find_thread(u->machine, pid, pid);
	struct map *map = thread ? maps__find(thread__maps(thread), ip) : NULL;
	char path[32];

	if (map || !u->live || intlist__has_entry(u->proc_read, pid)) {
		map__put(map);
		return thread;
	}
	thread__put(thread);
	intlist__add(u->proc_read, pid);
	/* gone: nothing to read, and perf would warn that it could not */
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (!access(path, F_OK))
		tap_usym__read_proc(u->machine, pid);
	return machine__find_thread(u->machine, pid, pid);
}

struct collect {
	int nr;
	__u64 ips[TAP_STACK_DEPTH];
};

static int collect_ip(struct unwind_entry *entry, void *arg)
{
	struct collect *c = arg;

	if (c->nr < TAP_STACK_DEPTH)
		c->ips[c->nr++] = entry->ip;
	return 0;
}

/* Unwind one snapshot into @c; returns its state. */
static enum tap_unwind_state unwind(struct tap_unwind *u, int pid, int tid, const char *pt,
				    const char *stack, __u32 len, struct collect *c)
{
	u64 regs[NR_USER_REGS], mask = 0, ip = pt_reg(pt, REG_IP);
	struct perf_sample sample;
	struct thread *thread;
	struct map *map;
	size_t i;

	if ((pt_reg(pt, REG_CS) & 3) != 3)
		return TAP_UNWIND_NO_STACK;
	/* the innermost frame, whatever the unwinder makes of the rest */
	c->ips[0] = ip;
	c->nr = 1;
	thread = find_thread(u, pid, ip);
	map = thread ? maps__find(thread__maps(thread), ip) : NULL;
	if (!map) {
		thread__put(thread);
		return TAP_UNWIND_NO_MAPS;
	}
	map__put(map);
	if (len + POISON_SIZE > u->stack_alloc) {
		char *p = realloc(u->stack, len + POISON_SIZE);

		if (!p)
			goto out;
		u->stack = p;
		u->stack_alloc = len + POISON_SIZE;
	}
	memcpy(u->stack, stack, len);
	memset(u->stack + len, POISON, POISON_SIZE);
	for (i = 0; i < NR_USER_REGS; i++) {
		regs[i] = pt_reg(pt, user_regs[i].pt);
		mask |= 1ULL << user_regs[i].perf;
	}
	memset(&sample, 0, sizeof(sample));
	sample.pid = pid;
	sample.tid = tid;
	sample.ip = ip;
	sample.user_regs.abi = PERF_SAMPLE_REGS_ABI_64;
	sample.user_regs.mask = mask;
	sample.user_regs.regs = regs;
	sample.user_stack.size = len + POISON_SIZE;
	sample.user_stack.data = u->stack;
	c->nr = 0;
	unwind__get_entries(collect_ip, c, thread, &sample, TAP_STACK_DEPTH, /*best_effort=*/true);
	if (!c->nr) {
		c->ips[0] = ip;
		c->nr = 1;
	}
	for (i = 0; i < (size_t)c->nr; i++) {
		/* a return address from the poison, less one as the unwinder takes it */
		if ((c->ips[i] | 1) == POISON_IP) {
			c->nr = (int)i;
			thread__put(thread);
			return TAP_UNWIND_TRUNCATED;
		}
	}
out:
	thread__put(thread);
	return TAP_UNWIND_OK;
}

int tap_unwind__add(struct tap_unwind *u, const void *rec, __u32 size)
{
	const char *r = rec;
	struct chain *chain, *old;
	struct collect c = { 0 };
	struct seen key, *seen;
	enum tap_unwind_state state;
	__u32 tid, len, asked;
	__u64 value;
	int pid;

	if (!u)
		return 0;
	if (size < HDR)
		return -1;
	memcpy(&value, r + TAP_USTACK_VALUE, sizeof(value));
	memcpy(&tid, r + TAP_USTACK_TID, sizeof(tid));
	memcpy(&len, r + TAP_USTACK_LEN, sizeof(len));
	memcpy(&asked, r + TAP_USTACK_SIZE, sizeof(asked));
	if (len > size - HDR || !(value & TAP_STACK_DWARF))
		return -1;
	if (hashmap__find(u->by_value, (long)value, NULL))
		return 0;
	pid = (int)((value >> 32) & TAP_STACK_PID_MASK);
	key = (struct seen){ .pid = pid, .len = len, .ip = pt_reg(r + TAP_USTACK_REGS, REG_IP),
			     .sp = pt_reg(r + TAP_USTACK_REGS, REG_SP) };
	if (hashmap__find(u->seen, (long)&key, &seen)) {
		chain = seen_match(seen, r + HDR);
		if (chain) {
			u->reused++;
			goto out;
		}
	}
	u->unwound++;
	state = unwind(u, pid, (int)tid, r + TAP_USTACK_REGS, r + HDR, len, &c);
	chain = zalloc(sizeof(*chain) + c.nr * sizeof(c.ips[0]));
	if (!chain)
		return -ENOMEM;
	chain->pid = pid;
	chain->size = asked;
	chain->state = state;
	chain->canon = value;
	chain->nr = c.nr;
	memcpy(chain->ips, c.ips, c.nr * sizeof(c.ips[0]));
	if (hashmap__find(u->chains, (long)chain, &old)) {
		free(chain);
		chain = old;
	} else if (hashmap__add(u->chains, (long)chain, (long)chain)) {
		free(chain);
		return -ENOMEM;
	}
	/* one frame: the unwinder found no map or CFI, which may come later */
	if (chain->nr > 1)
		seen_add(u, &key, chain, r + HDR);
out:
	if (hashmap__add(u->by_value, (long)value, (long)chain))
		return -ENOMEM;
	/* not folded before the next pass: the probe may not have used it yet */
	hashmap__add(u->fresh, (long)value, 0);
	return 0;
}

enum tap_unwind_state tap_unwind__frames(struct tap_unwind *u, __u64 id, const __u64 **ips,
					 int *nr, __u32 *size)
{
	struct chain *chain;

	*nr = 0;
	if (!u || !hashmap__find(u->by_value, (long)id, &chain))
		return TAP_UNWIND_LOST;
	*ips = chain->ips;
	*nr = chain->nr;
	*size = chain->size;
	return chain->state;
}

/*
 * Folding: a table keyed by DWARF stacks has an element per snapshot (the
 * BPF program cannot know the frames), so perf tap moves each element to
 * the key of the first snapshot that unwound to the same frames (chain
 * ->canon), merging it into the element there (runtime-fold.c).  Equal
 * frames mean what print_hist shows as one stack: the same process, the
 * same IPs and the same end (complete, truncated, no user stack, or no
 * mappings, where only the innermost IP is known: those fold by that IP,
 * which is all they print).  A value whose snapshot never arrived is
 * folded at the end (@all) into the first such value of its process: they
 * all print as "[stack lost: ...]".
 */
bool tap_unwind__canonical(struct tap_unwind *u, __u64 value, bool all, __u64 *canon)
{
	struct chain *chain;
	long first;

	if (!u || !(value & TAP_STACK_DWARF) || (__s64)value < 0)
		return false;
	if (!hashmap__find(u->by_value, (long)value, &chain)) {
		int pid = (int)((value >> 32) & TAP_STACK_PID_MASK);

		if (!all)
			return false;
		if (!hashmap__find(u->lost, (long)pid, &first)) {
			hashmap__add(u->lost, (long)pid, (long)value);
			return false;
		}
		*canon = (__u64)first;
		return *canon != value;
	}
	/* unwound in this pass's drain: its probe may still be about to use it */
	if (!all && hashmap__find(u->fresh, (long)value, NULL))
		return false;
	*canon = chain->canon;
	return *canon != value;
}

bool tap_unwind__fold_due(struct tap_unwind *u)
{
	return u && u->ripe;
}

void tap_unwind__fold_done(struct tap_unwind *u, bool walked)
{
	if (!u)
		return;
	if (walked)
		u->ripe = 0;
	u->ripe += hashmap__size(u->fresh);
	hashmap__clear(u->fresh);
}
