#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Byte arrays: sock:inet_sock_set_state's __u8 saddr[4] and daddr[4] are
# typed from the kernel's BTF (struct trace_event_raw_inet_sock_set_state),
# so ntop() formats them as addresses, x[i] reads one byte and hex() prints
# them.  The test makes its own loopback TCP connections: the listener's
# port and the client's must show up with 127.0.0.1, and the listening
# socket's port and lock bits (a bitfield) read through a cast of the
# record's const void *skaddr; over IPv6 ::1, ntop() of the 16-byte arrays
# gives "::1".
#! needs: btf tracefs
#! requires: test -e /sys/kernel/tracing/events/sock/inet_sock_set_state || test -e /sys/kernel/debug/tracing/events/sock/inet_sock_set_state
#! requires: command -v python3

# shellcheck source-path=SCRIPTDIR source=../../lib/case.sh
. "$TAP_TESTS/lib/case.sh"

cat > conn.py <<'PY'
import socket
for fam, host, tag in ((socket.AF_INET, "127.0.0.1", "ports4"), (socket.AF_INET6, "::1", "ports6")):
    try:
        s = socket.socket(fam)
        s.bind((host, 0))
    except OSError:
        print(tag, "none")
        continue
    s.listen(1)
    c = socket.create_connection((host, s.getsockname()[1]))
    a, _ = s.accept()
    print(tag, s.getsockname()[1], c.getsockname()[1])
    c.close(); a.close(); s.close()
PY

cat > sock.tap <<'TAP'
trace sock:inet_sock_set_state /arg.protocol == 6 && arg.family == 2/ {
	printf("%s:%d > %s:%d %d>%d hex %s byte %d v6 %s af %s\n", ntop(arg.saddr), arg.sport,
	       ntop(arg.daddr), arg.dport, arg.oldstate, arg.newstate, hex(arg.daddr),
	       arg.saddr[0], ntop(arg.saddr_v6), ntop(arg.family, arg.daddr))
}
trace sock:inet_sock_set_state /arg.protocol == 6 && arg.family == 10 && arg.oldstate == 2/ {
	printf("v6 %s:%d > %s:%d\n", ntop(arg.saddr_v6), arg.sport, ntop(10, arg.daddr_v6), arg.dport)
}
trace sock:inet_sock_set_state /arg.protocol == 6 && arg.newstate == 10/ {
	var sk = (struct sock *)arg.skaddr
	printf("listening on %d: locks %d\n", sk->__sk_common.skc_num, sk->sk_userlocks)
}
TAP

"$PERF" tap sock.tap -- python3 conn.py > out 2> err || fail "perf tap failed: $(cat err)"
read -r _ lport cport < <(grep '^ports4 ' out) || fail "no ports in: $(cat out)"
# TCP_SYN_SENT (2) -> TCP_ESTABLISHED (1) on the client's side; the v6
# fields hold the v4-mapped address
want="127.0.0.1:$cport > 127.0.0.1:$lport 2>1 hex 7f000001 byte 127"
want+=" v6 ::ffff:7f00:1 af 127.0.0.1"
grep -qxF "$want" out || fail "no line '$want' in: $(cat out)"
# the listener: TCP_CLOSE (7) -> TCP_LISTEN (10), no peer yet
want="127.0.0.1:$lport > 0.0.0.0:0 7>10 hex 00000000 byte 127"
grep -qF "$want" out || fail "no line '$want' in: $(cat out)"
# bound to an address, so SOCK_BINDADDR_LOCK (4) in the 4-bit field
want="listening on $lport: locks 4"
grep -qxF "$want" out || fail "no line '$want' in: $(cat out)"
# over IPv6, where the machine has it: RFC 5952's short form
read -r _ lport6 cport6 < <(grep '^ports6 ' out) || fail "no IPv6 line in: $(cat out)"
if [[ $lport6 != none ]]; then
	want="v6 ::1:$cport6 > ::1:$lport6"
	grep -qxF "$want" out || fail "no line '$want' in: $(cat out)"
else
	note "no IPv6 loopback address: the IPv6 form was not checked"
fi
exit 0
