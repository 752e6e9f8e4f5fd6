// SPDX-License-Identifier: GPL-2.0
/* The configuration file against the host: its interfaces, list files and key file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "log.h"

static int iface_check(struct svc_config *c, struct svc_iface *f)
{
	char what[PATH_MAX + 32];
	int err = 0;

	if (!if_nametoindex(f->name)) {
		pr_err("run: %s:%d: interface %s not found\n", c->path, f->line, f->name);
		return -ENODEV;
	}
	if (f->allow_file[0]) {
		snprintf(what, sizeof(what), "run: %s:%d: [interface %s] allow_file", c->path,
			 f->line, f->name);
		err = prefix_file_read(f->allow_file, &f->allow, what);
	}
	if (!err && f->deny_file[0]) {
		snprintf(what, sizeof(what), "run: %s:%d: [interface %s] deny_file", c->path,
			 f->line, f->name);
		err = prefix_file_read(f->deny_file, &f->deny, what);
	}
	return err;
}

int config_load(const char *path, struct svc_config **out)
{
	struct svc_config *c;
	char what[PATH_MAX + 32];
	FILE *f = fopen(path, "re");
	int err;

	*out = NULL;
	if (!f) {
		err = -errno;
		pr_err("run: %s: %s\n", path, strerror(errno));
		return err;
	}
	err = config_parse(f, path, &c);
	fclose(f);
	if (err)
		return err;
	for (int i = 0; i < c->n && !err; i++)
		err = iface_check(c, &c->ifc[i]);
	if (!err && c->key_file[0]) {
		snprintf(what, sizeof(what), "run: %s:%d: key_file", path, c->key_file_line);
		err = key_file_read(c->key_file, &c->master, what);
	}
	if (err) {
		config_free(c);
		return err;
	}
	*out = c;
	return 0;
}
