#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel data typed from BTF: each mistake is one sentence at the line and
# column of the member, cast or call, naming the kernel type involved.
#! needs: btf

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

# check SCRIPT EXPECTED-FIRST-LINE
check() {
	local rc=0

	"$PERF" tap -e "$1" > /dev/null 2> err || rc=$?
	[[ $rc == 1 ]] || fail "'$1': exit status $rc, expected 1"
	expect_eq "'$1'" "$2" "$(head -n 1 err)"
}

# a misspelled member: the closest one is offered, at the member's column
check 'print(curtask->pidd)' \
	"<cmdline>:1:16: error: struct task_struct has no member 'pidd' (did you mean 'pid'?)"
check 'print(curtask->real_parent->commm)' \
	"<cmdline>:1:29: error: struct task_struct has no member 'commm' (did you mean 'comm'?)"
check 'print(curtask->zzzzzzzz)' \
	"<cmdline>:1:16: error: struct task_struct has no member 'zzzzzzzz'"
# a type the kernel's BTF lacks
check 'print((struct sockk *)arg0)' \
	"<cmdline>:1:7: error: the kernel's BTF has no struct sockk (did you mean 'struct sock'?)"
check 'print((union nosuchunion *)0)' \
	"<cmdline>:1:7: error: the kernel's BTF has no union nosuchunion"
check 'print((struct task_struct **)0)' \
	"<cmdline>:1:28: error: a cast is to a pointer to a struct or union, (struct NAME *), not to a pointer to a pointer"
# a system call's pointer argument is the user's
check 'trace syscalls:sys_enter_connect { print(((struct sockaddr_in *)arg1)->sin_port) }' \
	"<cmdline>:1:65: error: a system call's pointer arguments point to user memory, which cannot be read as kernel data (user_string() and user_u64() read it)"
# '->' and '.' each on the wrong kind of value
check 'x = 5 print(x->pid)' \
	"<cmdline>:1:16: error: '->' needs a pointer to a kernel struct, and this number has no kernel type: cast it, (struct NAME *)x"
check 'print(curtask->se->on_rq)' \
	"<cmdline>:1:20: error: '->' reads through a pointer, but this is struct sched_entity: write '.on_rq'"
check 'print(curtask->mm.x)' \
	"<cmdline>:1:19: error: this is a pointer, struct mm_struct *: write '->x'"
check 'print(curtask.pid)' \
	"<cmdline>:1:14: error: 'curtask' is a pointer, struct task_struct *: write curtask->NAME"
check 'print(curtask->pid.x)' "<cmdline>:1:20: error: '.x': a number has no members"
check 'print(curtask->stack->x)' \
	"<cmdline>:1:23: error: '->' needs a pointer to a struct or union, not void *"
# kernel data that is neither read further nor formatted
check 'print(curtask->se)' \
	"<cmdline>:1:16: error: this is kernel data, struct sched_entity: read a member ('.NAME') or an element ([i]), or pass it to ntop(), hex() or kernel_string()"
check 'x = curtask->se' \
	"<cmdline>:1:14: error: this is kernel data, struct sched_entity: read a member ('.NAME') or an element ([i]), or pass it to ntop(), hex() or kernel_string()"
# arrays: bounds known at compile time, one index, arrays only
check 'print(curtask->comm[16])' "<cmdline>:1:21: error: index 16 is outside char [16] (16 elements)"
check 'print(curtask->comm[1, 2])' "<cmdline>:1:24: error: an array takes one index"
check 'print(curtask->thread_info[0])' \
	"<cmdline>:1:16: error: only tables and arrays of kernel data can be indexed, not struct thread_info"
# kernel data is only read: not assigned, deleted or tested like a table's
check 'curtask->comm[0] = 1' \
	"<cmdline>:1:10: error: assignments and '<<<' change table elements; this is an element of kernel data, which scripts only read"
check 'delete(curtask->comm[0])' \
	"<cmdline>:1:17: error: delete() removes table elements; this is an element of kernel data, which scripts only read"
check 'print(curtask->comm[0] == nil)' \
	"<cmdline>:1:16: error: 'in' and '== nil' test table elements; this is an element of kernel data, which scripts only read"
check 'curtask->pid = 5' "<cmdline>:1:1: error: cannot assign to this expression"
# a pointer of one type stored where another was
check 'x = curtask x = (struct sock *)0' \
	"<cmdline>:1:13: error: 'x' is struct sock * here, but struct task_struct * at 1:1"
# ntop() and hex() take addresses and bytes
check 'print(ntop(curtask->se))' \
	"<cmdline>:1:21: error: ntop() takes an IPv4 or IPv6 address: 4 or 16 bytes of kernel data or a number, not struct sched_entity"
check 'print(ntop("127.0.0.1"))' \
	"<cmdline>:1:12: error: ntop() takes an IPv4 or IPv6 address: 4 or 16 bytes of kernel data or a number, not a string"
check 'print(hex(5))' "<cmdline>:1:11: error: hex() takes a byte array or other kernel data, not a number"

# what compiles: chains, bitfields, arrays, casts, strings from char arrays
"$PERF" tap --dump-ast -e 'print(curtask->real_parent->tgid, curtask->se.cfs_rq->nr_queued,
	curtask->comm, curtask->comm[0], ((struct sock *)0)->sk_userlocks,
	kernel_string(curtask->comm), hex(curtask->comm), ntop(0x0100007f))' > ast 2> err ||
	fail "the chains did not compile: $(cat err)"
grep -q '^ *member tgid : number' ast || fail "no number member in: $(cat ast)"
grep -q '^ *member comm : string' ast || fail "comm is not a string in: $(cat ast)"
grep -q '^ *cast sock : number (struct sock \*)' ast || fail "no cast in: $(cat ast)"
grep -q '^ *member real_parent : number (struct task_struct \*)' ast ||
	fail "real_parent is not a struct task_struct * in: $(cat ast)"
grep -q '^ *member se : kernel data (struct sched_entity)' ast ||
	fail "se is not kernel data in: $(cat ast)"
exit 0
