/* SPDX-License-Identifier: Apache-2.0 */
/* The parts of config.json that shape the container's view of the filesystem: mounts, root.readonly
 * and linux's maskedPaths, readonlyPaths, rootfsPropagation and devices. Internal to the spec
 * parser (spec.c). */
#ifndef REAPER_SPEC_MOUNTS_H
#define REAPER_SPEC_MOUNTS_H

#include <jansson.h>

#include "json_field.h"
#include "spec.h"

int spec_parse_mounts(struct field_ctx *c, json_t *v, struct spec *out);
/* root (the root object, may be NULL) and linux_section (linux, may be NULL) into out->view. */
int spec_parse_view(struct field_ctx *c, json_t *root, json_t *linux_section, struct spec *out);
void spec_mounts_free(struct spec *spec);

#endif
