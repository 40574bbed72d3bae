/* SPDX-License-Identifier: Apache-2.0 */
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "console.h"
#include "credentials.h"
#include "fsutil.h"
#include "signals.h"
#include "gate.h"
#include "names.h"
#include "overlay.h"
#include "view.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_get(char *const env[], const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; env && env[i]; i++) {
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return env[i] + len + 1;
	}
	return NULL;
}

static int check_program(const char *path, const char *arg0, struct error **err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return err_sys(err, errno, "exec: \"%s\": stat %s", arg0, path);
	if (S_ISDIR(st.st_mode))
		return err_sys(err, EISDIR, "exec: \"%s\"", arg0);
	if (access(path, X_OK) < 0)
		return err_sys(err, errno, "exec: \"%s\"", arg0);
	return 0;
}

int workload_find_program(const char *arg0, char *const env[], char **out, struct error **err)
{
	if (strchr(arg0, '/') != NULL) {
		if (check_program(arg0, arg0, err) < 0)
			return -1;
		*out = strdup(arg0);
		return 0;
	}
	const char *path = env_get(env, "PATH");
	cleanup_free char *dirs = strdup(path ? path : DEFAULT_PATH);
	char *rest = dirs;
	for (char *dir; (dir = strsep(&rest, ":")) != NULL;) {
		cleanup_free char *candidate = NULL;
		if (asprintf(&candidate, "%s/%s", *dir ? dir : ".", arg0) < 0)
			return err_sys(err, ENOMEM, "exec");
		struct stat st;
		if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) && access(candidate, X_OK) == 0) {
			*out = steal_pointer(&candidate);
			return 0;
		}
	}
	return err_new(err, ERR_NOT_FOUND, "exec: \"%s\": executable file not found in $PATH", arg0);
}

/* An exec joins its container's view; a container enters the overlay and builds its own. */
static int enter_namespace(const struct workload_plan *plan, struct error **err)
{
	if (plan->spec == NULL)
		return setns(plan->nsfd, CLONE_NEWNS) < 0
			       ? err_sys(err, errno, "join the container's mount namespace")
			       : 0;
	if (overlay_enter(plan->nsfd, err) < 0)
		return -1;
	return plan->sandbox ? 0 : view_build(plan->spec, plan->volumes, err);
}

/* HOME is set from /etc/passwd when the spec leaves it out, as runc does. */
static char **environment_with_home(const struct spec_process *p)
{
	if (env_get(p->env, "HOME") != NULL)
		return p->env;
	size_t n = 0;
	while (p->env && p->env[n])
		n++;
	char **env = calloc(n + 2, sizeof(char *));
	cleanup_free char *home = credentials_home(p->user.uid);
	if (env == NULL || home == NULL || asprintf(&env[n], "HOME=%s", home) < 0)
		return p->env;
	memcpy(env, p->env, n * sizeof(char *));
	return env;
}

static int prepare(const struct workload_plan *plan, char **program, struct error **err)
{
	const struct spec_process *p = plan->process;
	if (setsid() < 0)
		return err_sys(err, errno, "setsid");
	if (plan->console >= 0 && console_attach(plan->console, err) < 0)
		return -1;
	if (enter_namespace(plan, err) < 0)
		return -1;
	if (chdir(p->cwd) < 0)
		return err_sys(err, errno, "chdir to cwd (\"%s\") set in config.json", p->cwd);
	if (credentials_prepare(p, err) < 0 || credentials_apply(p, err) < 0)
		return -1;
	if (plan->sandbox)
		return 0;
	return workload_find_program(p->args[0], p->env, program, err);
}

static _Noreturn void fail(int fd, struct error *err)
{
	const char *msg = err_message(err);
	fs_write_all(fd, msg, strlen(msg));
	_exit(127);
}

_Noreturn void workload_run(const struct workload_plan *plan)
{
	signals_reset();
	struct error *err = NULL;
	char *program = NULL;
	if (prepare(plan, &program, &err) < 0)
		fail(plan->report, err);
	char **env = environment_with_home(plan->process);
	fs_write_all(plan->report, "", 1);
	close(plan->report);
	int gate = gate_wait(plan->gate, &err);
	if (gate < 0)
		_exit(127);
	fs_cloexec_from(3 + plan->preserve_fds);
	if (plan->sandbox) {
		char *const argv[] = {APPLET_PAUSE_NAME, NULL};
		syscall(SYS_execveat, plan->self_exe, "", argv, env, AT_EMPTY_PATH);
		err_sys(&err, errno, "exec the sandbox's pause");
	} else {
		execve(program, plan->process->args, env);
		err_sys(&err, errno, "exec: \"%s\"", plan->process->args[0]);
	}
	fail(gate, err);
}
