/* SPDX-License-Identifier: Apache-2.0 */
/* The parts of a security context that are neither seccomp (seccomp_filter.h) nor credentials
 * (credentials.h): sysctls and the AppArmor and SELinux labels. Checked at create, before
 * anything runs; the reasons are in docs/security.md.
 * - linux.sysctl: Reaper shares the node's namespaces, so a sysctl would change the whole node.
 *   Refused with an error naming each sysctl, unless the node setting REAPER_SYSCTLS is "ignore"
 *   (config.h; read here and nowhere else): then a warning names them and they are not applied.
 * - process.apparmorProfile: applied as runc applies it (the kernel switches profile at execve);
 *   refused when the host does not enable AppArmor.
 * - process.selinuxLabel and linux.mountLabel: refused.
 * - a user namespace (linux.namespaces "user", uid/gid mappings): refused; the pod would run as
 *   the node's own uids.
 * The checks read the node settings as loaded (config_load, which create has checked). */
#ifndef REAPER_SECURITY_H
#define REAPER_SECURITY_H

#include "error.h"
#include "spec.h"

/* Create of a container: config.json's sysctls and labels, and its process's. */
int security_check_spec(const struct spec *spec, struct error **err);
/* Create of an exec: its process. where prefixes the field in messages ("process: "). */
int security_check_process(const struct spec_process *process, const char *where, struct error **err);

/* Workload: have the next execve enter the AppArmor profile (NULL: nothing to do). */
int security_apply_apparmor(const char *profile, struct error **err);

#endif
