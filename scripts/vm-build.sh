#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's kernel: a Linux 6.12 bzImage from the prepared tree
# build/linux-source-6.12 (with this project's kernel-overlay/ and patches),
# configured by tinyconfig + scripts/vm/kernel.config.
#
#   scripts/vm-build.sh [-f] [-v] [-j N] [--print]
#
#   -f        rebuild even if the cache has an image for these sources
#   -v        show the kernel build's output (default: a log file, whose
#             end is shown if the build fails)
#   -j N      parallel jobs (default: the number of CPUs)
#   --print   print the image's path if it is built and up to date, else
#             fail; build nothing
#
# The image goes to $PERF_TAP_VM_CACHE (default /var/cache/perf-tap/vm-kernel)
# under a key hashed from the config fragment, kernel-overlay/, the kernel
# parts of patches/ and the linux-source-6.12 version (scripts/vm/lib.sh).
# If that image exists, there is nothing to do. Otherwise the kernel is
# built out of tree (make O=) in a build directory kept in the cache, so a
# changed kernel file rebuilds in well under a minute; a clean build takes
# 8 to 40 minutes on 2 CPUs. A source tree without a build directory of its
# own (a new worktree) starts from a copy of another tree's, so that only
# the files that differ between the two trees are compiled again. The
# source tree itself is never cleaned or configured, so the perf build in
# it is not disturbed.
#
# Installs the Debian packages it needs (kernel build and qemu) when they
# are missing. Prints the image's path as its last line.

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=apt.sh
. "$(dirname "$0")/apt.sh"

# shellcheck source-path=SCRIPTDIR source=vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

PACKAGES=(gcc libc6-dev make bc flex bison libelf-dev dwarves qemu-system-x86)

force=0 verbose=0 print_only=0
jobs=$(nproc 2>/dev/null || echo 2)

say()
{
	echo "vm-build: $*"
}

die()
{
	echo "vm-build: error: $*" >&2
	exit 1
}

# The comment at the top of this file, after the SPDX line.
usage()
{
	awk 'NR > 3 && /^#/ { sub(/^# ?/, ""); print; next } NR > 3 { exit }' \
		"${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
	case $1 in
	-f | --force) force=1 ;;
	-v | --verbose) verbose=1 ;;
	-j) shift; jobs=${1:?-j needs a number} ;;
	-j*) jobs=${1#-j} ;;
	--print) print_only=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

key=$(vm_key)
image_dir=$(vm_image_dir "$key")
image=$image_dir/bzImage

if [ $print_only = 1 ]; then
	[ -f "$image" ] || die "no VM kernel for these sources (key $key): run make vm"
	echo "$image"
	exit 0
fi


install_packages "${PACKAGES[@]}"
if [ -f "$image" ] && [ $force = 0 ]; then
	say "up to date (key $key)"
	echo "$image"
	exit 0
fi

# The tree must hold exactly the sources the key was computed from.
"$VM_ROOT/scripts/prepare-tree.sh"

# One build directory per source tree (its path is in every object's
# command line, so two trees cannot share one without rebuilding all).
tree_id=$(printf '%s' "$VM_TREE" | sha256sum | cut -c1-12)
obj=$VM_CACHE/obj/$tree_id
mkdir -p "$obj" "$VM_CACHE/images" ||
	die "cannot create $obj (set PERF_TAP_VM_CACHE to a writable directory)"
printf '%s\n' "$VM_TREE" > "$VM_CACHE/obj/$tree_id.tree"

exec 9> "$obj.lock"
if ! flock -n 9; then
	say "waiting for another build in $obj"
	flock 9
fi
# Another build may have finished it while we waited.
if [ -f "$image" ] && [ $force = 0 ]; then
	say "up to date (key $key)"
	echo "$image"
	exit 0
fi

# What a build directory was built from, besides the configuration: the
# kernel source package's version, then the files of the tree (not under
# tools/) that differ from the package's, because an overlay or a patch
# changed them. Written after each build, read when seeding another tree's
# build directory from this one.
SOURCES=.perf-tap-sources
STATE=$VM_ROOT/build/.linux-source-6.12.state

source_version()
{
	echo "version $(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo none)"
}

changed_sources()
{
	local name

	source_version
	{
		[ -f "$STATE/overlay-files" ] && cat "$STATE/overlay-files"
		if [ -f "$STATE/patches/series" ]; then
			while IFS= read -r name; do
				sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$STATE/patches/$name"
			done < "$STATE/patches/series"
		fi
	} | grep -v '^tools/' | LC_ALL=C sort -u
}

# Seed this tree's new build directory from the newest other one built from
# the same package version. kbuild records the source tree's absolute path
# in every .cmd file (the commands and their dependencies), so the copy has
# that path replaced by this tree's; an unchanged command then rebuilds
# nothing. The files either tree changed (both source lists) are touched in
# this tree, so that make compiles them and what depends on them again;
# every other file is the package's, with the package's time stamp, in both
# trees. Objects that are not rebuilt keep the other tree's paths in their
# debug information, which nothing here reads.
seed()
{
	local d p seed="" seed_tree seed_re version start

	[ -f "$obj/vmlinux" ] && return 0
	version=$(source_version)
	while IFS= read -r d; do
		if [ "$d" != "$obj" ] && [ -f "$d/vmlinux" ] && [ -f "$d.tree" ] &&
		   [ "$(head -n 1 "$d/$SOURCES" 2>/dev/null)" = "$version" ]; then
			seed=$d
			break
		fi
	done < <(find "$VM_CACHE/obj" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' |
		 sort -rn | cut -d' ' -f2-)
	[ -n "$seed" ] || return 0
	# Not while another build writes it.
	exec 7> "$seed.lock"
	if ! flock -n 7; then
		exec 7>&-
		say "not seeding from $seed: it is being built"
		return 0
	fi
	read -r seed_tree < "$seed.tree"
	start=$(date +%s)
	say "seeding $obj from $seed (built from $seed_tree)"
	find "$obj" -mindepth 1 -delete
	cp -a "$seed/." "$obj/"
	exec 7>&-
	seed_re=$(printf '%s' "$seed_tree" | sed 's/[][\\.*^$|]/\\&/g')
	grep -rlIZ --fixed-strings -- "$seed_tree" "$obj" |
		xargs -0r sed -i "s|$seed_re|$VM_TREE|g"
	ln -sfn "$VM_TREE" "$obj/source"
	{ sed 1d "$seed/$SOURCES"; changed_sources | sed 1d; } | LC_ALL=C sort -u |
		while IFS= read -r p; do
			[ -e "$VM_TREE/$p" ] && touch "$VM_TREE/$p"
		done
	rm -f "$obj/$SOURCES" "$obj/arch/x86/boot/bzImage"
	say "seeded in $(($(date +%s) - start))s"
}

log=$obj/build.log
kmake()
{
	make -C "$VM_TREE" O="$obj" "$@"
}

# Configure: tinyconfig, then the fragment, then olddefconfig, in a scratch
# file; .config is replaced only when it changed, so that an unchanged
# configuration does not make kbuild recompile anything.
configure()
{
	local cfg=$obj/.config keep=$obj/.config.perf-tap-prev missing

	[ -f "$cfg" ] && cp -p "$cfg" "$keep"
	kmake -s tinyconfig > /dev/null
	(cd "$obj" && "$VM_TREE/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$cfg" "$VM_FRAGMENT" > "$obj/merge_config.log")
	kmake -s olddefconfig > /dev/null

	# Every option of the fragment must have survived: a missing
	# dependency would otherwise drop it without a word.
	missing=$(grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set)' "$VM_FRAGMENT" |
		while IFS= read -r line; do
			opt=${line#\# }
			opt=${opt%%[= ]*}
			if [[ $line == \#* ]]; then
				grep -q "^$opt=" "$cfg" && echo "  $line (but it is set)"
			else
				grep -qxF -- "$line" "$cfg" || echo "  $line (got: $(grep -E "^(# )?${opt}[= ]" "$cfg" || echo 'not in .config'))"
			fi
		done) || true
	if [ -n "$missing" ]; then
		echo "vm-build: error: options of $VM_FRAGMENT did not survive olddefconfig:" >&2
		printf '%s\n' "$missing" >&2
		exit 1
	fi

	if [ -f "$keep" ] && cmp -s "$keep" "$cfg"; then
		mv -f "$keep" "$cfg"
	else
		rm -f "$keep"
	fi
}

seed
start=$(date +%s)
say "building the VM kernel in $obj (key $key, -j$jobs)"
[ -f "$obj/vmlinux" ] || say "a clean build takes 8 to 40 minutes on 2 CPUs"
configure
if [ $verbose = 1 ]; then
	kmake -j"$jobs" bzImage 2>&1 | tee "$log"
else
	say "log: $log"
	if ! kmake -j"$jobs" bzImage > "$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "kernel build failed (log: $log)"
	fi
fi
release=$(kmake -s kernelrelease)
secs=$(($(date +%s) - start))
changed_sources > "$obj/$SOURCES"

tmp=$image_dir.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp"
cp "$obj/arch/x86/boot/bzImage" "$tmp/bzImage"
cp "$obj/.config" "$tmp/config"
cat > "$tmp/info" <<EOF
key $key
release $release
tree $VM_TREE
obj $obj
built $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${secs}s with -j$jobs
EOF
rm -rf "$image_dir"
mv "$tmp" "$image_dir"

# Keep the newest few images and build directories.
prune()
{
	local dir=$1 keep=$2 d
	find "$dir" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' |
		sort -rn | tail -n +$((keep + 1)) | cut -d' ' -f2- |
		while IFS= read -r d; do
			[ "$d" = "$obj" ] && continue
			# Not a build directory some other build holds right now.
			if [ -e "$d.lock" ]; then
				exec 8> "$d.lock"
				flock -n 8 || continue
			fi
			rm -rf "$d" "$d.lock" "$d.tree"
		done
}
prune "$VM_CACHE/images" 8
prune "$VM_CACHE/obj" 3

say "built $release in ${secs}s"
echo "$image"
