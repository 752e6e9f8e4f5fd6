// SPDX-License-Identifier: GPL-2.0
/* xdp-syncookie key rotate|generate|status: the cookie master secret. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "cmd.h"
#include "keys.h"
#include "lock.h"
#include "log.h"

static const enum opt_id key_opts[] = { OPT_KEY_FILE, OPT_END };

static int status(void)
{
	__u32 gen;
	__u64 until, now = keys_clock_ns();
	int err = keys_status(&gen, &until);

	if (err) {
		pr_err("key status: %s\n", err == -ENOENT ? "nothing is attached" : strerror(-err));
		return EXIT_FAILED;
	}
	printf("generation %u", gen);
	if (gen > 1 && until > now)
		printf(", previous key valid for %llu s more", (unsigned long long)(until - now) / 1000000000ULL);
	printf("\n");
	return EXIT_OK;
}

static int run(const struct opt_values *v, int argc, char **argv)
{
	const char *sub = argv[0];
	struct xsc_master m;
	int err, lock;

	if (!strcmp(sub, "generate")) {
		if (argc != 2 || opt_given(v, OPT_KEY_FILE)) {
			pr_err("key generate: name the one file to create\n");
			return EXIT_USAGE;
		}
		return key_file_create(argv[1], "key generate") ? EXIT_FAILED : EXIT_OK;
	}
	if (argc != 1) {
		pr_err("key %s: too many arguments\n", sub);
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "status"))
		return status();
	if (strcmp(sub, "rotate")) {
		pr_err("key: '%s' is not rotate, generate or status\n", sub);
		return EXIT_USAGE;
	}
	if (opt_given(v, OPT_KEY_FILE) && key_file_read(v->str[OPT_KEY_FILE], &m, "key rotate"))
		return EXIT_USAGE;
	lock = xsc_lock("key rotate");
	err = lock < 0 ? lock : keys_rotate(opt_given(v, OPT_KEY_FILE) ? &m : NULL, "key rotate");
	xsc_unlock(lock);
	explicit_bzero(&m, sizeof(m));
	if (!err)
		pr_info("key rotated; the previous one validates for %llu s more\n",
			(unsigned long long)(XSC_COOKIE_VALID_NS / 1000000000ULL));
	return err ? EXIT_FAILED : EXIT_OK;
}

const struct command cmd_key = {
	.name = "key",
	.args = "rotate [--key-file FILE] | generate FILE | status",
	.summary = "rotate the cookie master secret, or make a key file for a fleet",
	.description =
		"Every time slot's cookie key is derived from the host's master secret, so keys\n"
		"change each slot (68.7 s) by themselves. 'rotate' replaces the master: with\n"
		"--key-file, by that file's (give every host of a fleet the same file), otherwise\n"
		"by a random one. Cookies of the replaced master keep validating for one validity\n"
		"window (137 s). 'generate FILE' writes a new random master to a new file (mode\n"
		"0600). 'status' prints the generation. The secret is never printed or logged.",
	.exit_status = "0 done, 1 failed (nothing attached, ...), 2 usage error or a bad key file.",
	.opts = key_opts,
	.min_args = 1,
	.max_args = -1,
	.run = run,
};
