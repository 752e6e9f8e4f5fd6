// SPDX-License-Identifier: GPL-2.0
/* TEMPORARY (branch service): stand-ins for the lead's lists, keys and lock, so the service
 * builds and runs before they land on main. Deleted at that merge; never merged to main. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "keys.h"
#include "lists.h"
#include "lock.h"
#include "log.h"

struct prefix_set {
	int n;
};

int prefix_file_read(const char *path, struct prefix_set **out, const char *what)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int lineno = 0;

	if (!f) {
		pr_err("%s: %s: %s\n", what, path, strerror(errno));
		return -errno;
	}
	*out = calloc(1, sizeof(**out));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "#\r\n")] = '\0';
		if (!line[0])
			continue;
		if (!strchr(line, '.') && !strchr(line, ':')) {
			pr_err("%s: %s:%d: '%s' is not a prefix\n", what, path, lineno, line);
			fclose(f);
			free(*out);
			*out = NULL;
			return -EINVAL;
		}
		(*out)->n++;
	}
	fclose(f);
	return 0;
}

void prefix_set_free(struct prefix_set *s)
{
	free(s);
}

int lists_replace(const char *ifname, enum xsc_list_kind kind, const struct prefix_set *s,
		  const char *what)
{
	pr_debug("%s: %s: %s list: %d prefixes (stub)\n", what, ifname,
		 kind == XSC_LIST_ALLOW ? "allow" : "deny", s ? s->n : 0);
	return 0;
}

int key_file_read(const char *path, struct xsc_master *m, const char *what)
{
	int fd = open(path, O_RDONLY), n;

	if (fd < 0) {
		pr_err("%s: %s: %s\n", what, path, strerror(errno));
		return -errno;
	}
	memset(m, 0, sizeof(*m));
	n = read(fd, m->secret, sizeof(m->secret));
	close(fd);
	if (n < 16) {
		pr_err("%s: %s: shorter than 16 bytes\n", what, path);
		return -EINVAL;
	}
	return 0;
}

int keys_rotate(const struct xsc_master *m, const char *what)
{
	pr_debug("%s: key rotation (stub, %s)\n", what, m ? "given secret" : "random");
	return 0;
}

int xsc_lock(const char *what)
{
	int fd = open("/run/xdp-syncookie.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 || flock(fd, LOCK_EX)) {
		pr_err("%s: lock: %s\n", what, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	return fd;
}

void xsc_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
