// SPDX-License-Identifier: GPL-2.0
/*
 * --json: every record as one JSON object on a line of its own, live and
 * in report.  The schema is in the perf-tap man page:
 *
 *	{"type":"print"|"printf","time":NS,"cpu":N,"text":"...","args":[...]}
 *	{"type":"hist","time":NS,"cpu":N,"table":"name","rows":[...],"more":N}
 *	{"type":"exit","time":NS,"cpu":N}
 *	{"type":"lost","records":N,"table_updates":N,...}
 *
 * Numbers are JSON numbers, strings JSON strings, stacks lists of frames.
 * The text of print and printf is what live mode prints for the record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "sema.h"

/*
 * A JSON string.  Script strings are bytes: valid UTF-8 is kept, any other
 * byte is written as the code point of the same value (as Latin-1 would).
 */
static void json_str(FILE *fp, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	fputc('"', fp);
	while (p < end) {
		unsigned char c = *p;
		int n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 1;
		int i;

		if (c == '"' || c == '\\') {
			fprintf(fp, "\\%c", c);
		} else if (c == '\n') {
			fputs("\\n", fp);
		} else if (c == '\t') {
			fputs("\\t", fp);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(fp, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, fp);
		} else {
			for (i = 1; i < n && p + i < end && (p[i] & 0xc0) == 0x80; i++)
				;
			if (n == 1 || i < n) {
				fprintf(fp, "\\u%04x", c);
			} else {
				fwrite(p, 1, n, fp);
				p += n;
				continue;
			}
		}
		p++;
	}
	fputc('"', fp);
}

static void json_cstr(FILE *fp, const char *s)
{
	json_str(fp, s, strlen(s));
}

/*
 * A stack value's frames, as tap_format_stack() gives them, as a list.
 * The text of the record has counted the stacks lost already.
 */
static void json_stack(struct tap_printer *p, long long id)
{
	u64 collided = p->stacks_collided, full = p->stacks_full, other = p->stacks_other;
	char *frames = tap_format_stack(p, id), *line, *next;

	p->stacks_collided = collided;
	p->stacks_full = full;
	p->stacks_other = other;
	fputc('[', p->fp);
	for (line = frames; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		if (line != frames)
			fputc(',', p->fp);
		json_cstr(p->fp, line[0] == '\t' ? line + 1 : line);
	}
	fputc(']', p->fp);
	free(frames);
}

static void json_head(struct tap_printer *p, const char *type)
{
	fprintf(p->fp, "{\"type\":\"%s\",\"time\":%llu,\"cpu\":%d", type,
		(unsigned long long)p->time, p->cpu);
}

/* argstr's text, as live mode prints it. */
static void json_argstr(struct tap_printer *p, const char *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (mem) {
		p->format_event(p->format_event_arg, p->cpu, v, mem);
		fclose(mem);
	}
	json_str(p->fp, text ?: "", text ? len : 0);
	free(text);
}

void tap_json_text(struct tap_printer *p, const struct tap_rec_def *def, const char *rec)
{
	FILE *fp = p->fp, *mem;
	char *text = NULL;
	size_t len = 0;
	int i;

	/* the text as live mode prints it */
	mem = open_memstream(&text, &len);
	if (mem) {
		p->fp = mem;
		tap_format_text(p, def, rec);
		p->fp = fp;
		fclose(mem);
	}
	json_head(p, def->kind == TAP_REC_PRINTF ? "printf" : "print");
	fputs(",\"text\":", fp);
	json_str(fp, text ?: "", text ? len : 0);
	free(text);
	fputs(",\"args\":[", fp);
	for (i = 0; i < def->nargs; i++) {
		const char *v = rec + def->args[i].offset;
		long long num;

		if (i)
			fputc(',', fp);
		if (def->args[i].kind == TAP_T_STR) {
			json_str(fp, v, strnlen(v, p->obj->str_size));
		} else if (def->args[i].kind == TAP_T_RECORD) {
			json_argstr(p, v);
		} else if (def->args[i].kind == TAP_T_SYM) {
			char buf[512];

			tap_format_sym(p, v, buf, sizeof(buf));
			json_str(fp, buf, strlen(buf));
		} else {
			memcpy(&num, v, sizeof(num));
			if (def->args[i].kind == TAP_T_STACK)
				json_stack(p, num);
			else
				fprintf(fp, "%lld", num);
		}
	}
	fputs("]}\n", fp);
}

void tap_json_exit(struct tap_printer *p)
{
	json_head(p, "exit");
	fputs("}\n", p->fp);
}

/* A table key's parts, in order, typed. */
static void json_key(struct tap_printer *p, const struct tap_map_def *m, const char *key)
{
	unsigned int off = 0;
	int k;

	fputc('[', p->fp);
	for (k = 0; key && k < m->nr_keys; k++) {
		long long num;

		if (k)
			fputc(',', p->fp);
		if (m->keys[k].kind == TAP_T_STR) {
			json_str(p->fp, key + off, strnlen(key + off, m->keys[k].size));
			off += m->keys[k].size;
			continue;
		}
		if (m->keys[k].kind == TAP_T_SYM) {
			char buf[512];

			tap_format_sym(p, key + off, buf, sizeof(buf));
			json_str(p->fp, buf, strlen(buf));
			off += TAP_SYM_SIZE;
			continue;
		}
		memcpy(&num, key + off, sizeof(num));
		off += 8;
		if (m->keys[k].kind == TAP_T_STACK)
			json_stack(p, num);
		else
			fprintf(p->fp, "%lld", num);
	}
	fputc(']', p->fp);
}

/* An aggregation's statistics and its non-empty buckets. */
static void json_agg(struct tap_printer *p, const struct tap_map_def *m, const long long *agg)
{
	long long count = agg[TAP_AGG_COUNT / 8], sum = agg[TAP_AGG_SUM / 8];
	const long long *hist = agg + TAP_AGG_HIST / 8;
	bool first = true;
	int b;

	fprintf(p->fp, ",\"count\":%lld,\"sum\":%lld,\"avg\":%lld,\"min\":%lld,\"max\":%lld",
		count, sum, count ? sum / count : 0, agg[TAP_AGG_MIN / 8], agg[TAP_AGG_MAX / 8]);
	fputs(",\"buckets\":[", p->fp);
	for (b = 0; b < TAP_AGG_BUCKETS; b++) {
		long long lo = 0, hi = 0;
		int bounds;

		if (!hist[b])
			continue;
		bounds = tap_bucket_bounds(m, b, &lo, &hi);
		fprintf(p->fp, "%s{", first ? "" : ",");
		first = false;
		if (bounds & 1)
			fprintf(p->fp, "\"low\":%lld,", lo);
		if (bounds & 2)
			fprintf(p->fp, "\"high\":%lld,", hi);
		fprintf(p->fp, "\"count\":%lld}", hist[b]);
	}
	fputc(']', p->fp);
}

void tap_json_hist(struct tap_printer *p, struct tap_hist *h, const struct tap_map_def *m,
		   bool incomplete)
{
	long long limit = h->limit;
	size_t i;

	json_head(p, "hist");
	fputs(",\"table\":", p->fp);
	json_cstr(p->fp, m->name);
	fputs(",\"rows\":[", p->fp);
	for (i = 0; i < h->nr && (long long)i < limit; i++) {
		const struct tap_hist_entry *e = &h->ents[i];

		fprintf(p->fp, "%s{\"key\":", i ? "," : "");
		json_key(p, m, e->raw);
		if (e->agg)
			json_agg(p, m, e->agg);
		else
			fprintf(p->fp, ",\"value\":%lld", e->value);
		fputc('}', p->fp);
	}
	fputc(']', p->fp);
	if (limit >= 0 && (long long)h->nr > limit)
		fprintf(p->fp, ",\"more\":%zu", h->nr - (size_t)limit);
	if (incomplete)
		fputs(",\"incomplete\":true", p->fp);
	fputs("}\n", p->fp);
}

void tap_json_losses(const struct tap_printer *p, const struct tap_losses *l)
{
	if (!l->records && !l->drops && !l->loops && !l->stacks_collided && !l->track &&
	    !l->nested && !p->bad && !p->stacks_full && !p->stacks_other)
		return;
	/* one member a line, so the object's layout reads as a list */
	fprintf(p->fp, "{\"type\":\"lost\",\"records\":%llu,", (unsigned long long)l->records);
	fprintf(p->fp, "\"table_updates\":%llu,", (unsigned long long)l->drops);
	fprintf(p->fp, "\"loops\":%llu,", (unsigned long long)l->loops);
	fprintf(p->fp, "\"stacks_collided\":%llu,", (unsigned long long)l->stacks_collided);
	fprintf(p->fp, "\"stacks_full\":%llu,", (unsigned long long)p->stacks_full);
	fprintf(p->fp, "\"stacks_other\":%llu,", (unsigned long long)p->stacks_other);
	fprintf(p->fp, "\"mapping_reports\":%llu,", (unsigned long long)l->track);
	fprintf(p->fp, "\"skipped_runs\":%llu,", (unsigned long long)l->nested);
	fprintf(p->fp, "\"undecoded\":%llu}\n", (unsigned long long)p->bad);
	fflush(p->fp);
}
