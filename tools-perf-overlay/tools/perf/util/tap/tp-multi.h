/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __TAP_TP_MULTI_H
#define __TAP_TP_MULTI_H

#include <stdbool.h>

struct runtime;

int tap_tp_multi__attach(struct runtime *rt, bool *linked);

#endif /* __TAP_TP_MULTI_H */
