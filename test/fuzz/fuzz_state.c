/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the state record reader. state.json is read by the shim, the CLI, the monitor
 * and `reaper doctor`, as root, from a directory a crash or a full disk may have left anything in.
 * Every input must read into a record that frees cleanly or fail with an error naming the file;
 * a record that reads must write back and read again the same (the writer and the reader agree). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "state.h"

static char dir[64];

static void remove_dir(void)
{
	struct error *err = NULL;
	if (state_remove_dir(dir, &err) < 0)
		err_free(&err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* A tmpfs when there is one: the writer fsyncs a stopped record. */
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz_state.%d", base, (int)getpid());
	struct error *err = NULL;
	if (fs_mkdir_p(dir, 0700, &err) < 0)
		abort();
	atexit(remove_dir);
	return 0;
}

static bool same_string(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void check_same(const struct proc_state *a, const struct proc_state *b)
{
	if (!same_string(a->id, b->id) || !same_string(a->exec_id, b->exec_id) ||
	    !same_string(a->bundle, b->bundle) || a->status != b->status || a->pid != b->pid ||
	    a->pid_start != b->pid_start || a->monitor_pid != b->monitor_pid ||
	    a->monitor_start != b->monitor_start || a->exit_code != b->exit_code ||
	    a->exited_at_ns != b->exited_at_ns || a->created_ns != b->created_ns ||
	    !same_string(a->stdin_path, b->stdin_path) || !same_string(a->stdout_path, b->stdout_path) ||
	    !same_string(a->stderr_path, b->stderr_path) || a->terminal != b->terminal ||
	    a->sandbox != b->sandbox)
		abort();
	if (a->annotations != NULL && !json_equal(a->annotations, b->annotations))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[96];
	snprintf(path, sizeof(path), "%s/state.json", dir);
	struct error *err = NULL;
	if (fs_write_atomic(path, (const char *)data, size, 0600, &err) < 0)
		abort();
	struct proc_state st;
	if (state_read(dir, &st, &err) < 0) {
		if (err == NULL || strstr(err_message(err), path) == NULL)
			abort();
		err_free(&err);
		return 0;
	}
	if (err != NULL || st.id == NULL || (int)st.status < PROC_CREATING || st.status > PROC_STOPPED)
		abort();
	(void)proc_status_name(st.status);
	struct proc_state again;
	if (state_write(dir, &st, &err) < 0 || state_read(dir, &again, &err) < 0)
		abort();
	check_same(&st, &again);
	proc_state_free(&again);
	proc_state_free(&st);
	return 0;
}
