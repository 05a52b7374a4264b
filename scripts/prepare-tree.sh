#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare build/linux-source-6.12 for building perf tap:
#
#  1. install the Debian packages the build needs (only if missing),
#  2. unpack /usr/src/linux-source-6.12.tar.xz once,
#  3. lay kernel-overlay/ and tools-perf-overlay/ over the tree, copying only
#     files whose content differs so that make rebuilds only what changed,
#  4. apply patches/series, reversing previously applied patches first when
#     the series or one of its patches changed,
#  5. mount tracefs, debugfs and bpffs if they are not mounted.
#
# Safe to run again and again; a run with nothing to do takes well under a
# second.

set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=apt.sh
. "$(dirname "$0")/apt.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
TREE_NAME=linux-source-6.12
TREE=$BUILD/$TREE_NAME
TARBALL=/usr/src/$TREE_NAME.tar.xz
STAMP=$BUILD/.$TREE_NAME.unpacked
# What this script did to the tree: applied patches, overlay files.
STATE=$BUILD/.$TREE_NAME.state
OVERLAYS=(kernel-overlay tools-perf-overlay)

PACKAGES=(
	"$TREE_NAME" gcc libc6-dev make patch flex bison pkg-config
	libelf-dev libdw-dev libtraceevent-dev zlib1g-dev python3 xz-utils
	bpftool shellcheck
	# perf's objects compiled once per machine (Makefile, PERF_CC)
	ccache
	# man page: asciidoc -> docbook -> xmlto -> troff, read with man
	asciidoc-base xmlto docbook-xml docbook-xsl xsltproc man-db
	# make fuzz: libFuzzer and the sanitizer runtimes come with clang's
	# compiler-rt, which clang-14 only recommends
	clang-14 libclang-rt-14-dev
)

say()
{
	echo "prepare-tree: $*"
}

die()
{
	echo "prepare-tree: error: $*" >&2
	exit 1
}


tarball_id()
{
	stat -c '%s %Y' "$TARBALL"
}

unpack_tree()
{
	[ -f "$TARBALL" ] || die "$TARBALL not found (package $TREE_NAME)"
	if [ -d "$TREE" ] && [ -f "$STAMP" ] &&
	   [ "$(cat "$STAMP")" = "$(tarball_id)" ]; then
		return 0
	fi

	say "unpacking $TARBALL"
	mkdir -p "$BUILD"
	rm -f "$STAMP"
	rm -rf "$TREE" "$STATE" "$BUILD/.unpack.tmp"
	mkdir "$BUILD/.unpack.tmp"
	tar -C "$BUILD/.unpack.tmp" -xf "$TARBALL"
	[ -d "$BUILD/.unpack.tmp/$TREE_NAME" ] ||
		die "$TARBALL has no top directory $TREE_NAME"
	mv "$BUILD/.unpack.tmp/$TREE_NAME" "$TREE"
	rmdir "$BUILD/.unpack.tmp"
	tarball_id > "$STAMP"
}

# Lay the overlays over the tree. $STATE/overlay-files lists the tree paths
# that came from an overlay, and $STATE/overlay-orig/ keeps the upstream
# version of any file an overlay replaced, so that a file removed from an
# overlay is removed from (or restored in) the tree too.
lay_overlays()
{
	local manifest=$STATE/overlay-files new=$STATE/overlay-files.new
	local orig=$STATE/overlay-orig
	local dir p src dst

	mkdir -p "$STATE" "$orig"
	touch "$manifest"
	: > "$new"
	for dir in "${OVERLAYS[@]}"; do
		[ -d "$ROOT/$dir" ] || continue
		(cd "$ROOT/$dir" && find . -type f ! -name .gitkeep -printf '%P\n')
	done | sort > "$new"
	p=$(uniq -d "$new" | head -n 1)
	[ -z "$p" ] || die "$p is in more than one overlay"

	for dir in "${OVERLAYS[@]}"; do
		[ -d "$ROOT/$dir" ] || continue
		while IFS= read -r p; do
			src=$ROOT/$dir/$p
			dst=$TREE/$p
			if [ -e "$dst" ] && ! grep -qxF -- "$p" "$manifest" &&
			   [ ! -e "$orig/$p" ]; then
				mkdir -p "$(dirname "$orig/$p")"
				cp -p "$dst" "$orig/$p"
			fi
			if ! cmp -s "$src" "$dst"; then
				mkdir -p "$(dirname "$dst")"
				cp "$src" "$dst"
				say "overlay $p"
			fi
			# Keep the executable bit (perf lints executable shell tests).
			if [ -x "$src" ] && [ ! -x "$dst" ]; then
				chmod +x "$dst"
			elif [ ! -x "$src" ] && [ -x "$dst" ]; then
				chmod -x "$dst"
			fi
		done < <(cd "$ROOT/$dir" && find . -type f ! -name .gitkeep -printf '%P\n')
	done

	# Files that left the overlays: restore upstream's or remove ours.
	while IFS= read -r p; do
		dst=$TREE/$p
		if [ -e "$orig/$p" ]; then
			# A fresh mtime, so that make notices.
			cp "$orig/$p" "$dst"
			rm -f "$orig/$p"
			say "restored upstream $p"
		else
			rm -f "$dst"
			rmdir -p --ignore-fail-on-non-empty "$(dirname "$dst")" \
				2>/dev/null || true
			say "removed $p"
		fi
	done < <(comm -23 "$manifest" "$new")
	mv "$new" "$manifest"
}

read_series()
{
	# Names, one a line; blank lines and # comments ignored.
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1"
}

run_patch()
{
	local what=$1 file=$2
	shift 2

	if ! patch -d "$TREE" -p1 --batch --silent --no-backup-if-mismatch \
		   --dry-run "$@" < "$file" > "$STATE/patch.log" 2>&1; then
		cat "$STATE/patch.log" >&2
		die "$what does not apply"
	fi
	patch -d "$TREE" -p1 --batch --silent --no-backup-if-mismatch \
		"$@" < "$file"
}

# The files a patch changes, one a line.
patch_files()
{
	sed -n -e 's|^--- a/\([^[:space:]]*\).*|\1|p' -e 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$1"
}

# $STATE/patches/series lists the applied patches, in order, and
# $STATE/patches/ keeps a copy of each as it was applied.
apply_patches()
{
	local dir=$STATE/patches applied=() wanted=() i j name

	mkdir -p "$dir"
	touch "$dir/series"
	mapfile -t applied < "$dir/series"
	if [ -f "$ROOT/patches/series" ]; then
		mapfile -t wanted < <(read_series "$ROOT/patches/series")
	fi

	for name in "${wanted[@]}"; do
		case $name in
		*/*)	die "patches/series: $name: no directories, please";;
		esac
		[ -f "$ROOT/patches/$name" ] || die "patches/$name not found"
	done

	# Keep the longest unchanged prefix of the series.
	i=0
	while [ $i -lt ${#applied[@]} ] && [ $i -lt ${#wanted[@]} ] &&
	      [ "${applied[$i]}" = "${wanted[$i]}" ] &&
	      cmp -s "$dir/${applied[$i]}" "$ROOT/patches/${wanted[$i]}"; do
		i=$((i + 1))
	done

	# Files that the patches to revert or apply touch: copies with their
	# time stamps, so that a file the new patches leave as it was gets its
	# old time stamp back and make does not rebuild what depends on it.
	rm -rf "$STATE/keep"
	mkdir -p "$STATE/keep"
	{
		for ((j = i; j < ${#applied[@]}; j++)); do
			patch_files "$dir/${applied[$j]}"
		done
		for ((j = i; j < ${#wanted[@]}; j++)); do
			patch_files "$ROOT/patches/${wanted[$j]}"
		done
	} | sort -u | while IFS= read -r p; do
		if [ -f "$TREE/$p" ]; then
			mkdir -p "$STATE/keep/$(dirname "$p")"
			cp -p "$TREE/$p" "$STATE/keep/$p"
		fi
	done

	for ((j = ${#applied[@]} - 1; j >= i; j--)); do
		name=${applied[$j]}
		say "reverting $name"
		run_patch "reverting $name" "$dir/$name" -R
		rm -f "$dir/$name"
		head -n "$j" "$dir/series" > "$dir/series.new"
		mv "$dir/series.new" "$dir/series"
	done

	for ((j = i; j < ${#wanted[@]}; j++)); do
		name=${wanted[$j]}
		say "applying $name"
		run_patch "patches/$name" "$ROOT/patches/$name" --forward
		cp "$ROOT/patches/$name" "$dir/$name"
		echo "$name" >> "$dir/series"
	done

	(cd "$STATE/keep" && find . -type f -printf '%P\n') | while IFS= read -r p; do
		if cmp -s "$STATE/keep/$p" "$TREE/$p"; then
			touch -r "$STATE/keep/$p" "$TREE/$p"
		fi
	done
	rm -rf "$STATE/keep"
}

install_packages "${PACKAGES[@]}"
mkdir -p "$BUILD"
# One at a time: several make runs may share this work tree.
exec 9> "$BUILD/.prepare-tree.lock"
flock 9
unpack_tree
lay_overlays
apply_patches
"$ROOT/scripts/mount-fs.sh" ||
	say "warning: could not mount tracefs/debugfs/bpffs (needed to run, not to build)"
