// SPDX-License-Identifier: GPL-2.0
/* Programs for prog_tests/tp_multi.c: the tracepoint_multi link. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

#define MAX_COOKIE 8

/* Set by the test: only the test's own events count. */
int target_pid;
/* What the programs return: 1 keeps the event's perf samples, 0 drops them. */
int verdict = 1;

/* Events seen by the link's program, by cookie (the last slot: any larger cookie). */
__u64 link_hits[MAX_COOKIE];
/* Events seen by the program attached through perf events. */
__u64 perf_hits;

/* Sums over the fields of the records each program saw. */
__u64 link_sum;
__u64 perf_sum;

/*
 * A syscalls:sys_enter_* record as a tracepoint program gets it: 8 bytes of
 * common fields (which hold a pt_regs pointer for BPF and cannot be read),
 * the syscall number and the six arguments.
 */
struct sys_enter_rec {
	__u64 common;
	int nr;
	int pad;
	__u64 args[6];
};

/* signal:signal_generate, as in events/signal/signal_generate/format. */
struct signal_generate_rec {
	__u64 common;
	int sig;
	int errno_;
	int code;
	char comm[16];
	int pid;
	int group;
	int result;
};

/* Cookies that say how to read the record, for tp_multi_record and tp_multi_perf. */
#define COOKIE_OPENAT	1
#define COOKIE_SIGNAL	2

static __always_inline int mine(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_pid;
}

static __always_inline __u64 record_sum(void *ctx)
{
	struct signal_generate_rec *sig = ctx;
	struct sys_enter_rec *sys = ctx;

	switch (bpf_get_attach_cookie(ctx)) {
	case COOKIE_OPENAT:
		return sys->nr + sys->args[1] + sys->args[2];
	case COOKIE_SIGNAL:
		return sig->sig * 1000 + sig->pid + sig->result + sig->comm[0];
	}
	return 0;
}

SEC("tracepoint")
int tp_multi_count(void *ctx)
{
	__u64 cookie;

	if (!mine())
		return verdict;
	cookie = bpf_get_attach_cookie(ctx);
	if (cookie >= MAX_COOKIE)
		cookie = MAX_COOKIE - 1;
	__sync_fetch_and_add(&link_hits[cookie], 1);
	return verdict;
}

/* Attached through the link, on the events tp_multi_perf is attached to. */
SEC("tracepoint")
int tp_multi_record(void *ctx)
{
	__u64 cookie;

	if (!mine())
		return 1;
	cookie = bpf_get_attach_cookie(ctx);
	if (cookie >= MAX_COOKIE)
		cookie = MAX_COOKIE - 1;
	__sync_fetch_and_add(&link_hits[cookie], 1);
	__sync_fetch_and_add(&link_sum, record_sum(ctx));
	return 1;
}

/* Attached through perf events, with the same cookies. */
SEC("tracepoint")
int tp_multi_perf(void *ctx)
{
	if (!mine())
		return 1;
	__sync_fetch_and_add(&perf_hits, 1);
	__sync_fetch_and_add(&perf_sum, record_sum(ctx));
	return 1;
}

/* A program of another type, which the link must refuse. */
SEC("kprobe")
int tp_multi_kprobe(void *ctx)
{
	return 0;
}
