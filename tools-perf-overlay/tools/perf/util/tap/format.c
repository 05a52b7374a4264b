// SPDX-License-Identifier: GPL-2.0
/*
 * Formatting the records perf tap's BPF programs write: print, printf,
 * exit and print_hist.  The layouts come from the compiler (tap_rec_def),
 * so a record is a u32 layout index followed by its fixed-size arguments.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "format.h"
#include "sema.h"

/* A string value: the bytes up to the first NUL, at most str_size. */
static int str_len(const struct tap_printer *p, const char *s)
{
	return (int)strnlen(s, p->obj->str_size);
}

/*
 * The innermost frames of a stack taken in a probe are the probe's own
 * machinery: the BPF program (no symbol), bpf_trace_run*, the tracepoint
 * iterator.  They say nothing about the traced code and are left out.
 */
static bool is_tracing_frame(const char *name)
{
	static const char * const prefixes[] = {
		"0x", "bpf_trace_run", "__bpf_trace_", "__traceiter_", "trace_call_bpf",
		"perf_trace_", "perf_syscall_", "bpf_prog_",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

char *tap_format_stack(struct tap_printer *p, long long id)
{
	bool user = id > 0 && (id & TAP_STACK_USER);
	int pid = user ? (int)((id >> 32) & 0x3fffffff) : 0;
	__u64 ips[TAP_STACK_DEPTH];
	size_t len = 0, size = 256;
	char *out = malloc(size), sym[512];
	int i;

	if (!out)
		return NULL;
	out[0] = 0;
	if (user)
		id = (long long)(int)(unsigned int)id;
	if (id == -EFAULT && !user) {
		/* the event interrupted user space: there is no kernel stack */
		snprintf(out, size, "\t[user space]");
		return out;
	}
	if (id < 0 || bpf_map_lookup_elem(p->stacks_fd, &(__u32){ (__u32)id }, ips)) {
		snprintf(out, size, "\t[stack lost: %s]", id == -EEXIST || id == -ENOMEM ?
			 "the stack map is full" : strerror((int)(id < 0 ? -id : id)));
		return out;
	}
	for (i = 0; i < TAP_STACK_DEPTH && ips[i]; i++) {
		const char *name = user ?
			p->symbolize_user(p->symbolize_arg, pid, ips[i], sym, sizeof(sym)) :
			p->symbolize(p->symbolize_arg, ips[i], sym, sizeof(sym));
		size_t need = strlen(name) + 3;

		if (!len && !user && is_tracing_frame(name))
			continue;
		if (len + need >= size) {
			char *bigger = realloc(out, size * 2 + need);

			if (!bigger)
				break;
			out = bigger;
			size = size * 2 + need;
		}
		len += (size_t)sprintf(out + len, "%s\t%s", len ? "\n" : "", name);
	}
	return out;
}

static void print_value(struct tap_printer *p, const struct tap_rec_arg *arg, const char *rec)
{
	const char *v = rec + arg->offset;

	if (arg->kind == TAP_T_RECORD) {
		p->format_event(p->format_event_arg, p->cpu, v, p->fp);
	} else if (arg->kind == TAP_T_STACK) {
		long long id;
		char *frames;

		memcpy(&id, v, sizeof(id));
		frames = tap_format_stack(p, id);
		fprintf(p->fp, "\n%s\n", frames ?: "");
		free(frames);
	} else if (arg->kind == TAP_T_STR) {
		fprintf(p->fp, "%.*s", str_len(p, v), v);
	} else {
		long long num;

		memcpy(&num, v, sizeof(num));
		fprintf(p->fp, "%lld", num);
	}
}

/*
 * printf: copy text, and hand each conversion with its flags, width and
 * precision to the C library with the argument at its real width.
 */
static void print_formatted(struct tap_printer *p, const struct tap_rec_def *def, const char *rec)
{
	const char *f = def->fmt, *end = def->fmt + def->fmt_len;
	int argi = 0;

	while (f < end) {
		char spec[32], conv;
		const char *start = f;
		size_t n;

		if (*f != '%') {
			fputc(*f++, p->fp);
			continue;
		}
		f++;
		if (f < end && *f == '%') {
			fputc('%', p->fp);
			f++;
			continue;
		}
		while (f < end && strchr("-+ 0#.123456789", *f))
			f++;
		n = (size_t)(f - start);
		while (f < end && (*f == 'l' || *f == 'h'))
			f++;
		if (f >= end || argi >= def->nargs)
			break;
		conv = *f++;
		if (n > sizeof(spec) - 4)
			n = sizeof(spec) - 4;
		memcpy(spec, start, n);
		if (conv == 's' && def->args[argi].kind == TAP_T_RECORD) {
			p->format_event(p->format_event_arg, p->cpu, rec + def->args[argi].offset,
					p->fp);
		} else if (conv == 's') {
			const char *s = rec + def->args[argi].offset;

			spec[n] = '.';
			spec[n + 1] = '*';
			spec[n + 2] = 's';
			spec[n + 3] = 0;
			if (memchr(spec, '.', n)) {
				/* the script gave a precision: keep it, bounded by the buffer */
				char *copy = strndup(s, str_len(p, s));

				spec[n] = 's';
				spec[n + 1] = 0;
				fprintf(p->fp, spec, copy ?: "");
				free(copy);
			} else {
				fprintf(p->fp, spec, str_len(p, s), s);
			}
		} else {
			long long num;

			memcpy(&num, rec + def->args[argi].offset, sizeof(num));
			if (conv == 'c') {
				spec[n] = 'c';
				spec[n + 1] = 0;
				fprintf(p->fp, spec, (int)num);
			} else {
				spec[n] = 'l';
				spec[n + 1] = 'l';
				spec[n + 2] = conv;
				spec[n + 3] = 0;
				fprintf(p->fp, spec, num);
			}
		}
		argi++;
	}
}

static int cmp_entries(const void *a, const void *b)
{
	const struct tap_hist_entry *x = a, *y = b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* "k1, k2" for a table key laid out as the compiler did */
static char *format_key(struct tap_printer *p, const struct tap_map_def *map, const char *key)
{
	struct tap_type *t = tap_type_resolve(map->sym->type);
	char *out = calloc(1, (size_t)t->nkeys * (p->obj->str_size + 24));
	unsigned int off = 0;
	int k;

	if (!out)
		return NULL;
	for (k = 0; k < t->nkeys; k++) {
		size_t len = strlen(out);

		if (k)
			len += (size_t)sprintf(out + len, ", ");
		if (tap_type_resolve(t->key[k])->kind == TAP_T_STR) {
			sprintf(out + len, "%.*s", str_len(p, key + off), key + off);
			off += p->obj->str_size;
		} else if (tap_type_resolve(t->key[k])->kind == TAP_T_STACK) {
			long long id;
			char *frames, *all;

			memcpy(&id, key + off, sizeof(id));
			off += 8;
			frames = tap_format_stack(p, id);
			all = frames ? malloc(len + strlen(frames) + 1) : NULL;
			if (all) {
				memcpy(all, out, len);
				strcpy(all + len, frames);
				free(out);
				out = all;
			}
			free(frames);
		} else {
			long long num;

			memcpy(&num, key + off, sizeof(num));
			sprintf(out + len, "%lld", num);
			off += 8;
		}
	}
	return out;
}

/*
 * print_hist(t [, n]) arrives as a begin record, one record per element
 * (a snapshot the kernel took at the call) and an end record, all from
 * one CPU; they are collected per CPU and printed at the end record.
 */
static struct tap_hist *hist_of(struct tap_printer *p, int cpu)
{
	int i;

	for (i = 0; i < p->nr_hists; i++)
		if (p->hists[i].cpu == cpu)
			return &p->hists[i];
	i = p->nr_hists;
	p->hists = realloc(p->hists, (i + 1) * sizeof(*p->hists));
	if (!p->hists) {
		fprintf(stderr, "perf tap: out of memory\n");
		exit(1);
	}
	memset(&p->hists[i], 0, sizeof(p->hists[i]));
	p->hists[i].cpu = cpu;
	p->nr_hists++;
	return &p->hists[i];
}

static void hist_reset(struct tap_hist *h)
{
	size_t i;

	for (i = 0; i < h->nr; i++) {
		free(h->ents[i].key);
		free(h->ents[i].agg);
	}
	free(h->ents);
	h->ents = NULL;
	h->nr = 0;
}

static void hist_add(struct tap_printer *p, struct tap_hist *h, const struct tap_rec_def *def,
		     const char *rec)
{
	const struct tap_map_def *map = &p->obj->maps[TAP_MAP_TABLE0 + def->map];
	struct tap_hist_entry *e = realloc(h->ents, (h->nr + 1) * sizeof(*h->ents));

	if (!e)
		return;
	h->ents = e;
	e = &h->ents[h->nr++];
	e->key = format_key(p, map, rec + TAP_REC_HDR);
	e->agg = NULL;
	if (map->type == BPF_MAP_TYPE_PERCPU_HASH) {
		e->agg = malloc(TAP_AGG_SIZE);
		if (e->agg)
			memcpy(e->agg, rec + TAP_REC_HDR + map->key_size, TAP_AGG_SIZE);
		/* sorted by count */
		memcpy(&e->value, rec + TAP_REC_HDR + map->key_size + TAP_AGG_COUNT,
		       sizeof(e->value));
		return;
	}
	memcpy(&e->value, rec + TAP_REC_HDR + map->key_size, sizeof(e->value));
}

/* "[lo, hi)" of log2 bucket @b: 0 holds values below 1 */
static void bucket_range(int b, char *buf, size_t size)
{
	if (b == 0)
		snprintf(buf, size, "(..., 1)");
	else if (b == TAP_AGG_BUCKETS - 1)
		snprintf(buf, size, "[%lld, ...)", 1LL << (b - 1));
	else
		snprintf(buf, size, "[%lld, %lld)", 1LL << (b - 1), 1LL << b);
}

/*
 * One aggregation element: its statistics, then a log2 histogram from the
 * first to the last non-empty bucket, bars scaled to the fullest.
 */
static void print_agg(struct tap_printer *p, const char *key, const long long *agg)
{
	long long count = agg[TAP_AGG_COUNT / 8], sum = agg[TAP_AGG_SUM / 8];
	const long long *hist = agg + TAP_AGG_HIST / 8;
	int b, lo = -1, hi = -1;
	long long most = 0;
	char range[64];

	fprintf(p->fp, "%s: count %lld, sum %lld, avg %lld, min %lld, max %lld\n", key, count,
		sum, count ? sum / count : 0, agg[TAP_AGG_MIN / 8], agg[TAP_AGG_MAX / 8]);
	for (b = 0; b < TAP_AGG_BUCKETS; b++) {
		if (!hist[b])
			continue;
		if (lo < 0)
			lo = b;
		hi = b;
		if (hist[b] > most)
			most = hist[b];
	}
	if (lo < 0)
		return;
	fprintf(p->fp, "%24s %-42s %s\n", "value", "------------- Distribution -------------",
		"count");
	for (b = lo; b <= hi; b++) {
		int bar = (int)(hist[b] * 40 / most);

		bucket_range(b, range, sizeof(range));
		fprintf(p->fp, "%24s |%-40.*s  %lld\n", range, bar,
			"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@", hist[b]);
	}
}

static void hist_print(struct tap_printer *p, struct tap_hist *h)
{
	long long max = 0, limit = h->limit;
	size_t i, width = 5;

	qsort(h->ents, h->nr, sizeof(*h->ents), cmp_entries);
	if (h->nr && h->ents[0].agg) {
		for (i = 0; i < h->nr && (long long)i < limit; i++) {
			if (i)
				fputc('\n', p->fp);
			print_agg(p, h->ents[i].key ?: "?", h->ents[i].agg);
		}
		if ((long long)h->nr > limit && limit >= 0)
			fprintf(p->fp, "... (%zu more)\n", h->nr - (size_t)limit);
		hist_reset(h);
		return;
	}
	for (i = 0; i < h->nr; i++) {
		if (h->ents[i].key && h->ents[i].key[0] != '\t' &&
		    strlen(h->ents[i].key) > width)
			width = strlen(h->ents[i].key);
		if (h->ents[i].value > max)
			max = h->ents[i].value;
	}
	if (width > 64)
		width = 64;
	fprintf(p->fp, "%*s %-42s %s\n", (int)width, "value",
		"------------- Distribution -------------", "count");
	for (i = 0; i < h->nr && (long long)i < limit; i++) {
		struct tap_hist_entry *e = &h->ents[i];
		int bar = max > 0 && e->value > 0 ? (int)(e->value * 40 / max) : 0;

		if (e->key && e->key[0] == '\t') {
			/* a stack: its frames, then the bar on a line of its own */
			fprintf(p->fp, "%s\n%*s |%-40.*s  %lld\n", e->key, (int)width, "", bar,
				"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@", e->value);
			continue;
		}
		fprintf(p->fp, "%*s |%-40.*s  %lld\n", (int)width, e->key ?: "?", bar,
			"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@", e->value);
	}
	if ((long long)h->nr > limit && limit >= 0)
		fprintf(p->fp, "%*s   (%zu more)\n", (int)width, "...", h->nr - (size_t)limit);
	hist_reset(h);
}

/* A print_hist whose end record was lost: print what came all the same. */
static void hist_flush(struct tap_printer *p, struct tap_hist *h)
{
	if (!h->nr)
		return;
	hist_print(p, h);
	fprintf(p->fp, "(print_hist incomplete: output records were lost)\n");
}

void tap_printer__exit(struct tap_printer *p)
{
	int i;

	for (i = 0; i < p->nr_hists; i++) {
		hist_flush(p, &p->hists[i]);
		hist_reset(&p->hists[i]);
	}
	free(p->hists);
	p->hists = NULL;
	p->nr_hists = 0;
}

int tap_print_record(void *arg, int cpu, u64 time, const void *data, u32 size)
{
	struct tap_printer *p = arg;
	const struct tap_rec_def *def;
	const char *rec = data;
	struct tap_hist *h;
	__u32 id;
	int i;

	(void)time;
	p->cpu = cpu;
	if (size < TAP_REC_HDR) {
		p->bad++;
		return 0;
	}
	memcpy(&id, rec, sizeof(id));
	if (id >= (__u32)p->obj->nr_recs || p->obj->recs[id].size > size) {
		p->bad++;
		return 0;
	}
	def = &p->obj->recs[id];
	switch (def->kind) {
	case TAP_REC_PRINT:
		for (i = 0; i < def->nargs; i++) {
			if (i)
				fputc(' ', p->fp);
			print_value(p, &def->args[i], rec);
		}
		fputc('\n', p->fp);
		break;
	case TAP_REC_PRINTF:
		print_formatted(p, def, rec);
		break;
	case TAP_REC_EXIT:
		p->exited = true;
		break;
	case TAP_REC_HIST_BEGIN:
		h = hist_of(p, cpu);
		hist_flush(p, h);
		h->limit = 20;
		if (def->nargs)
			memcpy(&h->limit, rec + def->args[0].offset, sizeof(h->limit));
		break;
	case TAP_REC_HIST_ENTRY:
		hist_add(p, hist_of(p, cpu), def, rec);
		break;
	case TAP_REC_HIST_END:
		hist_print(p, hist_of(p, cpu));
		break;
	default:
		p->bad++;
		break;
	}
	return 0;
}
