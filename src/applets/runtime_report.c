/* SPDX-License-Identifier: Apache-2.0 */
/* reaper-runtime's read-only commands: state, list, ps, features. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "applet.h"
#include "cleanup.h"
#include "runtime.h"
#include "process_tree.h"
#include "spec.h"
#include "version.h"

static void format_time(int64_t ns, char *buf, size_t cap)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, cap - n, ".%09lldZ", (long long)(ns % 1000000000));
}

/* The root filesystem config.json names (Reaper never uses it; runc reports it). */
static char *rootfs_of(const char *bundle)
{
	struct spec spec = {0};
	char *out = NULL;
	const char *path = "rootfs";
	if (bundle != NULL && spec_load(bundle, &spec, NULL) == 0 && spec.root_path != NULL)
		path = spec.root_path;
	if (path[0] == '/')
		out = strdup(path);
	else if (asprintf(&out, "%s/%s", bundle ? bundle : "", path) < 0)
		out = NULL;
	spec_free(&spec);
	return out;
}

/* runc's state document: ociVersion, id, pid, status, bundle, rootfs, created, owner, annotations. */
static json_t *state_json(const struct proc_state *st)
{
	char created[64];
	format_time(st->created_ns, created, sizeof(created));
	cleanup_free char *rootfs = rootfs_of(st->bundle);
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(REAPER_OCI_VERSION));
	json_object_set_new(o, "id", json_string(st->id));
	json_object_set_new(o, "pid", json_integer(st->status == PROC_STOPPED ? 0 : st->pid));
	json_object_set_new(o, "status", json_string(proc_status_name(st->status)));
	json_object_set_new(o, "bundle", json_string(st->bundle ? st->bundle : ""));
	json_object_set_new(o, "rootfs", json_string(rootfs ? rootfs : ""));
	json_object_set_new(o, "created", json_string(created));
	json_object_set_new(o, "owner", json_string(""));
	if (st->annotations != NULL && json_object_size(st->annotations) > 0)
		json_object_set(o, "annotations", st->annotations);
	return o;
}

static int print_json(json_t *o)
{
	int rc = json_dumpf(o, stdout, JSON_INDENT(2)) == 0 ? 0 : -1;
	putchar('\n');
	json_decref(o);
	return rc;
}

int cmd_state(struct cli *cli, int argc, char **argv)
{
	static const char cmd_usage[] = "usage: reaper-runtime state ID\n";
	if (cli_one_id(&argc, &argv))
		return cli_help(cmd_usage);
	if (argc != 2)
		return cli_usage(cli, cmd_usage);
	struct error *err = NULL;
	struct proc_state st;
	container_settle(&cli->rt, argv[1], NULL, SETTLE_TIMEOUT_MS);
	if (container_state(&cli->rt, argv[1], NULL, &st, &err) < 0)
		return cli_fail(cli, err);
	print_json(state_json(&st));
	proc_state_free(&st);
	return EXIT_OK;
}

static int parse_format(struct cli *cli, int argc, char **argv, const char *usage, bool *json, bool *quiet)
{
	static const struct option options[] = {{"format", required_argument, NULL, 'f'},
						{"quiet", no_argument, NULL, 'q'},
						{NULL, 0, NULL, 0}};
	int opt;
	while ((opt = cli_getopt(argc, argv, "f:q", options)) != -1) {
		if (opt == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			*json = strcmp(optarg, "json") == 0;
		else if (opt == 'q' && quiet != NULL)
			*quiet = true;
		else
			return cli_usage(cli, usage);
	}
	return 0;
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	static const char usage[] = "usage: reaper-runtime list [--format table|json] [--quiet]\n";
	bool json = false, quiet = false;
	if (parse_format(cli, argc, argv, usage, &json, &quiet) != 0 || optind != argc)
		return optind != argc ? cli_usage(cli, usage) : EXIT_USAGE;
	struct error *err = NULL;
	cleanup_strv char **ids = NULL;
	if (state_list_processes(&cli->rt, NULL, &ids, &err) < 0)
		return cli_fail(cli, err);
	json_t *all = json_array();
	if (!json && !quiet)
		printf("%-20s %-8s %-10s %-30s %s\n", "ID", "PID", "STATUS", "CREATED", "BUNDLE");
	for (char **id = ids; *id != NULL; id++) {
		struct proc_state st;
		if (container_state(&cli->rt, *id, NULL, &st, NULL) < 0)
			continue; /* deleted while we listed */
		json_t *o = state_json(&st);
		if (quiet)
			puts(st.id);
		else if (!json)
			printf("%-20s %-8lld %-10s %-30s %s\n", st.id,
			       json_integer_value(json_object_get(o, "pid")), proc_status_name(st.status),
			       json_string_value(json_object_get(o, "created")), st.bundle ? st.bundle : "");
		json_array_append_new(all, o);
		proc_state_free(&st);
	}
	if (json)
		return print_json(all) == 0 ? EXIT_OK : EXIT_FAIL;
	json_decref(all);
	return EXIT_OK;
}

int cmd_ps(struct cli *cli, int argc, char **argv)
{
	static const char usage[] = "usage: reaper-runtime ps [--format table|json] ID\n";
	bool json = false;
	if (parse_format(cli, argc, argv, usage, &json, NULL) != 0)
		return EXIT_USAGE;
	if (optind != argc - 1)
		return cli_usage(cli, usage);
	struct error *err = NULL;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	if (process_tree_pids(&cli->rt, argv[optind], NULL, &pids, &n, &err) < 0)
		return cli_fail(cli, err);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_integer(pids[i]));
	if (json)
		return print_json(arr) == 0 ? EXIT_OK : EXIT_FAIL;
	json_decref(arr);
	printf("PID\n");
	for (size_t i = 0; i < n; i++)
		printf("%d\n", (int)pids[i]);
	return EXIT_OK;
}

static json_t *string_list(const char *(*name)(size_t), size_t max)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < max; i++) {
		const char *s = name(i);
		if (s == NULL)
			break;
		json_array_append_new(arr, json_string(s));
	}
	return arr;
}

static const char *capability_at(size_t i)
{
	return spec_capability_name((int)i);
}

int cmd_features(struct cli *cli, int argc, char **argv)
{
	if (cli_getopt(argc, argv, "", NULL) != -1 || optind != argc)
		return cli_usage(cli, "usage: reaper-runtime features\n"
				      "Prints what this runtime supports, as runc features does (JSON).\n");
	json_t *o = json_object();
	json_object_set_new(o, "ociVersionMin", json_string("1.0.0"));
	json_object_set_new(o, "ociVersionMax", json_string(REAPER_OCI_VERSION));
	json_object_set_new(o, "hooks", json_array());
	json_object_set_new(o, "mountOptions", string_list(spec_mount_option_name, 256));
	json_t *linux_ = json_object();
	json_object_set_new(linux_, "namespaces", json_array());
	json_object_set_new(linux_, "capabilities", string_list(capability_at, SPEC_CAP_LAST + 1));
	json_object_set_new(linux_, "cgroup", json_pack("{s:b,s:b,s:b}", "v1", 0, "v2", 0, "systemd", 0));
	json_object_set_new(linux_, "seccomp", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(linux_, "apparmor", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(linux_, "selinux", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(o, "linux", linux_);
	json_object_set_new(o, "annotations",
			    json_pack("{s:s}", "org.reaper.runtime.isolation",
				      "none: processes run on the host in a shared overlay mount namespace; "
				      "namespaces, cgroups and the image rootfs are ignored"));
	return print_json(o) == 0 ? EXIT_OK : EXIT_FAIL;
}
