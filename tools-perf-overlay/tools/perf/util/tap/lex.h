/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_LEX_H
#define __TAP_LEX_H

#include "compiler.h"

enum tap_tok {
	TK_EOF = 0,
	TK_NUM, TK_STR, TK_NAME, TK_SPEC, TK_TIMER,
	/* keywords */
	TK_VAR, TK_FUNCTION, TK_TRACE, TK_TRACE_END, TK_IF, TK_ELSEIF, TK_ELSE,
	TK_WHILE, TK_FOR, TK_IN, TK_RETURN, TK_BREAK, TK_NIL, TK_TRUE, TK_FALSE,
	/* operators, longest first where they share a prefix */
	TK_AGG,			/* <<< */
	TK_SHL, TK_SHR,		/* << >> */
	TK_LE, TK_GE, TK_EQ, TK_NE, TK_AND, TK_OR, TK_CONCAT, TK_ARROW,
	TK_ADD_ASSIGN, TK_SUB_ASSIGN, TK_MUL_ASSIGN, TK_DIV_ASSIGN, TK_MOD_ASSIGN,
	/* single characters stand for themselves: ( ) { } [ ] , ; = < > + - ... */
	TK_CHAR_BASE = 256,
};

struct tap_token {
	int kind;		/* enum tap_tok, or TK_CHAR_BASE + character */
	int line, col;
	const char *start;	/* points into the script */
	int len;
	long long num;		/* TK_NUM */
	char *str;		/* TK_STR: unescaped; TK_NAME/TK_SPEC/TK_TIMER: text */
	int str_len;
};

struct tap_lexer {
	struct tap_compiler *c;
	const char *p;
	int line, col;
};

#define TK_CH(ch) (TK_CHAR_BASE + (ch))

void tap_lex_init(struct tap_lexer *lx, struct tap_compiler *c);
/* Next ordinary token. */
void tap_lex_next(struct tap_lexer *lx, struct tap_token *tok);
/* Next token read as a probe spec (after 'trace' and ','): TK_SPEC. */
/* Consume @ch if it comes next, with nothing between: 'trace?'. */
bool tap_lex_eat(struct tap_lexer *lx, char ch);
void tap_lex_spec(struct tap_lexer *lx, struct tap_token *tok);
/* Printable name of a token kind, for "expected X" messages. */
const char *tap_tok_name(int kind);
bool tap_tok_is_word(const struct tap_token *tok);

#endif /* __TAP_LEX_H */
