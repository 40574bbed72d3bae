/* SPDX-License-Identifier: Apache-2.0 */
/* Multi-call entry point: argv[0]'s basename selects the applet, as does `reaper APPLET ...`. */
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

static void print_overview(FILE *out)
{
	fprintf(out, "usage: reaper APPLET [ARGS...] | reaper --list | --help | --version\n\n"
		     "Reaper runs a pod's commands directly on the node. Applets:\n");
	for (size_t i = 0; i < N_APPLETS; i++)
		fprintf(out, "  %-28s %s\n", applets[i]->name, applets[i]->summary);
}

static int run_applet(const struct applet *applet, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("%s", applet->usage);
		return EXIT_OK;
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		applet_print_version(applet->name);
		return EXIT_OK;
	}
	return applet->main(argc, argv);
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
	if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
		print_overview(stdout);
		return EXIT_OK;
	}
	if (strcmp(arg, "--version") == 0) {
		applet_print_version(REAPER_BINARY_NAME);
		return EXIT_OK;
	}
	const struct applet *applet = find_applet(arg);
	if (applet == NULL) {
		fprintf(stderr, "reaper: unknown applet '%s' (reaper --list shows them)\n", arg);
		return EXIT_NO_APPLET;
	}
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
