/* SPDX-License-Identifier: Apache-2.0 */
/* containerd config scanning and the placement of Reaper's runtime handler, on real files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "ctrd_block.h"
#include "ctrd_plan.h"
#include "strv.h"
#include "fsutil.h"
#include "testlib.h"

#define CRI2 "plugins.\"io.containerd.grpc.v1.cri\""
#define CRI3 "plugins.\"io.containerd.cri.v1.runtime\""

static struct ctrd_config parse_ok(const char *text, const char *handler)
{
	struct ctrd_config c;
	struct error *err = NULL;
	int r = ctrd_config_parse(text, strlen(text), handler, 1, &c, &err);
	ck_assert_msg(r == 0, "parse failed: %s", err_message(err));
	return c;
}

static char *parse_error(const char *text, size_t len)
{
	struct ctrd_config c;
	struct error *err = NULL;
	int r = ctrd_config_parse(text, len, "reaper-v2", 1, &c, &err);
	ck_assert_int_lt(r, 0);
	ck_assert_ptr_nonnull(err);
	char *msg = strdup(err_message(err));
	err_free(&err);
	return msg;
}

START_TEST(parse_v2_without_imports)
{
	struct ctrd_config c = parse_ok("# containerd 1.6\n"
					"version = 2\n"
					"root = \"/var/lib/containerd\"\n"
					"[grpc]\n  address = \"/run/containerd/containerd.sock\"\n"
					"[" CRI2 "]\n  sandbox_image = \"registry.k8s.io/pause:3.6\"\n"
					"  [" CRI2 ".containerd]\n    snapshotter = \"overlayfs\"\n",
					"reaper-v2");
	ck_assert_int_eq(c.version, 2);
	ck_assert_ptr_null(c.imports[0]);
	ck_assert(!c.empty);
	ck_assert(c.has_cri);
	ck_assert(!c.has_runtimes);
	ck_assert(!c.has_handler);
	ctrd_config_clear(&c);
}
END_TEST

START_TEST(parse_imports_over_lines)
{
	struct ctrd_config c = parse_ok("version = 2\n"
					"imports = [ # drop-ins\n"
					"  \"/etc/containerd/conf.d/*.toml\", # comment\n"
					"  'relative.toml',\n"
					"]\n",
					"reaper-v2");
	ck_assert_str_eq(c.imports[0], "/etc/containerd/conf.d/*.toml");
	ck_assert_str_eq(c.imports[1], "relative.toml");
	ck_assert_ptr_null(c.imports[2]);
	ck_assert(!c.has_cri);
	ctrd_config_clear(&c);
}
END_TEST

START_TEST(parse_v3_plugin_name)
{
	struct ctrd_config c = parse_ok(
		"version = 3\n[" CRI3 ".containerd.runtimes.runc]\n  runtime_type = 'io.containerd.runc.v2'\n"
		"[" CRI2 ".containerd.runtimes.\"reaper-v2\"]\n  runtime_type = 'x'\n",
		"reaper-v2");
	ck_assert_int_eq(c.version, 3);
	ck_assert(c.has_cri);
	ck_assert(c.has_runtimes);
	/* A version 2 plugin name in a version 3 file is not the handler containerd 2.x reads. */
	ck_assert(!c.has_handler);
	ctrd_config_clear(&c);
	ck_assert_str_eq(ctrd_config_cri_plugin(2), "io.containerd.grpc.v1.cri");
	ck_assert_str_eq(ctrd_config_cri_plugin(3), "io.containerd.cri.v1.runtime");
	ck_assert_ptr_null(ctrd_config_cri_plugin(4));
}
END_TEST

START_TEST(parse_handler_spellings)
{
	static const char *const spellings[] = {
		"[" CRI2 ".containerd.runtimes.reaper-v2]\nruntime_type = \"io.containerd.reaper.v2\"\n",
		"[ plugins . 'io.containerd.grpc.v1.cri' . containerd . runtimes . \"reaper-v2\" ]  # hi\n"
		"runtime_type = \"io.containerd.reaper.v2\"\n",
		"[" CRI2 ".containerd]\nruntimes.reaper-v2.runtime_type = \"io.containerd.reaper.v2\"\n",
		"[plugins]\n\"io.containerd.grpc.v1.cri\".containerd.runtimes.reaper-v2 = { runtime_type = "
		"\"io.containerd.reaper.v2\" }\n",
	};
	for (size_t i = 0; i < ARRAY_LEN(spellings); i++) {
		char *text = NULL;
		ck_assert_int_ge(asprintf(&text, "version = 2\n%s", spellings[i]), 0);
		struct ctrd_config c = parse_ok(text, "reaper-v2");
		ck_assert_msg(c.has_handler, "handler not seen in spelling %zu", i);
		ck_assert(c.has_runtimes);
		if (i < 3)
			ck_assert_str_eq(c.handler_type, REAPER_RUNTIME_TYPE);
		ctrd_config_clear(&c);
		free(text);
	}
	struct ctrd_config other =
		parse_ok("version = 2\n[" CRI2 ".containerd.runtimes.reaper-v2x]\n", "reaper-v2");
	ck_assert(!other.has_handler);
	ck_assert(other.has_runtimes);
	ctrd_config_clear(&other);
}
END_TEST

START_TEST(parse_strings_hide_headers)
{
	struct ctrd_config c = parse_ok("version = 2\n"
					"[proxy_plugins.x]\n"
					"  note = \"\"\"\n"
					"[" CRI2 ".containerd.runtimes.reaper-v2]\n"
					"\"\"\"\n"
					"  other = '''\n[" CRI2 "]\n'''\n"
					"  list = [1, 2.5, true, 1979-05-27 07:32:00Z, {a = \"]\"}]\n",
					"reaper-v2");
	ck_assert(!c.has_cri);
	ck_assert(!c.has_handler);
	ctrd_config_clear(&c);
}
END_TEST

START_TEST(parse_empty_and_comments)
{
	struct ctrd_config c = parse_ok("\n# only a comment\n\n", "reaper-v2");
	ck_assert(c.empty);
	ck_assert_int_eq(c.version, 1);
	ctrd_config_clear(&c);
}
END_TEST

START_TEST(parse_garbage)
{
	char *m = parse_error("this is not toml\n", 17);
	ck_assert_msg(strstr(m, "line 1") != NULL, "%s", m);
	free(m);
	m = parse_error("version = 2\n[plugins.\"unterminated]\n", 36);
	ck_assert_msg(strstr(m, "line 2") != NULL && strstr(m, "unterminated") != NULL, "%s", m);
	free(m);
	m = parse_error("version = 2\nkey = [1, 2\n", 24);
	ck_assert_msg(strstr(m, "array") != NULL, "%s", m);
	free(m);
	m = parse_error("version = two\n", 14);
	ck_assert_msg(strstr(m, "version") != NULL, "%s", m);
	free(m);
	m = parse_error("imports = \"/etc/x\"\n", 19);
	ck_assert_msg(strstr(m, "imports") != NULL, "%s", m);
	free(m);
	static const char binary[] = "\x7f"
				     "ELF\x02\x01\x01\0\0\0";
	m = parse_error(binary, sizeof(binary) - 1);
	ck_assert_msg(strstr(m, "NUL") != NULL, "%s", m);
	free(m);
}
END_TEST

START_TEST(block_text)
{
	char *with = ctrd_config_runtime_block(2, "reaper-v2", true, false);
	ck_assert_ptr_nonnull(with);
	ck_assert(strncmp(with, CTRD_BLOCK_BEGIN, strlen(CTRD_BLOCK_BEGIN)) == 0);
	ck_assert_ptr_nonnull(strstr(with, "[" CRI2 ".containerd.runtimes.runc]\n  runtime_type = "
					   "\"io.containerd.runc.v2\"\n"));
	ck_assert_ptr_nonnull(strstr(with, "[" CRI2 ".containerd.runtimes.\"reaper-v2\"]\n  runtime_type = "
					   "\"io.containerd.reaper.v2\"\n  pod_annotations = "
					   "[\"reaper.runtime/*\"]\n" CTRD_BLOCK_END "\n"));
	/* What the block declares, the scanner finds. */
	char *text = NULL;
	ck_assert_int_ge(asprintf(&text, "version = 2\n%s", with), 0);
	struct ctrd_config c = parse_ok(text, "reaper-v2");
	ck_assert(c.has_handler && c.has_runtimes);
	ck_assert_str_eq(c.handler_type, REAPER_RUNTIME_TYPE);
	/* containerd passes the annotations Reaper honours, and only those. */
	ck_assert(ctrd_config_passes_annotation(&c, "reaper.runtime/overlay-name"));
	ck_assert(ctrd_config_passes_annotation(&c, "reaper.runtime/dns-mode"));
	ck_assert(!ctrd_config_passes_annotation(&c, "reaper.runtime.x/overlay-name"));
	ck_assert(!ctrd_config_passes_annotation(&c, "io.kubernetes.cri.sandbox-id"));
	ctrd_config_clear(&c);
	free(text);
	/* An entry written before pod_annotations, or another handler's, passes nothing. */
	c = parse_ok("version = 2\n[" CRI2 ".containerd.runtimes.\"reaper-v2\"]\n  runtime_type = "
		     "\"io.containerd.reaper.v2\"\n[" CRI2 ".containerd.runtimes.other]\n"
		     "  pod_annotations = [\"*\"]\n",
		     "reaper-v2");
	ck_assert(!ctrd_config_passes_annotation(&c, "reaper.runtime/overlay-name"));
	ctrd_config_clear(&c);

	char *v3 = ctrd_config_runtime_block(3, "rt", false, true);
	ck_assert_ptr_null(strstr(v3, "runc"));
	ck_assert_ptr_nonnull(strstr(v3, "[" CRI3 ".containerd.runtimes.\"rt\"]"));
	/* A file of its own: its version line goes between the markers, so --uninstall takes it too. */
	ck_assert(strncmp(strchr(v3, '\n') + 1, "version = 3\n\n", 13) == 0);
	free(v3);
	/* The hand-edit text: the same entry, no markers (nothing --uninstall would take). */
	char *entry = ctrd_config_runtime_entry(2, "reaper-v2", true, false);
	ck_assert_ptr_null(strstr(entry, "BEGIN"));
	ck_assert_ptr_nonnull(strstr(with, entry));
	free(entry);
	free(with);
	ck_assert_ptr_null(ctrd_config_runtime_block(2, "bad\"name", false, false));
	ck_assert_ptr_null(ctrd_config_runtime_block(9, "rt", false, false));
	ck_assert(!ctrd_config_handler_valid(""));
	ck_assert(!ctrd_config_handler_valid("a/b"));
	ck_assert(ctrd_config_handler_valid("reaper-v2.x_1"));
}
END_TEST

/* ctrd_block_remove over TEXT, the block appended as install does (SEP, then the block). */
static char *unblock(const char *text, const char *recorded, int version, bool elsewhere, bool *intact,
		     char ***notes)
{
	struct ctrd_unblock u;
	struct error *err = NULL;
	ck_assert_msg(ctrd_block_remove(text, recorded, version, elsewhere, false, &u, &err) == 0, "%s",
		      err_message(err));
	ck_assert_msg(u.found, "block not found in %s", text);
	if (intact != NULL)
		*intact = u.intact;
	char *out = u.text;
	u.text = NULL;
	if (notes != NULL) {
		*notes = u.notes;
		u.notes = NULL;
	}
	ctrd_unblock_clear(&u);
	return out;
}

static char *appended(const char *base, const char *recorded)
{
	char *t = NULL;
	ck_assert_int_ge(asprintf(&t, "%s%s", base, recorded), 0);
	return t;
}

START_TEST(unblock_restores_byte_for_byte)
{
	char *block = ctrd_config_runtime_block(2, "reaper-v2", true, false);
	char *recorded = NULL;
	ck_assert_int_ge(asprintf(&recorded, "\n%s", block), 0);
	const char *base = "version = 2\n[" CRI2 "]\n  sandbox_image = \"x\"\n";
	char *file = appended(base, recorded);
	bool intact = false;
	char *out = unblock(file, recorded, 2, false, &intact, NULL);
	ck_assert(intact);
	ck_assert_str_eq(out, base);
	free(out);
	free(file);
	/* An operator's table after the block stays, and so does the rest, byte for byte. */
	ck_assert_int_ge(asprintf(&file, "%s%s[grpc]\n  uid = 0\n", base, recorded), 0);
	out = unblock(file, recorded, 2, false, NULL, NULL);
	ck_assert_str_eq(out, "version = 2\n[" CRI2 "]\n  sandbox_image = \"x\"\n[grpc]\n  uid = 0\n");
	free(out);
	free(file);
	/* The recorded block is not there: nothing is guessed. */
	struct ctrd_unblock u;
	ck_assert_int_eq(ctrd_block_remove(base, recorded, 2, false, false, &u, NULL), 0);
	ck_assert(!u.found);
	ck_assert_ptr_null(u.text);
	ctrd_unblock_clear(&u);
	free(recorded);
	free(block);
}
END_TEST

START_TEST(unblock_keeps_what_an_operator_added)
{
	char *block = ctrd_config_runtime_block(2, "reaper-v2", true, true);
	/* A line added under Reaper's runc table: the table stays with it; the handler goes. */
	const char *runc_type = "  runtime_type = \"io.containerd.runc.v2\"\n";
	char *file = strdup(block);
	char *at = strstr(file, runc_type) + strlen(runc_type);
	char *edited = NULL;
	ck_assert_int_ge(asprintf(&edited,
				  "%.*s  [" CRI2 ".containerd.runtimes.runc.options]\n    SystemdCgroup = "
				  "true\n%s",
				  (int)(at - file), file, at),
			 0);
	bool intact = true;
	char **notes = NULL;
	char *out = unblock(edited, block, 2, false, &intact, &notes);
	ck_assert(!intact);
	ck_assert_msg(strstr(out, "[" CRI2 ".containerd.runtimes.runc]\n  runtime_type") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "SystemdCgroup = true") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "reaper-v2") == NULL && strstr(out, "BEGIN") == NULL, "%s", out);
	/* The file still sets something: its version line stays too. */
	ck_assert_msg(strncmp(out, "version = 2\n", 12) == 0, "%s", out);
	ck_assert_ptr_nonnull(notes[0]);
	strv_free(notes);
	free(out);
	free(edited);
	free(file);

	/* Options for runc added after the block: Reaper's runc entry stays (they name runc). */
	ck_assert_int_ge(asprintf(&edited,
				  "%s[" CRI2 ".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n",
				  block),
			 0);
	out = unblock(edited, block, 2, false, &intact, NULL);
	ck_assert(intact);
	ck_assert_msg(strstr(out, "runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"") != NULL, "%s",
		      out);
	ck_assert_msg(strstr(out, "reaper-v2") == NULL, "%s", out);
	free(out);
	free(edited);

	/* Another runtime declared elsewhere since: runc stays, or the list would lose it. */
	out = unblock(block, block, 2, true, NULL, NULL);
	ck_assert_msg(strstr(out, "runtimes.runc]") != NULL && strstr(out, "version = 2") != NULL, "%s", out);
	free(out);
	/* Nothing else anywhere: all of it goes, version line included. */
	out = unblock(block, block, 2, false, NULL, NULL);
	ck_assert_str_eq(out, "");
	free(out);
	/* A record of an older reaper: the version line before the markers. */
	char *old = NULL;
	char *old_block = ctrd_config_runtime_block(2, "reaper-v2", true, false);
	ck_assert_int_ge(asprintf(&old, "version = 2\n\n%s", old_block), 0);
	out = unblock(old, old, 2, false, NULL, NULL);
	ck_assert_str_eq(out, "");
	free(out);
	free(old);
	free(old_block);
	free(block);
}
END_TEST

/* ---- planning on a temporary host root ---- */

static char *host;

static void setup(void)
{
	host = testlib_tmpdir();
}

static void teardown(void)
{
	testlib_rmtree(host);
	free(host);
}

static void put(const char *rel, const char *text)
{
	char *path = fs_path_under(host, rel);
	struct error *err = NULL;
	char *dir = strdup(path);
	*strrchr(dir, '/') = '\0';
	ck_assert_int_eq(fs_mkdir_p(dir, 0755, &err), 0);
	testlib_write_file(path, text);
	free(dir);
	free(path);
}

static struct ctrd_plan plan_ok(const char *handler)
{
	struct ctrd_plan plan;
	struct error *err = NULL;
	int r = ctrd_plan_make(host, "/etc/containerd/config.toml", handler, &plan, &err);
	ck_assert_msg(r == 0, "plan failed: %s", err_message(err));
	return plan;
}

static char *plan_error(enum err_kind kind)
{
	struct ctrd_plan plan;
	struct error *err = NULL;
	ck_assert_int_lt(ctrd_plan_make(host, "/etc/containerd/config.toml", "reaper-v2", &plan, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, kind);
	char *msg = strdup(err_message(err));
	err_free(&err);
	return msg;
}

static void assert_path(const char *got, const char *rel)
{
	char *want = fs_path_under(host, rel);
	ck_assert_str_eq(got, want);
	free(want);
}

START_TEST(plan_missing_file)
{
	struct ctrd_plan plan = plan_ok("reaper-v2");
	ck_assert_int_eq(plan.placement, CTRD_PLACE_CREATE);
	assert_path(plan.path, "/etc/containerd/config.toml");
	ck_assert(strncmp(plan.text, CTRD_BLOCK_BEGIN, strlen(CTRD_BLOCK_BEGIN)) == 0);
	ck_assert_ptr_nonnull(strstr(plan.text, ")\nversion = 2\n\n"));
	ck_assert_ptr_nonnull(strstr(plan.text, "runtimes.runc]"));
	ctrd_plan_clear(&plan);
}
END_TEST

START_TEST(plan_v2_append_keeps_runc)
{
	put("/etc/containerd/config.toml", "version = 2\n[" CRI2 "]\n  sandbox_image = \"x\"");
	struct ctrd_plan plan = plan_ok("reaper-v2");
	ck_assert_int_eq(plan.placement, CTRD_PLACE_APPEND);
	ck_assert_int_eq(plan.version, 2);
	assert_path(plan.path, "/etc/containerd/config.toml");
	/* No final newline in the file: the block starts after one plus a blank line. */
	ck_assert(strncmp(plan.text, "\n\n" CTRD_BLOCK_BEGIN, 2 + strlen(CTRD_BLOCK_BEGIN)) == 0);
	ck_assert_ptr_nonnull(strstr(plan.text, "[" CRI2 ".containerd.runtimes.runc]"));
	ctrd_plan_clear(&plan);
}
END_TEST

START_TEST(plan_v2_append_with_runtimes)
{
	put("/etc/containerd/config.toml",
	    "version = 2\n[" CRI2 ".containerd.runtimes.runc]\n"
	    "  runtime_type = \"io.containerd.runc.v2\"\n"
	    "  [" CRI2 ".containerd.runtimes.runc.options]\n    SystemdCgroup = true\n");
	struct ctrd_plan plan = plan_ok("reaper-v2");
	ck_assert_int_eq(plan.placement, CTRD_PLACE_APPEND);
	ck_assert(strncmp(plan.text, "\n" CTRD_BLOCK_BEGIN, 1 + strlen(CTRD_BLOCK_BEGIN)) == 0);
	/* runc is declared already: declaring it again would be a TOML error. */
	ck_assert_ptr_null(strstr(plan.text, "runtimes.runc]"));
	ctrd_plan_clear(&plan);
}
END_TEST

START_TEST(plan_v2_imports_dropin)
{
	put("/etc/containerd/config.toml", "version = 2\nimports = [\"/etc/containerd/conf.d/*.toml\"]\n"
					   "[grpc]\n  address = \"/run/c.sock\"\n");
	put("/etc/containerd/conf.d/10-registry.toml",
	    "version = 2\n[proxy_plugins.x]\n  type = \"snapshot\"\n");
	struct ctrd_plan plan = plan_ok("reaper-v2");
	ck_assert_int_eq(plan.placement, CTRD_PLACE_DROPIN);
	assert_path(plan.path, "/etc/containerd/conf.d/reaper.toml");
	ck_assert_ptr_nonnull(strstr(plan.text, ")\nversion = 2\n\n"));
	ck_assert_ptr_nonnull(strstr(plan.text, "[" CRI2 ".containerd.runtimes.runc]"));
	ctrd_plan_clear(&plan);
}
END_TEST

START_TEST(plan_v2_imports_but_root_has_cri)
{
	put("/etc/containerd/config.toml",
	    "version = 2\nimports = [\"conf.d/*.toml\"]\n"
	    "[" CRI2 ".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n");
	struct ctrd_plan plan = plan_ok("reaper-v2");
	/* A drop-in CRI section would replace this whole CRI section under containerd 1.x. */
	ck_assert_int_eq(plan.placement, CTRD_PLACE_APPEND);
	assert_path(plan.path, "/etc/containerd/config.toml");
	ck_assert_ptr_nonnull(strstr(plan.reason, "1.x"));
	ctrd_plan_clear(&plan);
}
END_TEST

START_TEST(plan_v2_imported_cri_refused)
{
	put("/etc/containerd/config.toml", "version = 2\nimports = [\"conf.d/*.toml\"]\n");
	put("/etc/containerd/conf.d/50-mirrors.toml",
	    "[" CRI2 ".registry]\n  config_path = \"/etc/certs.d\"\n");
	char *msg = plan_error(ERR_UNSUPPORTED);
	/* The text to add by hand has no markers: --uninstall would not remove it. */
	ck_assert_msg(strstr(msg, "conf.d/50-mirrors.toml") != NULL &&
			      strstr(msg, CTRD_BLOCK_BEGIN) == NULL &&
			      strstr(msg, "runtimes.\"reaper-v2\"]") != NULL,
		      "%s", msg);
	free(msg);
}
END_TEST

START_TEST(plan_v3_dropin_and_append)
{
	put("/etc/containerd/config.toml",
	    "version = 3\nimports = ['/etc/containerd/conf.d/*.toml']\n[" CRI3 ".containerd]\n  x = 1\n");
	struct ctrd_plan plan = plan_ok("reaper-v2");
	ck_assert_int_eq(plan.placement, CTRD_PLACE_DROPIN);
	ck_assert_int_eq(plan.version, 3);
	ck_assert_ptr_nonnull(strstr(plan.text, ")\nversion = 3\n\n"));
	ck_assert_ptr_nonnull(strstr(plan.text, "[" CRI3 ".containerd.runtimes.\"reaper-v2\"]"));
	ctrd_plan_clear(&plan);

	put("/etc/containerd/config.toml", "version = 3\n[" CRI3 ".containerd]\n  x = 1\n");
	plan = plan_ok("reaper-v2");
	ck_assert_int_eq(plan.placement, CTRD_PLACE_APPEND);
	ck_assert_ptr_nonnull(strstr(plan.text, "[" CRI3 ".containerd.runtimes.runc]"));
	ctrd_plan_clear(&plan);
}
END_TEST

START_TEST(plan_existing_handler)
{
	put("/etc/containerd/config.toml", "version = 2\n[" CRI2 ".containerd.runtimes.runc]\n"
					   "  runtime_type = \"io.containerd.runc.v2\"\n"
					   "[" CRI2 ".containerd.runtimes.reaper-v2]\n"
					   "  runtime_type = \"io.containerd.reaper.v2\"\n");
	struct ctrd_plan plan = plan_ok("reaper-v2");
	ck_assert_int_eq(plan.placement, CTRD_PLACE_NONE);
	ck_assert_ptr_null(plan.text);
	ctrd_plan_clear(&plan);

	put("/etc/containerd/config.toml", "version = 2\n[" CRI2 ".containerd.runtimes.reaper-v2]\n"
					   "  runtime_type = \"io.containerd.runc.v2\"\n");
	char *msg = plan_error(ERR_EXISTS);
	ck_assert_msg(strstr(msg, "io.containerd.runc.v2") != NULL, "%s", msg);
	free(msg);

	/* In a drop-in the imports cover, too. */
	put("/etc/containerd/config.toml", "version = 2\nimports = [\"conf.d/*.toml\"]\n");
	put("/etc/containerd/conf.d/reaper.toml",
	    "version = 2\n[" CRI2 ".containerd.runtimes.\"reaper-v2\"]\n"
	    "  runtime_type = \"io.containerd.reaper.v2\"\n");
	plan = plan_ok("reaper-v2");
	ck_assert_int_eq(plan.placement, CTRD_PLACE_NONE);
	assert_path(plan.path, "/etc/containerd/conf.d/reaper.toml");
	ctrd_plan_clear(&plan);
}
END_TEST

START_TEST(plan_garbage_file)
{
	put("/etc/containerd/config.toml", "version = 2\n[plugins\n");
	char *msg = plan_error(ERR_INVALID);
	ck_assert_msg(strstr(msg, "/etc/containerd/config.toml: line 2") != NULL, "%s", msg);
	free(msg);
}
END_TEST

START_TEST(plan_empty_and_unknown_version)
{
	put("/etc/containerd/config.toml", "# managed elsewhere\n");
	struct ctrd_plan plan = plan_ok("reaper-v2");
	ck_assert_int_eq(plan.placement, CTRD_PLACE_APPEND);
	ck_assert(strncmp(plan.text, "\n" CTRD_BLOCK_BEGIN, 1 + strlen(CTRD_BLOCK_BEGIN)) == 0);
	ck_assert_ptr_nonnull(strstr(plan.text, ")\nversion = 2\n\n"));
	ctrd_plan_clear(&plan);

	put("/etc/containerd/config.toml", "version = 9\n");
	char *msg = plan_error(ERR_UNSUPPORTED);
	ck_assert_msg(strstr(msg, "version 9") != NULL, "%s", msg);
	free(msg);
}
END_TEST

START_TEST(files_across_imports)
{
	put("/etc/containerd/config.toml",
	    "version = 2\nimports = [\"conf.d/*.toml\"]\n"
	    "[" CRI2 ".containerd.runtimes.runc]\n  runtime_type = \"io.containerd.runc.v2\"\n"
	    "[" CRI2 ".containerd.runtimes.fast]\n  runtime_type = \"io.containerd.reaper.v2\"\n"
	    "[" CRI2 ".containerd]\n  default_runtime_name = \"runc\"\n");
	put("/etc/containerd/conf.d/reaper.toml", "[" CRI2 ".containerd.runtimes.\"reaper-v2\"]\n"
						  "  runtime_type = 'io.containerd.reaper.v2'\n");
	struct ctrd_files f;
	struct error *err = NULL;
	ck_assert_int_eq(ctrd_files_load(host, "/etc/containerd/config.toml", NULL, &f, &err), 0);
	ck_assert(f.root_exists);
	ck_assert_int_eq(f.n, 2);
	ck_assert_str_eq(f.files[0].cfg.reaper_handlers[0], "fast");
	ck_assert_str_eq(f.files[0].cfg.default_runtime, "runc");
	ck_assert(ctrd_config_types(&f.files[0].cfg, "runc") &&
		  ctrd_config_declares(&f.files[0].cfg, "fast"));
	assert_path(f.files[0].path, "/etc/containerd/config.toml");
	ck_assert_str_eq(f.files[1].cfg.reaper_handlers[0], "reaper-v2");
	assert_path(f.files[1].path, "/etc/containerd/conf.d/reaper.toml");
	assert_path(f.dropin_dir, "/etc/containerd/conf.d");
	ck_assert_ptr_nonnull(strstr(f.sources, "reaper.toml"));
	ctrd_files_clear(&f);

	char *root = fs_path_under(host, "/etc/containerd/config.toml");
	unlink(root);
	free(root);
	ck_assert_int_eq(ctrd_files_load(host, "/etc/containerd/config.toml", NULL, &f, &err), 0);
	ck_assert(!f.root_exists);
	ck_assert_int_eq(f.n, 1);
	ck_assert_ptr_null(f.files[0].cfg.reaper_handlers[0]);
	ctrd_files_clear(&f);
}
END_TEST

/* A node's absolute symlinks resolve inside its root, not in the reader's. */
START_TEST(files_through_the_nodes_symlinks)
{
	put("/var/lib/cfg/config.toml", "version = 2\nimports = [\"/etc/containerd/conf.d/*.toml\"]\n");
	put("/srv/dropins/reaper.toml", "[" CRI2 ".containerd.runtimes.\"reaper-v2\"]\n"
					"  runtime_type = 'io.containerd.reaper.v2'\n");
	char *dir = fs_path_under(host, "/etc/containerd");
	struct error *err = NULL;
	ck_assert_int_eq(fs_mkdir_p(dir, 0755, &err), 0);
	char *link = fs_path_under(host, "/etc/containerd/config.toml");
	ck_assert_int_eq(symlink("/var/lib/cfg/config.toml", link), 0);
	free(link);
	link = fs_path_under(host, "/etc/containerd/conf.d");
	ck_assert_int_eq(symlink("/srv/dropins", link), 0);
	free(link);
	free(dir);
	struct ctrd_plan plan = plan_ok("reaper-v2");
	ck_assert_int_eq(plan.placement, CTRD_PLACE_NONE);
	assert_path(plan.path, "/srv/dropins/reaper.toml");
	ctrd_plan_clear(&plan);
}
END_TEST

/* The same files give the same plan; a changed byte anywhere read gives another. */
START_TEST(plan_same_sees_every_file)
{
	put("/etc/containerd/config.toml",
	    "version = 2\nimports = [\"conf.d/*.toml\"]\n[" CRI2 "]\n  x = 1\n");
	put("/etc/containerd/conf.d/10-a.toml", "version = 2\n");
	struct ctrd_plan a = plan_ok("reaper-v2"), b = plan_ok("reaper-v2");
	ck_assert(ctrd_plan_same(&a, &b));
	ctrd_plan_clear(&b);
	put("/etc/containerd/conf.d/10-a.toml", "version = 2\n# edited\n");
	b = plan_ok("reaper-v2");
	ck_assert_int_eq(b.placement, a.placement);
	ck_assert(!ctrd_plan_same(&a, &b));
	ctrd_plan_clear(&b);
	put("/etc/containerd/conf.d/20-new.toml", "version = 2\n");
	b = plan_ok("reaper-v2");
	ck_assert(!ctrd_plan_same(&a, &b));
	ctrd_plan_clear(&b);
	ctrd_plan_clear(&a);
}
END_TEST

/* A file at the drop-in's path that does not declare the handler is not Reaper's: refused. */
START_TEST(plan_refuses_a_foreign_dropin)
{
	put("/etc/containerd/config.toml", "version = 3\nimports = [\"/etc/containerd/conf.d/*.toml\"]\n");
	put("/etc/containerd/conf.d/reaper.toml", "version = 3\n# someone else's\n");
	char *msg = plan_error(ERR_EXISTS);
	ck_assert_msg(strstr(msg, "conf.d/reaper.toml exists") != NULL &&
			      strstr(msg, "never overwritten") != NULL,
		      "%s", msg);
	free(msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctrd_config");
	TCase *parse = tcase_create("parse");
	tcase_add_test(parse, parse_v2_without_imports);
	tcase_add_test(parse, parse_imports_over_lines);
	tcase_add_test(parse, parse_v3_plugin_name);
	tcase_add_test(parse, parse_handler_spellings);
	tcase_add_test(parse, parse_strings_hide_headers);
	tcase_add_test(parse, parse_empty_and_comments);
	tcase_add_test(parse, parse_garbage);
	tcase_add_test(parse, block_text);
	tcase_add_test(parse, unblock_restores_byte_for_byte);
	tcase_add_test(parse, unblock_keeps_what_an_operator_added);
	suite_add_tcase(s, parse);
	TCase *plan = tcase_create("plan");
	tcase_add_checked_fixture(plan, setup, teardown);
	tcase_add_test(plan, plan_missing_file);
	tcase_add_test(plan, plan_v2_append_keeps_runc);
	tcase_add_test(plan, plan_v2_append_with_runtimes);
	tcase_add_test(plan, plan_v2_imports_dropin);
	tcase_add_test(plan, plan_v2_imports_but_root_has_cri);
	tcase_add_test(plan, plan_v2_imported_cri_refused);
	tcase_add_test(plan, plan_v3_dropin_and_append);
	tcase_add_test(plan, plan_existing_handler);
	tcase_add_test(plan, plan_garbage_file);
	tcase_add_test(plan, plan_empty_and_unknown_version);
	tcase_add_test(plan, files_across_imports);
	tcase_add_test(plan, files_through_the_nodes_symlinks);
	tcase_add_test(plan, plan_same_sees_every_file);
	tcase_add_test(plan, plan_refuses_a_foreign_dropin);
	suite_add_tcase(s, plan);
	return testlib_run(s);
}
