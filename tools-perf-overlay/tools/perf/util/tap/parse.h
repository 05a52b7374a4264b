/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_PARSE_H
#define __TAP_PARSE_H

#include "ast.h"

/* Parse the whole script: the list of top-level items, in order. */
struct tap_node *tap_parse(struct tap_compiler *c);

#endif /* __TAP_PARSE_H */
