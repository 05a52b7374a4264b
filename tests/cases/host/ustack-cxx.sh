#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ustack() frames of C++ code are named as the source spells them (perf's
# symbol code demangles them), while a uprobe goes on the mangled name (a
# spec cannot hold "::") and probename is that name.  C functions with
# names the C++ demangler would read as types (a, b: "signed char",
# "bool") keep their names: stack-paths' frames are checked for that.
#! needs: syscalls

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

command -v g++ >/dev/null || skip "no g++ to build the C++ workload"
[[ -e /sys/bus/event_source/devices/uprobe/type ]] || skip "no uprobe PMU in this kernel"
cat >cxx-stack.cc <<'EOF'
namespace shapes {
template <typename T> struct Box {
	T v;
	T grow(T by);
};
}

__attribute__((noinline)) int leaf(int x)
{
	return x * 3;
}

template <typename T> __attribute__((noinline)) T shapes::Box<T>::grow(T by)
{
	v += leaf(by);
	return v;
}

int main(int argc, char **argv)
{
	shapes::Box<int> box = { argc };

	(void)argv;
	return box.grow(2) == 7 ? 0 : 1;
}
EOF
g++ -O0 -fno-omit-frame-pointer -o cxx-stack cxx-stack.cc || fail "cannot build cxx-stack"

"$PERF" tap -e "trace probe:$PWD/cxx-stack:_Z4leafi { s[ustack()] += 1; name = probename }
	trace_end { print(name); print_hist(s) }" -- ./cxx-stack >out 2>err || fail "exit status $?"
expect_eq "stderr" "" "$(cat err)"
expect_eq "probename" "_Z4leafi" "$(head -1 out)"
expect_eq "frames" "leaf(int)+0x0 (cxx-stack)
shapes::Box<int>::grow(int)+0x OFF (cxx-stack)
main+0x OFF (cxx-stack)" "$(sed -n '4,6{s/^\t//;s/+0x[0-9a-f]*[1-9a-f][0-9a-f]* /+0x OFF /;p}' out)"

build_stack_paths
"$PERF" tap -e "trace probe:$PWD/stack-paths:leaf { s[ustack()] += 1 }
	trace_end { print_hist(s) }" -- ./stack-paths 1 >out 2>err || fail "exit status $?"
expect_eq "C frames" "a b leaf main" "$(sed -n 's/^\t\([^+]*\)+0x[0-9a-f]* (stack-paths)$/\1/p' out |
	sort -u | tr '\n' ' ' | sed 's/ $//')"
