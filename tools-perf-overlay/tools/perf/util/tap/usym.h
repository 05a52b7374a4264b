/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_USYM_H
#define __TAP_USYM_H

#include <stddef.h>
#include <linux/types.h>

/*
 * Names for user-space addresses of ustack(): the process's mappings from
 * /proc/PID/maps, then the function in the mapped ELF file's symbol table.
 * Mappings are read on first use and kept, so a process that has exited
 * since can still be named if it was looked at while alive.
 */
struct tap_usyms;

struct tap_usyms *tap_usyms__new(void);
/* Read @pid's mappings now (again), while it is alive. */
void tap_usyms__snapshot(struct tap_usyms *u, int pid);
/* "function+0xoff (file)" or "0xaddr" into @buf. */
const char *tap_usyms__name(struct tap_usyms *u, int pid, __u64 addr, char *buf, size_t size);
void tap_usyms__delete(struct tap_usyms *u);

#endif /* __TAP_USYM_H */
