/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Byte buffers for perf tap's saved data (the compiled object, record's
 * HEADER_TAP state): host byte order, a string as a u32 length + 1 (0 for
 * none) and its bytes.  Errors stick: after the first, every call does
 * nothing and a reader reads zeros, so a caller checks err once at the end.
 */
#ifndef __PERF_TAP_BYTES_H
#define __PERF_TAP_BYTES_H

#include <stddef.h>
#include <linux/types.h>

struct tap_wbuf {
	char *p;
	size_t len, cap;
	int err;
};

void tap_wbuf__put(struct tap_wbuf *w, const void *data, size_t size);
void tap_wbuf__put_u32(struct tap_wbuf *w, __u32 v);
void tap_wbuf__put_u64(struct tap_wbuf *w, __u64 v);
void tap_wbuf__put_bytes(struct tap_wbuf *w, const void *s, size_t len);
void tap_wbuf__put_str(struct tap_wbuf *w, const char *s);

struct tap_rbuf {
	const char *p, *end;
	int err;
	void *owner;		/* what the reader's strings are allocated in */
};

void tap_rbuf__get(struct tap_rbuf *r, void *out, size_t size);
__u32 tap_rbuf__get_u32(struct tap_rbuf *r);
__u64 tap_rbuf__get_u64(struct tap_rbuf *r);
__u32 tap_rbuf__get_count(struct tap_rbuf *r, size_t min_size, __u32 max);
const char *tap_rbuf__get_bytes(struct tap_rbuf *r, size_t *len);

#endif /* __PERF_TAP_BYTES_H */
