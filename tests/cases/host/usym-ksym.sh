#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# usym(addr) and ksym(addr) print an address as function+offset, named in
# user space when printed: a user address from the traced process's
# mappings (main, passed to __libc_start_main, in the workload), a kernel
# one from the kernel's symbols (the hrtimer a nanosleep arms calls
# hrtimer_wakeup).  Both work in print, in printf's %s (with a width), as
# table keys in print_hist, after the process has exited (trace_end), and
# through perf tap record and report.
#! needs: syscalls uprobes
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

grep -q ' hrtimer_wakeup$' /proc/kallsyms || skip "the kernel has no hrtimer_wakeup"
# struct hrtimer's function pointer: after the timerqueue node (rb_node,
# expires) and _softexpires, at byte 40 since Linux 4.x
cat >sym.tap <<TAP
trace probe:$WORKLOAD:__libc_start_main /pid == cpid/ {
	printf("[%s] [%-22s]\n", usym(arg0), usym(arg0))
	mains[usym(arg0), execname] += 1
}
trace timer:hrtimer_start /pid == cpid/ {
	print("armed", ksym(kernel_u64(arg0 + 40)))
	timers[ksym(kernel_u64(arg0 + 40))] += 1
}
trace_end {
	print_hist(mains)
	print_hist(timers)
}
TAP
# the output of one run: the kernel may arm other timers in the workload's
# context too (the tick, on the way out of idle), each named as a function
check() {
	local what=$1 file=$2 name
	expect_eq "$what: printf" "[main+0x0 (workload)] [main+0x0 (workload)   ]" "$(head -1 "$file")"
	grep -qx 'armed hrtimer_wakeup+0x0' "$file" || fail "$what: no hrtimer_wakeup: $(cat "$file")"
	for name in $(sed -n 's/^armed //p' "$file"); do
		[[ $name =~ ^([A-Za-z0-9_.]+)\+0x0$ ]] || fail "$what: not a function: $name"
		grep -Eq "[[:space:]]${BASH_REMATCH[1]}([[:space:]]|\$)" /proc/kallsyms ||
			fail "$what: $name is not in kallsyms"
	done
	grep -Eqx ' *value ------------- Distribution -------------   count' "$file" ||
		fail "$what: no print_hist header"
	grep -qx 'main+0x0 (workload), workload |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@  1' "$file" ||
		fail "$what: no usym key in print_hist: $(cat "$file")"
	grep -Eqx ' *hrtimer_wakeup\+0x0 \|@+ +1' "$file" ||
		fail "$what: no ksym key in print_hist: $(cat "$file")"
}
"$PERF" tap sym.tap -- "$WORKLOAD" sleep 1 >live.out 2>live.err || fail "live: exit status $?"
check live live.out

"$PERF" tap record -o sym.data sym.tap -- "$WORKLOAD" sleep 1 >rec.out 2>rec.err ||
	fail "record: exit status $?: $(cat rec.err)"
"$PERF" tap report -i sym.data >rep.out 2>rep.err || fail "report: exit status $?: $(cat rep.err)"
check report rep.out

# --json: the values as the strings they print as, in args and in keys
"$PERF" tap --json sym.tap -- "$WORKLOAD" sleep 1 >json.out 2>json.err || fail "--json: exit status $?"
grep -qF '"args":["main+0x0 (workload)","main+0x0 (workload)"]' json.out ||
	fail "--json printf args: $(head -3 json.out)"
grep -qF '{"key":["hrtimer_wakeup+0x0"],"value":1}' json.out ||
	fail "--json hist key: $(cat json.out)"
