// SPDX-License-Identifier: GPL-2.0
/*
 * The lock every changing invocation holds: an flock on one file, so two attaches, or a set
 * and a reload of the service, never interleave their steps. The kernel drops it when the
 * holder dies, so a killed command never leaves it taken.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include "lock.h"
#include "log.h"

static const char *lock_path(void)
{
	const char *p = getenv("XSC_LOCK_FILE");

	return p && *p ? p : XSC_LOCK_PATH;
}

int xsc_lock(const char *what)
{
	const struct timespec step = { .tv_nsec = 20 * 1000 * 1000 };
	int fd = open(lock_path(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	int waited_ms = 0, err;

	if (fd < 0) {
		err = -errno;
		pr_err("%s: opening the lock %s: %s\n", what, lock_path(), strerror(-err));
		return err;
	}
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		if (err != -EWOULDBLOCK && err != -EINTR) {
			pr_err("%s: taking the lock %s: %s\n", what, lock_path(), strerror(-err));
			close(fd);
			return err;
		}
		if (waited_ms == 0)
			pr_notice("%s: waiting for another xdp-syncookie command to finish\n", what);
		if (waited_ms >= XSC_LOCK_WAIT_S * 1000) {
			pr_err("%s: another xdp-syncookie command has held %s for %d s; giving up\n",
			       what, lock_path(), XSC_LOCK_WAIT_S);
			close(fd);
			return -EBUSY;
		}
		nanosleep(&step, NULL);
		waited_ms += 20;
	}
	return fd;
}

void xsc_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}
