#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The vm tier really runs in the guest: the kernel is the 6.12 of
# scripts/vm-build.sh (not the host's), booted with scripts/vm/init.sh, the
# work directory is writable and /tmp is the guest's own.

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

release=$(uname -r)
[[ $release =~ ^6\.12\.[0-9]+-tapvm$ ]] ||
	fail "uname -r is '$release', expected 6.12.N-tapvm (the VM kernel)"
note "ok: uname -r = $release"
expect_eq "hostname" tapvm "$(cat /proc/sys/kernel/hostname)"
grep -qw -- "init=$TAP_ROOT/scripts/vm/init.sh" /proc/cmdline ||
	fail "/proc/cmdline has no init=$TAP_ROOT/scripts/vm/init.sh: $(cat /proc/cmdline)"
expect_eq "user" root "$(id -un)"

# The work directory is the host's, shared read-write.
echo written-in-the-guest >guest-file || fail "cannot write to the work directory $PWD"
expect_eq "file read back" written-in-the-guest "$(cat guest-file)"
# The rest of the host's root file system is read-only.
if touch /.tapvm-write-test 2>/dev/null; then
	rm -f /.tapvm-write-test
	fail "the host root file system is writable from the guest"
fi
# /tmp is the guest's own: an overlay of a tmpfs over the host's /tmp.
expect_eq "/tmp file system" overlayfs "$(stat -f -c %T /tmp)"
echo guest >"/tmp/tapvm-$$" || fail "cannot write to /tmp"
rm -f "/tmp/tapvm-$$"

# What the project's kernel tests need.
for f in /sys/kernel/tracing/events/syscalls /sys/kernel/tracing/kprobe_events \
	/sys/kernel/tracing/uprobe_events /sys/bus/event_source/devices/kprobe \
	/sys/kernel/btf/vmlinux /sys/fs/bpf; do
	[[ -e $f ]] || fail "$f is missing in the guest"
done
note "ok: tracefs, kprobes, uprobes, BTF and bpffs are there"
