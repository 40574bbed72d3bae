/* SPDX-License-Identifier: Apache-2.0 */
#include "pod_settings.h"

#include <stdio.h>
#include <string.h>

#include "annotations.h"
#include "config.h"
#include "log.h"

static const char *const honoured[] = {ANNOTATION_OVERLAY_NAME, ANNOTATION_DNS_MODE, NULL};

/* Reaper's annotations, refused when the pod sets one Reaper does not honour; NULL when they are
 * off. */
static int check_annotations(const struct spec *spec, bool *enabled, struct error **err)
{
	*enabled = config_bool("REAPER_ANNOTATIONS_ENABLED");
	const char *key;
	json_t *value;
	json_object_foreach(spec->annotations, key, value)
	{
		if (strncmp(key, ANNOTATION_REAPER_PREFIX, strlen(ANNOTATION_REAPER_PREFIX)) != 0)
			continue;
		if (!*enabled) {
			log_warn("annotation %s ignored: the node's REAPER_ANNOTATIONS_ENABLED is false",
				 key);
			continue;
		}
		bool known = false;
		for (const char *const *h = honoured; *h != NULL && !known; h++)
			known = strcmp(*h, key) == 0;
		if (!known)
			return err_new(
				err, ERR_INVALID,
				"annotation %s: not one Reaper honours (%s, %s); the node's settings are "
				"its administrator's",
				key, ANNOTATION_OVERLAY_NAME, ANNOTATION_DNS_MODE);
	}
	return 0;
}

/* A DNS label: 1-63 of [a-z0-9-], neither starting nor ending with '-'. */
static bool is_label(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int choose_group(const struct spec *spec, bool annotations, struct pod_settings *out,
			struct error **err)
{
	const char *ns = spec_annotation(spec, ANNOTATION_SANDBOX_NAMESPACE);
	if (ns == NULL)
		ns = spec_annotation(spec, ANNOTATION_POD_NAMESPACE);
	const char *name = annotations ? spec_annotation(spec, ANNOTATION_OVERLAY_NAME) : NULL;
	if (ns != NULL && !is_label(ns))
		return err_new(err, ERR_INVALID,
			       "annotation %s: \"%.80s\" is not a Kubernetes namespace name",
			       ANNOTATION_SANDBOX_NAMESPACE, ns);
	if (name != NULL && !is_label(name))
		return err_new(
			err, ERR_INVALID,
			"annotation %s: \"%.80s\" is not a DNS label (lower-case letters, digits and '-', "
			"at most 63)",
			ANNOTATION_OVERLAY_NAME, name);
	bool node = strcmp(config_get("REAPER_OVERLAY_ISOLATION"), "node") == 0;
	const char *first = ns ? ns : "_default";
	if (name != NULL)
		snprintf(out->group, sizeof(out->group), "%s.%s", first, name);
	else
		snprintf(out->group, sizeof(out->group), "%s", node ? "_node" : first);
	return 0;
}

static int choose_dns(const struct spec *spec, bool annotations, struct pod_settings *out, struct error **err)
{
	const char *mode = annotations ? spec_annotation(spec, ANNOTATION_DNS_MODE) : NULL;
	if (mode != NULL && strcmp(mode, "kubernetes") != 0 && strcmp(mode, "host") != 0)
		return err_new(err, ERR_INVALID, "annotation %s: must be kubernetes or host, not \"%.80s\"",
			       ANNOTATION_DNS_MODE, mode);
	out->host_dns = strcmp(mode ? mode : config_get("REAPER_DNS_MODE"), "host") == 0;
	return 0;
}

int pod_settings_read(const struct spec *spec, struct pod_settings *out, struct error **err)
{
	*out = (struct pod_settings){0};
	bool annotations;
	if (check_annotations(spec, &annotations, err) < 0 || choose_group(spec, annotations, out, err) < 0 ||
	    choose_dns(spec, annotations, out, err) < 0)
		return -1;
	return 0;
}

bool pod_settings_is_dns_file(const char *destination)
{
	return strcmp(destination, "/etc/resolv.conf") == 0 || strcmp(destination, "/etc/hosts") == 0;
}
