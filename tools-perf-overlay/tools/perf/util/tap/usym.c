// SPDX-License-Identifier: GPL-2.0
/*
 * User-space symbols for ustack(): /proc/PID/maps and ELF symbol tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/err.h>

#include "util/hashmap.h"
#include "usym.h"

struct usym_file;

struct usym_map {
	__u64 start, end, pgoff;
	struct usym_file *file;
};

/*
 * A process's executable mappings.  A child shares its parent's until it
 * maps something or execs: most forks exec at once, and a fork copies
 * nothing until then.
 */
struct usym_maps {
	int refcnt;
	int nr;
	struct usym_map *v;
	bool read_proc;		/* /proc/PID/maps was read for these (or tried) */
};

struct usym_func {
	__u64 start, size;
	char *name;
};

struct usym_file {
	char *path;
	const char *base;		/* the name after the last '/' */
	bool loaded;			/* the symbols below were read */
	struct usym_func *funcs;	/* sorted by start */
	int nr_funcs;
	/* to turn a file offset into an address: the PT_LOAD segments */
	GElf_Phdr *loads;
	int nr_loads;
};

struct tap_usyms {
	struct hashmap *procs;		/* pid -> struct usym_maps * */
	struct usym_file **files;
	int nr_files;
};

static size_t pid_hash(long key, void *ctx)
{
	(void)ctx;
	return (size_t)key;
}

static bool pid_equal(long a, long b, void *ctx)
{
	(void)ctx;
	return a == b;
}

struct tap_usyms *tap_usyms__new(void)
{
	struct tap_usyms *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->procs = hashmap__new(pid_hash, pid_equal, NULL);
	if (IS_ERR_OR_NULL(u->procs)) {
		free(u);
		return NULL;
	}
	return u;
}

static void maps_put(struct usym_maps *m)
{
	if (m && --m->refcnt == 0) {
		free(m->v);
		free(m);
	}
}

static struct usym_maps *find_maps(struct tap_usyms *u, int pid)
{
	struct usym_maps *m;

	return hashmap__find(u->procs, pid, &m) ? m : NULL;
}

/* Give @pid the mappings @m (a new reference), dropping what it had. */
static void set_maps(struct tap_usyms *u, int pid, struct usym_maps *m)
{
	struct usym_maps *old = NULL;

	if (hashmap__set(u->procs, pid, m, NULL, &old)) {
		maps_put(m);
		return;
	}
	maps_put(old);
}

static struct usym_maps *maps_new(void)
{
	struct usym_maps *m = calloc(1, sizeof(*m));

	if (m)
		m->refcnt = 1;
	return m;
}

/* The file at @path, its symbols read on first use. */
static struct usym_file *find_file(struct tap_usyms *u, const char *path)
{
	struct usym_file *f, **files;
	int i;

	for (i = 0; i < u->nr_files; i++)
		if (!strcmp(u->files[i]->path, path))
			return u->files[i];
	files = realloc(u->files, (u->nr_files + 1) * sizeof(*files));
	if (!files)
		return NULL;
	u->files = files;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->path = strdup(path);
	if (!f->path) {
		free(f);
		return NULL;
	}
	f->base = strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path;
	u->files[u->nr_files++] = f;
	return f;
}

/* Add a mapping to @m, which @m's owner alone holds, replacing what it overlaps. */
static int maps_insert(struct usym_maps *m, __u64 start, __u64 end, __u64 pgoff,
		       struct usym_file *file)
{
	struct usym_map *v;
	int i, n = 0;

	for (i = 0; i < m->nr; i++)
		if (m->v[i].end <= start || m->v[i].start >= end)
			m->v[n++] = m->v[i];
	m->nr = n;
	if (!file)
		return 0;
	v = realloc(m->v, (m->nr + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->v = v;
	v[m->nr++] = (struct usym_map){ start, end, pgoff, file };
	return 0;
}

void tap_usyms__snapshot(struct tap_usyms *u, int pid)
{
	char path[64], line[4096];
	struct usym_maps *m = maps_new();
	FILE *fp;

	if (!m)
		return;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fp = fopen(path, "r");
	while (fp && fgets(line, sizeof(line), fp)) {
		unsigned long long start, end, pgoff;
		char perms[8], file[4096] = "";
		struct usym_file *f;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %4095[^\n]", &start, &end, perms,
			   &pgoff, file) < 4 || perms[2] != 'x' || file[0] != '/')
			continue;
		f = find_file(u, file);
		if (!f || maps_insert(m, start, end, pgoff, f))
			break;
	}
	if (fp)
		fclose(fp);
	m->read_proc = true;
	if (!m->nr) {
		maps_put(m);	/* gone, or a zombie: keep what we had */
		return;
	}
	set_maps(u, pid, m);
}

/* @pid's mappings for a change: read from /proc if unknown, unshared. */
static struct usym_maps *own_maps(struct tap_usyms *u, int pid)
{
	struct usym_maps *m = find_maps(u, pid), *copy;

	if (!m) {
		tap_usyms__snapshot(u, pid);
		m = find_maps(u, pid);
	}
	if (m && m->refcnt == 1)
		return m;
	copy = maps_new();
	if (!copy)
		return NULL;
	if (m && m->nr) {
		copy->v = malloc(m->nr * sizeof(*copy->v));
		if (!copy->v) {
			maps_put(copy);
			return NULL;
		}
		memcpy(copy->v, m->v, m->nr * sizeof(*copy->v));
		copy->nr = m->nr;
		copy->read_proc = m->read_proc;
	}
	set_maps(u, pid, copy);
	return find_maps(u, pid) == copy ? copy : NULL;
}

void tap_usyms__mmap(struct tap_usyms *u, int pid, __u64 start, __u64 len, __u64 pgoff,
		     const char *path)
{
	struct usym_maps *m = own_maps(u, pid);

	/* anonymous code (a JIT) hides what was mapped there before */
	if (m)
		maps_insert(m, start, start + len, pgoff, path[0] == '/' ? find_file(u, path) :
			    NULL);
}

void tap_usyms__fork(struct tap_usyms *u, int pid, int ppid)
{
	struct usym_maps *m;

	if (pid == ppid)
		return;		/* a thread: same address space */
	m = find_maps(u, ppid);
	if (!m) {
		tap_usyms__snapshot(u, ppid);
		m = find_maps(u, ppid);
	}
	if (!m) {
		tap_usyms__snapshot(u, pid);
		return;
	}
	m->refcnt++;
	set_maps(u, pid, m);
}

void tap_usyms__exec(struct tap_usyms *u, int pid)
{
	struct usym_maps *m = maps_new();

	/* a new image: its mappings are reported after this */
	if (m)
		set_maps(u, pid, m);
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

static void load_file(struct usym_file *f)
{
	if (f->loaded)
		return;
	f->loaded = true;
	tap_elf_funcs(f->path, add_func, f);
	qsort(f->funcs, f->nr_funcs, sizeof(*f->funcs), cmp_funcs);
}

/* "function+0xoff (file)", else "0xADDR (file)" with the address in the file */
static bool name_in(const struct usym_maps *m, __u64 addr, char *buf, size_t size)
{
	int i, lo, hi;

	for (i = 0; m && i < m->nr; i++) {
		const struct usym_map *map = &m->v[i];
		struct usym_file *f = map->file;
		__u64 off, vaddr = addr;

		if (addr < map->start || addr >= map->end)
			continue;
		off = addr - map->start + map->pgoff;	/* offset in the file */
		load_file(f);
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
				 (unsigned long long)(vaddr - f->funcs[hi].start), f->base);
		else
			snprintf(buf, size, "0x%llx (%s)", (unsigned long long)vaddr, f->base);
		return true;
	}
	return false;
}

const char *tap_usyms__name(struct tap_usyms *u, int pid, __u64 addr, char *buf, size_t size)
{
	struct usym_maps *m = find_maps(u, pid);

	if (name_in(m, addr, buf, size))
		return buf;
	/* first seen, or mapped where no report said: read /proc, once */
	if (!m || !m->read_proc) {
		tap_usyms__snapshot(u, pid);
		if (!find_maps(u, pid))
			set_maps(u, pid, maps_new());	/* gone: do not look again */
		m = find_maps(u, pid);
		if (m)
			m->read_proc = true;
		if (name_in(m, addr, buf, size))
			return buf;
	}
	snprintf(buf, size, "0x%llx", (unsigned long long)addr);
	return buf;
}

void tap_usyms__delete(struct tap_usyms *u)
{
	struct hashmap_entry *cur;
	size_t bkt;
	int i, j;

	if (!u)
		return;
	hashmap__for_each_entry(u->procs, cur, bkt)
		maps_put(cur->pvalue);
	hashmap__free(u->procs);
	for (i = 0; i < u->nr_files; i++) {
		for (j = 0; j < u->files[i]->nr_funcs; j++)
			free(u->files[i]->funcs[j].name);
		free(u->files[i]->funcs);
		free(u->files[i]->loads);
		free(u->files[i]->path);
		free(u->files[i]);
	}
	free(u->files);
	free(u);
}
