/* SPDX-License-Identifier: GPL-2.0 */
/* Named fault injection, so tests can prove every step of attach, replace and set unwinds. */
#ifndef XSC_FAILPOINT_H
#define XSC_FAILPOINT_H

/*
 * XSC_FAILPOINT=NAME[,NAME...] makes failpoint(NAME) print "failpoint NAME" and return
 * -EIO, as if the step just done had failed; NAME:hang makes it stop there for good (for
 * SIGKILL tests). 0 otherwise. The environment is read once per process.
 */
int failpoint(const char *name);

#endif /* XSC_FAILPOINT_H */
