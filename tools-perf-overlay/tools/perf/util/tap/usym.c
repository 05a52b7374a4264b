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

/* The functions of an ELF file (.symtab, else .dynsym) and its segments. */
static struct usym_file *load_file(struct tap_usyms *u, const char *path)
{
	struct usym_file *f;
	Elf_Scn *scn = NULL;
	size_t i, n;
	int fd, pass;
	Elf *elf;

	for (i = 0; i < (size_t)u->nr_files; i++)
		if (!strcmp(u->files[i].path, path))
			return &u->files[i];
	f = realloc(u->files, (u->nr_files + 1) * sizeof(*f));
	if (!f)
		return NULL;
	u->files = f;
	f = &u->files[u->nr_files++];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return f;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_getphdrnum(elf, &n))
		goto out;
	f->loads = calloc(n ?: 1, sizeof(*f->loads));
	for (i = 0; f->loads && i < n; i++)
		if (gelf_getphdr(elf, (int)i, &f->loads[f->nr_loads]) &&
		    f->loads[f->nr_loads].p_type == PT_LOAD)
			f->nr_loads++;
	for (pass = 0; pass < 2 && !f->nr_funcs; pass++) {
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			Elf_Data *data;
			size_t nsyms;

			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB))
				continue;
			data = elf_getdata(scn, NULL);
			nsyms = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
			for (i = 0; data && i < nsyms; i++) {
				struct usym_func *fn;
				const char *name;
				GElf_Sym sym;

				if (!gelf_getsym(data, (int)i, &sym) ||
				    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value)
					continue;
				name = elf_strptr(elf, sh.sh_link, sym.st_name);
				fn = realloc(f->funcs, (f->nr_funcs + 1) * sizeof(*fn));
				if (!name || !fn)
					continue;
				f->funcs = fn;
				fn[f->nr_funcs].start = sym.st_value;
				fn[f->nr_funcs].size = sym.st_size;
				fn[f->nr_funcs].name = strdup(name);
				f->nr_funcs++;
			}
		}
	}
	qsort(f->funcs, f->nr_funcs, sizeof(*f->funcs), cmp_funcs);
out:
	if (elf)
		elf_end(elf);
	close(fd);
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
