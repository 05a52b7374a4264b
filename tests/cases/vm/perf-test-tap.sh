#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'perf test tap' in the guest, on the 6.12 kernel built from this tree:
# the same checks as host/perf-test-tap (which this runs), against the
# kernel the series is for.
#! timeout: 300

exec bash "$TAP_TESTS/cases/host/perf-test-tap.sh"
