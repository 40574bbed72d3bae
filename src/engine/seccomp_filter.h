/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp filters: a container's linux.seccomp compiled (libseccomp) into the classic BPF program
 * the kernel runs, and installed by its workloads (the init process and every exec) right before
 * execve.
 *
 * Compiled once per profile and node, not once per container: create (seccomp_prepare) gives the
 * container directory a seccomp.bpf that is a hard link to an entry of the cache
 * <root>/@seccomp/<key>.bpf (the '@' keeps it apart from namespace names). The key hashes the
 * profile's text as config.json has it, Reaper's version, libseccomp's version, the kernel and the
 * machine. A hit costs a hash and a link: the profile is not even parsed; a miss parses it
 * (spec_parse_seccomp), compiles it (about 10 ms for RuntimeDefault) and adds the entry; entries
 * no container links to are dropped once there are more than SECCOMP_CACHE_MAX. Monitors read the program
 * from the container directory (seccomp_read) and hand it to the workload (seccomp_install). The cache holds
 * only derived data: deleting it is always safe.
 *
 * Nothing here blocks beyond file I/O on the state root. (Not named seccomp.h: that would shadow
 * libseccomp's <seccomp.h>, since src/engine/ is on the include path.) */
#ifndef REAPER_SECCOMP_FILTER_H
#define REAPER_SECCOMP_FILTER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "spec.h"

#define SECCOMP_FILE      "seccomp.bpf"
#define SECCOMP_CACHE_DIR "@seccomp"
#define SECCOMP_CACHE_MAX 64

struct seccomp_program {
	struct sock_filter *insns; /* NULL when there is no filter */
	size_t len;
	unsigned flags; /* SECCOMP_FILTER_FLAG_* to load it with */
};

/* What a workload still does after installing the filter; the filter must let it do that, or
 * errors would go unreported: it must allow write(2) on report_fd and exit_group(2), and must not
 * kill on execve(2) (execveat(2) for a sandbox's pause) or, when setup follows, on open(2) and
 * openat(2) (the start gate). */
struct seccomp_after {
	int report_fd;
	bool execveat;
	bool setup; /* the user switch, program lookup and start gate still follow */
};

/* Compile a profile. Errors name the field: "linux.seccomp.syscalls[3].names[0]: unknown system
 * call \"x\"", "linux.seccomp.defaultAction: SCMP_ACT_LOG is not supported by this kernel". A
 * name libseccomp does not know is skipped with a warning when its rule allows (the filter is
 * only stricter: runc ignores such names), refused when its rule would block. */
int seccomp_compile(const struct spec_seccomp *profile, struct seccomp_program *out, struct error **err);

/* Create: link (or parse, compile, check and cache) the container's filter, linux.seccomp as
 * spec_parse keeps it (spec->seccomp, len bytes), into dir/SECCOMP_FILE. Nothing to do when
 * profile is NULL. */
int seccomp_prepare(const char *root, const char *profile, size_t len, const char *dir, struct error **err);

/* Read dir/SECCOMP_FILE (a container directory); no file leaves *out empty (no filter). */
int seccomp_read(const char *dir, struct seccomp_program *out, struct error **err);

/* Workload: check the program against what follows (see struct seccomp_after) and load it with
 * seccomp(SECCOMP_SET_MODE_FILTER). Without no_new_privs this needs CAP_SYS_ADMIN. */
int seccomp_install(const struct seccomp_program *prog, const struct seccomp_after *after,
		    struct error **err);

/* The program's return value (SECCOMP_RET_*) for a system call of the native architecture, by
 * running it as the kernel would. */
uint32_t seccomp_verdict(const struct seccomp_program *prog, int nr, const uint64_t args[6]);

void seccomp_program_free(struct seccomp_program *prog);

/* For `features`: the i-th "SCMP_ARCH_*" name of the OCI spec (NULL past the end), and whether
 * libseccomp knows it. */
const char *seccomp_architecture_name(size_t i);
bool seccomp_known_architecture(const char *name);
/* For `features`: whether libseccomp and the kernel support a SECCOMP_FILTER_FLAG_* name. */
bool seccomp_flag_supported(const char *name);

#endif
