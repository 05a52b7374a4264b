/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_KTYPES_H
#define __TAP_KTYPES_H

#include <stdbool.h>

struct btf;
struct btf_type;

/*
 * The running kernel's types, from its BTF (/sys/kernel/btf/vmlinux),
 * loaded once: where the members that programs read are.
 */
struct btf *tap_ktypes__btf(void);		/* NULL: the kernel has no BTF */
/* Byte offset of member @name of struct or union @t, also inside anonymous members; -1. */
int tap_ktypes__member_offset(const struct btf *btf, const struct btf_type *t, const char *name);
/* Byte offset of @member in struct @type of the kernel; -1 if either is unknown. */
int tap_ktypes__offset(const char *type, const char *member);
/* Is array element type @id a byte (__u8, u8, s8: bytes) rather than a char? */
bool tap_ktypes__is_byte(const struct btf *btf, int id, bool *is_char);
void tap_ktypes__exit(void);

#endif /* __TAP_KTYPES_H */
