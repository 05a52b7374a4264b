// SPDX-License-Identifier: GPL-2.0
/*
 * Output records: print, printf, print_hist and exit() write fixed-layout
 * records that user space formats (tap_object.recs describes them).
 */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* ---- output records ---------------------------------------------------- */

struct tap_rec_def *gen_rec_new(struct gen *g, enum tap_rec_kind kind, int *id)
{
	struct tap_object *obj = g->obj;
	struct tap_rec_def *rec;

	rec = realloc(obj->recs, (obj->nr_recs + 1) * sizeof(*obj->recs));
	if (!rec)
		tap_error(g->c, g->line, g->col, "out of memory");
	obj->recs = rec;
	*id = obj->nr_recs++;
	rec = &obj->recs[*id];
	memset(rec, 0, sizeof(*rec));
	rec->kind = kind;
	rec->map = -1;
	rec->line = g->line;
	rec->size = TAP_REC_HDR;
	return rec;
}

/*
 * A record the kernel would not take (a full ring, a nesting limit) is
 * counted, so no loss goes unreported.
 */
void gen_count_output_failure(struct gen *g)
{
	JMP_IMM(BPF_JEQ, R0, 0, 4);
	ld_map_value(g, R1, TAP_MAP_GLOBALS, TAP_G_OUTFAIL);
	MOV_IMM(R2, 1);
	gen_emit(g, BPF_STX | BPF_DW | BPF_ATOMIC, R1, R2, 0, BPF_ADD);
}

/* Send the @size bytes of record at scratch @rec to this CPU's ring. */
void gen_output(struct gen *g, unsigned int rec, unsigned int size)
{
	MOV_REG(R1, R6);
	ld_map(g, R2, TAP_MAP_EVENTS);
	gen_emit(g, BPF_ALU | BPF_MOV | BPF_K, R3, 0, 0, -1);	/* BPF_F_CURRENT_CPU */
	MOV_REG(R4, R7);
	ALU64_IMM(BPF_ADD, R4, rec);
	MOV_IMM(R5, size);
	CALL(BPF_FUNC_perf_event_output);
	gen_count_output_failure(g);
}

/* Lay out @args in a new record, fill it in scratch, send it. */
void gen_record(struct gen *g, enum tap_rec_kind kind, struct tap_node *fmt,
		struct tap_node *args, int map)
{
	struct tap_rec_def *rec;
	struct tap_node *a;
	unsigned int base, size;
	int id, i = 0;

	rec = gen_rec_new(g, kind, &id);
	if (fmt) {
		rec->fmt = tap_object__strndup(g->obj, fmt->name, (size_t)fmt->num);
		if (!rec->fmt)
			tap_error(g->c, fmt->line, fmt->col, "out of memory");
		rec->fmt_len = (int)fmt->num;
	}
	rec->map = map;
	for (a = args; a; a = a->next, i++) {
		if (i == TAP_MAX_ARGS)
			tap_error(g->c, a->line, a->col, "at most %d values per call",
				  TAP_MAX_ARGS);
		rec->args[i].kind = kind_of(a);
		rec->args[i].offset = rec->size;
		rec->size += value_size(g, a->type);
	}
	rec->nargs = i;
	size = rec->size;
	base = scratch_alloc(g, size);
	ST_IMM(BPF_W, R7, base, id);
	ST_IMM(BPF_W, R7, base + 4, 0);
	for (a = args, i = 0; a; a = a->next, i++) {
		/* rec may move while nested calls add records: index again */
		unsigned int off = base + g->obj->recs[id].args[i].offset;

		if (kind_of(a) == TAP_T_STR) {
			gen_str(g, a, off);
		} else if (kind_of(a) == TAP_T_RECORD) {
			gen_argstr(g, off);
		} else if (kind_of(a) == TAP_T_SYM) {
			gen_sym(g, a, off);
		} else {
			gen_num(g, a);
			STX(BPF_DW, R7, off, R0);
		}
	}
	gen_output(g, base, size);
}
