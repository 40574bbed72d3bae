/* SPDX-License-Identifier: Apache-2.0 */
/* Where a workload's stdin, stdout and stderr go: the target strings containerd passes in
 * Create/Exec (stdin, stdout, stderr), parsed, and opened without ever blocking the caller.
 *
 * Target strings (as containerd 1.6's runc shim reads them, pkg/process/io.go):
 *   ""                            STDIO_NULL: /dev/null
 *   "/abs/path"                   STDIO_FIFO: the path as given (no %-decoding)
 *   "fifo:///abs/path"            STDIO_FIFO: the path %-decoded
 *   "file:///abs/path"            STDIO_FILE: appended to; created 0644 (less the umask) with its
 *                                 missing parent directories 0755, as containerd does
 *                                 (O_WRONLY|O_APPEND|O_CREAT, 0644)
 *   "binary:///abs/path?k=v&k2"   STDIO_BINARY: a logging binary that the shim starts. Its argv
 *                                 after the path is each distinct query key followed by its first
 *                                 value ("" when it has none): "k", "v", "k2", "". containerd does
 *                                 the same in Go map order (random); here the order is the
 *                                 query's. Keys and values are %-decoded, '+' reads as a space.
 * A STDIO_FIFO path that turns out to be a regular file is appended to (not created), and a
 * character device (/dev/null, a tty) is opened as it is.
 * URIs take no host ("file://host/x" is refused), no fragment ('#'), and only binary:// takes a
 * query. Errors are ERR_INVALID `stdio "<target>": <problem>`. */
#ifndef REAPER_STDIO_TARGET_H
#define REAPER_STDIO_TARGET_H

#include "error.h"

enum stdio_kind {
	STDIO_NULL,
	STDIO_FIFO,
	STDIO_FILE,
	STDIO_BINARY,
};

struct stdio_target {
	enum stdio_kind kind;
	char *path;  /* absolute; NULL for STDIO_NULL */
	char **args; /* STDIO_BINARY: argv after the path, NULL-terminated (maybe empty); else NULL */
};

int stdio_target_parse(const char *text, struct stdio_target *out, struct error **err);
void stdio_target_free(struct stdio_target *target);
const char *stdio_kind_name(enum stdio_kind kind);

/* Open the write side for a workload's stdout or stderr. Never blocks, whether or not a reader
 * exists. Every fd returned is O_CLOEXEC: the child dup2()s *workload_fd onto 1 or 2, which
 * clears the flag on the copy only.
 * - FIFO: *keepalive_fd is the FIFO opened O_RDWR|O_NONBLOCK (it counts as a reader, so the open
 *   cannot block and the FIFO never loses its last reader); *workload_fd is the same FIFO
 *   reopened through /proc/self/fd O_WRONLY in blocking mode. The shim holds keepalive_fd for the
 *   workload's life: when containerd restarts and its reader goes away, the workload's writes do
 *   not fail with EPIPE/SIGPIPE; they fill the pipe buffer (64 KiB by default) and then block
 *   until a reader returns. The shim must never read from keepalive_fd (that steals output).
 * - regular file (a FIFO-kind path that is a file, or file://): O_WRONLY|O_APPEND; *keepalive_fd -1.
 * - null: /dev/null O_WRONLY; *keepalive_fd -1.
 * - binary: refused (ERR_INVALID): the shim starts the binary and gives the workload a pipe.
 * On failure nothing stays open and both outputs are -1. */
int stdio_open_writer(const struct stdio_target *target, int *workload_fd, int *keepalive_fd,
		      struct error **err);

/* Open the read side for a workload's stdin. Never blocks: a FIFO is opened O_RDONLY|O_NONBLOCK,
 * then O_NONBLOCK is cleared so that the workload reads in blocking mode (a non-blocking stdin
 * breaks ordinary programs with EAGAIN). Caveat: until a writer has opened the FIFO, a read
 * returns 0 (end of file) at once; use stdio_open_stdin to hold it open. A regular file is read
 * from its start; null is /dev/null; binary is refused. The fd is O_CLOEXEC. */
int stdio_open_reader(const struct stdio_target *target, int *fd, struct error **err);

/* stdio_open_reader plus a keepalive for a FIFO: *keepalive_fd is the FIFO opened
 * O_RDWR|O_NONBLOCK (a writer that never writes), so the workload sees no end of file before
 * containerd's writer arrives, nor between two writers. The shim closes keepalive_fd on CloseIO
 * (stdin): once every other writer has closed too, the workload reads end of file. For other
 * kinds *keepalive_fd is -1. Never blocks; every fd is O_CLOEXEC. */
int stdio_open_stdin(const struct stdio_target *target, int *workload_fd, int *keepalive_fd,
		     struct error **err);

#endif
