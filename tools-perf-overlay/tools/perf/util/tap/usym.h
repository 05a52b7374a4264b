/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_USYM_H
#define __TAP_USYM_H

#include <stddef.h>
#include <gelf.h>
#include <linux/types.h>

/*
 * Names for user-space addresses of ustack(): the process's mappings, then
 * the function in the mapped ELF file's symbol table.  Mappings come from
 * the kernel's mmap, fork and exec reports while tracing, else from
 * /proc/PID/maps on first use, and are kept after the process exits.
 */
struct tap_usyms;

/*
 * The function symbols of an ELF file, from .symtab, or .dynsym when the
 * file is stripped: @fn gets each one's name, address and size, and the
 * open Elf for anything else it needs; a non-zero return stops the walk.
 * Returns -1 if the file is no readable ELF file, else 0.
 */
typedef int (*tap_elf_func_fn)(void *arg, Elf *elf, const char *name, GElf_Addr addr,
			       GElf_Xword size);
int tap_elf_funcs(const char *path, tap_elf_func_fn fn, void *arg);

struct tap_usyms *tap_usyms__new(void);
/* Read @pid's mappings now (again), while it is alive. */
void tap_usyms__snapshot(struct tap_usyms *u, int pid);
/*
 * What the kernel reports as it happens (see track.h), so the mappings of
 * a process that has exited are still known: @pid mapped @path (or
 * anonymous memory, when @path does not start with '/') executable at
 * @start; @pid was forked by @ppid (threads are ignored); @pid exec'd.
 */
void tap_usyms__mmap(struct tap_usyms *u, int pid, __u64 start, __u64 len, __u64 pgoff,
		     const char *path);
void tap_usyms__fork(struct tap_usyms *u, int pid, int ppid);
void tap_usyms__exec(struct tap_usyms *u, int pid);
/*
 * "function+0xoff (file)", "0xADDR (file)" with the address in the file
 * (as objdump shows it) when no function covers it, or "0xaddr" outside
 * any known mapping, into @buf.
 */
const char *tap_usyms__name(struct tap_usyms *u, int pid, __u64 addr, char *buf, size_t size);
void tap_usyms__delete(struct tap_usyms *u);

#endif /* __TAP_USYM_H */
