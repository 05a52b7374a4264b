#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kprobe arguments by name, typed from the function's BTF prototype:
# vfs_open(const struct path *path, struct file *file) follows
# path->dentry->d_name.name to the name of each file the workload opens
# and file->f_cred to the opener's uid;
# tcp_v4_connect's struct sockaddr *uaddr, cast to a sockaddr_in, gives
# the address a loopback connection the test makes goes to; $retval of
# alloc_empty_file%return is a struct file * whose credentials are the
# opener's.  Runs in the VM (kprobes).
#! needs: kprobes btf
#! requires: command -v python3

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

cat > files.tap <<'TAP'
trace probe:vfs_open {
	names[kernel_string(arg.path->dentry->d_name.name)] += 1
	opens += 1
	mine_open += arg.file->f_cred->uid.val == uid
}
trace probe:alloc_empty_file%return /$retval != 0/ {
	files += 1
	mine += $retval->f_cred->uid.val == uid
}
trace_end {
	printf("hostname %d, creds %d, files %d\n", names["hostname"], opens == mine_open,
	       files == mine)
}
TAP
"$PERF" tap files.tap -- "$WORKLOAD" open /etc/hostname 3 > out 2> err ||
	fail "perf tap files.tap failed: $(cat err)"
expect_eq "vfs_open" "hostname 3, creds 1, files 1" "$(cat out)"

# the guest may start with its loopback interface down
ip link set lo up 2> /dev/null || ifconfig lo up 2> /dev/null || true
cat > conn.py <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
c = socket.create_connection(("127.0.0.1", s.getsockname()[1]))
print("port", s.getsockname()[1])
c.close(); s.close()
PY
cat > connect.tap <<'TAP'
trace probe:tcp_v4_connect {
	var sin = (struct sockaddr_in *)arg.uaddr
	printf("connect %s %d family %d\n", ntop(sin->sin_addr.s_addr),
	       (sin->sin_port & 0xff) << 8 | sin->sin_port >> 8, arg.sk->__sk_common.skc_family)
}
TAP
"$PERF" tap connect.tap -- python3 conn.py > out 2> err ||
	fail "perf tap connect.tap failed: $(cat err)"
port=$(sed -n 's/^port //p' out)
grep -qxF "connect 127.0.0.1 $port family 2" out || fail "no connect line for port $port in: $(cat out)"

# IPv6 in RFC 5952's form: of two runs of two zero groups the first is '::'
if ip -6 addr add 2001:db8:0:0:1::1/128 dev lo 2> /dev/null; then
	cat > conn6.py <<'PY'
import socket
s = socket.socket(socket.AF_INET6)
s.bind(("2001:db8:0:0:1::1", 0))
s.listen(1)
c = socket.create_connection(("2001:db8:0:0:1::1", s.getsockname()[1]))
c.close(); s.close()
PY
	"$PERF" tap -e 'trace probe:tcp_v6_connect {
		print(ntop(10, ((struct sockaddr_in6 *)arg.uaddr)->sin6_addr))
	}' -- python3 conn6.py > out 2> err || fail "perf tap tcp_v6_connect failed: $(cat err)"
	expect_eq "ntop of 2001:db8:0:0:1::1" "2001:db8::1:0:0:1" "$(cat out)"
	ip -6 addr del 2001:db8:0:0:1::1/128 dev lo
else
	note "no IPv6 in the guest: ntop() of IPv6 not checked"
fi

# a return probe has no arguments by name; a function has only its own
"$PERF" tap -e 'trace probe:vfs_open%return { print(arg.path) }' > /dev/null 2> err && fail "accepted"
expect_eq "return probe" \
	"<cmdline>:1:37: error: 'arg.path' in a return probe: the arguments' registers have changed by then, read them in probe:vfs_open" \
	"$(head -n 1 err)"
"$PERF" tap -e 'trace probe:vfs_open { print(arg.paht) }' > /dev/null 2> err && fail "accepted"
expect_eq "no such parameter" \
	"<cmdline>:1:30: error: kernel function vfs_open has no parameter 'paht'" "$(head -n 1 err)"
exit 0
