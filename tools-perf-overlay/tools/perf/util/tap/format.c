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
#include <time.h>

#include <bpf/bpf.h>

#include "util/debug.h"
#include "util/strbuf.h"
#include <linux/kernel.h>
#include <linux/string.h>
#include "util/trace-event.h"
#include "event.h"
#include "format.h"
#include "regs.h"
#include "unwind.h"

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

	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* What a stack id below zero means: why bpf_get_stackid() kept no stack. */
static const char *stack_lost_reason(struct tap_printer *p, long long err, bool user)
{
	switch (-err) {
	case EFAULT:
		/* no frames: a kernel thread has no user stack, user code no kernel one */
		return user ? "[no user stack]" : "[user space]";
	case EEXIST:
		p->stacks_collided++;
		return "[stack lost: its hash collided with another stack's in the stack map]";
	case ENOMEM:
		p->stacks_full++;
		return "[stack lost: the stack map is full]";
	default:
		p->stacks_other++;
		return NULL;
	}
}

/* The frames of a --call-graph dwarf stack value, unwound when its snapshot came. */
static void format_dwarf_stack(struct tap_printer *p, long long id, struct strbuf *sb)
{
	int pid = (int)((id >> 32) & TAP_STACK_PID_MASK), nr, i;
	enum tap_unwind_state state;
	const __u64 *ips;
	__u32 size = 0;
	char sym[512];

	state = tap_unwind__frames(p->unwind, (__u64)id, &ips, &nr, &size);
	for (i = 0; i < nr; i++)
		strbuf_addf(sb, "%s\t%s", i ? "\n" : "",
			    p->symbolize_user(p->symbolize_arg, pid, ips[i], sym, sizeof(sym)));
	if (state == TAP_UNWIND_TRUNCATED)
		strbuf_addf(sb, "%s\t[truncated: the stack is larger than the %u bytes copied]",
			    nr ? "\n" : "", size);
	else if (state == TAP_UNWIND_NO_MAPS)
		strbuf_addstr(sb, "\n\t[unknown: no mappings of the process to unwind with]");
	else if (state == TAP_UNWIND_NO_STACK)
		strbuf_addstr(sb, "\t[no user stack]");
	else if (state == TAP_UNWIND_LOST)
		strbuf_addstr(sb, "\t[stack lost: its snapshot record was lost]");
}

char *tap_format_stack(struct tap_printer *p, long long id)
{
	bool user = id > 0 && (id & TAP_STACK_USER);
	int pid = user ? (int)((id >> 32) & TAP_STACK_PID_MASK) : 0;
	int depth = id > 0 ? (int)((id >> TAP_STACK_DEPTH_SHIFT) & TAP_STACK_DEPTH_MASK) : 0, n = 0;
	__u64 ips[TAP_STACK_DEPTH];
	struct strbuf sb;
	char sym[512];
	int i;

	/* perf's strbuf_init() leaves the buffer it allocates unterminated */
	if (strbuf_init(&sb, 256) || strbuf_setlen(&sb, 0))
		return NULL;
	if (user && (id & TAP_STACK_DWARF)) {
		format_dwarf_stack(p, id, &sb);
		return strbuf_detach(&sb, NULL);
	}
	if (user)
		id = (long long)(int)(unsigned int)id;
	else if (id > 0)
		id &= (1LL << TAP_STACK_DEPTH_SHIFT) - 1;
	if (id < 0) {
		const char *why = stack_lost_reason(p, id, user);

		if (why)
			strbuf_addf(&sb, "\t%s", why);
		else
			strbuf_addf(&sb, "\t[stack lost: %s]", strerror((int)-id));
		return strbuf_detach(&sb, NULL);
	}
	memset(ips, 0, sizeof(ips));
	if (p->stack_ips ? p->stack_ips(p->symbolize_arg, (__u32)id, ips) :
	    bpf_map_lookup_elem(p->stacks_fd, &(__u32){ (__u32)id }, ips)) {
		strbuf_addf(&sb, "\t[stack %lld not in the stack map]", id);
		return strbuf_detach(&sb, NULL);
	}
	for (i = 0; i < TAP_STACK_DEPTH && ips[i] && (!depth || n < depth); i++) {
		const char *name = user ?
			p->symbolize_user(p->symbolize_arg, pid, ips[i], sym, sizeof(sym)) :
			p->symbolize(p->symbolize_arg, ips[i], sym, sizeof(sym));

		if (!sb.len && !user && is_tracing_frame(name))
			continue;
		strbuf_addf(&sb, "%s\t%s", sb.len ? "\n" : "", name);
		n++;
	}
	return strbuf_detach(&sb, NULL);
}

const char *tap_format_sym(struct tap_printer *p, const void *value, char *buf, size_t size)
{
	__u32 aux, what;
	struct tm tm;
	time_t secs;
	u64 v;

	memcpy(&v, value, 8);
	memcpy(&aux, (const char *)value + 8, 4);
	memcpy(&what, (const char *)value + 12, 4);
	switch (what) {
	case TAP_SYM_KERNEL:
		if (p->symbolize)
			return p->symbolize(p->symbolize_arg, v, buf, size);
		break;
	case TAP_SYM_USER:
		if (p->symbolize_user)
			return p->symbolize_user(p->symbolize_arg, (int)aux, v, buf, size);
		break;
	case TAP_SYM_TIME:
		/* ns since the epoch, in the local time zone as date(1) shows it */
		secs = (time_t)((long long)v / 1000000000LL);
		if (aux >= (__u32)p->obj->nr_timefmts || !localtime_r(&secs, &tm) ||
		    !strftime(buf, size, p->obj->timefmts[aux], &tm))
			buf[0] = 0;
		return buf;
	default:
		break;
	}
	snprintf(buf, size, "%#llx", (unsigned long long)v);
	return buf;
}

/*
 * print: values separated by spaces on one line.  A stack ends the line
 * it is on (if anything is on it) and prints its frames, one indented
 * line each; the values after it start a new line.
 */
static void print_values(struct tap_printer *p, const struct tap_rec_def *def, const char *rec)
{
	bool line_open = false;
	int i;

	for (i = 0; i < def->nargs; i++) {
		const struct tap_rec_arg *arg = &def->args[i];
		const char *v = rec + arg->offset;

		if (arg->kind == TAP_T_STACK) {
			long long id;
			char *frames;

			memcpy(&id, v, sizeof(id));
			frames = tap_format_stack(p, id);
			fprintf(p->fp, "%s%s\n", line_open ? "\n" : "", frames ?: "\t?");
			free(frames);
			line_open = false;
			continue;
		}
		if (line_open)
			fputc(' ', p->fp);
		line_open = true;
		if (arg->kind == TAP_T_RECORD) {
			p->format_event(p->format_event_arg, p->cpu, v, p->fp);
		} else if (arg->kind == TAP_T_SYM) {
			char buf[512];

			fputs(tap_format_sym(p, v, buf, sizeof(buf)), p->fp);
		} else if (arg->kind == TAP_T_STR) {
			fprintf(p->fp, "%.*s", str_len(p, v), v);
		} else {
			long long num;

			memcpy(&num, v, sizeof(num));
			fprintf(p->fp, "%lld", num);
		}
	}
	/* print() with no value prints an empty line */
	if (line_open || !def->nargs)
		fputc('\n', p->fp);
}

/*
 * A bare %d, %i, %u or %x, the common case, without the C library's
 * format parser: at a million records a second that parser was half of
 * the reader's time.
 */
static bool put_plain_num(FILE *fp, char conv, long long num)
{
	char buf[24], *e = buf + sizeof(buf), *b = e;
	unsigned long long u = (unsigned long long)num;
	bool neg = false;

	if (conv == 'd' || conv == 'i') {
		neg = num < 0;
		u = neg ? -u : u;
	} else if (conv != 'u' && conv != 'x') {
		return false;
	}
	do {
		*--b = "0123456789abcdef"[conv == 'x' ? u % 16 : u % 10];
		u = conv == 'x' ? u / 16 : u / 10;
	} while (u);
	if (neg)
		*--b = '-';
	fwrite(b, 1, (size_t)(e - b), fp);
	return true;
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
			const char *pct = memchr(f, '%', (size_t)(end - f));

			f = pct ?: end;
			fwrite(start, 1, (size_t)(f - start), p->fp);
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
		} else if (conv == 's' && def->args[argi].kind == TAP_T_SYM) {
			char buf[512];

			spec[n] = 's';
			spec[n + 1] = 0;
			fprintf(p->fp, spec, tap_format_sym(p, rec + def->args[argi].offset, buf,
							    sizeof(buf)));
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
			if (n == 1 && put_plain_num(p->fp, conv, num)) {
				/* done */
			} else if (conv == 'c') {
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

void tap_format_text(struct tap_printer *p, const struct tap_rec_def *def, const char *rec)
{
	if (def->kind == TAP_REC_PRINTF)
		print_formatted(p, def, rec);
	else
		print_values(p, def, rec);
}

/* Same keys: the same label and the same frames. */
static int cmp_keys(const struct tap_hist_entry *x, const struct tap_hist_entry *y)
{
	int d = strcmp(x->key ?: "", y->key ?: "");

	return d ?: strcmp(x->frames ?: "", y->frames ?: "");
}

static int cmp_by_key(const void *a, const void *b)
{
	return cmp_keys(a, b);
}

static int cmp_entries(const void *a, const void *b)
{
	const struct tap_hist_entry *x = a, *y = b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	return cmp_keys(x, y);
}

/*
 * A table key laid out as the compiler did, as print_hist shows it: the
 * keys that are not stacks, joined by ", ", in @label, and the frames of
 * the stacks in @frames (NULL if there is none), one stack after another
 * with a "\t--" line between them.
 */
static int format_key(struct tap_printer *p, const struct tap_map_def *map, const char *key,
		      char **label, char **frames)
{
	struct strbuf lb, fb;
	unsigned int off = 0;
	int k, nstacks = 0;

	*label = *frames = NULL;
	if (strbuf_init(&lb, 64) || strbuf_setlen(&lb, 0) || strbuf_init(&fb, 64) ||
	    strbuf_setlen(&fb, 0)) {
		strbuf_release(&lb);
		return -ENOMEM;
	}
	for (k = 0; k < map->nr_keys; k++) {
		enum tap_type_kind kind = map->keys[k].kind;
		long long num;

		if (kind == TAP_T_STR) {
			strbuf_addf(&lb, "%s%.*s", lb.len ? ", " : "",
				    (int)strnlen(key + off, map->keys[k].size), key + off);
			off += map->keys[k].size;
			continue;
		}
		if (kind == TAP_T_SYM) {
			char buf[512];

			strbuf_addf(&lb, "%s%s", lb.len ? ", " : "",
				    tap_format_sym(p, key + off, buf, sizeof(buf)));
			off += TAP_SYM_SIZE;
			continue;
		}
		memcpy(&num, key + off, sizeof(num));
		off += 8;
		if (kind == TAP_T_STACK) {
			char *f = tap_format_stack(p, num);

			strbuf_addf(&fb, "%s%s", nstacks++ ? "\n\t--\n" : "", f ?: "\t?");
			free(f);
			continue;
		}
		strbuf_addf(&lb, "%s%lld", lb.len ? ", " : "", num);
	}
	*label = strbuf_detach(&lb, NULL);
	*frames = nstacks ? strbuf_detach(&fb, NULL) : NULL;
	strbuf_release(&fb);
	return 0;
}

/*
 * print_hist(t [, n]) arrives as a begin record, one record per element
 * (a snapshot the kernel took at the call) and an end record, all from
 * one CPU; they are collected per CPU and printed at the end record.
 */
static struct tap_hist *hist_of(struct tap_printer *p, int cpu)
{
	struct tap_hist *h;
	int i;

	for (i = 0; i < p->nr_hists; i++)
		if (p->hists[i].cpu == cpu)
			return &p->hists[i];
	i = p->nr_hists;
	h = realloc(p->hists, (i + 1) * sizeof(*p->hists));
	if (!h) {
		pr_err("perf tap: out of memory: a print_hist() table is not shown\n");
		return NULL;
	}
	p->hists = h;
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
		free(h->ents[i].frames);
		free(h->ents[i].agg);
		free(h->ents[i].raw);
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
	e = &h->ents[h->nr];
	memset(e, 0, sizeof(*e));
	if (format_key(p, map, rec + TAP_REC_HDR, &e->key, &e->frames))
		return;
	h->nr++;
	if (p->json)
		e->raw = memdup(rec + TAP_REC_HDR, map->key_size);
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

/* Fold aggregation element @from into @into: counts and sums add up. */
static void agg_fold(long long *into, const long long *from)
{
	int b;

	if (!from[TAP_AGG_COUNT / 8])
		return;
	if (!into[TAP_AGG_COUNT / 8] || from[TAP_AGG_MIN / 8] < into[TAP_AGG_MIN / 8])
		into[TAP_AGG_MIN / 8] = from[TAP_AGG_MIN / 8];
	if (!into[TAP_AGG_COUNT / 8] || from[TAP_AGG_MAX / 8] > into[TAP_AGG_MAX / 8])
		into[TAP_AGG_MAX / 8] = from[TAP_AGG_MAX / 8];
	into[TAP_AGG_COUNT / 8] += from[TAP_AGG_COUNT / 8];
	into[TAP_AGG_SUM / 8] += from[TAP_AGG_SUM / 8];
	for (b = 0; b < TAP_AGG_BUCKETS; b++)
		into[TAP_AGG_HIST / 8 + b] += from[TAP_AGG_HIST / 8 + b];
}

/*
 * Elements whose keys print the same are one line.  That happens with
 * user stacks: the value of ustack() names the process (its frames are
 * addresses in that process), so the same code path in two processes is
 * two elements, which would print as two identical keys.
 */
static void hist_merge(struct tap_hist *h)
{
	size_t i, n = 0;

	if (h->nr < 2)
		return;
	qsort(h->ents, h->nr, sizeof(*h->ents), cmp_by_key);
	for (i = 0; i < h->nr; i++) {
		struct tap_hist_entry *e = &h->ents[i], *last = n ? &h->ents[n - 1] : NULL;

		if (!last || cmp_keys(last, e)) {
			h->ents[n++] = *e;
			continue;
		}
		if (last->agg && e->agg) {
			agg_fold(last->agg, e->agg);
			last->value = last->agg[TAP_AGG_COUNT / 8];
		} else {
			last->value += e->value;
		}
		free(e->key);
		free(e->frames);
		free(e->agg);
		free(e->raw);
	}
	h->nr = n;
}

/*
 * [lo, hi) of bucket @b: log2 buckets, where 0 holds the values below 1;
 * or lhist()'s linear ones, where 0 holds those below min and the last
 * those from max up.  Returns which bounds there are: 1 lo, 2 hi.
 */
int tap_bucket_bounds(const struct tap_map_def *m, int b, long long *lo, long long *hi)
{
	if (m->hist_nr) {
		/* unsigned: the bounds may be anywhere in the 64-bit range */
		unsigned long long l = (unsigned long long)m->hist_min +
			(unsigned long long)(b - 1) * (unsigned long long)m->hist_step;
		unsigned long long h = (unsigned long long)m->hist_max;

		if ((unsigned long long)m->hist_max - l > (unsigned long long)m->hist_step)
			h = l + (unsigned long long)m->hist_step;
		if (b == 0) {
			*hi = m->hist_min;
			return 2;
		}
		if (b > m->hist_nr) {
			*lo = m->hist_max;
			return 1;
		}
		*lo = (long long)l;
		*hi = (long long)h;
		return 3;
	}
	if (b == 0) {
		*hi = 1;
		return 2;
	}
	*lo = 1LL << (b - 1);
	if (b == TAP_AGG_BUCKETS - 1)
		return 1;
	*hi = 1LL << b;
	return 3;
}

static void bucket_range(const struct tap_map_def *m, int b, char *buf, size_t size)
{
	long long lo = 0, hi = 0;

	switch (tap_bucket_bounds(m, b, &lo, &hi)) {
	case 1:
		snprintf(buf, size, "[%lld, ...)", lo);
		break;
	case 2:
		snprintf(buf, size, "(..., %lld)", hi);
		break;
	default:
		snprintf(buf, size, "[%lld, %lld)", lo, hi);
		break;
	}
}

/*
 * One aggregation element: a line with the keys that are not stacks and
 * the statistics, the frames of its stacks, then a log2 histogram from
 * the first to the last non-empty bucket, bars scaled to the fullest.
 */
static void print_agg(struct tap_printer *p, const struct tap_map_def *m,
		      const struct tap_hist_entry *e)
{
	const long long *agg = e->agg;
	long long count = agg[TAP_AGG_COUNT / 8], sum = agg[TAP_AGG_SUM / 8];
	const long long *hist = agg + TAP_AGG_HIST / 8;
	int b, lo = -1, hi = -1;
	long long most = 0;
	char range[64];

	if (e->key && e->key[0])
		fprintf(p->fp, "%s: ", e->key);
	fprintf(p->fp, "count %lld, sum %lld, avg %lld, min %lld, max %lld\n", count, sum,
		count ? sum / count : 0, agg[TAP_AGG_MIN / 8], agg[TAP_AGG_MAX / 8]);
	if (e->frames)
		fprintf(p->fp, "%s\n", e->frames);
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

		bucket_range(m, b, range, sizeof(range));
		fprintf(p->fp, "%24s |%-40.*s  %lld\n", range, bar,
			"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@", hist[b]);
	}
}

/*
 * A table of numbers: a header, then a line per element with its keys,
 * the bar and the value; an element with stacks in its key has their
 * frames on the lines after its own.
 */
static void hist_print(struct tap_printer *p, struct tap_hist *h, const struct tap_map_def *m)
{
	bool agg = m->type == BPF_MAP_TYPE_PERCPU_HASH;
	long long max = 0, limit = h->limit;
	size_t i, width = 5;

	if (!h->nr) {
		fprintf(p->fp, "(empty)\n");
		return;
	}
	hist_merge(h);
	qsort(h->ents, h->nr, sizeof(*h->ents), cmp_entries);
	if (agg) {
		for (i = 0; i < h->nr && (long long)i < limit; i++) {
			if (i)
				fputc('\n', p->fp);
			if (h->ents[i].agg)
				print_agg(p, m, &h->ents[i]);
		}
		if ((long long)h->nr > limit && limit >= 0)
			fprintf(p->fp, "... (%zu more)\n", h->nr - (size_t)limit);
		return;
	}
	for (i = 0; i < h->nr; i++) {
		if (h->ents[i].key && strlen(h->ents[i].key) > width)
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

		fprintf(p->fp, "%*s |%-40.*s  %lld\n", (int)width, e->key ?: "?", bar,
			"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@", e->value);
		if (e->frames)
			fprintf(p->fp, "%s\n", e->frames);
	}
	if ((long long)h->nr > limit && limit >= 0)
		fprintf(p->fp, "%*s   (%zu more)\n", (int)width, "...", h->nr - (size_t)limit);
}

/* A print_hist whose end record was lost: print what came all the same. */
static void hist_flush(struct tap_printer *p, struct tap_hist *h)
{
	if (!h->nr || !h->map)
		return;
	if (p->json) {
		hist_merge(h);
		qsort(h->ents, h->nr, sizeof(*h->ents), cmp_entries);
		tap_json_hist(p, h, h->map, true);
	} else {
		hist_print(p, h, h->map);
		fprintf(p->fp, "(print_hist incomplete: output records were lost)\n");
	}
	hist_reset(h);
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
	tap_unwind__delete(p->unwind);
	p->unwind = NULL;
}

int tap_print_record(void *arg, int cpu, u64 time, const void *data, u32 size)
{
	struct tap_printer *p = arg;
	const struct tap_rec_def *def;
	const char *rec = data;
	struct tap_hist *h;
	__u32 id;

	p->cpu = cpu;
	p->time = time;
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
	case TAP_REC_PRINTF:
		if (p->json)
			tap_json_text(p, def, rec);
		else
			tap_format_text(p, def, rec);
		break;
	case TAP_REC_USTACK:
		if (tap_unwind__add(p->unwind, rec, size))
			p->bad++;
		break;
	case TAP_REC_EXIT:
		p->exited = true;
		if (p->json)
			tap_json_exit(p);
		break;
	case TAP_REC_HIST_BEGIN:
		h = hist_of(p, cpu);
		if (!h)
			break;
		hist_flush(p, h);
		h->limit = 20;
		h->map = &p->obj->maps[TAP_MAP_TABLE0 + def->map];
		if (def->nargs)
			memcpy(&h->limit, rec + def->args[0].offset, sizeof(h->limit));
		break;
	case TAP_REC_HIST_ENTRY:
		h = hist_of(p, cpu);
		if (h)
			hist_add(p, h, def, rec);
		break;
	case TAP_REC_HIST_END:
		h = hist_of(p, cpu);
		if (!h)
			break;
		if (def->map < 0 || TAP_MAP_TABLE0 + def->map >= p->obj->nr_maps) {
			p->bad++;
			break;
		}
		if (p->json) {
			hist_merge(h);
			qsort(h->ents, h->nr, sizeof(*h->ents), cmp_entries);
			tap_json_hist(p, h, &p->obj->maps[TAP_MAP_TABLE0 + def->map], false);
		} else {
			hist_print(p, h, &p->obj->maps[TAP_MAP_TABLE0 + def->map]);
		}
		hist_reset(h);
		break;
	default:
		p->bad++;
		break;
	}
	return 0;
}

/*
 * At raw_syscalls the record is rebuilt from pt_regs: __syscall_nr, then
 * the six arguments, or the return value for a sys_exit event, as the
 * syscalls:* events lay them out.
 */
void tap_format_argstr(const struct tap_event *ev, struct tep_event *tp, int cpu,
		       const void *data, FILE *fp)
{
	const unsigned char *d = data;
	unsigned char rec[64];
	__u32 kind;
	int i, size;

	memcpy(&kind, d + 4, 4);
	if (kind == TAP_ARGSTR_NONE)
		return;
	if (kind == TAP_ARGSTR_RECORD) {
		unsigned char full[TAP_ARGSTR_DATA];

		/*
		 * The kernel hands BPF the record with its first 8 bytes (the
		 * common fields) replaced by a pt_regs pointer: put the type back.
		 */
		memcpy(full, d + 8, sizeof(full));
		memset(full, 0, 8);
		memcpy(full, &(__u16){ (__u16)tp->id }, 2);
		event_format__fprintf(tp, cpu, full, sizeof(full), fp);
		return;
	}
	memset(rec, 0, sizeof(rec));
	memcpy(rec, &(__u16){ (__u16)tp->id }, 2);
	memcpy(rec + 8, &ev->syscall_nr, 4);
	if (ev->sys_exit) {
		memcpy(rec + 16, d + 8 + TAP_REGS_RET, 8);
		size = 24;
	} else {
		for (i = 0; i < TAP_REGS_NR_ARGS; i++)
			memcpy(rec + 16 + 8 * i, d + 8 + tap_regs_syscall_arg(i), 8);
		size = 64;
	}
	event_format__fprintf(tp, cpu, rec, size, fp);
}

/*
 * stack() values that hold no stack.  Without BPF_F_REUSE_STACKID (which
 * would hand the id of a stored stack to a new one, so that table keys
 * taken earlier print the wrong frames) a stack whose hash bucket holds
 * another stack is not kept: bpf_get_stackid() returns -EEXIST.
 */
static void print_lost_stacks(const struct tap_losses *l, const struct tap_printer *p)
{
	if (l->stacks_collided)
		pr_warning(
			"perf tap: warning: %llu stacks were lost to hash collisions in the stack map (%u buckets)\n",
			(unsigned long long)l->stacks_collided,
			l->stack_buckets);
	if (p->stacks_full)
		pr_warning(
			"perf tap: warning: %llu of the stack values printed were lost because the stack map was full (%u stacks)\n",
			(unsigned long long)p->stacks_full, l->stack_entries);
	if (l->track)
		pr_warning(
			"perf tap: warning: %llu reports of processes' mappings were lost: some user stack frames may show addresses only\n",
			(unsigned long long)l->track);
	if (p->stacks_other)
		pr_warning(
			"perf tap: warning: %llu of the stack values printed hold no stack (shown as [stack lost: ...])\n",
			(unsigned long long)p->stacks_other);
}

void tap_print_losses(const struct tap_losses *l, const struct tap_printer *p)
{
	if (l->records)
		pr_warning(
			"perf tap: warning: %llu output records lost (the rings were full; try a larger -m)\n",
			(unsigned long long)l->records);
	if (l->nested)
		pr_warning(
			"perf tap: warning: %llu probe runs skipped: their events fired on a CPU that was running a BPF program already\n",
			(unsigned long long)l->nested);
	if (l->drops)
		pr_warning(
			"perf tap: warning: %llu table updates lost (a table was full at %u entries)\n",
			(unsigned long long)l->drops, l->table_entries);
	if (l->loops)
		pr_warning(
			"perf tap: warning: loops were stopped %llu times after %u iterations (--loop-max)\n",
			(unsigned long long)l->loops,
			l->loop_max);
	if (p->bad)
		pr_warning("perf tap: warning: %llu records could not be decoded\n",
			   (unsigned long long)p->bad);
	print_lost_stacks(l, p);
	if (p->json)
		tap_json_losses(p, l);
}
