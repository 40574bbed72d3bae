/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/overlay/mountinfo.c: /proc/self/mountinfo lines (optional fields, escaped mount
 * points), bad lines, the live table, and the parents-first order the overlay builder relies on. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mountinfo.h"
#include "testlib.h"

static void parse_ok(const char *text, struct mount_table *t)
{
	struct error *err = NULL;
	ck_assert_msg(mountinfo_parse(text, t, &err) == 0, "refused: %s", err_message(err));
	ck_assert_ptr_null(err);
}

static void assert_entry(const struct mount_entry *e, int id, int parent, const char *mp, const char *fstype)
{
	ck_assert_int_eq(e->id, id);
	ck_assert_int_eq(e->parent_id, parent);
	ck_assert_str_eq(e->mount_point, mp);
	ck_assert_str_eq(e->fstype, fstype);
}

START_TEST(parse_real_lines)
{
	const char *text =
		"22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro\n"
		"23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
		"24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
		"25 22 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=4027204k,mode=755\n"
		/* no optional fields at all */
		"26 25 0:23 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620\n"
		/* several optional fields */
		"40 22 0:35 / /run/netns rw shared:20 master:3 propagate_from:2 unbindable - tmpfs tmpfs rw\n"
		/* a bind of a subdirectory: root is not / */
		"41 22 252:1 /var/lib/x /mnt/x rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
		/* an overlay with a long option list */
		"50 22 0:50 / /run/reaper/overlay/merged rw,relatime - overlay overlay "
		"rw,lowerdir=/,upperdir=/u,workdir=/w\n";
	struct mount_table t;
	parse_ok(text, &t);
	ck_assert_uint_eq(t.n, 8);
	assert_entry(&t.entries[0], 22, 1, "/", "ext4");
	assert_entry(&t.entries[1], 23, 22, "/proc", "proc");
	assert_entry(&t.entries[2], 24, 22, "/sys", "sysfs");
	assert_entry(&t.entries[3], 25, 22, "/dev", "devtmpfs");
	assert_entry(&t.entries[4], 26, 25, "/dev/pts", "devpts");
	assert_entry(&t.entries[5], 40, 22, "/run/netns", "tmpfs");
	assert_entry(&t.entries[6], 41, 22, "/mnt/x", "ext4");
	assert_entry(&t.entries[7], 50, 22, "/run/reaper/overlay/merged", "overlay");
	ck_assert_str_eq(t.entries[3].source, "udev");
	ck_assert_str_eq(t.entries[3].super_options, "rw,size=4027204k,mode=755");
	ck_assert_str_eq(t.entries[6].source, "/dev/vda1");
	ck_assert_str_eq(t.entries[7].super_options, "rw,lowerdir=/,upperdir=/u,workdir=/w");
	ck_assert_ptr_eq(mountinfo_find(&t, 41), &t.entries[6]);
	ck_assert_ptr_null(mountinfo_find(&t, 99));
	for (size_t i = 0; i < t.n; i++)
		ck_assert_uint_eq(t.entries[i].line, i);
	mountinfo_free(&t);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(t.entries);
}
END_TEST

START_TEST(parse_escaped_mount_points)
{
	/* The kernel writes space, tab, newline and backslash as \ooo. */
	const char *text =
		"60 22 0:60 / /mnt/with\\040space rw - tmpfs tmpfs rw\n"
		"61 22 0:61 / /mnt/tab\\011and\\012newline rw - tmpfs tmpfs rw\n"
		"62 22 0:62 / /mnt/back\\134slash rw - tmpfs tmpfs rw\n"
		"63 22 0:63 / /mnt/end\\040 rw - tmpfs tmpfs rw\n"
		"64 22 0:64 / /mnt/a\\040-\\040b rw - tmpfs tmpfs rw"; /* " - " inside, no final \n */
	struct mount_table t;
	parse_ok(text, &t);
	ck_assert_uint_eq(t.n, 5);
	ck_assert_str_eq(t.entries[0].mount_point, "/mnt/with space");
	ck_assert_str_eq(t.entries[1].mount_point, "/mnt/tab\tand\nnewline");
	ck_assert_str_eq(t.entries[2].mount_point, "/mnt/back\\slash");
	ck_assert_str_eq(t.entries[3].mount_point, "/mnt/end ");
	ck_assert_str_eq(t.entries[4].mount_point, "/mnt/a - b");
	ck_assert_str_eq(t.entries[4].fstype, "tmpfs");
	mountinfo_free(&t);
}
END_TEST

START_TEST(parse_empty_text)
{
	struct mount_table t;
	parse_ok("", &t);
	ck_assert_uint_eq(t.n, 0);
	mountinfo_free(&t);
}
END_TEST

static void parse_fails(const char *text)
{
	struct mount_table t = {.n = 12345};
	struct error *err = NULL;
	ck_assert_msg(mountinfo_parse(text, &t, &err) < 0, "accepted: '%s'", text);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, ERR_INVALID);
	ck_assert_msg(strstr(err_message(err), "mountinfo") != NULL, "'%s'", err_message(err));
	ck_assert_uint_eq(t.n, 0); /* nothing half-parsed is handed back */
	ck_assert_ptr_null(t.entries);
	err_free(&err);
}

START_TEST(parse_rejects_bad_lines)
{
	parse_fails("garbage\n");
	parse_fails("22 1 252:1 / / rw,relatime shared:1 ext4 /dev/vda1 rw\n"); /* no separator */
	parse_fails("x 1 252:1 / / rw - ext4 /dev/vda1 rw\n");                  /* id not a number */
	parse_fails("22 y 252:1 / / rw - ext4 /dev/vda1 rw\n");                 /* parent not a number */
	parse_fails("22x 1 252:1 / / rw - ext4 /dev/vda1 rw\n");                /* trailing junk in id */
	parse_fails("22 1\n");                                                  /* too few fields */
	parse_fails("22 1 252:1 / / rw - \n");                                  /* no fstype */
	parse_fails("22 1 252:1 / relative rw - ext4 /dev/vda1 rw\n");          /* not an absolute path */
	/* One bad line among good ones fails the whole table, naming the line. */
	struct mount_table t;
	struct error *err = NULL;
	ck_assert_int_lt(mountinfo_parse("22 1 252:1 / / rw - ext4 /dev/vda1 rw\n"
					 "broken line here\n"
					 "23 22 0:21 / /proc rw - proc proc rw\n",
					 &t, &err),
			 0);
	ck_assert_ptr_nonnull(strstr(err_message(err), "broken line here"));
	ck_assert_uint_eq(t.n, 0);
	err_free(&err);
	/* A blank line in the middle is not a mount. */
	parse_fails("22 1 252:1 / / rw - ext4 /dev/vda1 rw\n\n23 22 0:21 / /proc rw - proc proc rw\n");
}
END_TEST

START_TEST(read_the_live_table)
{
	struct mount_table t;
	struct error *err = NULL;
	ck_assert_int_eq(mountinfo_read(&t, &err), 0);
	ck_assert_uint_gt(t.n, 0);
	bool root = false, proc = false;
	for (size_t i = 0; i < t.n; i++) {
		ck_assert_int_eq(t.entries[i].mount_point[0], '/');
		root |= strcmp(t.entries[i].mount_point, "/") == 0;
		proc |= strcmp(t.entries[i].mount_point, "/proc") == 0 &&
			strcmp(t.entries[i].fstype, "proc") == 0;
	}
	ck_assert(root);
	ck_assert(proc);
	mountinfo_free(&t);
}
END_TEST

static size_t index_of(const struct mount_table *t, int id)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->entries[i].id == id)
			return i;
	}
	ck_abort_msg("mount %d missing", id);
	return 0;
}

START_TEST(sort_by_depth_puts_parents_first)
{
	/* Children listed before their parents; ids in no particular order. */
	const char *text = "90 80 0:1 / /a/b/c rw - tmpfs t rw\n"
			   "70 60 0:2 / /dev/pts rw - devpts d rw\n"
			   "80 10 0:3 / /a/b rw - tmpfs t rw\n"
			   "60 10 0:4 / /dev rw - devtmpfs d rw\n"
			   "15 10 0:5 / /a rw - tmpfs t rw\n"
			   "10 1 0:6 / / rw - ext4 r rw\n"
			   "95 90 0:7 / /a/b/c/with\\040space/d rw - tmpfs t rw\n"
			   "99 10 0:8 / /ab rw - tmpfs t rw\n";
	struct mount_table t;
	parse_ok(text, &t);
	mountinfo_sort_by_depth(&t);
	ck_assert_uint_eq(t.n, 8);
	ck_assert_str_eq(t.entries[0].mount_point, "/");
	/* Every mount after each mount whose point is a prefix directory of its own. */
	for (size_t i = 0; i < t.n; i++) {
		for (size_t j = 0; j < t.n; j++) {
			const char *a = t.entries[i].mount_point, *b = t.entries[j].mount_point;
			bool a_under_b = strcmp(b, "/") == 0
						 ? strcmp(a, "/") != 0
						 : strncmp(a, b, strlen(b)) == 0 && a[strlen(b)] == '/';
			if (a_under_b)
				ck_assert_msg(j < i, "%s sorted before %s", a, b);
		}
	}
	ck_assert_uint_lt(index_of(&t, 80), index_of(&t, 90));
	ck_assert_uint_lt(index_of(&t, 90), index_of(&t, 95));
	ck_assert_uint_lt(index_of(&t, 60), index_of(&t, 70));
	mountinfo_free(&t);
}
END_TEST

START_TEST(sort_keeps_stacked_mounts_in_mount_order)
{
	/* Two mounts on the same point: the later line is on top. Mount ids are reused, so the top
	 * one can have the lower id; the order must stay the kernel's (bottom first). */
	const char *text = "10 1 0:6 / / rw - ext4 r rw\n"
			   "500 10 0:40 / /mnt rw - tmpfs bottom rw\n"
			   "31 500 0:41 / /mnt rw - ext4 top rw\n"
			   "32 10 0:42 / /zz rw - tmpfs z rw\n"
			   "33 10 0:43 / /aa rw - tmpfs a rw\n";
	struct mount_table t;
	parse_ok(text, &t);
	mountinfo_sort_by_depth(&t);
	ck_assert_uint_lt(index_of(&t, 500), index_of(&t, 31));
	/* Equal depths otherwise keep the kernel's order too. */
	ck_assert_uint_lt(index_of(&t, 31), index_of(&t, 32));
	ck_assert_uint_lt(index_of(&t, 32), index_of(&t, 33));
	mountinfo_free(&t);
}
END_TEST

START_TEST(sort_of_empty_and_live_tables)
{
	struct mount_table t = {0};
	mountinfo_sort_by_depth(&t);
	ck_assert_uint_eq(t.n, 0);
	struct error *err = NULL;
	ck_assert_int_eq(mountinfo_read(&t, &err), 0);
	mountinfo_sort_by_depth(&t);
	ck_assert_str_eq(t.entries[0].mount_point, "/");
	mountinfo_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mountinfo");
	TCase *tc = tcase_create("mountinfo");
	tcase_add_test(tc, parse_real_lines);
	tcase_add_test(tc, parse_escaped_mount_points);
	tcase_add_test(tc, parse_empty_text);
	tcase_add_test(tc, parse_rejects_bad_lines);
	tcase_add_test(tc, read_the_live_table);
	tcase_add_test(tc, sort_by_depth_puts_parents_first);
	tcase_add_test(tc, sort_keeps_stacked_mounts_in_mount_order);
	tcase_add_test(tc, sort_of_empty_and_live_tables);
	suite_add_tcase(s, tc);
	return testlib_run(s);
}
