/* SPDX-License-Identifier: GPL-2.0 */
/* The service's configuration file (INI, docs/xdp-syncookie.8.md), read and checked whole. */
#ifndef XSC_SERVICE_CONFIG_H
#define XSC_SERVICE_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include "keys.h"
#include "lists.h"
#include "options.h"

#define SVC_MAX_IFACES 64
/* Where /metrics is served unless the file says otherwise: loopback only, since the
 * counters tell an attacker how well the attack works; 9432 is unassigned by IANA. */
#define SVC_DEFAULT_METRICS "127.0.0.1:9432"

enum svc_on_stop {
	SVC_STOP_DETACH,	/* the default: stopping the service removes its effects */
	SVC_STOP_KEEP,		/* leave programs and pins protecting; the next run adopts them */
};

struct svc_iface {
	char name[IF_NAMESIZE];
	int line;			/* of its [interface NAME] header */
	int port_engage_line;		/* of its port_engage key, 0 if none */
	struct opt_values opts;		/* the attach options its keys gave */
	struct xsc_settings settings;	/* the SYN-ACK settings from them */
	struct xsc_policy *pol;		/* the policy from them */
	char allow_file[PATH_MAX], deny_file[PATH_MAX];	/* "": none */
	struct prefix_set *allow, *deny;		/* the lists read from them, or NULL */
};

struct svc_config {
	char path[PATH_MAX];
	bool metrics_on;
	struct sockaddr_storage metrics;
	socklen_t metrics_len;
	char metrics_text[64];		/* as written, for messages */
	enum svc_on_stop on_stop;
	char key_file[PATH_MAX];	/* "": keep the host's key (a random one at first) */
	int key_file_line;
	struct xsc_master master;	/* read from key_file */
	int n;
	struct svc_iface ifc[SVC_MAX_IFACES];
};

/* Reads path and checks everything in it: every key and value, each interface's policy,
 * that each interface exists, the list files and the key file. All or nothing: returns 0
 * with *out set, or -errno after one message "run: FILE:LINE: reason". */
int config_load(const char *path, struct svc_config **out);
/* What config_load checks of the text alone (keys, values, policies), from a stream; path
 * names it in messages. Touches nothing on the host: the list and key files are named,
 * not read. */
int config_parse(FILE *f, const char *path, struct svc_config **out);
void config_free(struct svc_config *c);
/* Removes the i-th interface from c. */
void config_drop(struct svc_config *c, int i);
/* The interface of that name in c, or NULL. */
const struct svc_iface *config_iface(const struct svc_config *c, const char *name);

#endif /* XSC_SERVICE_CONFIG_H */
