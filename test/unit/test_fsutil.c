/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/fsutil.c: mkdir -p, rm -rf that never follows links, atomic and durable file
 * replacement, bounded whole-file reads, full writes. */
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "fsutil.h"
#include "testlib.h"

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* The names in path, space-separated and sorted, to see that no temp file was left. */
static char *listing(const char *path)
{
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	ck_assert_int_ge(n, 0);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0)
			fprintf(f, "%s%s", ftell(f) > 0 ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	fclose(f);
	return out;
}

START_TEST(mkdir_p_creates_every_level_with_the_mode)
{
	char *deep = testlib_path("a/b/c");
	struct error *err = NULL;
	ck_assert_int_eq(fs_mkdir_p(deep, 0700, &err), 0);
	ck_assert_ptr_null(err);
	char *a = testlib_path("a"), *b = testlib_path("a/b");
	ck_assert_int_eq(testlib_mode(a), 0700);
	ck_assert_int_eq(testlib_mode(b), 0700);
	ck_assert_int_eq(testlib_mode(deep), 0700);
	/* Another mode, umask cleared so it shows exactly. */
	umask(0);
	char *other = testlib_path("x/y");
	ck_assert_int_eq(fs_mkdir_p(other, 0751, &err), 0);
	ck_assert_int_eq(testlib_mode(other), 0751);
	free(deep);
	free(a);
	free(b);
	free(other);
}
END_TEST

START_TEST(mkdir_p_of_existing_directories_is_fine)
{
	char *deep = testlib_path("a/b");
	struct error *err = NULL;
	ck_assert_int_eq(fs_mkdir_p(deep, 0700, &err), 0);
	ck_assert_int_eq(chmod(deep, 0755), 0);
	ck_assert_int_eq(fs_mkdir_p(deep, 0700, &err), 0);
	ck_assert_int_eq(testlib_mode(deep), 0755); /* existing directories keep their mode */
	ck_assert_int_eq(fs_mkdir_p(testlib_test_dir(), 0700, &err), 0);
	char *slash = testlib_path("a/b/");
	ck_assert_int_eq(fs_mkdir_p(slash, 0700, &err), 0);
	ck_assert_ptr_null(err);
	free(deep);
	free(slash);
}
END_TEST

START_TEST(mkdir_p_with_a_file_in_the_way_fails)
{
	char *file = testlib_path("f");
	testlib_write_file(file, "x");
	struct error *err = NULL;
	/* The file is the target itself. */
	ck_assert_int_lt(fs_mkdir_p(file, 0700, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->errnum, ENOTDIR);
	ck_assert_ptr_nonnull(strstr(err_message(err), file));
	err_free(&err);
	/* The file is a parent. */
	char *below = testlib_path("f/sub/dir");
	ck_assert_int_lt(fs_mkdir_p(below, 0700, &err), 0);
	ck_assert_int_eq(err->errnum, ENOTDIR);
	err_free(&err);
	char *text = testlib_read_file(file);
	ck_assert_str_eq(text, "x");
	free(text);
	free(file);
	free(below);
}
END_TEST

START_TEST(mkdir_p_of_an_empty_path_fails)
{
	struct error *err = NULL;
	ck_assert_int_lt(fs_mkdir_p("", 0700, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->errnum, ENOENT);
	err_free(&err);
}
END_TEST

START_TEST(mkdir_p_relative)
{
	ck_assert_int_eq(chdir(testlib_test_dir()), 0);
	struct error *err = NULL;
	ck_assert_int_eq(fs_mkdir_p("rel/one", 0700, &err), 0);
	ck_assert_int_eq(testlib_mode("rel/one"), 0700);
}
END_TEST

START_TEST(remove_tree_removes_nested_content)
{
	char *root = testlib_path("tree");
	char *deep = testlib_path("tree/a/b/c");
	struct error *err = NULL;
	ck_assert_int_eq(fs_mkdir_p(deep, 0700, &err), 0);
	char *f1 = testlib_path("tree/file"), *f2 = testlib_path("tree/a/b/c/file"),
	     *fifo = testlib_path("tree/a/fifo");
	testlib_write_file(f1, "1");
	testlib_write_file(f2, "2");
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	char *ro = testlib_path("tree/a/b");
	ck_assert_int_eq(chmod(ro, 0500), 0); /* read-only dirs are no obstacle to root */
	ck_assert_int_eq(fs_remove_tree(root, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert(!exists(root));
	char *left = listing(testlib_test_dir());
	ck_assert_str_eq(left, "");
	free(left);
	free(root);
	free(deep);
	free(f1);
	free(f2);
	free(fifo);
	free(ro);
}
END_TEST

START_TEST(remove_tree_does_not_follow_symlinks)
{
	/* outside/ must survive: a link to it inside the tree is removed, not followed. */
	char *outside = testlib_path("outside"), *kept = testlib_path("outside/kept");
	ck_assert_int_eq(mkdir(outside, 0700), 0);
	testlib_write_file(kept, "precious");
	char *root = testlib_path("tree"), *sub = testlib_path("tree/sub");
	ck_assert_int_eq(mkdir(root, 0700), 0);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	char *link_dir = testlib_path("tree/sub/to-outside"), *link_file = testlib_path("tree/to-kept");
	ck_assert_int_eq(symlink(outside, link_dir), 0);
	ck_assert_int_eq(symlink(kept, link_file), 0);
	struct error *err = NULL;
	ck_assert_int_eq(fs_remove_tree(root, &err), 0);
	ck_assert(!exists(root));
	char *text = testlib_read_file(kept);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "precious");
	free(text);

	/* The path itself a symlink to a directory: the link goes, the directory stays. */
	char *top_link = testlib_path("link-to-outside");
	ck_assert_int_eq(symlink(outside, top_link), 0);
	ck_assert_int_eq(fs_remove_tree(top_link, &err), 0);
	ck_assert(!exists(top_link));
	ck_assert(exists(kept));
	free(outside);
	free(kept);
	free(root);
	free(sub);
	free(link_dir);
	free(link_file);
	free(top_link);
}
END_TEST

START_TEST(remove_tree_of_a_missing_path_or_a_file)
{
	char *missing = testlib_path("missing");
	struct error *err = NULL;
	ck_assert_int_eq(fs_remove_tree(missing, &err), 0);
	ck_assert_ptr_null(err);
	char *file = testlib_path("plain");
	testlib_write_file(file, "x");
	ck_assert_int_eq(fs_remove_tree(file, &err), 0);
	ck_assert(!exists(file));
	free(missing);
	free(file);
}
END_TEST

START_TEST(remove_tree_stays_on_its_filesystem)
{
	char *root = testlib_path("tree"), *mnt = testlib_path("tree/mnt"),
	     *inside = testlib_path("tree/mnt/inside");
	struct error *err = NULL;
	ck_assert_int_eq(fs_mkdir_p(mnt, 0700, &err), 0);
	/* A private mount namespace: the tmpfs goes away with this test's process whatever happens. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", mnt, "tmpfs", 0, "size=64k") < 0) {
		fprintf(stderr, "remove_tree_stays_on_its_filesystem: skipped (mount: %s)\n",
			strerror(errno));
		return;
	}
	testlib_write_file(inside, "on another mount");
	int rc = fs_remove_tree(root, &err);
	bool kept = exists(inside);
	umount2(mnt, MNT_DETACH);
	/* The other filesystem's content survives, so the tree cannot be removed: an error. */
	ck_assert(kept);
	ck_assert_int_lt(rc, 0);
	ck_assert_ptr_nonnull(err);
	err_free(&err);
	free(root);
	free(mnt);
	free(inside);
}
END_TEST

typedef int (*write_fn)(const char *, const void *, size_t, mode_t, struct error **);

static void check_write_replaces(write_fn write_file)
{
	char *path = testlib_path("file");
	struct error *err = NULL;
	ck_assert_int_eq(write_file(path, "first", 5, 0600, &err), 0);
	ck_assert_ptr_null(err);
	char *text = testlib_read_file(path);
	ck_assert_str_eq(text, "first");
	free(text);
	ck_assert_int_eq(testlib_mode(path), 0600);

	/* Shorter content replaces the file entirely; the new mode applies. */
	umask(0);
	ck_assert_int_eq(write_file(path, "2nd", 3, 0640, &err), 0);
	text = testlib_read_file(path);
	ck_assert_str_eq(text, "2nd");
	free(text);
	ck_assert_int_eq(testlib_mode(path), 0640);

	/* Binary content with NULs, and an empty file. */
	ck_assert_int_eq(write_file(path, "a\0b", 3, 0600, &err), 0);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 3);
	ck_assert_int_eq(write_file(path, "", 0, 0600, &err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);

	/* No temp file is left beside it. */
	char *names = listing(testlib_test_dir());
	ck_assert_str_eq(names, "file");
	free(names);
	free(path);
}

START_TEST(write_atomic_content_mode_and_replace)
{
	check_write_replaces(fs_write_atomic);
}
END_TEST

START_TEST(write_durable_content_mode_and_replace)
{
	check_write_replaces(fs_write_durable);
}
END_TEST

static void check_write_replaces_a_symlink(write_fn write_file)
{
	/* A symlink at the path is replaced, never written through. */
	char *target = testlib_path("target"), *path = testlib_path("link");
	testlib_write_file(target, "untouched");
	ck_assert_int_eq(symlink(target, path), 0);
	struct error *err = NULL;
	ck_assert_int_eq(write_file(path, "new", 3, 0600, &err), 0);
	struct stat st;
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	char *text = testlib_read_file(target);
	ck_assert_str_eq(text, "untouched");
	free(text);
	text = testlib_read_file(path);
	ck_assert_str_eq(text, "new");
	free(text);
	free(target);
	free(path);
}

START_TEST(write_atomic_replaces_a_symlink)
{
	check_write_replaces_a_symlink(fs_write_atomic);
}
END_TEST

START_TEST(write_durable_replaces_a_symlink)
{
	check_write_replaces_a_symlink(fs_write_durable);
}
END_TEST

static void check_write_failures(write_fn write_file)
{
	struct error *err = NULL;
	char *missing = testlib_path("no/such/dir/file");
	ck_assert_int_lt(write_file(missing, "x", 1, 0600, &err), 0);
	ck_assert_int_eq(err->kind, ERR_SYSTEM);
	ck_assert_int_eq(err->errnum, ENOENT);
	err_free(&err);
	/* A directory in the way: the rename fails, the temp file is cleaned up. */
	char *sub = testlib_path("sub");
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_lt(write_file(sub, "x", 1, 0600, &err), 0);
	ck_assert_int_eq(err->errnum, EISDIR);
	ck_assert_ptr_nonnull(strstr(err_message(err), sub));
	err_free(&err);
	char *names = listing(testlib_test_dir());
	ck_assert_str_eq(names, "sub");
	free(names);
	free(missing);
	free(sub);
}

START_TEST(write_atomic_failures_leave_nothing)
{
	check_write_failures(fs_write_atomic);
}
END_TEST

START_TEST(write_durable_failures_leave_nothing)
{
	check_write_failures(fs_write_durable);
}
END_TEST

/* A reader in a child checks every version it sees while the parent replaces the file many
 * times: each read is one whole version, never a mix or a truncated file. */
static void check_readers_see_whole_versions(write_fn write_file, int rounds)
{
	char *path = testlib_path("file");
	size_t len = 64 * 1024;
	char *a = malloc(len), *b = malloc(len);
	memset(a, 'a', len);
	memset(b, 'b', len);
	struct error *err = NULL;
	ck_assert_int_eq(write_file(path, a, len, 0600, &err), 0);
	int done[2];
	ck_assert_int_eq(pipe(done), 0);
	pid_t reader = fork();
	ck_assert_int_ge(reader, 0);
	if (reader == 0) {
		close(done[1]);
		fcntl(done[0], F_SETFL, O_NONBLOCK);
		int reads = 0;
		char c;
		while (read(done[0], &c, 1) < 0 || reads < 10) {
			char *text = NULL;
			size_t n = 0;
			if (fs_read_file(path, len, &text, &n, NULL) < 0)
				_exit(2);
			if (n != len || (memcmp(text, a, len) != 0 && memcmp(text, b, len) != 0))
				_exit(3);
			free(text);
			reads++;
		}
		_exit(0);
	}
	close(done[0]);
	for (int i = 0; i < rounds; i++)
		ck_assert_int_eq(write_file(path, i % 2 ? a : b, len, 0600, &err), 0);
	close(done[1]);
	int status;
	ck_assert_int_eq(waitpid(reader, &status, 0), reader);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader saw a partial file (status %#x)",
		      status);
	free(a);
	free(b);
	free(path);
}

START_TEST(write_atomic_readers_never_see_a_partial_file)
{
	check_readers_see_whole_versions(fs_write_atomic, 300);
}
END_TEST

START_TEST(write_durable_readers_never_see_a_partial_file)
{
	check_readers_see_whole_versions(fs_write_durable, 30);
}
END_TEST

static void write_sized(const char *path, size_t size)
{
	char *buf = malloc(size + 1);
	for (size_t i = 0; i < size; i++)
		buf[i] = (char)('a' + i % 26);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fs_write_all(fd, buf, size), 0);
	close(fd);
	free(buf);
}

static void read_ok(const char *path, size_t max, size_t want_len)
{
	char *text = NULL;
	size_t len = 12345;
	struct error *err = NULL;
	ck_assert_msg(fs_read_file(path, max, &text, &len, &err) == 0, "read max %zu: %s", max,
		      err_message(err));
	ck_assert_uint_eq(len, want_len);
	ck_assert_int_eq(text[len], '\0');
	for (size_t i = 0; i < len; i++)
		ck_assert_int_eq(text[i], 'a' + i % 26);
	free(text);
}

static void read_too_big(const char *path, size_t max)
{
	char *text = NULL;
	size_t len = 12345;
	struct error *err = NULL;
	ck_assert_int_lt(fs_read_file(path, max, &text, &len, &err), 0);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_message(err), path));
	ck_assert_ptr_nonnull(strstr(err_message(err), "larger than"));
	err_free(&err);
}

START_TEST(read_file_size_limits)
{
	char *path = testlib_path("sized");
	/* Sizes around the initial 4096-byte buffer and its growth. */
	static const size_t sizes[] = {0, 1, 100, 4095, 4096, 4097, 8192, 8193, 100000};
	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		size_t size = sizes[i];
		write_sized(path, size);
		read_ok(path, size, size);         /* exactly max: fine */
		read_ok(path, size + 1, size);     /* below max */
		read_ok(path, size * 3 + 7, size); /* well below max */
		if (size > 0) {
			write_sized(path, size + 1);
			read_too_big(path, size); /* max + 1: refused */
			write_sized(path, size * 2 + 4096);
			read_too_big(path, size);
		}
	}
	free(path);
}
END_TEST

START_TEST(read_file_missing_and_special)
{
	char *path = testlib_path("missing");
	char *text = NULL;
	size_t len = 0;
	struct error *err = NULL;
	ck_assert_int_lt(fs_read_file(path, 100, &text, &len, &err), 0);
	ck_assert_int_eq(err->kind, ERR_SYSTEM);
	ck_assert_int_eq(err->errnum, ENOENT);
	ck_assert_ptr_nonnull(strstr(err_message(err), path));
	err_free(&err);
	/* A directory cannot be read as a file. */
	ck_assert_int_lt(fs_read_file(testlib_test_dir(), 100, &text, &len, &err), 0);
	ck_assert_int_eq(err->errnum, EISDIR);
	err_free(&err);
	/* /proc files report size 0 but have content. */
	ck_assert_int_eq(fs_read_file("/proc/self/stat", 4096, &text, &len, &err), 0);
	ck_assert_uint_gt(len, 10);
	ck_assert_uint_eq(strlen(text), len);
	free(text);
	free(path);
}
END_TEST

static void on_alarm(int sig)
{
}

START_TEST(write_all_survives_short_writes)
{
	/* A blocking write to a pipe that a signal interrupts returns short, or fails with EINTR if
	 * nothing went through: a timer fires every 100 us, without SA_RESTART, while a slow reader
	 * drains. */
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	size_t len = 8 << 20;
	unsigned char *buf = malloc(len);
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[1]);
		size_t got = 0;
		unsigned char chunk[1000];
		ssize_t n;
		while ((n = read(p[0], chunk, sizeof(chunk))) > 0) {
			/* Pauses leave the writer blocked on a full pipe: the timer then gives EINTR. */
			if (got % (1 << 20) < (size_t)n)
				usleep(5000);
			for (ssize_t i = 0; i < n; i++, got++) {
				if (chunk[i] != (unsigned char)(got * 7))
					_exit(3);
			}
		}
		_exit(got == len ? 0 : 4);
	}
	close(p[0]);
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	struct itimerval every = {.it_interval = {0, 100}, .it_value = {0, 100}};
	ck_assert_int_eq(setitimer(ITIMER_REAL, &every, NULL), 0);
	int rc = fs_write_all(p[1], buf, len);
	struct itimerval off = {0};
	setitimer(ITIMER_REAL, &off, NULL);
	ck_assert_int_eq(rc, 0);
	close(p[1]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader status %#x", status);
	/* A closed reader is an error, not a hang. */
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(fs_write_all(p[1], buf, 10), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(p[1]);
	free(buf);
}
END_TEST

START_TEST(read_optional_reads_or_reports_missing)
{
	char *path = testlib_path("f");
	testlib_write_file(path, "two\n");
	struct error *err = NULL;
	char *text = NULL;
	size_t len = 0;
	bool exists = false;
	ck_assert_int_eq(fs_read_optional(path, 16, &text, &len, &exists, &err), 0);
	ck_assert(exists);
	ck_assert_uint_eq(len, 4);
	ck_assert_str_eq(text, "two\n");
	free(text);
	char *missing = testlib_path("nope");
	ck_assert_int_eq(fs_read_optional(missing, 16, &text, &len, &exists, &err), 0);
	ck_assert(!exists);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(fs_read_optional(path, 2, &text, &len, &exists, &err), -1);
	ck_assert_ptr_nonnull(err);
	err_free(&err);
	free(missing);
	free(path);
}
END_TEST

START_TEST(path_under_joins_without_doubled_slashes)
{
	const char *cases[][3] = {{"/", "/etc/x", "/etc/x"},
				  {"/host", "/etc/x", "/host/etc/x"},
				  {"/host/", "/etc/x", "/host/etc/x"},
				  {"/host", "etc", "/host/etc"}};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *got = fs_path_under(cases[i][0], cases[i][1]);
		ck_assert_str_eq(got, cases[i][2]);
		free(got);
	}
}
END_TEST

/* A node's links resolve as the node sees them: an absolute target starts again at the root,
 * ".." stops there, what does not exist is appended as given. */
START_TEST(resolve_in_root_follows_links_inside_the_root)
{
	char *root = realpath(testlib_test_dir(), NULL);
	char *p = NULL;
	ck_assert_int_ge(asprintf(&p, "%s/var/lib/cfg", root), 0);
	struct error *err = NULL;
	ck_assert_int_eq(fs_mkdir_p(p, 0755, &err), 0);
	free(p);
	ck_assert_int_ge(asprintf(&p, "%s/etc", root), 0);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
	ck_assert_int_ge(asprintf(&p, "%s/etc/containerd", root), 0);
	ck_assert_int_eq(symlink("/var/lib/cfg", p), 0);
	free(p);
	ck_assert_int_ge(asprintf(&p, "%s/etc/up", root), 0);
	ck_assert_int_eq(symlink("../../../../var", p), 0);
	free(p);
	ck_assert_int_ge(asprintf(&p, "%s/var/lib/cfg/dangling", root), 0);
	ck_assert_int_eq(symlink("/nowhere/x", p), 0);
	free(p);
	const char *cases[][2] = {{"/etc/containerd/config.toml", "/var/lib/cfg/config.toml"},
				  {"/etc/containerd", "/var/lib/cfg"},
				  {"etc/up/lib", "/var/lib"},
				  {"/etc/containerd/dangling", "/var/lib/cfg/dangling"},
				  {"/missing/a/b", "/missing/a/b"},
				  {"/", ""}};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *got = NULL, *want = NULL;
		ck_assert_msg(fs_resolve_in_root(root, cases[i][0], &got, &err) == 0, "%s: %s", cases[i][0],
			      err_message(err));
		ck_assert_int_ge(asprintf(&want, "%s%s", root, cases[i][1]), 0);
		ck_assert_str_eq(got, want);
		free(got);
		free(want);
	}
	char *got = NULL;
	ck_assert_int_eq(fs_resolve_in_root("/", "/etc/../etc", &got, &err), 0);
	ck_assert_str_eq(got, "/etc");
	free(got);
	free(root);
}
END_TEST

/* In a child: arrange 21 fds (more than the 16 the first version handled), then report for each
 * of fds 0..29 whether it is open and not close-on-exec ('o'), close-on-exec ('c') or closed
 * ('-'), and what the arranged ones above 2 read. */
START_TEST(arrange_fds_places_every_source_and_closes_the_rest)
{
	int report[2];
	ck_assert_int_eq(pipe(report), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int out = fcntl(report[1], F_DUPFD_CLOEXEC, 100);
		int src[21];
		for (int i = 0; i < 20; i++) {
			int p[2];
			if (pipe2(p, O_CLOEXEC) < 0)
				_exit(2);
			char c = (char)('a' + i);
			if (write(p[1], &c, 1) != 1)
				_exit(2);
			close(p[1]);
			src[i] = i == 5 || i == 17 ? -1 : p[0];
		}
		/* Whatever sits on fds 5 and 17 now (pipe ends): with no source, they must be closed. */
		src[20] = out; /* the report goes out on fd 20 */
		fs_arrange_fds(src, 21);
		char line[48];
		for (int fd = 0; fd < 30; fd++) {
			int flags = fcntl(fd, F_GETFD);
			line[fd] = flags < 0 ? '-' : (flags & FD_CLOEXEC) ? 'c' : 'o';
		}
		for (int fd = 3; fd < 20; fd++) {
			char c = '-';
			if (line[fd] == 'o' && read(fd, &c, 1) != 1)
				c = '?';
			line[30 + fd - 3] = c;
		}
		_exit(write(20, line, 47) == 47 ? 0 : 2);
	}
	close(report[1]);
	char got[48] = {0};
	ck_assert_int_eq(read(report[0], got, 47), 47);
	close(report[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_str_eq(got, "ooooo-ooooooooooo-ooo---------de-ghijklmnopq-st");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fsutil");
	TCase *tc = tcase_create("fsutil");
	testlib_use_scratch(tc, TESTLIB_UMASK_022);
	tcase_add_test(tc, mkdir_p_creates_every_level_with_the_mode);
	tcase_add_test(tc, resolve_in_root_follows_links_inside_the_root);
	tcase_add_test(tc, mkdir_p_of_existing_directories_is_fine);
	tcase_add_test(tc, mkdir_p_with_a_file_in_the_way_fails);
	tcase_add_test(tc, mkdir_p_of_an_empty_path_fails);
	tcase_add_test(tc, mkdir_p_relative);
	tcase_add_test(tc, remove_tree_removes_nested_content);
	tcase_add_test(tc, remove_tree_does_not_follow_symlinks);
	tcase_add_test(tc, remove_tree_of_a_missing_path_or_a_file);
	tcase_add_test(tc, remove_tree_stays_on_its_filesystem);
	tcase_add_test(tc, write_atomic_content_mode_and_replace);
	tcase_add_test(tc, write_durable_content_mode_and_replace);
	tcase_add_test(tc, write_atomic_replaces_a_symlink);
	tcase_add_test(tc, write_durable_replaces_a_symlink);
	tcase_add_test(tc, write_atomic_failures_leave_nothing);
	tcase_add_test(tc, write_durable_failures_leave_nothing);
	tcase_add_test(tc, write_atomic_readers_never_see_a_partial_file);
	tcase_add_test(tc, write_durable_readers_never_see_a_partial_file);
	tcase_add_test(tc, read_file_size_limits);
	tcase_add_test(tc, read_file_missing_and_special);
	tcase_add_test(tc, write_all_survives_short_writes);
	tcase_add_test(tc, read_optional_reads_or_reports_missing);
	tcase_add_test(tc, path_under_joins_without_doubled_slashes);
	tcase_add_test(tc, arrange_fds_places_every_source_and_closes_the_rest);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
