#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dcsnoop, the example of Documentation/language.md's "Kernel data":
# lookup_fast(struct nameidata *nd) names each path component looked up
# through nd->last.name, and d_lookup(parent, const struct qstr *name)
# returning NULL is a miss of the dentry cache.  A file that does not
# exist, looked up twice, is two lookups and at least one miss (the first;
# the second may find the negative dentry).  Runs in the VM (kprobes).
#! needs: kprobes btf

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

cat > dcsnoop.tap <<'TAP'
trace probe:lookup_fast {
	refs[kernel_string(arg.nd->last.name)] += 1
}
trace probe:d_lookup {
	looking[tid] = kernel_string(arg.name->name)
}
trace probe:d_lookup%return /tid in looking/ {
	if ($retval == 0) {
		printf("%-7d %-16s M %s\n", pid, execname, looking[tid])
		misses[looking[tid]] += 1
	}
	delete(looking[tid])
}
trace_end {
	printf("%d lookups of %s, %d misses\n", refs["dcsnoop-missing"], "dcsnoop-missing",
	       misses["dcsnoop-missing"] > 0)
}
TAP
missing=$PWD/dcsnoop-missing
"$PERF" tap dcsnoop.tap -- sh -c "cat $missing 2> /dev/null; cat $missing 2> /dev/null; true" \
	> out 2> err || fail "perf tap failed: $(cat err)"
grep -qE '^[0-9]+ +cat +M dcsnoop-missing$' out || fail "no miss by cat in: $(cat out)"
expect_eq "summary" "2 lookups of dcsnoop-missing, 1 misses" "$(tail -n 1 out)"
exit 0
