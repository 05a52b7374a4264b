// SPDX-License-Identifier: GPL-2.0
/* Byte buffers for perf tap's saved data: see bytes.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

void tap_wbuf__put(struct tap_wbuf *w, const void *data, size_t size)
{
	if (w->err)
		return;
	if (w->len + size > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		char *p;

		while (cap < w->len + size)
			cap *= 2;
		p = realloc(w->p, cap);
		if (!p) {
			w->err = -ENOMEM;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, data, size);
	w->len += size;
}

void tap_wbuf__put_u32(struct tap_wbuf *w, __u32 v)
{
	tap_wbuf__put(w, &v, sizeof(v));
}

void tap_wbuf__put_u64(struct tap_wbuf *w, __u64 v)
{
	tap_wbuf__put(w, &v, sizeof(v));
}

/* @len bytes of @s as a string, or none for a NULL @s */
void tap_wbuf__put_bytes(struct tap_wbuf *w, const void *s, size_t len)
{
	tap_wbuf__put_u32(w, s ? (__u32)len + 1 : 0);
	if (s)
		tap_wbuf__put(w, s, len);
}

void tap_wbuf__put_str(struct tap_wbuf *w, const char *s)
{
	tap_wbuf__put_bytes(w, s, s ? strlen(s) : 0);
}

void tap_rbuf__get(struct tap_rbuf *r, void *out, size_t size)
{
	if (r->err || (size_t)(r->end - r->p) < size) {
		r->err = -EINVAL;
		memset(out, 0, size);
		return;
	}
	memcpy(out, r->p, size);
	r->p += size;
}

__u32 tap_rbuf__get_u32(struct tap_rbuf *r)
{
	__u32 v;

	tap_rbuf__get(r, &v, sizeof(v));
	return v;
}

__u64 tap_rbuf__get_u64(struct tap_rbuf *r)
{
	__u64 v;

	tap_rbuf__get(r, &v, sizeof(v));
	return v;
}

/*
 * A count of items of at least @min_size bytes each, at most @max: no more
 * than the bytes left can hold, so a corrupt count cannot make the caller
 * allocate more than the input's size.
 */
__u32 tap_rbuf__get_count(struct tap_rbuf *r, size_t min_size, __u32 max)
{
	__u32 n = tap_rbuf__get_u32(r);

	if (!r->err && (n > max || (size_t)(r->end - r->p) / (min_size ? min_size : 1) < n))
		r->err = -EINVAL;
	return r->err ? 0 : n;
}

/*
 * The bytes of a string, in the input (not NUL terminated), *@len long;
 * NULL for none or on error.
 */
const char *tap_rbuf__get_bytes(struct tap_rbuf *r, size_t *len)
{
	__u32 n = tap_rbuf__get_u32(r);
	const char *s = r->p;

	*len = 0;
	if (r->err || !n)
		return NULL;
	if ((size_t)(r->end - r->p) < n - 1) {
		r->err = -EINVAL;
		return NULL;
	}
	r->p += n - 1;
	*len = n - 1;
	return s;
}
