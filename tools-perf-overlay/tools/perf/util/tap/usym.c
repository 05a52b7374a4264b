// SPDX-License-Identifier: GPL-2.0
/*
 * User-space symbols for ustack(): /proc/PID/maps and ELF symbol tables.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usym.h"

struct usym_map {
	__u64 start, end, pgoff;
	char *path;
};

struct usym_proc {
	int pid;
	struct usym_map *maps;
	int nr_maps;
};

struct usym_func {
	__u64 start, size;
	char *name;
};

struct usym_file {
	char *path;
	struct usym_func *funcs;	/* sorted by start */
	int nr_funcs;
	/* to turn a file offset into an address: the PT_LOAD segments */
	GElf_Phdr *loads;
	int nr_loads;
};

struct tap_usyms {
	struct usym_proc *procs;
	int nr_procs;
	struct usym_file *files;
	int nr_files;
};

struct tap_usyms *tap_usyms__new(void)
{
	return calloc(1, sizeof(struct tap_usyms));
}

static void proc_free_maps(struct usym_proc *p)
{
	int i;

	for (i = 0; i < p->nr_maps; i++)
		free(p->maps[i].path);
	free(p->maps);
	p->maps = NULL;
	p->nr_maps = 0;
}

static struct usym_proc *find_proc(struct tap_usyms *u, int pid, bool add)
{
	struct usym_proc *p;
	int i;

	for (i = 0; i < u->nr_procs; i++)
		if (u->procs[i].pid == pid)
			return &u->procs[i];
	if (!add)
		return NULL;
	p = realloc(u->procs, (u->nr_procs + 1) * sizeof(*p));
	if (!p)
		return NULL;
	u->procs = p;
	p = &u->procs[u->nr_procs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

void tap_usyms__snapshot(struct tap_usyms *u, int pid)
{
	struct usym_proc *p;
	char path[64], line[4096];
	struct usym_map *maps = NULL;
	int nr = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fp = fopen(path, "r");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		unsigned long long start, end, pgoff;
		char perms[8], file[4096] = "";
		struct usym_map *m;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %4095[^\n]", &start, &end, perms,
			   &pgoff, file) < 4 || perms[2] != 'x' || file[0] != '/')
			continue;
		m = realloc(maps, (nr + 1) * sizeof(*m));
		if (!m)
			break;
		maps = m;
		maps[nr].start = start;
		maps[nr].end = end;
		maps[nr].pgoff = pgoff;
		maps[nr].path = strdup(file);
		nr++;
	}
	fclose(fp);
	if (!nr)
		return;		/* gone, or a zombie: keep what we had */
	p = find_proc(u, pid, true);
	if (!p) {
		while (nr--)
			free(maps[nr].path);
		free(maps);
		return;
	}
	proc_free_maps(p);
	p->maps = maps;
	p->nr_maps = nr;
}

static int cmp_funcs(const void *a, const void *b)
{
	const struct usym_func *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int tap_elf_funcs(const char *path, tap_elf_func_fn fn, void *arg)
{
	int fd = open(path, O_RDONLY), pass, seen = 0, stop = 0;
	Elf_Scn *scn = NULL;
	Elf *elf;

	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		close(fd);
		return -1;
	}
	/* .symtab has every function; stripped files only have .dynsym */
	for (pass = 0; pass < 2 && !seen && !stop; pass++) {
		while (!stop && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			Elf_Data *data;
			size_t i, nsyms;

			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB))
				continue;
			data = elf_getdata(scn, NULL);
			nsyms = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
			for (i = 0; data && i < nsyms && !stop; i++) {
				const char *name;
				GElf_Sym sym;

				if (!gelf_getsym(data, (int)i, &sym) ||
				    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value ||
				    sym.st_shndx == SHN_UNDEF)
					continue;
				name = elf_strptr(elf, sh.sh_link, sym.st_name);
				if (!name)
					continue;
				seen++;
				stop = fn(arg, elf, name, sym.st_value, sym.st_size);
			}
		}
	}
	elf_end(elf);
	close(fd);
	return 0;
}

/* Keep a function, and on the first one the file's PT_LOAD segments. */
static int add_func(void *arg, Elf *elf, const char *name, GElf_Addr addr, GElf_Xword size)
{
	struct usym_file *f = arg;
	struct usym_func *fn;
	size_t i, n;

	if (!f->loads && !elf_getphdrnum(elf, &n)) {
		f->loads = calloc(n ?: 1, sizeof(*f->loads));
		for (i = 0; f->loads && i < n; i++)
			if (gelf_getphdr(elf, (int)i, &f->loads[f->nr_loads]) &&
			    f->loads[f->nr_loads].p_type == PT_LOAD)
				f->nr_loads++;
	}
	fn = realloc(f->funcs, (f->nr_funcs + 1) * sizeof(*fn));
	if (!fn)
		return 1;
	f->funcs = fn;
	fn[f->nr_funcs].start = addr;
	fn[f->nr_funcs].size = size;
	fn[f->nr_funcs].name = strdup(name);
	f->nr_funcs++;
	return 0;
}

/* The functions of an ELF file and its segments, loaded once. */
static struct usym_file *load_file(struct tap_usyms *u, const char *path)
{
	struct usym_file *f;
	int i;

	for (i = 0; i < u->nr_files; i++)
		if (!strcmp(u->files[i].path, path))
			return &u->files[i];
	f = realloc(u->files, (u->nr_files + 1) * sizeof(*f));
	if (!f)
		return NULL;
	u->files = f;
	f = &u->files[u->nr_files++];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	tap_elf_funcs(path, add_func, f);
	qsort(f->funcs, f->nr_funcs, sizeof(*f->funcs), cmp_funcs);
	return f;
}

const char *tap_usyms__name(struct tap_usyms *u, int pid, __u64 addr, char *buf, size_t size)
{
	struct usym_proc *p = find_proc(u, pid, false);
	struct usym_file *f;
	__u64 off, vaddr;
	int i, lo, hi;

	snprintf(buf, size, "0x%llx", (unsigned long long)addr);
	if (!p) {
		tap_usyms__snapshot(u, pid);
		p = find_proc(u, pid, false);
	}
	for (i = 0; p && i < p->nr_maps; i++) {
		struct usym_map *m = &p->maps[i];

		if (addr < m->start || addr >= m->end)
			continue;
		off = addr - m->start + m->pgoff;	/* offset in the file */
		f = load_file(u, m->path);
		if (!f)
			return buf;
		vaddr = 0;
		for (lo = 0; lo < f->nr_loads; lo++) {
			GElf_Phdr *ph = &f->loads[lo];

			if (off >= ph->p_offset && off < ph->p_offset + ph->p_filesz) {
				vaddr = off - ph->p_offset + ph->p_vaddr;
				break;
			}
		}
		/* the last function starting at or below vaddr, if vaddr is in it */
		lo = 0;
		hi = f->nr_funcs - 1;
		while (lo <= hi) {
			int mid = (lo + hi) / 2;

			if (f->funcs[mid].start <= vaddr)
				lo = mid + 1;
			else
				hi = mid - 1;
		}
		if (hi >= 0 && vaddr < f->funcs[hi].start + (f->funcs[hi].size ?: 1))
			snprintf(buf, size, "%s+0x%llx (%s)", f->funcs[hi].name,
				 (unsigned long long)(vaddr - f->funcs[hi].start),
				 strrchr(m->path, '/') + 1);
		else
			snprintf(buf, size, "0x%llx (%s)", (unsigned long long)addr,
				 strrchr(m->path, '/') + 1);
		return buf;
	}
	return buf;
}

void tap_usyms__delete(struct tap_usyms *u)
{
	int i, j;

	if (!u)
		return;
	for (i = 0; i < u->nr_procs; i++)
		proc_free_maps(&u->procs[i]);
	for (i = 0; i < u->nr_files; i++) {
		for (j = 0; j < u->files[i].nr_funcs; j++)
			free(u->files[i].funcs[j].name);
		free(u->files[i].funcs);
		free(u->files[i].loads);
		free(u->files[i].path);
	}
	free(u->procs);
	free(u->files);
	free(u);
}
