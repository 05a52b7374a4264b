// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel types from BTF.  Programs read a few kernel structures directly
 * (ppid, following children, in_interrupt()); their layout differs
 * between kernels and configurations, so the offsets come from the
 * running kernel's BTF at load time, not from headers at build time.
 */
#include <stdbool.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ktypes.h"

static struct btf *vmlinux;
static bool vmlinux_tried;

struct btf *tap_ktypes__btf(void)
{
	if (!vmlinux_tried) {
		vmlinux_tried = true;
		vmlinux = btf__load_vmlinux_btf();
		if (libbpf_get_error(vmlinux))
			vmlinux = NULL;
	}
	return vmlinux;
}

int tap_ktypes__member_offset(const struct btf *btf, const struct btf_type *t, const char *name)
{
	const struct btf_member *m;
	int k, off;

	if (!t || !btf_is_composite(t))
		return -1;
	m = btf_members(t);
	for (k = 0; k < btf_vlen(t); k++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);

		if (mname && !strcmp(mname, name))
			return (int)(m->offset / 8);
		if (mname && *mname)
			continue;
		off = tap_ktypes__member_offset(btf, btf__type_by_id(btf, m->type), name);
		if (off >= 0)
			return (int)(m->offset / 8) + off;
	}
	return -1;
}

int tap_ktypes__offset(const char *type, const char *member)
{
	struct btf *btf = tap_ktypes__btf();
	int id;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	if (id < 0)
		return -1;
	return tap_ktypes__member_offset(btf, btf__type_by_id(btf, id), member);
}

void tap_ktypes__exit(void)
{
	btf__free(vmlinux);
	vmlinux = NULL;
	vmlinux_tried = false;
}

/* Is array element type @id a byte (__u8, u8, s8: bytes) rather than a char? */
bool tap_ktypes__is_byte(const struct btf *btf, int id, bool *is_char)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	bool typedefd = false;

	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		typedefd |= btf_is_typedef(t);
		t = btf__type_by_id(btf, t->type);
	}
	*is_char = false;
	if (!t || !btf_is_int(t) || t->size != 1 ||
	    !strcmp(btf__name_by_offset(btf, t->name_off), "_Bool"))
		return false;
	/* char, unsigned char as written are text; a typedef to one holds bytes */
	*is_char = !typedefd;
	return typedefd;
}
