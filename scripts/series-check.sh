#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make series-check: prove that the series in build/series (make series)
# is what a maintainer can take:
#
#  1. unpack a fresh linux-source-6.12 into build/series-check/, git init
#     and commit it,
#  2. git am every patch of the series (each must apply cleanly),
#  3. at every patch, build what it touches: perf (always, incrementally in
#     one output directory, with the Makefile's PERF_FLAGS), the man pages
#     of tools/perf/Documentation it adds, bpftool when tools/bpf/bpftool
#     changes, and the kernel when a file outside tools/ changes (see
#     SERIES_KERNEL),
#  4. run scripts/checkpatch.pl --strict over every patch: no errors, and
#     every warning and check of a type the cover letter justifies.  It
#     runs during the builds, in a second checkout of the last commit.
#
# The compilers run through ccache (Documentation/series.md, "ccache"):
# with the cache of make's perf build, only the files that differ from the
# ones built there are compiled again.  A hit needs the same preprocessed
# sources and flags; no object is ever taken from another tree's build
# directory, and every dependency file must name files of this tree only.
#
# Environment:
#   PERF_FLAGS     the perf build's make variables (the Makefile passes its own)
#   SERIES         the series directory (default build/series)
#   SERIES_KERNEL  objects (default): at a kernel patch, compile the .c files
#                  it touches (and their directories' built-in.a when it
#                  touches a Makefile or a header) with the VM kernel's
#                  config; full: build the whole bzImage at every kernel
#                  patch (8 to 16 minutes the first time on 2 CPUs);
#                  0: no kernel builds (the vm tier builds the last one)
#   SERIES_BUILD   0: build nothing (git am and checkpatch only)
#   SERIES_CCACHE  0: compile without ccache
#   CCACHE_DIR     the cache (default /var/cache/perf-tap/ccache, as make's)
#   SERIES_CHECK_DIR  the work directory (default build/series-check)
#   JOBS           parallel jobs (default: the number of CPUs)
#
# Builds run under nice -n 10.  Prints a line per step with its time and a
# summary; the checkpatch report is kept in build/series-check/checkpatch.txt.

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=apt.sh
. "$(dirname "$0")/apt.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SERIES=${SERIES:-$ROOT/build/series}
WORK=${SERIES_CHECK_DIR:-$ROOT/build/series-check}
TREE_NAME=linux-source-6.12
TREE=$WORK/$TREE_NAME
TARBALL=/usr/src/$TREE_NAME.tar.xz
PERF_OUT=$WORK/perf
KOBJ=$WORK/kernel
BPFTOOL_OUT=$WORK/bpftool/
LOG=$WORK/log
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
SERIES_KERNEL=${SERIES_KERNEL:-objects}
SERIES_BUILD=${SERIES_BUILD:-1}
SERIES_CCACHE=${SERIES_CCACHE:-1}
CHECKPATCH_TREE=$WORK/checkpatch-tree
read -r -a PERF_FLAGS <<< "${PERF_FLAGS:-}"

# checkpatch runs scripts/spdxcheck.py, which needs ply and GitPython.
PACKAGES=(git patch perl python3-ply python3-git gcc make flex bison bc libelf-dev ccache)

# /usr/bin first: spdxcheck.py and asciidoc run "python3", which a pyenv
# or venv python3 earlier in $PATH may lack the modules for.
export PATH=/usr/bin:/bin:$PATH

start_all=$(date +%s)

say()
{
	echo "series-check: $*"
}

die()
{
	echo "series-check: error: $*" >&2
	exit 1
}

# step NAME CMD...: run CMD with its output in $LOG/NAME.log; on failure
# show the log's end and stop.
step()
{
	local name=$1 t0 secs
	shift
	t0=$(date +%s)
	if ! "$@" > "$LOG/$name.log" 2>&1; then
		tail -n 40 "$LOG/$name.log" >&2
		die "$name failed (log: ${LOG#"$ROOT"/}/$name.log)"
	fi
	secs=$(($(date +%s) - t0))
	say "$name: ok (${secs}s)"
}

install_packages "${PACKAGES[@]}"

# ccache, set up as make's perf build sets it up (the Makefile): base_dir
# is this work directory, whose tree and perf output sit at the same depth
# as build/linux-source-6.12 and build/perf, so the relative paths ccache
# hashes are those of make's build.  Kernel objects are cached too, for
# the next run.
CC_ARGS=()
export CCACHE_DIR=${CCACHE_DIR:-/var/cache/perf-tap/ccache}
if [ "$SERIES_CCACHE" != 0 ] && mkdir -p "$CCACHE_DIR" 2> /dev/null &&
   [ -w "$CCACHE_DIR" ]; then
	export CCACHE_BASEDIR=$WORK CCACHE_IGNOREOPTIONS='-Wp,-MT,*' CCACHE_NOHASHDIR=1
	CC_ARGS=(CC="ccache gcc")
fi

# ccache's hits and misses so far, for the summary (other builds that use
# the cache at the same time count too).
ccache_counts()
{
	[ ${#CC_ARGS[@]} -gt 0 ] || return 0
	ccache --print-stats 2> /dev/null | awk -F'\t' '
		$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { h += $2 }
		$1 == "cache_miss" { m += $2 }
		END { print h + 0, m + 0 }'
}

mapfile -t patches < <(find "$SERIES" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
	! -name '0000-cover-letter.patch' | sort)
[ ${#patches[@]} -gt 0 ] || die "no patches in $SERIES (run make series)"
cover=$SERIES/0000-cover-letter.patch
[ -f "$cover" ] || die "$cover not found (run make series)"
[ -f "$TARBALL" ] || die "$TARBALL not found (package $TREE_NAME)"

# ---- 1. a fresh pristine tree -------------------------------------------------

if [ -d "$WORK" ]; then
	t0=$(date +%s)
	rm -rf "$WORK"
	say "the previous run's ${WORK#"$ROOT"/} removed ($(($(date +%s) - t0))s)"
fi
mkdir -p "$WORK" "$LOG"

export GIT_AUTHOR_NAME="series-check" GIT_AUTHOR_EMAIL="series-check@localhost"
export GIT_COMMITTER_NAME="series-check" GIT_COMMITTER_EMAIL="series-check@localhost"

unpack()
{
	tar -C "$WORK" -xf "$TARBALL"
	[ -d "$TREE" ] || { echo "$TARBALL has no top directory $TREE_NAME"; return 1; }
	git -C "$TREE" init -q
	git -C "$TREE" config core.autocrlf false
	git -C "$TREE" config gc.auto 0
	# -f: the tarball has files that the kernel's .gitignore files name
	git -C "$TREE" add -A -f
	git -C "$TREE" commit -q --no-verify -m "$TREE_NAME (pristine)"
	git -C "$TREE" tag pristine
}
step unpack unpack

# ---- 2. git am ---------------------------------------------------------------

apply_series()
{
	git -C "$TREE" am -q --whitespace=error-all "${patches[@]}"
}
if ! apply_series > "$LOG/am.log" 2>&1; then
	cat "$LOG/am.log" >&2
	git -C "$TREE" am --abort > /dev/null 2>&1 || true
	die "the series does not apply with git am"
fi
mapfile -t commits < <(git -C "$TREE" rev-list --reverse pristine..HEAD)
[ ${#commits[@]} -eq ${#patches[@]} ] ||
	die "git am made ${#commits[@]} commits of ${#patches[@]} patches"
say "git am: ${#patches[@]} patches apply"

# ---- 3. checkpatch, in the background ----------------------------------------

# checkpatch's report of patch P, one line per finding, with the file of the
# patch it is about: "FILE: LEVEL:TYPE: message (PATCH:LINE)"; FILE is
# "(commit message)" before the first diff.
checkpatch_one()
{
	local p=$1 name
	name=$(basename "$p")
	# checkpatch exits 1 when it has anything to say; its summary tells.
	(cd "$CHECKPATCH_TREE" && ./scripts/checkpatch.pl --strict --show-types --terse "$p" || true) 2>&1 |
	awk -v name="$name" '
		FNR == NR {
			if ($0 ~ /^diff --git a\//) {
				f = $3
				sub(/^a\//, "", f)
			}
			file[FNR] = f
			next
		}
		/^total: / { print "total " $2 " " $4 " " $6; next }
		{
			n = split($0, a, ":")
			if (n < 4 || a[2] !~ /^[0-9]+$/) {
				print "other " $0
				next
			}
			msg = $0
			sub(/^[^:]*:[0-9]+: /, "", msg)
			f = file[a[2] + 0]
			print (f == "" ? "(commit message)" : f) ": " msg " (" name ":" a[2] ")"
		}' "$p" -
}

# Every patch's report in $WORK/checkpatch.d/, JOBS at a time, in a second
# checkout of the last commit: the builds check the others out in $TREE,
# and checkpatch reads the tree (scripts/, LICENSES/ through git, headers
# it looks for).  Its own time goes to checkpatch.d/time.
run_checkpatch()
{
	local p running=0 t0

	t0=$(date +%s)
	mkdir -p "$WORK/checkpatch.d"
	git -C "$TREE" worktree add -q --detach "$CHECKPATCH_TREE" HEAD || return 1
	for p in "${patches[@]}"; do
		if [ $running -ge "$JOBS" ]; then
			wait -n || return 1
			running=$((running - 1))
		fi
		checkpatch_one "$p" > "$WORK/checkpatch.d/$(basename "$p").txt" &
		running=$((running + 1))
	done
	while [ $running -gt 0 ]; do
		wait -n || return 1
		running=$((running - 1))
	done
	echo $(($(date +%s) - t0)) > "$WORK/checkpatch.d/time"
}

# Its own process group (set -m), at the lowest priority: it takes the CPU
# time the builds leave, and a failed build stops it.
set -m
(renice -n 19 -p "$BASHPID" > /dev/null; run_checkpatch) > "$LOG/checkpatch.log" 2>&1 &
checkpatch_pid=$!
set +m
trap '[ -z "${checkpatch_pid:-}" ] || kill -- -"$checkpatch_pid" 2> /dev/null || true' EXIT

# ---- 4. build at every patch ----------------------------------------------------

build_perf()
{
	mkdir -p "$PERF_OUT"
	nice -n 10 make -C "$TREE/tools/perf" O="$PERF_OUT" "${CC_ARGS[@]}" \
		"${PERF_FLAGS[@]}" JOBS="$JOBS" && check_deps "$PERF_OUT"
}

# check_deps DIR: every file that the dependency lists of DIR's objects
# (the .*.cmd files fixdep writes) name by an absolute path must be in
# this work directory or a system one.  An object compiled from another
# tree's files, or a cache hit whose dependencies point there, would make
# the next incremental build miss this tree's changes.
check_deps()
{
	local bad

	bad=$(find "$1" -name '.*.cmd' -exec awk -v work="$WORK/" '
		/^source_/ { f = $3 }
		/^  [^ ]+ \\$/ { f = $1 }
		f ~ /^\// && index(f, work) != 1 && f !~ /^\/usr\// {
			print FILENAME ": " f
		}
		{ f = "" }' {} + | sed -n 1,5p)
	[ -z "$bad" ] || { echo "dependencies outside $WORK:"; echo "$bad"; return 1; }
}

# The man pages of the tools/perf/Documentation/perf*.txt files a patch
# touches.
build_man()
{
	local txt
	for txt in "$@"; do
		nice -n 10 make -C "$TREE/tools/perf/Documentation" O="$PERF_OUT" \
			"$PERF_OUT/$(basename "$txt" .txt).1" || return 1
	done
}

build_bpftool()
{
	mkdir -p "$BPFTOOL_OUT"
	nice -n 10 make -C "$TREE/tools/bpf/bpftool" OUTPUT="$BPFTOOL_OUT" "${CC_ARGS[@]}" \
		-j"$JOBS"
}

kmake()
{
	nice -n 10 make -C "$TREE" O="$KOBJ" "${CC_ARGS[@]}" -j"$JOBS" "$@"
}

configure_kernel()
{
	[ -f "$KOBJ/.config" ] && return 0
	mkdir -p "$KOBJ"
	kmake -s tinyconfig
	(cd "$KOBJ" && "$TREE/scripts/kconfig/merge_config.sh" -m -O "$KOBJ" \
		"$KOBJ/.config" "$ROOT/scripts/vm/kernel.config")
	kmake -s olddefconfig
}

# build_kernel PATH...: the kernel files a patch touches.
build_kernel()
{
	local p targets=()

	configure_kernel || return 1
	if [ "$SERIES_KERNEL" = full ]; then
		kmake bzImage
		return
	fi
	for p in "$@"; do
		case $p in
		*.c) targets+=("${p%.c}.o") ;;
		*/Makefile | */Kbuild | *.h) targets+=("$(dirname "$p")/") ;;
		esac
	done
	# A header under include/ is built by the users the patch touches;
	# alone, it gets kernel/bpf/ and kernel/trace/ built against it.
	if [ ${#targets[@]} -eq 0 ]; then
		targets=(kernel/bpf/ kernel/trace/)
	fi
	mapfile -t targets < <(printf '%s\n' "${targets[@]}" |
		sed -e 's|^include/.*|kernel/bpf/|' -e 's|^arch/[^/]*/include/.*|kernel/bpf/|' |
		sort -u)
	kmake "${targets[@]}" && check_deps "$KOBJ"
}

kernel_note=""
n=0
read -r hits0 misses0 < <(ccache_counts; echo)
[ "$SERIES_BUILD" != 0 ] || commits=()
for c in "${commits[@]}"; do
	n=$((n + 1))
	subject=$(git -C "$TREE" log -1 --format=%s "$c")
	git -C "$TREE" checkout -q "$c"
	mapfile -t files < <(git -C "$TREE" diff-tree --no-commit-id --name-only -r "$c")
	tag=$(printf '%02d' $n)
	say "[$n/${#commits[@]}] $subject"

	kfiles=() docs=() bpftool=0
	for f in "${files[@]}"; do
		case $f in
		# man pages (perf's MAN1_TXT); perf.data-file-format.txt and the
		# like are not
		tools/perf/Documentation/perf-*.txt | tools/perf/Documentation/perf.txt)
			docs+=("$f") ;;
		tools/bpf/bpftool/*) bpftool=1 ;;
		tools/*) ;;
		*) kfiles+=("$f") ;;
		esac
	done
	if [ ${#kfiles[@]} -gt 0 ]; then
		if [ "$SERIES_KERNEL" = 0 ]; then
			kernel_note="kernel patches not built here (SERIES_KERNEL=0)"
		else
			step "$tag-kernel" build_kernel "${kfiles[@]}"
		fi
	fi
	step "$tag-perf" build_perf
	[ ${#docs[@]} -eq 0 ] || step "$tag-man" build_man "${docs[@]}"
	[ $bpftool = 0 ] || step "$tag-bpftool" build_bpftool
done

# ---- 5. checkpatch's findings ---------------------------------------------------

report=$WORK/checkpatch.txt
t0=$(date +%s)
if ! wait "$checkpatch_pid"; then
	tail -n 20 "$LOG/checkpatch.log" >&2
	die "checkpatch did not run (log: ${LOG#"$ROOT"/}/checkpatch.log)"
fi
checkpatch_pid=
say "checkpatch: ok ($(cat "$WORK/checkpatch.d/time")s in the background," \
	"$(($(date +%s) - t0))s waited for after the builds)"
for p in "${patches[@]}"; do
	cat "$WORK/checkpatch.d/$(basename "$p").txt"
done > "$report"
rm -rf "$CHECKPATCH_TREE"
git -C "$TREE" worktree prune
read -r errors warnings checks < <(awk '
	$1 == "total" { e += $2; w += $3; c += $4 }
	END { print e + 0, w + 0, c + 0 }' "$report")
sed -i '/^total /d' "$report"
if grep -q '^other ' "$report"; then
	grep '^other ' "$report" >&2
	die "checkpatch said something this script does not understand"
fi

# What the cover letter allows: the types it justifies (its lines
# " - TYPE: why"), and what patches/upstream-cover.txt lists as pending
# ("#pending: TYPE FILE..."): known findings in files that others are
# changing right now, to be fixed before the series is sent.
cover_src=$ROOT/patches/upstream-cover.txt
mapfile -t justified < <(sed -n 's/^ - \([A-Z][A-Z0-9_]*\): .*/\1/p' "$cover" | sort -u)
declare -A pending=()
while read -r _ type files; do
	for f in $files; do
		pending[$type $f]=1
	done
done < <(grep '^#pending: ' "$cover_src" || true)

unjustified=() waiting=()
while IFS= read -r line; do
	file=${line%%: *}
	rest=${line#*: }
	level=${rest%%:*}
	type=${rest#*:}
	type=${type%%:*}
	[ "$level" = ERROR ] && continue
	if printf '%s\n' "${justified[@]}" | grep -qx -- "$type"; then
		continue
	elif [ -n "${pending[$type $file]:-}" ]; then
		waiting+=("$line")
	else
		unjustified+=("$line")
	fi
done < "$report"

echo
echo "checkpatch.pl --strict: $errors errors, $warnings warnings, $checks checks" \
	"(${report#"$ROOT"/})"
sed 's/^\([^:]*\): \([A-Z]*\):\([A-Z0-9_]*\):.*/\1 \2:\3/' "$report" | sort | uniq -c |
	sort -k2,2 -k1,1rn | sed 's/^/  /'
status=0
if [ "$errors" -gt 0 ]; then
	grep ': ERROR:' "$report" >&2
	echo "series-check: error: checkpatch reports $errors errors" >&2
	status=1
fi
if [ ${#waiting[@]} -gt 0 ]; then
	say "pending (patches/upstream-cover.txt #pending:, to fix before sending):" \
		"${#waiting[@]} findings"
fi
if [ ${#unjustified[@]} -gt 0 ]; then
	echo "series-check: error: findings of a type the cover letter does not justify," \
		"in a file not listed as pending (patches/upstream-cover.txt):" >&2
	printf '  %s\n' "${unjustified[@]}" >&2
	status=1
fi
[ -z "$kernel_note" ] || say "note: $kernel_note"
if [ -n "${hits0:-}" ] && read -r hits misses < <(ccache_counts) && [ -n "${hits:-}" ]; then
	say "ccache: $((hits - hits0)) compilations from the cache, $((misses - misses0)) compiled"
fi
[ "$SERIES_BUILD" != 0 ] || say "note: nothing was built (SERIES_BUILD=0)"

secs=$(($(date +%s) - start_all))
if [ $status = 0 ]; then
	built="build one by one"
	[ "$SERIES_BUILD" != 0 ] || built="(not built)"
	say "ok: ${#patches[@]} patches apply, $built and pass checkpatch" \
		"($((secs / 60)) min $((secs % 60)) s)"
else
	say "FAILED after $((secs / 60)) min $((secs % 60)) s"
fi
exit $status
