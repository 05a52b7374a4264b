// SPDX-License-Identifier: GPL-2.0
/*
 * Lexer for perf tap scripts.
 *
 * Statements need no separator, so newlines are plain white space.  Two
 * tokens need context the parser gives: a probe spec after 'trace' (it
 * may hold ':' '*' '/' '%' and '.') and a timer ('tick-1s', 'profile-99hz')
 * which is recognised because 'tick' and 'profile' are followed by '-'
 * and a digit without white space.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/compiler.h>
#include <linux/kernel.h>

#include "lex.h"

static const struct {
	const char *word;
	int kind;
} keywords[] = {
	{ "var",	TK_VAR },
	{ "function",	TK_FUNCTION },
	{ "trace",	TK_TRACE },
	{ "trace_end",	TK_TRACE_END },
	{ "if",		TK_IF },
	{ "elseif",	TK_ELSEIF },
	{ "else",	TK_ELSE },
	{ "while",	TK_WHILE },
	{ "for",	TK_FOR },
	{ "in",		TK_IN },
	{ "return",	TK_RETURN },
	{ "break",	TK_BREAK },
	{ "nil",	TK_NIL },
	{ "true",	TK_TRUE },
	{ "false",	TK_FALSE },
};

static const struct {
	const char *text;
	int kind;
} operators[] = {
	/* longest first */
	{ "<<<", TK_AGG },
	{ "<<", TK_SHL }, { ">>", TK_SHR }, { "<=", TK_LE }, { ">=", TK_GE },
	{ "==", TK_EQ }, { "!=", TK_NE }, { "&&", TK_AND }, { "||", TK_OR },
	{ "..", TK_CONCAT }, { "+=", TK_ADD_ASSIGN }, { "-=", TK_SUB_ASSIGN },
	{ "*=", TK_MUL_ASSIGN }, { "/=", TK_DIV_ASSIGN }, { "%=", TK_MOD_ASSIGN },
	{ "->", TK_ARROW },
};

const char *tap_tok_name(int kind)
{
	static char buf[8];
	size_t i;

	switch (kind) {
	case TK_EOF:	return "end of script";
	case TK_NUM:	return "number";
	case TK_STR:	return "string";
	case TK_NAME:	return "name";
	case TK_SPEC:	return "probe spec";
	case TK_TIMER:	return "timer";
	default:
		break;
	}
	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (keywords[i].kind == kind)
			return keywords[i].word;
	for (i = 0; i < ARRAY_SIZE(operators); i++)
		if (operators[i].kind == kind)
			return operators[i].text;
	if (kind >= TK_CHAR_BASE) {
		buf[0] = '\'';
		buf[1] = (char)(kind - TK_CHAR_BASE);
		buf[2] = '\'';
		buf[3] = 0;
		return buf;
	}
	return "token";
}

void tap_lex_init(struct tap_lexer *lx, struct tap_compiler *c)
{
	lx->c = c;
	lx->p = c->text;
	lx->line = 1;
	lx->col = 1;
}

static void advance(struct tap_lexer *lx, int n)
{
	while (n-- > 0 && *lx->p) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
		lx->p++;
	}
}

static void skip_space(struct tap_lexer *lx)
{
	for (;;) {
		if (isspace((unsigned char)*lx->p)) {
			advance(lx, 1);
		} else if (*lx->p == '#') {
			while (*lx->p && *lx->p != '\n')
				advance(lx, 1);
		} else {
			return;
		}
	}
}

static void start_token(struct tap_lexer *lx, struct tap_token *tok)
{
	memset(tok, 0, sizeof(*tok));
	tok->line = lx->line;
	tok->col = lx->col;
	tok->start = lx->p;
}

/*
 * Decimal literals go up to 2^63, so that -9223372036854775808 can be
 * written; hex and octal ones up to 2^64 - 1, read as two's complement
 * (0xffffffffffffffff is -1), as in C.
 */
static void lex_number(struct tap_lexer *lx, struct tap_token *tok)
{
	bool decimal = lx->p[0] != '0' || !isalnum((unsigned char)lx->p[1]);
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(lx->p, &end, 0);
	if (isalnum((unsigned char)*end) || *end == '_')
		tap_error(lx->c, tok->line, tok->col, "malformed number");
	if (errno == ERANGE || (decimal && v > (unsigned long long)LLONG_MAX + 1))
		tap_error(lx->c, tok->line, tok->col, "number too large for 64 bits");
	tok->kind = TK_NUM;
	tok->num = (long long)v;
	advance(lx, (int)(end - lx->p));
}

static int hex_digit(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* A NUL byte before the end of the script is an error, not its end. */
static bool at_nul(struct tap_lexer *lx)
{
	return !*lx->p && (size_t)(lx->p - lx->c->text) < lx->c->text_len;
}

static void __noreturn nul_error(struct tap_lexer *lx)
{
	tap_error(lx->c, lx->line, lx->col, "a NUL byte in the script");
}

/* Bytes from the opening quote to the closing one (or the line's end). */
static size_t string_extent(const char *p)
{
	const char *q = p + 1;

	while (*q && *q != '\n' && *q != *p) {
		if (*q == '\\' && q[1] && q[1] != '\n')
			q++;
		q++;
	}
	return (size_t)(q - p);
}

static void lex_string(struct tap_lexer *lx, struct tap_token *tok)
{
	char quote = *lx->p;
	/* escapes only shrink: the text between the quotes is enough room */
	char *buf = tap_alloc(lx->c, string_extent(lx->p) + 1);
	int n = 0;

	advance(lx, 1);
	while (*lx->p != quote) {
		int ch = (unsigned char)*lx->p;

		if (at_nul(lx))
			nul_error(lx);
		if (!ch || ch == '\n')
			tap_error(lx->c, tok->line, tok->col, "unterminated string");
		if (ch == '\\') {
			int l = lx->line, col = lx->col;

			advance(lx, 1);
			if (at_nul(lx))
				nul_error(lx);
			ch = (unsigned char)*lx->p;
			switch (ch) {
			case 'n':
				ch = '\n';
				break;
			case 't':
				ch = '\t';
				break;
			case 'r':
				ch = '\r';
				break;
			case '0':
				ch = 0;
				break;
			case '\\':
			case '"':
			case '\'':
				break;
			case 'x':
				if (hex_digit(lx->p[1]) < 0 || hex_digit(lx->p[2]) < 0)
					tap_error(lx->c, l, col, "bad \\x escape");
				ch = hex_digit(lx->p[1]) * 16 + hex_digit(lx->p[2]);
				advance(lx, 2);
				break;
			default:
				tap_error(lx->c, l, col, "unknown escape '\\%c'", ch ? ch : '0');
			}
		}
		buf[n++] = (char)ch;
		advance(lx, 1);
	}
	advance(lx, 1);
	tok->kind = TK_STR;
	tok->str = buf;
	tok->str_len = n;
}

static bool is_name_char(int ch)
{
	return isalnum(ch) || ch == '_';
}

static void lex_name(struct tap_lexer *lx, struct tap_token *tok)
{
	const char *s = lx->p;
	size_t i;
	int n = 0;

	if (*s == '$')
		n++;
	while (is_name_char((unsigned char)s[n]))
		n++;
	/* tick-1s, profile-10ms, profile-99hz */
	if ((n == 4 && !strncmp(s, "tick", 4)) || (n == 7 && !strncmp(s, "profile", 7))) {
		if (s[n] == '-' && isdigit((unsigned char)s[n + 1])) {
			n++;
			while (isalnum((unsigned char)s[n]))
				n++;
			tok->kind = TK_TIMER;
			tok->str = tap_strndup(lx->c, s, n);
			advance(lx, n);
			return;
		}
	}
	tok->kind = TK_NAME;
	tok->str = tap_strndup(lx->c, s, n);
	for (i = 0; i < ARRAY_SIZE(keywords); i++) {
		if (!strcmp(keywords[i].word, tok->str)) {
			tok->kind = keywords[i].kind;
			break;
		}
	}
	advance(lx, n);
}

/* A name or a keyword: what may follow 'arg.', where a field can be named 'function'. */
bool tap_tok_is_word(const struct tap_token *tok)
{
	size_t i;

	if (tok->kind == TK_NAME)
		return true;
	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (keywords[i].kind == tok->kind)
			return true;
	return false;
}

void tap_lex_next(struct tap_lexer *lx, struct tap_token *tok)
{
	size_t i;
	int ch;

	skip_space(lx);
	start_token(lx, tok);
	ch = (unsigned char)*lx->p;
	if (at_nul(lx))
		nul_error(lx);
	if (!ch) {
		tok->kind = TK_EOF;
		return;
	}
	if (isdigit(ch)) {
		lex_number(lx, tok);
	} else if (ch == '"' || ch == '\'') {
		lex_string(lx, tok);
	} else if (isalpha(ch) || ch == '_' ||
		   (ch == '$' && is_name_char((unsigned char)lx->p[1]))) {
		lex_name(lx, tok);
	} else {
		for (i = 0; i < ARRAY_SIZE(operators); i++) {
			size_t n = strlen(operators[i].text);

			if (!strncmp(lx->p, operators[i].text, n)) {
				tok->kind = operators[i].kind;
				advance(lx, (int)n);
				goto out;
			}
		}
		if (!strchr("(){}[],;=<>+-*/%!&|^~.:", ch))
			tap_error(lx->c, tok->line, tok->col, "unexpected character '%c'", ch);
		tok->kind = TK_CH(ch);
		advance(lx, 1);
	}
out:
	tok->len = (int)(lx->p - tok->start);
}

bool tap_lex_eat(struct tap_lexer *lx, char ch)
{
	if (*lx->p != ch)
		return false;
	advance(lx, 1);
	return true;
}

/*
 * A probe spec runs to white space, ',' or '{': "syscalls:sys_enter_*",
 * "*:*", "probe:do_sys_open%return", "probe:/usr/lib/libc.so.6:malloc".
 * A filter therefore needs white space before its '/'.
 */
void tap_lex_spec(struct tap_lexer *lx, struct tap_token *tok)
{
	int n = 0;

	skip_space(lx);
	start_token(lx, tok);
	while (lx->p[n] && !isspace((unsigned char)lx->p[n]) && !strchr(",{}", lx->p[n]))
		n++;
	if (!n) {
		tap_lex_next(lx, tok);
		tap_error(lx->c, tok->line, tok->col, "expected a probe spec, found %s",
			  tap_tok_name(tok->kind));
	}
	tok->kind = TK_SPEC;
	tok->str = tap_strndup(lx->c, lx->p, n);
	tok->len = n;
	advance(lx, n);
}
