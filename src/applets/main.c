/* SPDX-License-Identifier: Apache-2.0 */
/* Multi-call entry point: argv[0]'s basename selects the applet, as does `reaper APPLET ...`. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applet.h"
#include "array.h"
#include "version.h"

#define APPLET_ENTRY(sym) extern const struct applet applet_##sym;
#include "applets.inc"
#undef APPLET_ENTRY
#define APPLET_ENTRY(sym) &applet_##sym,
static const struct applet *const applets[] = {
#include "applets.inc"
};
#undef APPLET_ENTRY
#define N_APPLETS ARRAY_LEN(applets)

static int compare_name(const void *key, const void *entry)
{
	return strcmp(key, (*(const struct applet *const *)entry)->name);
}

/* "reaper runtime" finds reaper-runtime too. */
static const struct applet *find_applet(const char *name)
{
	const struct applet *const *hit = bsearch(name, applets, N_APPLETS, sizeof(applets[0]), compare_name);
	if (hit != NULL)
		return *hit;
	char prefixed[64];
	if (snprintf(prefixed, sizeof(prefixed), "reaper-%s", name) >= (int)sizeof(prefixed))
		return NULL;
	hit = bsearch(prefixed, applets, N_APPLETS, sizeof(applets[0]), compare_name);
	return hit ? *hit : NULL;
}

void applet_print_version(const char *name)
{
#ifdef __GLIBC__
	const char *libc = "glibc";
#else
	const char *libc = "musl";
#endif
#ifdef REAPER_STATIC_BUILD
	const char *linkage = "static";
#else
	const char *linkage = "dynamic";
#endif
	printf("%s version %s\ncommit: %s\nspec: %s\nbuild: %s, %s\n", name, REAPER_VERSION,
	       REAPER_GIT_COMMIT, REAPER_OCI_VERSION, libc, linkage);
}

int applet_usage_hint(const char *prog)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return EXIT_USAGE;
}

int applet_bad_option(const char *prog, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	if (c == ':')
		fprintf(stderr, "%s: option '%s' needs a value\n", prog, arg);
	else if (optopt != 0 && strncmp(arg, "--", 2) != 0)
		fprintf(stderr, "%s: unknown option '-%c'\n", prog, optopt);
	else
		fprintf(stderr, "%s: unknown option '%s'\n", prog, arg);
	return applet_usage_hint(prog);
}

static void print_overview(FILE *out)
{
	fprintf(out, "usage: reaper APPLET [ARGS...]    run an applet (also by its name, through a link)\n"
		     "       reaper help [APPLET]        this text, or the applet's usage (APPLET --help)\n"
		     "       reaper --list               the applets' names, one a line\n"
		     "       reaper --version | -v       the version\n\n"
		     "Reaper runs a pod's commands directly on the node. Applets:\n");
	for (size_t i = 0; i < N_APPLETS; i++)
		fprintf(out, "  %-28s %s\n", applets[i]->name, applets[i]->summary);
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static bool is_version(const char *arg)
{
	return strcmp(arg, "--version") == 0 || strcmp(arg, "-v") == 0;
}

/* --help and --version right after the name; each applet takes them anywhere else itself. */
static int run_applet(const struct applet *applet, int argc, char **argv)
{
	if (argc > 1 && is_help(argv[1])) {
		printf("%s", applet->usage);
		return EXIT_OK;
	}
	if (argc > 1 && is_version(argv[1])) {
		applet_print_version(applet->name);
		return EXIT_OK;
	}
	return applet->main(argc, argv);
}

static int unknown_applet(const char *name)
{
	fprintf(stderr, "reaper: unknown applet '%s' (reaper --list names them)\n", name);
	applet_usage_hint(REAPER_BINARY_NAME);
	return EXIT_NO_APPLET;
}

/* reaper help [APPLET] */
static int help(int argc, char **argv)
{
	if (argc == 2) {
		print_overview(stdout);
		return EXIT_OK;
	}
	const struct applet *applet = argc == 3 ? find_applet(argv[2]) : NULL;
	if (argc != 3) {
		fprintf(stderr, "reaper: help takes at most one applet name\n");
		return applet_usage_hint(REAPER_BINARY_NAME);
	}
	if (applet == NULL)
		return unknown_applet(argv[2]);
	printf("%s", applet->usage);
	return EXIT_OK;
}

static int multicall_main(int argc, char **argv)
{
	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	const char *arg = argv[1];
	if (strcmp(arg, "--list") == 0) {
		for (size_t i = 0; i < N_APPLETS; i++)
			puts(applets[i]->name);
		return EXIT_OK;
	}
	if (is_help(arg)) {
		print_overview(stdout);
		return EXIT_OK;
	}
	if (strcmp(arg, "help") == 0)
		return help(argc, argv);
	if (is_version(arg)) {
		applet_print_version(REAPER_BINARY_NAME);
		return EXIT_OK;
	}
	if (arg[0] == '-') {
		fprintf(stderr, "reaper: unknown option '%s'\n", arg);
		return applet_usage_hint(REAPER_BINARY_NAME);
	}
	const struct applet *applet = find_applet(arg);
	if (applet == NULL)
		return unknown_applet(arg);
	return run_applet(applet, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	const char *name = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
	name = name ? name + 1 : (argc > 0 && argv[0] ? argv[0] : REAPER_BINARY_NAME);
	const struct applet *applet = find_applet(name);
	if (applet != NULL && strcmp(name, REAPER_BINARY_NAME) != 0)
		return run_applet(applet, argc, argv);
	return multicall_main(argc, argv);
}
