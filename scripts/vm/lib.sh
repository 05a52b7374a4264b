# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # the variables are for the sourcing script
#
# Shared by scripts/vm-build.sh and scripts/vm-run.sh: where the VM kernel
# lives and which one belongs to the current sources. Source it; it sets
# VM_ROOT, VM_TREE, VM_FRAGMENT and VM_CACHE and defines vm_key and
# vm_image_dir.
#
# The kernel is cached outside the repository, in $VM_CACHE (default
# /var/cache/perf-tap/vm-kernel; PERF_TAP_VM_CACHE overrides it), so that it
# survives `make distclean` and fresh clones on the same machine:
#
#   $VM_CACHE/images/KEY/bzImage   a finished kernel, KEY from vm_key
#   $VM_CACHE/images/KEY/info      how and when it was built
#   $VM_CACHE/obj/TREEID/          the out-of-tree (make O=) build directory
#                                  of one source tree, reused so that a
#                                  changed kernel file rebuilds in seconds

VM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_TREE=$VM_ROOT/build/linux-source-6.12
VM_FRAGMENT=$VM_ROOT/scripts/vm/kernel.config
VM_CACHE=${PERF_TAP_VM_CACHE:-/var/cache/perf-tap/vm-kernel}

# Bump when vm-build.sh builds differently, so cached images are redone.
VM_RECIPE=1

# The parts of a quilt patch that are not under tools/: "diff --git"
# sections whose path does not start with tools/, without the trailing
# "-- " signature (it names the git version that wrote the patch).
vm_kernel_hunks()
{
	awk '
		/^diff --git / { keep = ($3 !~ /^a\/tools\//); }
		/^-- $/ { keep = 0 }
		keep { print }
	' "$1"
}

# The cache key of the VM kernel: a hash of everything that goes into the
# bzImage and comes from this repository or the machine's kernel source
# package. Changes under tools/ (perf, libbpf, selftests) do not count.
vm_key()
{
	local name p version

	version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
		version=$(stat -c '%s %Y' /usr/src/linux-source-6.12.tar.xz 2>/dev/null) ||
		version=none
	{
		echo "recipe $VM_RECIPE"
		echo "linux-source-6.12 $version"
		echo "fragment"
		cat "$VM_FRAGMENT"
		if [ -d "$VM_ROOT/kernel-overlay" ]; then
			(cd "$VM_ROOT/kernel-overlay" &&
				find . -type f ! -name .gitkeep ! -path './tools/*' -printf '%P\n' |
				LC_ALL=C sort) |
			while IFS= read -r p; do
				echo "overlay $p"
				cat "$VM_ROOT/kernel-overlay/$p"
			done
		fi
		if [ -f "$VM_ROOT/patches/series" ]; then
			sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' \
				"$VM_ROOT/patches/series" |
			while IFS= read -r name; do
				[ -f "$VM_ROOT/patches/$name" ] || continue
				p=$(vm_kernel_hunks "$VM_ROOT/patches/$name")
				# A patch of tools/ only does not count at all.
				if [ -n "$p" ]; then
					printf 'patch %s\n%s\n' "$name" "$p"
				fi
			done
		fi
	} | sha256sum | cut -c1-16
}

# The directory of the image for KEY (it may not exist).
vm_image_dir()
{
	echo "$VM_CACHE/images/$1"
}
