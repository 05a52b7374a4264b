#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Mount the file systems perf tap needs at run time, where they are not
# mounted yet: debugfs, tracefs and bpffs. Exits non-zero if one of them
# could not be mounted.

set -u

rc=0

mount_fs()
{
	local type=$1 dir=$2

	mountpoint -q "$dir" 2>/dev/null && return 0
	if [ ! -d "$dir" ]; then
		echo "mount-fs: $dir does not exist" >&2
		rc=1
		return 0
	fi
	if ! mount -t "$type" "$type" "$dir"; then
		echo "mount-fs: could not mount $type on $dir" >&2
		rc=1
	fi
}

mount_fs debugfs /sys/kernel/debug
mount_fs tracefs /sys/kernel/tracing
mount_fs bpf /sys/fs/bpf

exit $rc
