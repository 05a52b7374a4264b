#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test VM (scripts/vm-run.sh passes it with init=). The root
# file system is the host's, read-only over 9p, so this file and every
# program are the host's own.
#
# It mounts the kernel file systems and tmpfs, mounts the control share
# (tag tapvm_ctl, a host directory of vm-run.sh) on /run/tapvm and, if the
# host shares one, the writable work directory (tag tapvm_share) at the
# host path written in the control share's file "share". Then it runs
# requests: the host creates the directory req.N (N = 1, 2, ...) in the
# control share with
#
#   argv     the command line, NUL-terminated words
#   cwd      the directory to run it in
#
# and init runs it as root (stdin /dev/null, a clean environment, its own
# process group) with stdout and stderr to req.N/stdout and req.N/stderr,
# then writes its exit status to req.N/status. The file req.N/cancel kills
# the command. If the control share has the file "oneshot", init stops
# after the first request; otherwise it stops when the file "stop" appears
# or after the seconds in the file "idle" without a request.
# Stopping is a power-off with sysrq 'o', so qemu exits.
#
# Everything here is bash built-ins where it can: each exec of a program
# costs about 50 ms in the emulated guest.

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

CTL=/run/tapvm

log()
{
	echo "tapvm-init: $*" > /dev/console
}

poweroff()
{
	log "power off"
	echo o > /proc/sysrq-trigger
	# The power-off is asynchronous; PID 1 must not exit meanwhile.
	while :; do
		read -r -t 60 -u "$tick" _
	done
}

mount -a -T "${BASH_SOURCE[0]%/*}/fstab" || log "some mounts failed"
# /tmp: writable and private to the guest, but the host's files in it stay
# visible (a checkout under /tmp must work): an overlay with the host's
# /tmp below and a tmpfs above.
if ! mkdir -p /run/tapvm-tmp/upper /run/tapvm-tmp/work ||
   ! mount -t overlay -o lowerdir=/tmp,upperdir=/run/tapvm-tmp/upper,workdir=/run/tapvm-tmp/work \
	tapvm-tmp /tmp; then
	log "cannot mount an overlay on /tmp"
fi
echo tapvm > /proc/sys/kernel/hostname

# A pipe nobody writes to (a forked subshell that only reads holds its
# other end): "read -t" on it is a sleep without running a program.
coproc TICK { read -r _; }
tick=${TICK[0]}

# vm-run.sh always writes "idle" before the boot.
if [ ! -f "$CTL/idle" ]; then
	log "cannot mount the control share"
	poweroff
fi
share="" idle=900 oneshot=0
[ -f "$CTL/share" ] && read -r share < "$CTL/share"
read -r idle < "$CTL/idle"
[ -e "$CTL/oneshot" ] && oneshot=1
# X-mount.mkdir: in case the directory is not visible in the guest.
if [ -n "$share" ] &&
   ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,X-mount.mkdir tapvm_share "$share"; then
	log "cannot mount the shared directory on $share"
fi

# The kernel passed its unknown parameters to init as environment
# variables; the commands get a clean environment.
clean_env()
{
	local v
	for v in $(compgen -e); do
		unset "$v"
	done
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	export HOME=/root TERM=dumb
}

# run_request DIR
run_request()
{
	local dir=$1 cwd="" pid rc
	local -a argv=()

	mapfile -d '' -t argv < "$dir/argv"
	read -r cwd < "$dir/cwd"
	if [ ${#argv[@]} -eq 0 ]; then
		echo "vm-run: empty command" > "$dir/stderr"
		echo 125 > "$dir/status"
		return
	fi
	# set -m: the command gets its own process group, so that cancelling
	# it and killing what it left behind reach every process it started.
	set -m
	(
		clean_env
		if ! cd "$cwd" 2> /dev/null; then
			echo "vm-run: no directory $cwd in the guest" >&2
			exit 125
		fi
		exec "${argv[@]}"
	) < /dev/null > "$dir/stdout" 2> "$dir/stderr" &
	pid=$!
	set +m
	while kill -0 "$pid" 2> /dev/null; do
		if [ -e "$dir/cancel" ]; then
			kill -KILL -- "-$pid" 2> /dev/null
			break
		fi
		read -r -t 0.05 -u "$tick" _
	done
	wait "$pid"
	rc=$?
	if kill -0 -- "-$pid" 2> /dev/null; then
		echo "vm-run: killed processes the command left running" >> "$dir/stderr"
		kill -KILL -- "-$pid" 2> /dev/null
	fi
	echo "$rc" > "$dir/status"
}

echo ready > "$CTL/ready"
n=1
last=$SECONDS
while :; do
	if [ -e "$CTL/req.$n/cwd" ]; then
		run_request "$CTL/req.$n"
		n=$((n + 1))
		[ "$oneshot" = 1 ] && break
		last=$SECONDS
		continue
	fi
	[ -e "$CTL/stop" ] && break
	if [ $((SECONDS - last)) -ge "$idle" ]; then
		log "no request for ${idle}s, stopping"
		break
	fi
	read -r -t 0.05 -u "$tick" _
done
poweroff
