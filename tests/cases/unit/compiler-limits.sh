#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inputs that used to crash the compiler, hang it or blow up its memory:
# each must now be a one-line error at the right place and exit status 1
# (never a signal), within the case's time limit.  The inputs are made
# here, as a fuzzer or a careless generator would make them.
#! timeout: 60

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

# expect_error NAME FILE REGEX: compiling FILE fails with status 1 and the
# first line of stderr matches REGEX.
expect_error() {
	local name=$1 file=$2 regex=$3 rc=0

	"$PERF" tap --dump-bpf "$file" > /dev/null 2> "$name.err" || rc=$?
	[[ $rc == 1 ]] || fail "$name: exit status $rc, expected 1 ($(head -c 300 "$name.err"))"
	head -n 1 "$name.err" | grep -Eq -- "$regex" ||
		fail "$name: stderr starts '$(head -n 1 "$name.err" | cut -c1-200)', expected /$regex/"
}

deep='nested more than 500 levels deep'

# Nesting: parentheses, operator chains, blocks, unary operators.
python3 -c "print('print(' + '(' * 50000 + '1' + ')' * 50000 + ')')" > parens.tap
expect_error parens parens.tap "^parens.tap:1:507: error: $deep\$"
python3 -c "print('print(' + '+'.join(['1'] * 40000) + ')')" > chain.tap
expect_error chain chain.tap "^chain.tap:1:[0-9]+: error: $deep \(each operator"
python3 -c "print('{' * 1000000 + '}' * 1000000)" > blocks.tap
expect_error blocks blocks.tap "^blocks.tap:1:501: error: $deep\$"
python3 -c "print('print(' + '-' * 1000000 + '1)')" > unary.tap
expect_error unary unary.tap "^unary.tap:1:507: error: $deep\$"
python3 -c "
print('x = 0')
print('if (x == 0) { x = 1 }')
for i in range(3000): print('elseif (x == %d) { x = 2 }' % i)" > elseif.tap
expect_error elseif elseif.tap "^elseif.tap:[0-9]+:[0-9]+: error: $deep"
# ... but 400 levels are fine.
python3 -c "print('print(' + '(' * 400 + '1' + ')' * 400 + ')')" > parens-ok.tap
"$PERF" tap --dump-bpf parens-ok.tap > /dev/null || fail "400 parentheses: exit status $?"

# Call cycles longer than any fixed depth are found, and named right.
for n in 2 66 70 200; do
	python3 -c "
n = $n
for i in range(n): print('function f%d(x) { return f%d(x) }' % (i, (i + 1) % n))
print('print(f0(1))')" > cycle$n.tap
	last=f$((n - 1))
	expect_error cycle$n cycle$n.tap \
		"^cycle$n.tap:$n:$((23 + ${#last})): error: recursion is not allowed: 'f$((n - 1))' calls 'f0', which leads back to 'f$((n - 1))'\$"
done
printf 'function f(x) { return f(x - 1) }\nprint(f(1))\n' > self.tap
expect_error self self.tap "^self.tap:1:24: error: recursion is not allowed: 'f' calls itself\$"

# Functions calling the next one twice: the recursion check is linear, and
# inlining stops at the kernel's program size with an error at the call.
python3 -c "
n = 40
print('function f%d(x) { return x + 1 }' % n)
for i in range(n - 1, -1, -1): print('function f%d(x) { return f%d(x) + f%d(x) }' % (i, i + 1, i + 1))
print('print(f0(1))')" > doubling.tap
expect_error doubling doubling.tap \
	"^doubling.tap:42:7: error: the program is too large: inlining 'f0' here makes more than 1000000 BPF instructions\$"
# A long chain of calls: bounded, not a stack overflow.
python3 -c "
n = 10000
print('function f%d(x) { return x + 1 }' % n)
for i in range(n - 1, -1, -1): print('function f%d(x) { return f%d(x) }' % (i, i + 1))
print('print(f0(1))')" > calls.tap
expect_error calls calls.tap "^calls.tap:[0-9]+:[0-9]+: error: nested more than 2000 levels deep, counting the bodies of the functions called\$"

# NUL bytes are errors where they are, not the end of the script.
printf '\0print(1)\n' > nul-first.tap
expect_error nul-first nul-first.tap '^nul-first.tap:1:1: error: a NUL byte in the script$'
printf 'print(1)\nprint("a\0b")\n' > nul-string.tap
expect_error nul-string nul-string.tap '^nul-string.tap:2:9: error: a NUL byte in the script$'
printf 'print(1) # a comment \0 print(2)\n' > nul-comment.tap
expect_error nul-comment nul-comment.tap '^nul-comment.tap:1:22: error: a NUL byte in the script$'

# A function is not a variable.
printf 'function f(x) { return x }\nf = 2\n' > assign-func.tap
expect_error assign-func assign-func.tap \
	"^assign-func.tap:2:1: error: 'f' is a function and cannot be assigned\$"
printf 'function f(x) { return x }\nprint(f)\n' > read-func.tap
expect_error read-func read-func.tap "^read-func.tap:2:7: error: 'f' is a function: call it as f\(...\)\$"
printf 'function f(x) { return x }\ntrace syscalls:sys_enter_getpid { f[1] = 2 }\n' > index-func.tap
expect_error index-func index-func.tap "^index-func.tap:2:35: error: 'f' is a function"

# Timer periods that do not fit in 64 bits of nanoseconds.
printf 'tick-18446744074s { print(1) }\n' > timer.tap
expect_error timer timer.tap "^timer.tap:1:1: error: bad timer 'tick-18446744074s': the period is too long\$"
printf 'tick-99999999999999999999999ms { print(1) }\n' > timer2.tap
expect_error timer2 timer2.tap "^timer2.tap:1:1: error: bad timer .*: the period is too long\$"

# Kernel limits said at the script line, not at load time.
python3 -c "
print('trace syscalls:sys_enter_getpid {')
for i in range(70): print('\tt%d[1] = 1' % i)
print('}')" > maps.tap
expect_error maps maps.tap '^maps.tap:65:[0-9]+: error: this block uses more than 64 tables and maps'
python3 -c "
print('trace syscalls:sys_enter_getpid {')
for i in range(600): print('\tvar s%d = \"abc\"' % i)
print('}')" > scratch.tap
expect_error scratch scratch.tap \
	'^scratch.tap:[0-9]+:[0-9]+: error: this needs more than 32768 bytes of scratch memory'

# Found by the fuzzer: a call with no value as print's argument crashed
# the generator; a table stored in a table reached it untyped.
printf 'print(print(1))\n' > print-void.tap
expect_error print-void print-void.tap '^print-void.tap:1:7: error: this call has no value to print$'
printf 'var t = {}\nt[1] = {}\n' > table-in-table.tap
expect_error table-in-table table-in-table.tap \
	'^table-in-table.tap:2:8: error: a table cannot be stored in a table$'

# Memory is linear in the script: 2500 string literals (167 KB) used to
# take 830 MB, one copy of the rest of the script per literal.
python3 -c "print('\n'.join('x = \"%s\"' % ('y' * 60) for i in range(2500)))" > strings.tap
/usr/bin/time -f '%M' -o strings.rss "$PERF" tap --dump-bpf strings.tap > /dev/null ||
	fail "strings: exit status $?"
rss=$(tail -n 1 strings.rss)
((rss < 100000)) || fail "strings: peak RSS $rss KB for a 167 KB script"
note "2500 string literals: peak RSS $rss KB"
exit 0
