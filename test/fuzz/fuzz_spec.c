/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: config.json and exec Process JSON are untrusted bytes (a bundle written by
 * anyone who can run `reaper-runtime create`, the spec Any of an Exec request). Every input must
 * either parse into a spec that frees cleanly or fail with an error, never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

static void check_spec(const struct spec *s)
{
	/* Touch what a consumer would read, so sanitizers see every field. */
	if (s->oci_version == NULL || s->process.args == NULL || s->process.args[0] == NULL ||
	    s->process.cwd == NULL || s->process.cwd[0] != '/' || s->annotations == NULL)
		abort();
	for (size_t i = 0; i < s->n_mounts; i++)
		if (s->mounts[i].destination[0] != '/')
			abort();
	(void)spec_annotation(s, "io.kubernetes.cri.sandbox-id");
}

/* linux.seccomp is kept as text by spec_parse and parsed when a filter is compiled. */
static void check_seccomp(const struct spec *s)
{
	struct error *err = NULL;
	struct spec_seccomp p;
	if (s->seccomp == NULL)
		return;
	if (s->seccomp[0] != '{' || strlen(s->seccomp) != s->seccomp_len)
		abort();
	if (spec_parse_seccomp(s->seccomp, s->seccomp_len, &p, &err) == 0) {
		for (size_t i = 0; i < p.n_rules; i++)
			if (p.rules[i].names == NULL || p.rules[i].names[0] == NULL)
				abort();
		spec_seccomp_free(&p);
	} else {
		if (err == NULL || err_message(err)[0] == '\0')
			abort();
		err_free(&err);
	}
}

/* The profile spec_parse took out of the text (field_find_object) is the one in the document, when
 * the document is JSON as a whole (a profile of balanced brackets that is not JSON is only refused
 * when compiled). */
static void check_taken_out(const uint8_t *data, size_t size, const struct spec *s)
{
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL)
		return;
	json_t *whole = json_object_get(json_object_get(root, "linux"), "seccomp");
	if (json_is_object(whole) != (s->seccomp != NULL))
		abort();
	if (s->seccomp != NULL) {
		json_t *taken = json_loadb(s->seccomp, s->seccomp_len, JSON_REJECT_DUPLICATES, NULL);
		if (!json_equal(taken, whole))
			abort();
		json_decref(taken);
	}
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error *err = NULL;
	struct spec s;
	if (spec_parse((const char *)data, size, &s, &err) == 0) {
		if (err != NULL)
			abort();
		check_spec(&s);
		check_seccomp(&s);
		check_taken_out(data, size, &s);
		spec_free(&s);
	} else {
		if (err == NULL || err_message(err)[0] == '\0')
			abort();
		err_free(&err);
	}

	struct spec_process p;
	if (spec_parse_process((const char *)data, size, &p, &err) == 0) {
		if (p.args == NULL || p.args[0] == NULL || p.env == NULL || p.cwd == NULL)
			abort();
		spec_process_free(&p);
	} else {
		err_free(&err);
	}
	return 0;
}
