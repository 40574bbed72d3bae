/* SPDX-License-Identifier: Apache-2.0 */
/* `reaper overlay`: the node's overlay groups, their size, live containers and last use; reset
 * one group, or collect the idle ones. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applet.h"
#include "cleanup.h"
#include "clock.h"
#include "config.h"
#include "container.h"
#include "overlay.h"

#define OVERLAY_APPLET "reaper overlay"

static const char usage[] =
	"usage: reaper overlay [status]\n"
	"       reaper overlay reset GROUP [--force] | reset --all [--force]\n"
	"       reaper overlay gc [--older-than DURATION]\n"
	"  status  each overlay group: what its workloads wrote (and its limit), its live containers,\n"
	"          when a container last joined it\n"
	"  reset   discard a group: its namespace and everything its workloads wrote. Refused while\n"
	"          the group has a live container, unless --force (they keep what they have; the\n"
	"          next container makes the group anew). --all: every group, and the base.\n"
	"  gc      remove the groups with no live container, unused for DURATION (e.g. 30m, 12h,\n"
	"          7d; default 0: every idle group)\n"
	"Uses the node settings REAPER_OVERLAY_BASE and REAPER_ROOT; refuses to act while the node\n"
	"configuration has an error. -h, --help: this text.\n";

/* Live (created or running) containers, in every namespace under the state root, counted by the
 * group each records; those without a group (made before groups) count for the legacy one. */
struct live {
	char **groups; /* a group name per live container */
	size_t n;
};

static void live_add(struct live *l, const char *group)
{
	char **grown = realloc(l->groups, (l->n + 1) * sizeof(char *));
	if (grown == NULL)
		return;
	l->groups = grown;
	l->groups[l->n] = strdup(group ? group : OVERLAY_LEGACY_GROUP);
	l->n += l->groups[l->n] != NULL;
}

static int live_note(void *data, const char *ns, const char *id, const struct proc_state *st)
{
	(void)ns, (void)id;
	live_add(data, st->group);
	return 0;
}

static void live_scan(struct live *l)
{
	*l = (struct live){0};
	container_each_live(state_root(), live_note, l);
}

static size_t live_in(const struct live *l, const char *group)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += group == NULL || strcmp(l->groups[i], group) == 0;
	return n;
}

static void live_free(struct live *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->groups[i]);
	free(l->groups);
}

static void print_size(uint64_t bytes)
{
	if (bytes >= (1ULL << 30))
		printf("%.1f GiB", (double)bytes / (1ULL << 30));
	else
		printf("%.1f MiB", (double)bytes / (1ULL << 20));
}

/* The node's groups and the groups of its live containers; -1 (said) when the base cannot be read. */
static int groups_and_live(struct overlay_group **groups, size_t *n, struct live *live)
{
	cleanup_error struct error *err = NULL;
	if (overlay_list(overlay_base(), groups, n, &err) < 0) {
		err_print(stderr, "reaper overlay", err);
		return -1;
	}
	live_scan(live);
	return 0;
}

static int status(void)
{
	struct overlay_group *groups;
	size_t n;
	struct live live;
	if (groups_and_live(&groups, &n, &live) < 0)
		return EXIT_FAIL;
	printf("base: %s (isolation: %s, size per group: %s)\n", overlay_base(),
	       config_get("REAPER_OVERLAY_ISOLATION"), config_get("REAPER_OVERLAY_SIZE"));
	printf("%-40s %-9s %-22s %-6s %s\n", "GROUP", "STATE", "WRITTEN / LIMIT", "LIVE", "LAST USED");
	for (size_t i = 0; i < n; i++) {
		const struct overlay_group *g = &groups[i];
		printf("%-40s %-9s ", g->name, g->built ? "built" : "empty");
		print_size(g->bytes);
		printf(" / ");
		print_size(g->limit);
		char when[32] = "never";
		time_t t = (time_t)(g->last_used_ns / 1000000000);
		if (g->last_used_ns > 0)
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		printf("%*s %-6zu %s\n", 6, "", live_in(&live, g->name), when);
	}
	if (n == 0)
		printf("(no group: the next container makes its own)\n");
	live_free(&live);
	overlay_list_free(groups, n);
	return EXIT_OK;
}

static int refuse_live(const struct live *l, const char *group, bool force)
{
	size_t n = live_in(l, group);
	if (n == 0 || force)
		return 0;
	fprintf(stderr, "reaper overlay: %zu live container(s) in %s%s; refusing (use --force)\n", n,
		group ? "group " : "the node", group ? group : "");
	return -1;
}

static int reset(const char *group, bool force)
{
	struct live live;
	live_scan(&live);
	int rc = refuse_live(&live, group, force);
	live_free(&live);
	if (rc < 0)
		return EXIT_FAIL;
	cleanup_error struct error *err = NULL;
	rc = group ? overlay_remove(overlay_base(), group, &err) : overlay_teardown(overlay_base(), &err);
	if (rc < 0) {
		err_print(stderr, "reaper overlay", err);
		return EXIT_FAIL;
	}
	printf("%s%s discarded\n", group ? "overlay group " : "every overlay group under ",
	       group ? group : overlay_base());
	return EXIT_OK;
}

/* "90s", "30m", "12h", "7d" (a bare number is seconds) in nanoseconds; -1 when malformed. */
static int64_t parse_duration(const char *text)
{
	char *end = NULL;
	long long n = strtoll(text, &end, 10);
	if (end == text || n < 0)
		return -1;
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = {{'\0', 1}, {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (*end == units[i].unit && (*end == '\0' || end[1] == '\0'))
			return (int64_t)n * units[i].seconds * 1000000000;
	}
	return -1;
}

static int gc(int64_t older_than_ns)
{
	struct overlay_group *groups;
	size_t n;
	struct live live;
	if (groups_and_live(&groups, &n, &live) < 0)
		return EXIT_FAIL;
	cleanup_error struct error *err = NULL;
	int64_t now = clock_realtime_ns();
	int rc = EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		const struct overlay_group *g = &groups[i];
		if (live_in(&live, g->name) > 0 || now - g->last_used_ns < older_than_ns)
			continue;
		if (overlay_remove(overlay_base(), g->name, &err) < 0) {
			err_print(stderr, "reaper overlay", err);
			err_free(&err);
			rc = EXIT_FAIL;
			continue;
		}
		printf("removed idle group %s\n", g->name);
	}
	live_free(&live);
	overlay_list_free(groups, n);
	return rc;
}

static int overlay_main(int argc, char **argv)
{
	static const struct option options[] = {{"force", no_argument, NULL, 'f'},
						{"all", no_argument, NULL, 'a'},
						{"older-than", required_argument, NULL, 'o'},
						{"help", no_argument, NULL, 'h'},
						{NULL, 0, NULL, 0}};
	bool force = false, all = false;
	int64_t older_than = 0;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (opt == 'h')
			return fputs(usage, stdout), EXIT_OK;
		if (opt == 'f')
			force = true;
		else if (opt == 'a')
			all = true;
		else if (opt == 'o' && (older_than = parse_duration(optarg)) >= 0)
			continue;
		else if (opt == 'o') {
			fprintf(stderr,
				OVERLAY_APPLET
				": --older-than %s: want a duration such as 90s, 30m, 12h, 7d\n",
				optarg);
			return applet_usage_hint(OVERLAY_APPLET);
		} else
			return applet_bad_option(OVERLAY_APPLET, opt, argv);
	}
	/* getopt_long permutes: the command and its group are what remains. */
	const char *cmd = optind < argc ? argv[optind] : "status";
	const char *group = optind + 1 < argc ? argv[optind + 1] : NULL;
	bool ok = optind + 2 >= argc && ((strcmp(cmd, "status") == 0 && !group && !force && !all) ||
					 (strcmp(cmd, "reset") == 0 && (group != NULL) != all) ||
					 (strcmp(cmd, "gc") == 0 && !group && !all));
	if (!ok) {
		fprintf(stderr, OVERLAY_APPLET ": %s '%s'\n",
			strcmp(cmd, "status") != 0 && strcmp(cmd, "reset") != 0 && strcmp(cmd, "gc") != 0
				? "unknown command"
				: "wrong arguments for",
			cmd);
		return applet_usage_hint(OVERLAY_APPLET);
	}
	/* A bad REAPER_OVERLAY_BASE would point at another overlay: say so rather than act there. */
	cleanup_error struct error *err = NULL;
	if (config_load(&err) < 0) {
		fprintf(stderr, "reaper overlay: node configuration: %s\n", err_message(err));
		return EXIT_FAIL;
	}
	if (strcmp(cmd, "status") == 0)
		return status();
	return strcmp(cmd, "gc") == 0 ? gc(older_than) : reset(group, force);
}

REAPER_APPLET(overlay, "overlay", overlay_main, "list, reset or collect the node's overlay groups", usage);
