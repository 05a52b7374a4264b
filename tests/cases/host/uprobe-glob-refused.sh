#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A uprobe glob over all of libc: the kernel refuses a few functions
# (pthread_spin_lock starts with a lock prefix it cannot single-step,
# ENOTSUPP, errno 524).  Those are skipped, named with -v as uprobes with
# the reason in words, and the others run; it takes seconds, not the
# minutes one perf event per function took to attach and detach.  A block
# whose only function is refused is an error.
#! needs: syscalls
#! timeout: 90

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

[[ -e /sys/bus/event_source/devices/uprobe/type ]] || skip "no uprobe PMU in this kernel"
libc=$(ldd /bin/sh | awk '$1 ~ /^libc\.so/ { print $3 }')
[[ -f $libc ]] || skip "no libc.so found through /bin/sh"

rc=0
"$PERF" tap -e "trace probe:$libc:pthread_spin_lock { n += 1 }" -- true >out 2>err || rc=$?
if ((rc == 0)); then
	skip "this kernel probes pthread_spin_lock: no function of libc is refused"
fi
expect_eq "one refused function: exit status" 1 "$rc"
expect_eq "one refused function: message" "<cmdline>:1:1: error: no event of this trace block could be attached (uprobe ${libc##*/}:pthread_spin_lock: the kernel cannot place a uprobe on the function's first instruction (ENOTSUPP))
trace probe:$libc:pthread_spin_lock { n += 1 }
^" "$(cat err)"

start=$SECONDS
rc=0
"$PERF" tap -v -e "trace probe:$libc:* { n += 1 } trace_end { print(n > 0) }" \
	-- sh -c 'echo hello >/dev/null' >out 2>err || rc=$?
secs=$((SECONDS - start))
note "the whole of libc attached, ran and detached in ${secs}s"
expect_eq "glob: exit status" 0 "$rc"
expect_eq "glob: calls counted" 1 "$(cat out)"
grep -qx "perf tap: warning: cannot attach uprobe ${libc##*/}:pthread_spin_lock: the kernel cannot place a uprobe on the function's first instruction (ENOTSUPP)" err ||
	fail "-v does not name pthread_spin_lock: $(cat err)"
# besides those, -v says only how many functions the glob matched, how
# long attaching (in uprobe_multi links) and detaching took
grep -v -e "^perf tap: warning: cannot attach uprobe ${libc##*/}:" \
	-e "^perf tap: <cmdline>:1:7: 'probe:$libc:\*' matches [0-9]* events$" \
	-e '^perf tap: attaching [0-9]* events (so far .*)\.\.\. Ctrl-C stops$' \
	-e '^perf tap: attached [0-9]* events in [0-9.]* s: [0-9]* in [0-9]* multi-event links$' \
	-e '^perf tap: detaching [0-9]* events (~[0-9]* s)\.\.\. Ctrl-C finishes it in the background$' \
	-e '^perf tap: detached [0-9]* links and [0-9]* perf events in [0-9.]* s$' err | grep -q . &&
	fail "unexpected messages: $(cat err)"
((secs < 30)) || fail "took ${secs}s"
