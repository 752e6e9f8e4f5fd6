// SPDX-License-Identifier: GPL-2.0
#include "check.h"
void test_engage(void) {}
