# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the scripts that need Debian packages: install_packages installs
# those of "$@" that are missing, refreshing the package lists at most once
# (.ci/run may have done it already).  Uses the caller's say and die.

install_packages()
{
	local missing=() p status

	for p in "$@"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || status=
		[ "$status" = installed ] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0

	say "installing ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || die "need root to install: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if [ -z "${PERF_TAP_APT_UPDATED:-}" ]; then
		apt-get update -q
		export PERF_TAP_APT_UPDATED=1
	fi
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}
