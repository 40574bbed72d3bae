/* SPDX-License-Identifier: Apache-2.0 */
/* subreaper COMMAND [ARGS...]: run COMMAND as the child of a child subreaper that reaps every
 * orphan handed to it, the job containerd's shim does in a real deployment (pid 1 on the test
 * machines does not reap). COMMAND sees REAPER_TEST_SUBREAPER=<this pid>.
 *
 * Once COMMAND exits, the remaining descendants get LEFTOVER_GRACE_MS to finish; any still alive
 * then is named on stderr, killed (they are ours) and makes the exit status 1, so a test that leaks
 * processes fails even when its own checks missed it. Otherwise the exit status is COMMAND's
 * (128+signal if it was killed). SIGTERM, SIGINT and SIGHUP are passed on to COMMAND. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LEFTOVER_GRACE_MS 5000

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

/* Reap every child that has exited; *main_status gets main's status when it is among them.
 * Returns false once no child is left at all. */
static bool reap_all(pid_t main_pid, int *main_status, bool *main_done)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			if (pid == main_pid) {
				*main_status = status;
				*main_done = true;
			}
			continue;
		}
		if (pid < 0 && errno == EINTR)
			continue;
		return pid == 0; /* 0: children left, still running; -1 ECHILD: none */
	}
}

static pid_t parent_of(const char *pid_dir)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid_dir);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *end = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
	char state;
	int ppid;
	if (end == NULL || sscanf(end + 1, " %c %d", &state, &ppid) != 2)
		return -1;
	return (pid_t)ppid;
}

static void describe(const char *pid_dir)
{
	char path[64], cmd[256];
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid_dir);
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(cmd, 1, sizeof(cmd) - 1, f) : 0;
	if (f)
		fclose(f);
	for (size_t i = 0; i < n; i++)
		cmd[i] = cmd[i] ? cmd[i] : ' ';
	cmd[n] = '\0';
	fprintf(stderr, "subreaper: leftover process %s: %s\n", pid_dir, cmd);
}

/* Kill our remaining children by pid (their own children come to us when they die). */
static int kill_children(void)
{
	DIR *d = opendir("/proc");
	int killed = 0;
	for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || parent_of(e->d_name) != getpid())
			continue;
		describe(e->d_name);
		kill((pid_t)atoi(e->d_name), SIGKILL);
		killed++;
	}
	if (d)
		closedir(d);
	return killed;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: subreaper COMMAND [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		perror("subreaper: PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	char self[32];
	snprintf(self, sizeof(self), "%d", (int)getpid());
	pid_t main_pid = fork();
	if (main_pid < 0) {
		perror("subreaper: fork");
		return 1;
	}
	if (main_pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		setenv("REAPER_TEST_SUBREAPER", self, 1);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "subreaper: exec %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	int main_status = 0;
	bool main_done = false, leaked = false;
	long long deadline = 0;
	for (;;) {
		bool children_left = reap_all(main_pid, &main_status, &main_done);
		if (!children_left)
			break;
		if (main_done && deadline == 0)
			deadline = now_ms() + LEFTOVER_GRACE_MS;
		long long left = deadline ? deadline - now_ms() : 1000;
		if (deadline && left <= 0) {
			leaked |= kill_children() > 0;
			deadline = now_ms() + LEFTOVER_GRACE_MS;
			left = LEFTOVER_GRACE_MS;
		}
		struct timespec ts = {.tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000};
		siginfo_t info;
		int sig = sigtimedwait(&set, &info, &ts);
		if (sig > 0 && sig != SIGCHLD && !main_done)
			kill(main_pid, sig);
	}
	int code = status_code(main_status);
	if (leaked) {
		fprintf(stderr, "subreaper: processes outlived the command (see above)\n");
		return code ? code : 1;
	}
	return code;
}
