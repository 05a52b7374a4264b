/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_USYM_H
#define __TAP_USYM_H

#include <stddef.h>
#include <linux/types.h>

struct machine;

/*
 * Names for the code addresses of stack() and ustack() frames, from what
 * perf's @machine knows: its threads' maps and their dsos' symbols
 * (demangled, from debuginfo or the build-id cache when perf finds them),
 * the kernel's maps.  Live, the machine learns the traced processes'
 * mappings from /proc (tap_usym__read_proc) and the kernel's reports
 * (track.h); offline, from the records of a perf.data file.
 */

/*
 * symbol__init() as these names need it: call it before perf loads any
 * symbol (it leaves perf's demangling off: tap_usym__name() demangles).
 */
int tap_usym__init(void);

/*
 * Live only: perf's machine for this host, for these names, with no
 * kernel maps until tap_ksym__name_live() needs them.  machine__delete()
 * it, then symbol__exit().
 */
struct machine *tap_usym__host_machine(void);

/*
 * "function+0xoff (file)", a C++ function demangled; "0xADDR (file)" with the address as objdump
 * shows it when no symbol of the mapped file covers @addr; "0xaddr"
 * outside any mapping of a file.  Returns @buf.
 */
const char *tap_usym__name(struct machine *machine, int pid, u64 addr, char *buf, size_t size);

/* "function+0xoff" for a kernel address, else "0xaddr".  Returns @buf. */
const char *tap_ksym__name(struct machine *machine, u64 addr, char *buf, size_t size);

/* Live only: tap_ksym__name(), making the running kernel's maps first. */
const char *tap_ksym__name_live(struct machine *machine, u64 addr, char *buf, size_t size);

/*
 * Live only: @pid's command name and executable mappings, read from /proc
 * now (again) into @machine as perf record synthesizes them.  -1 if the
 * process is gone.
 */
int tap_usym__read_proc(struct machine *machine, int pid);

/*
 * Live only: tap_usym__name(), reading @pid's mappings from /proc first if
 * @machine does not know where @addr is and has not read them before.
 */
const char *tap_usym__name_live(struct machine *machine, int pid, u64 addr, char *buf,
				size_t size);

/*
 * The functions of the file at @path a uprobe may go on, as perf's symbol
 * code reads them from the file (.symtab and .dynsym; aliases kept, PLT
 * stubs not), in address order: @fn gets each one's name (no @VERSION) and
 * file offset, the address a uprobe takes; a non-zero return stops the
 * walk.  -1 if perf reads no symbol from the file (it is no ELF file, or
 * one stripped of them all).
 */
typedef int (*tap_usym_func_fn)(void *arg, const char *name, u64 offset);
int tap_usym__funcs(const char *path, tap_usym_func_fn fn, void *arg);

#endif /* __TAP_USYM_H */
