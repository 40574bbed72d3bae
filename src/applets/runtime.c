/* SPDX-License-Identifier: Apache-2.0 */
/* reaper-runtime: the runc-compatible OCI runtime CLI over the lifecycle engine (container.h). */
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "applet.h"
#include "array.h"
#include "cleanup.h"
#include "config.h"
#include "fsutil.h"
#include "log.h"
#include "pidfd.h"
#include "signals.h"
#include "spec.h"

#define PRESERVE_FDS_MAX 65536

static const char usage[] =
	"usage: reaper-runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] ID [ARGS...]\n"
	"\n"
	"A runc-compatible OCI runtime that runs containers' processes directly on the host,\n"
	"inside the node's shared overlay mount namespace (no other namespaces, no cgroups).\n"
	"\n"
	"Global options:\n"
	"  --root DIR           state directory (default: the node setting REAPER_ROOT, /run/reaper)\n"
	"  --namespace NS       state namespace under the root (default \"default\")\n"
	"  --log FILE           log file (default: none)\n"
	"  --log-format FORMAT  text or json\n"
	"  --debug              log debug messages\n"
	"\n"
	"Commands:\n"
	"  create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] [--preserve-fds N] ID\n"
	"  start ID\n"
	"  run [--bundle DIR] [--pid-file FILE] [--console-socket PATH] [--preserve-fds N]\n"
	"      [--detach] ID\n"
	"  state ID\n"
	"  kill [--all] ID [SIGNAL]\n"
	"  delete [--force] ID\n"
	"  list [--format table|json] [--quiet]\n"
	"  ps [--format table|json] ID\n"
	"  exec [--process FILE | [--tty] [--cwd DIR] [--env K=V]... [--user UID[:GID]] ID CMD...]\n"
	"       [--detach] [--pid-file FILE] [--console-socket PATH] [--preserve-fds N] ID\n"
	"  features\n"
	"\n"
	"--preserve-fds N passes the caller's fds 3 to N+2 to the process (stdio + N in all).\n"
	"Every command takes --help (-h). reaper-runtime --version (-v) prints the version.\n"
	"\n"
	"Node settings come from /etc/reaper/reaper.conf ($REAPER_CONFIG names another file) and\n"
	"the environment (REAPER_ROOT, REAPER_RUNTIME_LOG, ...; `reaper doctor` lists them); a bad\n"
	"one fails create, run and exec. REAPER_NAMESPACE sets the default of --namespace.\n"
	"\n"
	"Exit status: 0 on success, 1 when the operation failed, 2 for a usage error; run and a\n"
	"non-detached exec exit with the process's own status.\n";

int cli_fail(const struct cli *cli, struct error *err)
{
	err_print(stderr, cli->prog, err);
	log_error("%s", err_message(err));
	err_free(&err);
	return EXIT_FAIL;
}

/* The command being parsed (for the --help hint), and what cli_getopt found wrong or asked for. */
static const char *current_cmd;
static bool help_asked;
static char bad_option[160];

int cli_usage(const struct cli *cli, const char *text)
{
	if (help_asked) {
		fputs(text, stdout);
		exit(EXIT_OK);
	}
	if (*bad_option)
		fprintf(stderr, "%s: %s\n", cli->prog, bad_option);
	else
		fprintf(stderr, "%s: %s: wrong arguments\n", cli->prog,
			current_cmd ? current_cmd : "command");
	fputs(text, stderr);
	fprintf(stderr, "Try '%s%s%s --help' for more information.\n", cli->prog, current_cmd ? " " : "",
		current_cmd ? current_cmd : "");
	return EXIT_USAGE;
}

bool cli_one_id(int *argc, char ***argv)
{
	const char *a = *argc == 2 ? (*argv)[1] : "";
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "-help") == 0)
		return true;
	if (*argc == 3 && strcmp((*argv)[1], "--") == 0) {
		(*argc)--;
		(*argv)++;
	}
	return false;
}

int cli_help(const char *text)
{
	fputs(text, stdout);
	return EXIT_OK;
}

#define CLI_HELP        0x10000
#define CLI_MAX_OPTIONS 32

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	/* The command's options plus --help/-h (runc answers those after every command), with
	 * getopt's own messages off: cli_usage prints ours, under one prefix. */
	struct option opts[CLI_MAX_OPTIONS + 2];
	size_t n = 0;
	for (; longopts != NULL && longopts[n].name != NULL && n < CLI_MAX_OPTIONS; n++)
		opts[n] = longopts[n];
	opts[n++] = (struct option){"help", no_argument, NULL, CLI_HELP};
	opts[n] = (struct option){NULL, 0, NULL, 0};
	char shorts[64];
	bool in_order = shortopts[0] == '+';
	snprintf(shorts, sizeof(shorts), "%s:h%s", in_order ? "+" : "", shortopts + in_order);
	opterr = 0;
	int c = getopt_long_only(argc, argv, shorts, opts, NULL);
	if (c == CLI_HELP || c == 'h') {
		help_asked = true;
		return '?';
	}
	if (c == '?' || c == ':') {
		const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
		if (c == ':')
			snprintf(bad_option, sizeof(bad_option), "option '%s' needs a value", arg);
		else if (optopt != 0 && arg[0] == '-' && arg[1] != '-' && strlen(arg) == 2)
			snprintf(bad_option, sizeof(bad_option), "unknown option '-%c'", optopt);
		else
			snprintf(bad_option, sizeof(bad_option), "unknown option '%s'", arg);
		return '?';
	}
	return c;
}

static void reset_getopt(void)
{
	optind = 0;
	opterr = 1;
}

static int write_pid_file(const char *path, pid_t pid, struct error **err)
{
	char text[16];
	int n = snprintf(text, sizeof(text), "%d", (int)pid);
	return path ? fs_write_atomic(path, text, (size_t)n, 0644, err) : 0;
}

struct create_args {
	struct create_options opts;
	const char *pid_file;
	bool detach;
};

/* --preserve-fds N: a count of fds from 3 on (runc's flag; its $LISTEN_FDS is not read). */
static int parse_preserve_fds(struct cli *cli, const char *text, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	if (*text == '\0' || *end != '\0' || errno != 0 || n < 0 || n > PRESERVE_FDS_MAX) {
		fprintf(stderr, "%s: --preserve-fds %s: want a count from 0 to %d\n", cli->prog, text,
			PRESERVE_FDS_MAX);
		return applet_usage_hint(cli->prog);
	}
	*out = (int)n;
	return 0;
}

/* Options create and run share; runc's no-ops are accepted and ignored. */
static int parse_create(struct cli *cli, int argc, char **argv, struct create_args *a, const char *cmd_usage)
{
	static const struct option options[] = {{"bundle", required_argument, NULL, 'b'},
						{"pid-file", required_argument, NULL, 'p'},
						{"console-socket", required_argument, NULL, 'c'},
						{"detach", no_argument, NULL, 'd'},
						{"no-pivot", no_argument, NULL, 'N'},
						{"no-new-keyring", no_argument, NULL, 'N'},
						{"preserve-fds", required_argument, NULL, 'F'},
						{NULL, 0, NULL, 0}};
	int opt;
	while ((opt = cli_getopt(argc, argv, "b:d", options)) != -1) {
		switch (opt) {
		case 'b':
			a->opts.bundle = optarg;
			break;
		case 'p':
			a->pid_file = optarg;
			break;
		case 'c':
			a->opts.console_socket = optarg;
			break;
		case 'd':
			a->detach = true;
			break;
		case 'F':
			if (parse_preserve_fds(cli, optarg, &a->opts.preserve_fds) != 0)
				return EXIT_USAGE;
			break;
		case 'N':
			break;
		default:
			return cli_usage(cli, cmd_usage);
		}
	}
	if (optind != argc - 1)
		return cli_usage(cli, cmd_usage);
	a->opts.id = argv[optind];
	return 0;
}

static int cmd_create(struct cli *cli, int argc, char **argv)
{
	static const char cmd_usage[] =
		"usage: reaper-runtime create [--bundle DIR] [--pid-file FILE] [--console-socket PATH]\n"
		"       [--preserve-fds N] ID\n";
	struct create_args a = {.opts = {.bundle = ".", .stdio = {-1, -1, -1}, .console_fd = -1}};
	if (parse_create(cli, argc, argv, &a, cmd_usage) != 0)
		return EXIT_USAGE;
	struct error *err = NULL;
	struct proc_state st;
	if (container_create(&cli->rt, &a.opts, &st, &err) < 0)
		return cli_fail(cli, err);
	int rc = write_pid_file(a.pid_file, st.pid, &err);
	proc_state_free(&st);
	return rc < 0 ? cli_fail(cli, err) : EXIT_OK;
}

static int cmd_start(struct cli *cli, int argc, char **argv)
{
	static const char cmd_usage[] = "usage: reaper-runtime start ID\n";
	if (cli_one_id(&argc, &argv))
		return cli_help(cmd_usage);
	if (argc != 2)
		return cli_usage(cli, cmd_usage);
	struct error *err = NULL;
	pid_t pid;
	return container_start(&cli->rt, argv[1], NULL, &pid, &err) < 0 ? cli_fail(cli, err) : EXIT_OK;
}

/* Signals a foreground run or exec passes on to its process instead of dying of them, as runc
 * does. They are blocked before create so none is lost or kills the CLI half-way; an ignored one
 * (bash starts background jobs with SIGINT and SIGQUIT ignored) is un-ignored, else the kernel
 * would drop it. */
static const int forwarded_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};

static void hold_forwarded_signals(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < ARRAY_LEN(forwarded_signals); i++)
		sigaddset(set, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, set, NULL);
	for (size_t i = 0; i < ARRAY_LEN(forwarded_signals); i++)
		signal(forwarded_signals[i], SIG_DFL);
}

/* Until the exit is recorded (EOF on exit_fd), pass each held signal on to the process. The
 * pidfd, taken while the process is known alive, keeps a recycled pid from being signalled. */
static void forward_until_exit(const struct proc_state *st, int exit_fd, const sigset_t *held)
{
	cleanup_close int process = pidfd_open_process(st->pid, st->pid_start);
	cleanup_close int sfd = signalfd(-1, held, SFD_CLOEXEC);
	for (;;) {
		struct pollfd p[2] = {{.fd = exit_fd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
		if (poll(p, sfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents)
			return;
		struct signalfd_siginfo info;
		if ((p[1].revents & POLLIN) && read(sfd, &info, sizeof(info)) == sizeof(info) && process >= 0)
			pidfd_signal(process, (int)info.ssi_signo);
	}
}

/* Wait for the exit, passing signals on, delete the container or exec and return its exit code.
 * What an exec left behind stays in the container, as with runc. */
static int wait_for_exit(struct cli *cli, const struct proc_state *st, int exit_fd, const sigset_t *held)
{
	forward_until_exit(st, exit_fd, held);
	/* An init monitor finishes by killing and reaping the rest of the container: let it, before
	 * deleting. An exec's monitor may stay with what the exec left running. */
	while (st->exec_id == NULL && waitpid(st->monitor_pid, NULL, 0) < 0 && errno == EINTR)
		;
	struct error *err = NULL;
	struct proc_state done;
	if (container_state(&cli->rt, st->id, st->exec_id, &done, &err) < 0)
		return cli_fail(cli, err);
	int code = done.exit_code;
	proc_state_free(&done);
	if (container_delete(&cli->rt, st->id, st->exec_id, true, NULL, &err) < 0)
		return cli_fail(cli, err);
	return code;
}

/* create, start and (unless detached) wait: run and exec. */
static int create_start_wait(struct cli *cli, struct create_args *a)
{
	sigset_t held;
	cleanup_close int exit_fd = -1;
	if (!a->detach) {
		hold_forwarded_signals(&held);
		a->opts.exit_fd = &exit_fd;
	}
	struct error *err = NULL;
	struct proc_state st;
	if (container_create(&cli->rt, &a->opts, &st, &err) < 0)
		return cli_fail(cli, err);
	pid_t pid;
	int rc = container_start(&cli->rt, a->opts.id, a->opts.exec_id, &pid, &err);
	if (rc == 0)
		rc = write_pid_file(a->pid_file, pid, &err);
	if (rc < 0) {
		container_delete(&cli->rt, a->opts.id, a->opts.exec_id, true, NULL, NULL);
		rc = cli_fail(cli, err);
	} else {
		rc = a->detach ? EXIT_OK : wait_for_exit(cli, &st, exit_fd, &held);
	}
	proc_state_free(&st);
	return rc;
}

static int cmd_run(struct cli *cli, int argc, char **argv)
{
	static const char cmd_usage[] = "usage: reaper-runtime run [--bundle DIR] [--pid-file FILE] "
					"[--console-socket PATH] [--preserve-fds N] [--detach] ID\n";
	struct create_args a = {.opts = {.bundle = ".", .stdio = {-1, -1, -1}, .console_fd = -1}};
	if (parse_create(cli, argc, argv, &a, cmd_usage) != 0)
		return EXIT_USAGE;
	return create_start_wait(cli, &a);
}

struct exec_args {
	struct create_args create;
	const char *process_file;
	bool tty;
	const char *cwd;
	const char *user;
	json_t *env; /* --env values, an array */
	char **cmd;  /* NULL-terminated; empty with --process */
};

static int parse_exec(struct cli *cli, int argc, char **argv, struct exec_args *x, const char *cmd_usage)
{
	static const struct option options[] = {{"process", required_argument, NULL, 'p'},
						{"pid-file", required_argument, NULL, 'P'},
						{"console-socket", required_argument, NULL, 'c'},
						{"detach", no_argument, NULL, 'd'},
						{"tty", no_argument, NULL, 't'},
						{"cwd", required_argument, NULL, 'w'},
						{"env", required_argument, NULL, 'e'},
						{"user", required_argument, NULL, 'u'},
						{"no-new-keyring", no_argument, NULL, 'N'},
						{"preserve-fds", required_argument, NULL, 'F'},
						{NULL, 0, NULL, 0}};
	int opt;
	while ((opt = cli_getopt(argc, argv, "+p:dtu:e:", options)) != -1) {
		switch (opt) {
		case 'p':
			x->process_file = optarg;
			break;
		case 'P':
			x->create.pid_file = optarg;
			break;
		case 'c':
			x->create.opts.console_socket = optarg;
			break;
		case 'd':
			x->create.detach = true;
			break;
		case 't':
			x->tty = true;
			break;
		case 'w':
			x->cwd = optarg;
			break;
		case 'e':
			json_array_append_new(x->env, json_string(optarg));
			break;
		case 'u':
			x->user = optarg;
			break;
		case 'F':
			if (parse_preserve_fds(cli, optarg, &x->create.opts.preserve_fds) != 0)
				return EXIT_USAGE;
			break;
		case 'N':
			break;
		default:
			return cli_usage(cli, cmd_usage);
		}
	}
	if (optind >= argc || (x->process_file == NULL) == (optind + 1 == argc))
		return cli_usage(cli, cmd_usage);
	x->create.opts.id = argv[optind];
	x->cmd = argv + optind + 1;
	return 0;
}

static int apply_user(json_t *process, const char *text, struct error **err)
{
	unsigned uid = 0, gid = 0;
	int n = sscanf(text, "%u:%u", &uid, &gid);
	if (n < 1)
		return err_new(err, ERR_INVALID, "--user %s: want UID[:GID]", text);
	json_t *user = json_object();
	json_object_set_new(user, "uid", json_integer(uid));
	json_object_set_new(user, "gid", json_integer(n == 2 ? gid : 0));
	json_object_set_new(process, "user", user);
	return 0;
}

/* The container's own process from its config.json, with exec's command and overrides. */
static json_t *derived_process(struct cli *cli, const struct exec_args *x, struct error **err)
{
	struct proc_state st;
	if (state_read_process(&cli->rt, x->create.opts.id, NULL, &st, err) < 0)
		return NULL;
	json_t *doc = spec_load_json(st.bundle ? st.bundle : ".", err);
	proc_state_free(&st);
	json_t *process = json_incref(json_object_get(doc, "process"));
	json_decref(doc);
	if (!json_is_object(process)) {
		json_decref(process);
		if (doc != NULL)
			err_new(err, ERR_INVALID, "exec: config.json of %s has no process",
				x->create.opts.id);
		return NULL;
	}
	json_t *args = json_array();
	for (char **a = x->cmd; *a != NULL; a++)
		json_array_append_new(args, json_string(*a));
	json_object_set_new(process, "args", args);
	json_object_set_new(process, "terminal", json_boolean(x->tty));
	if (x->cwd != NULL)
		json_object_set_new(process, "cwd", json_string(x->cwd));
	json_t *env = json_object_get(process, "env");
	if (json_is_array(env))
		json_array_extend(env, x->env);
	else
		json_object_set(process, "env", x->env);
	if (x->user != NULL && apply_user(process, x->user, err) < 0) {
		json_decref(process);
		return NULL;
	}
	return process;
}

static char *exec_process(struct cli *cli, const struct exec_args *x, struct error **err)
{
	char *text = NULL;
	size_t len;
	if (x->process_file != NULL)
		return fs_read_file(x->process_file, SPEC_MAX_SIZE, &text, &len, err) < 0 ? NULL : text;
	json_t *process = derived_process(cli, x, err);
	text = process ? json_dumps(process, JSON_COMPACT) : NULL;
	json_decref(process);
	return text;
}

static int cmd_exec(struct cli *cli, int argc, char **argv)
{
	static const char cmd_usage[] =
		"usage: reaper-runtime exec [--process FILE] [--detach] [--pid-file FILE]\n"
		"       [--console-socket PATH] [--tty] [--cwd DIR] [--env K=V]...\n"
		"       [--user UID[:GID]] [--preserve-fds N] ID [CMD ARGS...]\n";
	struct exec_args x = {.create = {.opts = {.stdio = {-1, -1, -1}, .console_fd = -1}},
			      .env = json_array()};
	int rc = parse_exec(cli, argc, argv, &x, cmd_usage);
	struct error *err = NULL;
	cleanup_free char *process = rc == 0 ? exec_process(cli, &x, &err) : NULL;
	json_decref(x.env);
	if (rc != 0)
		return rc;
	if (process == NULL)
		return cli_fail(cli, err);
	char exec_id[32];
	snprintf(exec_id, sizeof(exec_id), "exec-%d", (int)getpid());
	x.create.opts.exec_id = exec_id;
	x.create.opts.process_json = process;
	return create_start_wait(cli, &x.create);
}

static int cmd_kill(struct cli *cli, int argc, char **argv)
{
	static const char cmd_usage[] = "usage: reaper-runtime kill [--all] ID [SIGNAL]\n";
	static const struct option options[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
	bool all = false;
	int opt;
	while ((opt = cli_getopt(argc, argv, "a", options)) != -1) {
		if (opt != 'a')
			return cli_usage(cli, cmd_usage);
		all = true;
	}
	if (optind != argc - 1 && optind != argc - 2)
		return cli_usage(cli, cmd_usage);
	struct error *err = NULL;
	int sig = 15;
	if (optind == argc - 2 && signal_parse(argv[optind + 1], SIGNAL_PARSE_ALLOW_ZERO, &sig, &err) < 0)
		return cli_fail(cli, err);
	if (container_kill(&cli->rt, argv[optind], NULL, sig, all, &err) < 0)
		return cli_fail(cli, err);
	return EXIT_OK;
}

static int cmd_delete(struct cli *cli, int argc, char **argv)
{
	static const char cmd_usage[] = "usage: reaper-runtime delete [--force] ID\n";
	static const struct option options[] = {{"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	bool force = false;
	int opt;
	while ((opt = cli_getopt(argc, argv, "f", options)) != -1) {
		if (opt != 'f')
			return cli_usage(cli, cmd_usage);
		force = true;
	}
	if (optind != argc - 1)
		return cli_usage(cli, cmd_usage);
	struct error *err = NULL;
	container_settle(&cli->rt, argv[optind], NULL, SETTLE_TIMEOUT_MS);
	if (container_delete(&cli->rt, argv[optind], NULL, force, NULL, &err) < 0)
		return cli_fail(cli, err);
	return EXIT_OK;
}

/* creates: the command makes a process, so a bad node setting fails it (container_create); the
 * others go on with that setting at its default, so a broken file never blocks a cleanup. */
static const struct {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	bool creates;
} commands[] = {
	{"create", cmd_create, true}, {"delete", cmd_delete, false},
	{"exec", cmd_exec, true},     {"features", cmd_features, false},
	{"kill", cmd_kill, false},    {"list", cmd_list, false},
	{"ps", cmd_ps, false},        {"run", cmd_run, true},
	{"start", cmd_start, false},  {"state", cmd_state, false},
};

static int parse_globals(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {{"root", required_argument, NULL, 'r'},
						{"namespace", required_argument, NULL, 'n'},
						{"log", required_argument, NULL, 'l'},
						{"log-format", required_argument, NULL, 'f'},
						{"debug", no_argument, NULL, 'd'},
						{"systemd-cgroup", no_argument, NULL, 'x'},
						{"rootless", required_argument, NULL, 'x'},
						{"criu", required_argument, NULL, 'x'},
						{"help", no_argument, NULL, 'h'},
						{"version", no_argument, NULL, 'v'},
						{NULL, 0, NULL, 0}};
	const char *log_path = NULL;
	enum log_format format = LOG_FORMAT_TEXT;
	enum log_level level = LOG_LEVEL_INFO;
	int opt;
	opterr = 0;
	while ((opt = getopt_long_only(argc, argv, "+:hv", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			cli->rt.root = optarg;
			break;
		case 'n':
			cli->rt.ns = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'f':
			if (log_parse_format(optarg, &format) < 0) {
				fprintf(stderr, "%s: --log-format must be text or json, not '%s'\n",
					cli->prog, optarg);
				return applet_usage_hint(cli->prog);
			}
			break;
		case 'd':
			level = LOG_LEVEL_DEBUG;
			break;
		case 'x':
			break;
		case 'h':
			fputs(usage, stdout);
			exit(EXIT_OK);
		case 'v':
			applet_print_version(cli->prog);
			exit(EXIT_OK);
		default:
			return applet_bad_option(cli->prog, opt, argv);
		}
	}
	struct error *err = NULL;
	if (log_path != NULL ? log_open(log_path, format, level, &err) < 0
			     : log_open_from_config("REAPER_RUNTIME_LOG", &err) < 0)
		return cli_fail(cli, err);
	return 0;
}

static int runtime_main(int argc, char **argv)
{
	cleanup_error struct error *config_err = NULL;
	config_load(&config_err);
	struct cli cli = {.rt = {.root = state_root(), .ns = "default"}, .prog = APPLET_RUNTIME_NAME};
	/* Not a node setting: a default for this command line, as --namespace. */
	const char *ns = getenv("REAPER_NAMESPACE");
	if (ns && *ns)
		cli.rt.ns = ns;
	int rc = parse_globals(&cli, argc, argv);
	if (rc != 0)
		return rc;
	if (optind >= argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		if (strcmp(name, commands[i].name) == 0) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			reset_getopt();
			current_cmd = commands[i].name;
			if (config_err != NULL && !commands[i].creates) {
				fprintf(stderr, "%s: warning: node configuration: %s (the default is used)\n",
					cli.prog, err_message(config_err));
				log_warn("node configuration: %s (the default is used)",
					 err_message(config_err));
			}
			return commands[i].fn(&cli, sub_argc, sub_argv);
		}
	}
	fprintf(stderr, "%s: unknown command '%s'\n", cli.prog, name);
	return applet_usage_hint(cli.prog);
}

REAPER_APPLET(runtime, APPLET_RUNTIME_NAME, runtime_main,
	      "runc-compatible OCI runtime that runs commands on the host", usage);
