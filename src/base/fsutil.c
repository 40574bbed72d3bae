/* SPDX-License-Identifier: Apache-2.0 */
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "newmount.h"

int fs_mkdir_p(const char *path, mode_t mode, struct error **err)
{
	/* The loop below starts past the first byte. */
	if (*path == '\0')
		return err_sys(err, ENOENT, "mkdir of an empty path");
	cleanup_free char *copy = strdup(path);
	if (copy == NULL)
		return err_sys(err, ENOMEM, "mkdir %s", path);
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return err_sys(err, errno, "mkdir %s", copy);
		*p = saved;
		if (saved == '\0')
			break;
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return err_sys(err, errno, "stat %s", path);
	if (!S_ISDIR(st.st_mode))
		return err_sys(err, ENOTDIR, "%s", path);
	return 0;
}

char *fs_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int fs_mkdir_parent(const char *path, mode_t mode, struct error **err)
{
	cleanup_free char *parent = fs_dirname(path);
	if (parent == NULL)
		return err_sys(err, ENOMEM, "mkdir the parent of %s", path);
	return fs_mkdir_p(parent, mode, err);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT)
		return errno;
	return 0;
}

int fs_remove_tree(const char *path, struct error **err)
{
	int rc = nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (rc < 0 && errno != ENOENT)
		return err_sys(err, errno, "remove %s", path);
	if (rc > 0)
		return err_sys(err, rc, "remove %s", path);
	return 0;
}

void fs_arrange_fds(const int *src, int n)
{
	int moved[n > 0 ? n : 1];
	for (int i = 0; i < n; i++)
		moved[i] = src[i] >= 0 ? fcntl(src[i], F_DUPFD_CLOEXEC, n) : -1;
	for (int i = 0; i < n; i++) {
		if (moved[i] >= 0)
			dup2(moved[i], i);
		else if (i > 2)
			close(i);
	}
	if (syscall(SYS_close_range, (unsigned)n, ~0U, 0) < 0) {
		for (int fd = n; fd < 1024; fd++)
			close(fd);
	}
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void fs_cloexec_from(int from)
{
	if (syscall(SYS_close_range, (unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] != '.' && fd >= from && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (d != NULL)
		closedir(d);
}

int fs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_parent(const char *path)
{
	cleanup_free char *dir = fs_dirname(path);
	cleanup_close int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	return fd < 0 ? -1 : fsync(fd);
}

static int write_replace(const char *path, const void *data, size_t len, mode_t mode, bool durable,
			 struct error **err)
{
	cleanup_free char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
		return err_sys(err, ENOMEM, "write %s", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "create a temporary file beside %s", path);
	/* fchmod: the mode asked for, whatever the umask. */
	int saved = 0;
	if (fchmod(fd, mode) < 0 || fs_write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0))
		saved = errno;
	if (close(fd) < 0 && saved == 0)
		saved = errno;
	if (saved == 0 && rename(tmp, path) < 0)
		saved = errno;
	if (saved != 0) {
		unlink(tmp);
		return err_sys(err, saved, "write %s", path);
	}
	if (durable && fsync_parent(path) < 0)
		return err_sys(err, errno, "fsync directory of %s", path);
	return 0;
}

int fs_reserve(const char *path, size_t size, mode_t mode, struct error **err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return err_sys(err, errno, "create %s", path);
	int rc = fchmod(fd, mode) < 0 ? errno : posix_fallocate(fd, 0, (off_t)size);
	if (rc == EOPNOTSUPP || rc == EINVAL) {
		static const char zeros[4096];
		rc = 0;
		for (size_t done = 0; rc == 0 && done < size; done += sizeof(zeros)) {
			size_t n = size - done < sizeof(zeros) ? size - done : sizeof(zeros);
			if (fs_write_all(fd, zeros, n) < 0)
				rc = errno;
		}
		if (rc == 0 && fsync(fd) < 0)
			rc = errno;
	}
	if (rc != 0) {
		unlink(path);
		return err_sys(err, rc, "reserve %zu bytes in %s", size, path);
	}
	return 0;
}

int fs_write_durable_reserved(const char *reserve, const char *path, const void *data, size_t len,
			      struct error **err)
{
	cleanup_close int fd = open(reserve, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(err, errno, "open %s", reserve);
	const char *p = data;
	for (size_t done = 0; done < len;) {
		ssize_t n = pwrite(fd, p + done, len - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(err, errno, "write %s", path);
		done += (size_t)n;
	}
	if (ftruncate(fd, (off_t)len) < 0 || fsync(fd) < 0)
		return err_sys(err, errno, "write %s", path);
	if (rename(reserve, path) < 0)
		return err_sys(err, errno, "write %s", path);
	if (fsync_parent(path) < 0)
		return err_sys(err, errno, "fsync directory of %s", path);
	return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct error **err)
{
	return write_replace(path, data, len, mode, false, err);
}

int fs_write_durable(const char *path, const void *data, size_t len, mode_t mode, struct error **err)
{
	return write_replace(path, data, len, mode, true, err);
}

int fs_read_optional(const char *path, size_t max, char **out, size_t *len, bool *exists, struct error **err)
{
	*out = NULL;
	*len = 0;
	*exists = false;
	struct error *e = NULL;
	if (fs_read_file(path, max, out, len, &e) == 0) {
		*exists = true;
		return 0;
	}
	if (e->errnum == ENOENT) {
		err_free(&e);
		return 0;
	}
	if (err != NULL)
		*err = e;
	else
		err_free(&e);
	return -1;
}

char *fs_path_under(const char *root, const char *path)
{
	char *out = NULL;
	size_t n = strlen(root);
	while (n > 0 && root[n - 1] == '/')
		n--;
	if (asprintf(&out, "%.*s%s%s", (int)n, root, path[0] == '/' ? "" : "/", path) < 0)
		return NULL;
	return out;
}

/* The path an O_PATH fd stands for, as /proc/self/fd says it. */
static char *fd_path(int fd)
{
	char link[64], buf[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

int fs_resolve_in_root(const char *root, const char *path, char **out, struct error **err)
{
	*out = NULL;
	cleanup_close int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return err_sys(err, errno, "open %s", root);
	while (*path == '/')
		path++;
	cleanup_free char *rel = strdup(path);
	if (rel == NULL)
		return err_sys(err, ENOMEM, "resolve %s", path);
	/* The longest prefix that exists, resolved; the rest appended. */
	size_t end = strlen(rel);
	for (;;) {
		char saved = rel[end];
		rel[end] = '\0';
		int fd = end == 0 ? fcntl(rfd, F_DUPFD_CLOEXEC, 0)
				  : nm_openat2(rfd, rel, O_PATH | O_CLOEXEC, NM_RESOLVE_IN_ROOT);
		int saved_errno = errno;
		rel[end] = saved;
		if (fd >= 0) {
			cleanup_free char *real = fd_path(fd);
			close(fd);
			if (real == NULL)
				return err_sys(err, errno ? errno : ENOMEM, "resolve %s under %s", path,
					       root);
			const char *rest = rel + end;
			while (*rest == '/')
				rest++;
			bool slash = *rest != '\0' && strcmp(real, "/") != 0;
			if (asprintf(out, "%s%s%s", real, slash ? "/" : "", rest) < 0) {
				*out = NULL;
				return err_sys(err, ENOMEM, "resolve %s", path);
			}
			return 0;
		}
		if (saved_errno == ENOSYS) { /* before Linux 5.6: the path as it is */
			*out = fs_path_under(root, path);
			return *out ? 0 : err_sys(err, ENOMEM, "resolve %s", path);
		}
		if (saved_errno != ENOENT && saved_errno != ENOTDIR)
			return err_sys(err, saved_errno, "resolve %s under %s", path, root);
		while (end > 0 && rel[end - 1] == '/')
			end--;
		while (end > 0 && rel[end - 1] != '/')
			end--;
	}
}

int fs_read_fd(int fd, const char *name, size_t max, char **out, size_t *len, struct error **err)
{
	/* A regular file's size sizes the buffer, one byte over so EOF comes without growing it: one
	 * allocation instead of a doubling series, each a fresh mapping and copy with musl. */
	size_t cap = 4096, n = 0;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
	cleanup_free char *buf = malloc(cap + 1);
	if (buf == NULL)
		return err_sys(err, ENOMEM, "read %s", name);
	for (;;) {
		if (n > max)
			return err_new(err, ERR_INVALID, "%s: larger than %zu bytes", name, max);
		if (n == cap) {
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *grown = realloc(buf, cap + 1);
			if (grown == NULL)
				return err_sys(err, ENOMEM, "read %s", name);
			buf = grown;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_sys(err, errno, "read %s", name);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	*out = steal_pointer(&buf);
	return 0;
}

int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "open %s", path);
	return fs_read_fd(fd, path, max, out, len, err);
}
