#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command inside the test VM: the 6.12 kernel of scripts/vm-build.sh
# under qemu (TCG), with the host's root file system shared read-only over
# 9p, so paths and programs are the same inside and outside.
#
#   scripts/vm-run.sh --check
#   scripts/vm-run.sh [-t SECS] [-s DIR | -S] [-v] CMD [ARG...]
#   TAP_VM_SESSION=DIR scripts/vm-run.sh --start [-s DIR | -S]
#   TAP_VM_SESSION=DIR scripts/vm-run.sh [-t SECS] CMD [ARG...]
#   TAP_VM_SESSION=DIR scripts/vm-run.sh --stop
#
#   --check   exit 0 if the VM kernel for the current sources is built and
#             qemu is installed; else print why on stderr and exit 1
#   -t SECS   time limit for the command (default $TAP_VM_TIMEOUT or 600);
#             past it the command (or the VM) is killed and the exit
#             status is 124
#   -s DIR    share DIR read-write, mounted at the same path in the guest
#             (default: the current directory, unless it is /)
#   -S        share no directory read-write
#   -v        copy the guest's console to stderr when the VM stops
#
# The command runs as root in the guest, in the current directory, with
# stdin from /dev/null and a clean environment (PATH, HOME=/root,
# TERM=dumb); its stdout, stderr and exit status are passed through. The
# guest has /tmp on tmpfs and tracefs, debugfs, bpffs mounted. If the VM
# itself fails (it does not boot, the kernel panics), vm-run.sh prints the
# end of the console and exits with 125.
#
# Without TAP_VM_SESSION each command boots its own VM (about 3 s) that
# powers off after it. With TAP_VM_SESSION=DIR, --start boots one VM that
# stays up and serves every command run with the same TAP_VM_SESSION (one
# at a time) until --stop, until the process that started it exits
# ($TAP_VM_OWNER, default the parent of --start), or after 15 minutes
# without a command. The test runner uses a session so that its leak check
# sees the objects a case left in the guest.
#
# Environment: TAP_VM_KERNEL (a bzImage to boot instead of the cached
# one), TAP_VM_APPEND (more kernel command line), TAP_VM_MEM (default 1G),
# TAP_VM_CPUS (default 2), TAP_VM_ACCEL (qemu's -accel, default
# tcg,thread=single). See Documentation/vm.md.

set -uo pipefail

# One host thread runs every vCPU in turn. With a thread per vCPU
# (thread=multi), qemu 7.2 let a vCPU run kernel text that another vCPU
# had just patched with text_poke_bp() in its old form: the guest died
# with "Oops: int3" at a tracepoint's static call site about once in 20
# runs of 'perf tap' on *:* (0 in 80 runs with one thread).
ACCEL=tcg,thread=single

# shellcheck source-path=SCRIPTDIR source=vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

INIT=$VM_ROOT/scripts/vm/init.sh
QEMU=qemu-system-x86_64
MSIZE=512000
BOOT_LIMIT=120

err()
{
	echo "vm-run: $*" >&2
}

usage()
{
	awk 'NR > 3 && /^#/ { sub(/^# ?/, ""); print; next } NR > 3 { exit }' \
		"${BASH_SOURCE[0]}"
}

# The kernel to boot, or why there is none (on stderr, status 1).
find_image()
{
	local key image

	if [ -n "${TAP_VM_KERNEL:-}" ]; then
		[ -f "$TAP_VM_KERNEL" ] || { err "TAP_VM_KERNEL=$TAP_VM_KERNEL does not exist"; return 1; }
		echo "$TAP_VM_KERNEL"
		return 0
	fi
	key=$(vm_key)
	image=$(vm_image_dir "$key")/bzImage
	if [ ! -f "$image" ]; then
		err "no VM kernel built for the current sources (key $key): run make vm"
		return 1
	fi
	echo "$image"
}

check()
{
	find_image > /dev/null || return 1
	if ! command -v "$QEMU" > /dev/null; then
		err "$QEMU not installed (package qemu-system-x86): run make vm"
		return 1
	fi
	[ -x "$INIT" ] || { err "$INIT is not executable"; return 1; }
	return 0
}

# boot SDIR SHARE ONESHOT: start qemu in the background on the session
# directory SDIR (ctl/ is shared with the guest). Sets qpid.
boot()
{
	local sdir=$1 share=$2 oneshot=$3 image append
	local -a args

	image=$(find_image) || return 1
	command -v "$QEMU" > /dev/null || { err "$QEMU not installed: run make vm"; return 1; }
	echo "${TAP_VM_IDLE:-900}" > "$sdir/ctl/idle"
	[ "$oneshot" = 1 ] && : > "$sdir/ctl/oneshot"
	[ -n "$share" ] && printf '%s\n' "$share" > "$sdir/ctl/share"

	append="console=ttyS0 root=tapvm_root rootfstype=9p ro"
	append+=" rootflags=trans=virtio,version=9p2000.L,msize=$MSIZE,cache=loose"
	append+=" init=$INIT panic=-1 quiet i8042.noaux i8042.nokbd"
	[ -n "${TAP_VM_APPEND:-}" ] && append+=" $TAP_VM_APPEND"
	args=(
		-accel "${TAP_VM_ACCEL:-$ACCEL}" -cpu max -smp "${TAP_VM_CPUS:-2}" -m "${TAP_VM_MEM:-1G}"
		-nodefaults -no-user-config -display none -no-reboot
		-serial "file:$sdir/console.log" -monitor none
		-kernel "$image" -append "$append"
		-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
		-device "virtio-9p-pci,fsdev=root,mount_tag=tapvm_root"
		-fsdev "local,id=ctl,path=${sdir//,/,,}/ctl,security_model=none"
		-device "virtio-9p-pci,fsdev=ctl,mount_tag=tapvm_ctl"
	)
	if [ -n "$share" ]; then
		args+=(
			-fsdev "local,id=share,path=${share//,/,,},security_model=none,multidevs=remap"
			-device "virtio-9p-pci,fsdev=share,mount_tag=tapvm_share"
		)
	fi
	# All descriptors away from the caller's: a session's qemu must not
	# keep a pipe (make check | tee) or a lock open.
	"$QEMU" "${args[@]}" < /dev/null > "$sdir/qemu.log" 2>&1 9>&- &
	qpid=$!
	echo "$qpid" > "$sdir/qemu.pid"
}

alive()
{
	kill -0 "$1" 2> /dev/null
}

# Print the end of the console (and qemu's own messages) on stderr.
show_console()
{
	local sdir=$1 lines=${2:-30}
	if [ -s "$sdir/qemu.log" ]; then
		grep -v 'module ui-ui-.* not found' "$sdir/qemu.log" | sed 's/^/qemu: /' >&2
	fi
	if [ -s "$sdir/console.log" ]; then
		echo "vm-run: guest console (last $lines lines):" >&2
		tail -n "$lines" "$sdir/console.log" | tr -d '\r' | sed 's/^/  | /' >&2
	fi
}

# Stop qemu: ask the guest to power off, then kill it after GRACE seconds.
stop_qemu()
{
	local sdir=$1 pid=$2 grace=${3:-10} i
	alive "$pid" || return 0
	: > "$sdir/ctl/stop" 2> /dev/null
	for ((i = 0; i < grace * 20; i++)); do
		alive "$pid" || break
		sleep 0.05
	done
	# qemu exits cleanly on SIGTERM.
	if alive "$pid"; then
		kill -TERM "$pid" 2> /dev/null
		for ((i = 0; i < 20; i++)); do
			alive "$pid" || break
			sleep 0.05
		done
		alive "$pid" && kill -KILL "$pid" 2> /dev/null
	fi
	wait "$pid" 2> /dev/null
	return 0
}

# submit SDIR CWD ARGV...: queue a request; sets req to its directory.
submit()
{
	local sdir=$1 cwd=$2 n tmp
	shift 2
	exec 8> "$sdir/lock"
	flock 8
	n=$(cat "$sdir/next" 2> /dev/null || echo 1)
	echo $((n + 1)) > "$sdir/next"
	exec 8>&-
	tmp=$sdir/ctl/tmp.$n
	mkdir "$tmp" || return 1
	printf '%s\0' "$@" > "$tmp/argv"
	printf '%s\n' "$cwd" > "$tmp/cwd"
	req=$sdir/ctl/req.$n
	mv "$tmp" "$req"
}

# wait_request REQ QPID SECS: wait until the request has a status, qemu
# exits, or SECS pass. Returns 0 (done), 1 (qemu gone), 2 (timed out).
wait_request()
{
	local req=$1 pid=$2 deadline=$((SECONDS + $3))
	while :; do
		[ -s "$req/status" ] && return 0
		alive "$pid" || { [ -s "$req/status" ] && return 0; return 1; }
		((SECONDS >= deadline)) && return 2
		sleep 0.05
	done
}

# Pass a finished request's output and status through.
finish_request()
{
	local req=$1 status=""
	[ -f "$req/stdout" ] && cat "$req/stdout"
	[ -f "$req/stderr" ] && cat "$req/stderr" >&2
	read -r status 2> /dev/null < "$req/status"
	[[ $status =~ ^[0-9]+$ ]] || status=125
	return "$status"
}

# --- options ---------------------------------------------------------------

mode=run
limit=${TAP_VM_TIMEOUT:-600}
share=$PWD
verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	--check) mode=check ;;
	--start) mode=start ;;
	--stop) mode=stop ;;
	-t) shift; limit=${1:-} ;;
	-s) shift; share=${1:-} ;;
	-S) share="" ;;
	-v) verbose=1 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) err "unknown option $1"; usage >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[[ $limit =~ ^[0-9]+$ ]] || { err "-t wants whole seconds, not '$limit'"; exit 2; }
if [ -n "$share" ]; then
	share=$(cd "$share" 2> /dev/null && pwd) || { err "cannot share $share: no such directory"; exit 2; }
	[ "$share" = / ] && share=""
fi

session=${TAP_VM_SESSION:-}
[ -n "$session" ] && [[ $session != /* ]] && session=$PWD/$session

# Only a directory vm-run.sh made (or an empty one) is ever removed.
check_session_dir()
{
	if [ -e "$session" ] && [ ! -f "$session/owner" ] &&
	   [ -n "$(ls -A "$session" 2> /dev/null)" ]; then
		err "TAP_VM_SESSION=$session is not a VM session directory; not touching it"
		exit 2
	fi
}

session_pid()
{
	local pid
	read -r pid 2> /dev/null < "$session/qemu.pid" || return 1
	alive "$pid" && [ -e "$session/ctl/ready" ] || return 1
	echo "$pid"
}

# Boot the session's VM, with the share and owner recorded in the session
# directory, and wait until the guest is ready. Sets pid.
start_session()
{
	local owner share deadline

	read -r owner < "$session/owner"
	share=""
	[ -f "$session/share" ] && read -r share < "$session/share"
	rm -rf "$session/ctl" "$session/next"
	mkdir -p "$session/ctl"
	boot "$session" "$share" 0 || return 1
	pid=$qpid
	deadline=$((SECONDS + BOOT_LIMIT))
	while [ ! -e "$session/ctl/ready" ]; do
		if ! alive "$pid" || ((SECONDS >= deadline)); then
			if alive "$pid"; then
				err "the VM did not start within ${BOOT_LIMIT}s"
			else
				err "the VM stopped while starting"
			fi
			stop_qemu "$session" "$pid" 0
			show_console "$session"
			return 1
		fi
		sleep 0.05
	done
	# Stop the VM when its owner goes away.
	(
		trap '' INT
		while alive "$owner" && alive "$qpid"; do
			sleep 1
		done
		alive "$owner" && exit 0
		stop_qemu "$session" "$qpid" 5
		# Unless --stop or another --start has taken over the directory.
		read -r pid 2> /dev/null < "$session/qemu.pid" &&
			[ "$pid" = "$qpid" ] && rm -rf "$session"
	) < /dev/null > /dev/null 2>&1 9>&- &
	return 0
}

case $mode in
check)
	check
	exit
	;;
stop)
	[ -n "$session" ] || { err "--stop needs TAP_VM_SESSION"; exit 2; }
	check_session_dir
	if pid=$(session_pid); then
		stop_qemu "$session" "$pid"
	elif read -r pid 2> /dev/null < "$session/qemu.pid"; then
		kill -KILL "$pid" 2> /dev/null
	fi
	[ $verbose = 1 ] && show_console "$session" 1000
	rm -rf "$session"
	exit 0
	;;
start)
	[ -n "$session" ] || { err "--start needs TAP_VM_SESSION"; exit 2; }
	check_session_dir
	if pid=$(session_pid); then
		stop_qemu "$session" "$pid"
	fi
	rm -rf "${session:?}"
	mkdir -p "$session" || exit 125
	echo "${TAP_VM_OWNER:-$PPID}" > "$session/owner"
	[ -n "$share" ] && printf '%s\n' "$share" > "$session/share"
	start_session || exit 125
	exit 0
	;;
esac

[ $# -gt 0 ] || { usage >&2; exit 2; }

# --- run a command in the session ---------------------------------------------

if [ -n "$session" ]; then
	if ! pid=$(session_pid); then
		# A case may have crashed the guest: a new VM for the next ones.
		if [ ! -f "$session/owner" ]; then
			err "no VM session in $session (start it with --start)"
			exit 125
		fi
		err "the VM session had stopped; starting a new one"
		[ -f "$session/console.log" ] && mv -f "$session/console.log" "$session/console.log.old"
		start_session || exit 125
	fi
	submit "$session" "$PWD" "$@" || exit 125
	# Killed by the test runner's time limit, say: kill the command too.
	trap ': > "$req/cancel"; wait_request "$req" "$pid" 3; rm -rf "$req"; exit 143' TERM
	trap ': > "$req/cancel"; wait_request "$req" "$pid" 3; rm -rf "$req"; exit 130' INT
	wait_request "$req" "$pid" "$limit"
	case $? in
	0)
		finish_request "$req"
		rc=$?
		rm -rf "$req"
		exit "$rc"
		;;
	1)
		[ -f "$req/stdout" ] && cat "$req/stdout"
		[ -f "$req/stderr" ] && cat "$req/stderr" >&2
		err "the VM stopped while running the command"
		show_console "$session"
		exit 125
		;;
	2)
		: > "$req/cancel"
		if ! wait_request "$req" "$pid" 5; then
			err "the guest does not answer; stopping the VM session"
			stop_qemu "$session" "$pid" 0
		fi
		[ -f "$req/stdout" ] && cat "$req/stdout"
		[ -f "$req/stderr" ] && cat "$req/stderr" >&2
		err "timed out after ${limit}s"
		rm -rf "$req"
		exit 124
		;;
	esac
fi

# --- run a command in a VM of its own -----------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tapvm.XXXXXX") || exit 125
qpid=""
cleanup()
{
	[ -n "$qpid" ] && stop_qemu "$tmp" "$qpid" 0
	[ $verbose = 1 ] && show_console "$tmp" 1000
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
mkdir "$tmp/ctl"
submit "$tmp" "$PWD" "$@" || exit 125
boot "$tmp" "$share" 1 || exit 125
wait_request "$req" "$qpid" "$limit"
case $? in
0)
	finish_request "$req"
	rc=$?
	# The guest powers off right after the status; do not wait long.
	stop_qemu "$tmp" "$qpid" 3
	exit "$rc"
	;;
1)
	[ -f "$req/stdout" ] && cat "$req/stdout"
	[ -f "$req/stderr" ] && cat "$req/stderr" >&2
	err "the VM stopped without running the command to its end"
	show_console "$tmp"
	exit 125
	;;
2)
	[ -f "$req/stdout" ] && cat "$req/stdout"
	[ -f "$req/stderr" ] && cat "$req/stderr" >&2
	err "timed out after ${limit}s"
	exit 124
	;;
esac
