/* SPDX-License-Identifier: GPL-2.0 */
/* TEMPORARY (branch service): prom_write as branch prom will declare it in user/export/export.h. */
#ifndef XSC_PROM_TMP_H
#define XSC_PROM_TMP_H

#include <net/if.h>
#include <stdio.h>

int prom_write(FILE *f, char names[][IF_NAMESIZE], int n);

#endif
