/* SPDX-License-Identifier: Apache-2.0 */
#include "seccomp_filter.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "array.h"
#include "cleanup.h"
#include "fsutil.h"
#include "log.h"
#include "sha256.h"
#include "state.h"
#include "strv.h"
#include "version.h"

/* Bump when the translation or the file format changes: old cache entries are then never hit. */
#define FORMAT_VERSION 1
#define FILE_MAGIC     "RPRBPF1\n"

/* seccomp.bpf: this header, then len struct sock_filter in host byte order. */
struct file_header {
	char magic[8];
	uint32_t flags;
	uint32_t len;
};

#define KNOWN_FLAGS (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW)

static void cleanup_ctxp(scmp_filter_ctx *ctx)
{
	if (*ctx != NULL)
		seccomp_release(*ctx);
}
#define cleanup_ctx __attribute__((cleanup(cleanup_ctxp)))

void seccomp_program_free(struct seccomp_program *prog)
{
	free(prog->insns);
	*prog = (struct seccomp_program){0};
}

/* ---- translation ---- */

static uint32_t action_value(enum spec_seccomp_action action, unsigned errno_ret)
{
	switch (action) {
	case SPEC_SECCOMP_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case SPEC_SECCOMP_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case SPEC_SECCOMP_TRAP:
		return SCMP_ACT_TRAP;
	case SPEC_SECCOMP_ERRNO:
		return SCMP_ACT_ERRNO(errno_ret);
	case SPEC_SECCOMP_TRACE:
		return SCMP_ACT_TRACE(errno_ret);
	case SPEC_SECCOMP_LOG:
		return SCMP_ACT_LOG;
	case SPEC_SECCOMP_ALLOW:
		break;
	}
	return SCMP_ACT_ALLOW;
}

static const char *action_name(enum spec_seccomp_action action)
{
	static const char *const names[] = {
		[SPEC_SECCOMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
		[SPEC_SECCOMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
		[SPEC_SECCOMP_TRAP] = "SCMP_ACT_TRAP",
		[SPEC_SECCOMP_ERRNO] = "SCMP_ACT_ERRNO",
		[SPEC_SECCOMP_TRACE] = "SCMP_ACT_TRACE",
		[SPEC_SECCOMP_LOG] = "SCMP_ACT_LOG",
		[SPEC_SECCOMP_ALLOW] = "SCMP_ACT_ALLOW",
	};
	return names[action];
}

/* The kernel's own answer (4.14+); libseccomp's checks are less exact about why. */
static int check_action(enum spec_seccomp_action action, const char *path, struct error **err)
{
	uint32_t value = action_value(action, 0) & SECCOMP_RET_ACTION_FULL;
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &value) == 0)
		return 0;
	if (errno == EOPNOTSUPP)
		return err_new(err, ERR_UNSUPPORTED, "%s: %s is not supported by this kernel", path,
			       action_name(action));
	return err_sys(err, errno, "%s: check %s with seccomp(SECCOMP_GET_ACTION_AVAIL)", path,
		       action_name(action));
}

static const enum scmp_compare ops[] = {
	[SPEC_SECCOMP_NE] = SCMP_CMP_NE,
	[SPEC_SECCOMP_LT] = SCMP_CMP_LT,
	[SPEC_SECCOMP_LE] = SCMP_CMP_LE,
	[SPEC_SECCOMP_EQ] = SCMP_CMP_EQ,
	[SPEC_SECCOMP_GE] = SCMP_CMP_GE,
	[SPEC_SECCOMP_GT] = SCMP_CMP_GT,
	[SPEC_SECCOMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static const char *const architectures[] = {
	"SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
};

const char *seccomp_architecture_name(size_t i)
{
	return i < ARRAY_LEN(architectures) ? architectures[i] : NULL;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64"; 0 when libseccomp does not know it. */
static uint32_t architecture_token(const char *name)
{
	char lower[32];
	const char *p = name + strlen("SCMP_ARCH_");
	size_t n = 0;
	if (strncmp(name, "SCMP_ARCH_", 10) != 0 || strlen(p) >= sizeof(lower))
		return 0;
	for (; p[n] != '\0'; n++)
		lower[n] = (char)tolower((unsigned char)p[n]);
	lower[n] = '\0';
	return seccomp_arch_resolve_name(lower);
}

bool seccomp_known_architecture(const char *name)
{
	return architecture_token(name) != 0;
}

static int add_architectures(scmp_filter_ctx ctx, char **names, struct error **err)
{
	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		uint32_t token = architecture_token(names[i]);
		if (token == 0)
			return err_new(err, ERR_UNSUPPORTED,
				       "linux.seccomp.architectures[%zu]: \"%s\" is not supported by "
				       "libseccomp %u.%u.%u",
				       i, names[i], seccomp_version()->major, seccomp_version()->minor,
				       seccomp_version()->micro);
		int rc = seccomp_arch_add(ctx, token);
		if (rc < 0 && rc != -EEXIST)
			return err_sys(err, -rc, "linux.seccomp.architectures[%zu]: add %s", i, names[i]);
	}
	return 0;
}

/* Load-time flags. They are set on the context only so that libseccomp checks that the kernel
 * has them; seccomp_install loads the program with them. */
static const struct {
	unsigned flag;
	enum scmp_filter_attr attr;
	const char *name;
} flag_attrs[] = {
	{SECCOMP_FILTER_FLAG_TSYNC, SCMP_FLTATR_CTL_TSYNC, "SECCOMP_FILTER_FLAG_TSYNC"},
	{SECCOMP_FILTER_FLAG_LOG, SCMP_FLTATR_CTL_LOG, "SECCOMP_FILTER_FLAG_LOG"},
	{SECCOMP_FILTER_FLAG_SPEC_ALLOW, SCMP_FLTATR_CTL_SSB, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"},
};

static int check_flags(scmp_filter_ctx ctx, unsigned flags, struct error **err)
{
	for (size_t i = 0; i < ARRAY_LEN(flag_attrs); i++) {
		if (!(flags & flag_attrs[i].flag))
			continue;
		int rc = seccomp_attr_set(ctx, flag_attrs[i].attr, 1);
		if (rc < 0)
			return err_new(err, ERR_UNSUPPORTED,
				       "linux.seccomp.flags: %s is not supported here (%s)",
				       flag_attrs[i].name, strerror(-rc));
	}
	return 0;
}

bool seccomp_flag_supported(const char *name)
{
	cleanup_ctx scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	for (size_t i = 0; ctx != NULL && i < ARRAY_LEN(flag_attrs); i++) {
		if (strcmp(flag_attrs[i].name, name) == 0)
			return seccomp_attr_set(ctx, flag_attrs[i].attr, 1) == 0;
	}
	return false;
}

/* runc's rule for an argument compared twice: each comparison becomes a rule of its own. */
static bool repeats_an_argument(const struct spec_seccomp_rule *rule)
{
	unsigned seen = 0;
	for (size_t i = 0; i < rule->n_args; i++) {
		if (seen & (1u << rule->args[i].index))
			return true;
		seen |= 1u << rule->args[i].index;
	}
	return false;
}

static int add_rule_for(scmp_filter_ctx ctx, const struct spec_seccomp_rule *rule, uint32_t action, int nr,
			const char *path, const char *name, struct error **err)
{
	struct scmp_arg_cmp cmp[6];
	size_t n = rule->n_args < 6 ? rule->n_args : 6;
	for (size_t i = 0; i < n; i++) {
		const struct spec_seccomp_arg *a = &rule->args[i];
		cmp[i] = (struct scmp_arg_cmp){a->index, ops[a->op], a->value, a->value_two};
	}
	int rc = 0;
	if (rule->n_args > 6 || repeats_an_argument(rule)) {
		for (size_t i = 0; i < rule->n_args && rc == 0; i++) {
			const struct spec_seccomp_arg *a = &rule->args[i];
			struct scmp_arg_cmp one = {a->index, ops[a->op], a->value, a->value_two};
			rc = seccomp_rule_add_array(ctx, action, nr, 1, &one);
		}
	} else {
		rc = seccomp_rule_add_array(ctx, action, nr, (unsigned)n, cmp);
	}
	if (rc < 0)
		return err_sys(err, -rc, "%s: libseccomp refused the rule for \"%s\"", path, name);
	return 0;
}

static bool permissive(enum spec_seccomp_action action)
{
	return action == SPEC_SECCOMP_ALLOW || action == SPEC_SECCOMP_LOG;
}

static int add_rule(scmp_filter_ctx ctx, const struct spec_seccomp *profile, size_t r, struct error **err)
{
	const struct spec_seccomp_rule *rule = &profile->rules[r];
	char path[64];
	snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu]", r);
	uint32_t action = action_value(rule->action, rule->errno_ret);
	/* Same as the default: a no-op, which libseccomp refuses to add (runc and crun skip it too). */
	if (action == action_value(profile->default_action, profile->default_errno_ret))
		return 0;
	for (size_t i = 0; rule->names[i] != NULL; i++) {
		const char *name = rule->names[i];
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR && permissive(rule->action)) {
			/* Skipping it only makes the filter stricter. */
			log_warn("%s.names[%zu]: system call \"%s\" is unknown to libseccomp %u.%u.%u; it "
				 "gets the "
				 "default action",
				 path, i, name, seccomp_version()->major, seccomp_version()->minor,
				 seccomp_version()->micro);
			continue;
		}
		if (nr == __NR_SCMP_ERROR)
			return err_new(
				err, ERR_UNSUPPORTED,
				"%s.names[%zu]: system call \"%s\" is unknown to libseccomp %u.%u.%u, so it "
				"cannot be blocked",
				path, i, name, seccomp_version()->major, seccomp_version()->minor,
				seccomp_version()->micro);
		if (add_rule_for(ctx, rule, action, nr, path, name, err) < 0)
			return -1;
	}
	return 0;
}

static int check_actions(const struct spec_seccomp *profile, struct error **err)
{
	if (check_action(profile->default_action, "linux.seccomp.defaultAction", err) < 0)
		return -1;
	for (size_t r = 0; r < profile->n_rules; r++) {
		char path[64];
		snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu].action", r);
		if (check_action(profile->rules[r].action, path, err) < 0)
			return -1;
	}
	return 0;
}

static size_t count_names(const struct spec_seccomp *profile)
{
	size_t n = 0;
	for (size_t r = 0; r < profile->n_rules; r++)
		n += strv_len(profile->rules[r].names);
	return n;
}

/* libseccomp writes the program to an fd; a memfd brings it back into memory. */
static int export_program(scmp_filter_ctx ctx, struct seccomp_program *out, struct error **err)
{
	cleanup_close int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return err_sys(err, errno, "memfd_create");
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return err_sys(err, -rc, "export the seccomp filter");
	cleanup_free char *data = NULL;
	size_t len = 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_sys(err, errno, "lseek the exported seccomp filter");
	if (fs_read_fd(fd, "the exported seccomp filter", BPF_MAXINSNS * sizeof(struct sock_filter), &data,
		       &len, err) < 0)
		return -1;
	if (len == 0 || len % sizeof(struct sock_filter) != 0)
		return err_new(err, ERR_SYSTEM, "libseccomp exported a filter of %zu bytes", len);
	out->insns = (struct sock_filter *)steal_pointer(&data);
	out->len = len / sizeof(struct sock_filter);
	return 0;
}

int seccomp_compile(const struct spec_seccomp *profile, struct seccomp_program *out, struct error **err)
{
	*out = (struct seccomp_program){0};
	if (check_actions(profile, err) < 0)
		return -1;
	cleanup_ctx scmp_filter_ctx ctx =
		seccomp_init(action_value(profile->default_action, profile->default_errno_ret));
	if (ctx == NULL)
		return err_new(err, ERR_SYSTEM, "linux.seccomp: libseccomp cannot make a filter");
	if (check_flags(ctx, profile->flags, err) < 0 ||
	    add_architectures(ctx, profile->architectures, err) < 0)
		return -1;
	/* A binary tree beats a list for long profiles (runc's threshold). */
	if (count_names(profile) > 32)
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t r = 0; r < profile->n_rules; r++) {
		if (add_rule(ctx, profile, r, err) < 0)
			return -1;
	}
	if (export_program(ctx, out, err) < 0)
		return -1;
	out->flags = profile->flags;
	return 0;
}

/* ---- running the program ---- */

/* Classic BPF as the kernel's seccomp checker admits it: loads from struct seccomp_data, the
 * scratch memory, ALU, forward jumps and returns. Anything else reads as a kill. */
uint32_t seccomp_verdict(const struct seccomp_program *prog, int nr, const uint64_t args[6])
{
	struct seccomp_data data = {.nr = nr, .arch = seccomp_arch_native()};
	memcpy(data.args, args, sizeof(data.args));
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->insns[pc];
		uint32_t operand = BPF_SRC(f->code) == BPF_X ? x : f->k;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
		case BPF_LDX: {
			uint32_t v;
			if (BPF_MODE(f->code) == BPF_ABS && f->k % 4 == 0 && f->k + 4 <= sizeof(data))
				memcpy(&v, (const char *)&data + f->k, 4);
			else if (BPF_MODE(f->code) == BPF_LEN)
				v = sizeof(data);
			else if (BPF_MODE(f->code) == BPF_IMM)
				v = f->k;
			else if (BPF_MODE(f->code) == BPF_MEM && f->k < BPF_MEMWORDS)
				v = mem[f->k];
			else
				return SECCOMP_RET_KILL_PROCESS;
			*(BPF_CLASS(f->code) == BPF_LD ? &a : &x) = v;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				return SECCOMP_RET_KILL_PROCESS;
			mem[f->k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD:
				a += operand;
				break;
			case BPF_SUB:
				a -= operand;
				break;
			case BPF_MUL:
				a *= operand;
				break;
			case BPF_DIV:
				if (operand == 0)
					return SECCOMP_RET_KILL_THREAD; /* the kernel's filter returns 0 */
				a /= operand;
				break;
			case BPF_AND:
				a &= operand;
				break;
			case BPF_OR:
				a |= operand;
				break;
			case BPF_XOR:
				a ^= operand;
				break;
			case BPF_LSH:
				a = operand < 32 ? a << operand : 0;
				break;
			case BPF_RSH:
				a = operand < 32 ? a >> operand : 0;
				break;
			case BPF_NEG:
				a = -a;
				break;
			default:
				return SECCOMP_RET_KILL_PROCESS;
			}
			break;
		case BPF_JMP:
			switch (BPF_OP(f->code)) {
			case BPF_JA:
				pc += f->k;
				break;
			case BPF_JEQ:
				pc += a == operand ? f->jt : f->jf;
				break;
			case BPF_JGT:
				pc += a > operand ? f->jt : f->jf;
				break;
			case BPF_JGE:
				pc += a >= operand ? f->jt : f->jf;
				break;
			case BPF_JSET:
				pc += (a & operand) ? f->jt : f->jf;
				break;
			default:
				return SECCOMP_RET_KILL_PROCESS;
			}
			break;
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? a : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return SECCOMP_RET_KILL_PROCESS; /* ran off the end */
}

static bool allows(uint32_t verdict)
{
	uint32_t action = verdict & SECCOMP_RET_ACTION_FULL;
	return action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG;
}

/* The call fails with an errno (reported) rather than killing or trapping (not reported). */
static bool survives(uint32_t verdict)
{
	uint32_t action = verdict & SECCOMP_RET_ACTION_FULL;
	return allows(verdict) || action == SECCOMP_RET_ERRNO || action == SECCOMP_RET_TRACE;
}

static int blocks(const char *call, const char *why, struct error **err)
{
	return err_new(err, ERR_INVALID,
		       "linux.seccomp: the profile blocks %s, which the process needs after the filter is "
		       "installed, to %s",
		       call, why);
}

static int check_after(const struct seccomp_program *prog, const struct seccomp_after *after,
		       struct error **err)
{
	const uint64_t none[6] = {0};
	const uint64_t report[6] = {(uint64_t)after->report_fd};
	if (!allows(seccomp_verdict(prog, SYS_write, report)))
		return blocks("write(2)", "report a failure", err);
	if (!allows(seccomp_verdict(prog, SYS_exit_group, none)))
		return blocks("exit_group(2)", "exit after a failure", err);
	if (after->execveat ? !survives(seccomp_verdict(prog, SYS_execveat, none))
			    : !survives(seccomp_verdict(prog, SYS_execve, none)))
		return blocks(after->execveat ? "execveat(2) with a kill" : "execve(2) with a kill",
			      "start the program", err);
	if (!after->setup)
		return 0;
	if (!survives(seccomp_verdict(prog, SYS_openat, none)))
		return blocks("openat(2) with a kill", "open the start gate", err);
#ifdef SYS_open
	if (!survives(seccomp_verdict(prog, SYS_open, none)))
		return blocks("open(2) with a kill", "open the start gate", err);
#endif
	return 0;
}

int seccomp_install(const struct seccomp_program *prog, const struct seccomp_after *after, struct error **err)
{
	if (prog == NULL || prog->len == 0)
		return 0;
	if (check_after(prog, after, err) < 0)
		return -1;
	struct sock_fprog fprog = {.len = (unsigned short)prog->len, .filter = prog->insns};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &fprog) != 0)
		return err_sys(err, errno, "install the seccomp filter");
	return 0;
}

/* ---- the container's file and the cache ---- */

static int write_program(const char *path, const struct seccomp_program *prog, struct error **err)
{
	size_t size = sizeof(struct file_header) + prog->len * sizeof(struct sock_filter);
	cleanup_free char *buf = malloc(size);
	if (buf == NULL)
		return err_sys(err, ENOMEM, "%s", path);
	struct file_header h = {.flags = prog->flags, .len = (uint32_t)prog->len};
	memcpy(h.magic, FILE_MAGIC, sizeof(h.magic));
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), prog->insns, prog->len * sizeof(struct sock_filter));
	return fs_write_atomic(path, buf, size, 0600, err);
}

/* The instructions are moved to the front of the file's buffer, which the program then owns. */
static int parse_program(const char *path, char **data, size_t size, struct seccomp_program *out,
			 struct error **err)
{
	struct file_header h;
	if (size < sizeof(h))
		return err_new(err, ERR_INVALID, "%s: truncated", path);
	memcpy(&h, *data, sizeof(h));
	if (memcmp(h.magic, FILE_MAGIC, sizeof(h.magic)) != 0 || h.len == 0 || h.len > BPF_MAXINSNS ||
	    (h.flags & ~KNOWN_FLAGS) != 0 || size != sizeof(h) + h.len * sizeof(struct sock_filter))
		return err_new(err, ERR_INVALID, "%s: not a seccomp program written by this Reaper", path);
	memmove(*data, *data + sizeof(h), h.len * sizeof(struct sock_filter));
	out->insns = (struct sock_filter *)steal_pointer(data);
	out->len = h.len;
	out->flags = h.flags;
	return 0;
}

int seccomp_read(const char *dir, struct seccomp_program *out, struct error **err)
{
	*out = (struct seccomp_program){0};
	cleanup_free char *path = state_file(dir, SECCOMP_FILE);
	if (path == NULL)
		return err_sys(err, ENOMEM, "%s", SECCOMP_FILE);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_sys(err, errno, "open %s", path);
	cleanup_free char *data = NULL;
	size_t size = 0;
	if (fs_read_fd(fd, path, sizeof(struct file_header) + BPF_MAXINSNS * sizeof(struct sock_filter),
		       &data, &size, err) < 0)
		return -1;
	return parse_program(path, &data, size, out, err);
}

/* The cache entry's name: everything the compiled program depends on, the profile's text first.
 * Its text as written, not its meaning: hashing it needs no parse, and containerd writes a given
 * profile the same way every time (a profile written two ways is compiled twice). */
static char *cache_entry(const char *cache, const char *profile, size_t len)
{
	struct utsname u;
	if (uname(&u) < 0)
		return NULL;
	char digest[2 * SHA256_DIGEST_SIZE + 1];
	sha256_hex(profile, len, digest);
	const struct scmp_version *v = seccomp_version();
	cleanup_free char *key = NULL;
	if (asprintf(&key, "reaper-seccomp %d %s %s\nlibseccomp %u.%u.%u\n%s %s %s\n%s\n", FORMAT_VERSION,
		     REAPER_VERSION, REAPER_GIT_COMMIT, v->major, v->minor, v->micro, u.release, u.version,
		     u.machine, digest) < 0)
		return NULL;
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	sha256_hex(key, strlen(key), hex);
	char *entry = NULL;
	return asprintf(&entry, "%s/%s.bpf", cache, hex) < 0 ? NULL : entry;
}

/* Past SECCOMP_CACHE_MAX entries, drop those no container links to (a link count of 1). */
static void evict(const char *cache, const char *keep)
{
	DIR *d = opendir(cache);
	if (d == NULL)
		return;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.';
	if (n > SECCOMP_CACHE_MAX) {
		rewinddir(d);
		for (struct dirent *e; (e = readdir(d)) != NULL;) {
			struct stat st;
			if (e->d_name[0] == '.' || strcmp(e->d_name, keep) == 0 ||
			    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_nlink > 1)
				continue;
			unlinkat(dirfd(d), e->d_name, 0);
		}
	}
	closedir(d);
}

/* A miss: parse, compile, check, write the container's file, then offer it to the cache. */
static int compile_into(const char *cache, const char *entry, const char *text, size_t len,
			const char *target, struct error **err)
{
	struct spec_seccomp profile;
	if (spec_parse_seccomp(text, len, &profile, err) < 0)
		return -1;
	struct seccomp_program prog;
	int compiled = seccomp_compile(&profile, &prog, err);
	spec_seccomp_free(&profile);
	if (compiled < 0)
		return err_wrap(err, "config.json");
	/* Any fd will do here; the workload checks again with its own. */
	struct seccomp_after after = {.report_fd = STDERR_FILENO};
	int rc = check_after(&prog, &after, err);
	if (rc < 0)
		err_wrap(err, "config.json");
	else
		rc = write_program(target, &prog, err);
	seccomp_program_free(&prog);
	if (rc < 0)
		return -1;
	/* The cache is an optimisation: failing to fill it costs only a later compile. */
	struct error *cause = NULL;
	if (fs_mkdir_p(cache, 0700, &cause) < 0 || (link(target, entry) < 0 && errno != EEXIST))
		log_warn("seccomp cache %s: %s", entry, cause ? err_message(cause) : strerror(errno));
	err_free(&cause);
	evict(cache, strrchr(entry, '/') + 1);
	return 0;
}

int seccomp_prepare(const char *root, const char *profile, size_t len, const char *dir, struct error **err)
{
	if (profile == NULL)
		return 0;
	cleanup_free char *cache = state_file(root, SECCOMP_CACHE_DIR);
	cleanup_free char *target = state_file(dir, SECCOMP_FILE);
	cleanup_free char *entry = cache ? cache_entry(cache, profile, len) : NULL;
	if (target == NULL || entry == NULL)
		return err_sys(err, errno ? errno : ENOMEM, "seccomp: cache entry name");
	if (link(entry, target) == 0)
		return 0;
	if (errno != ENOENT)
		return err_sys(err, errno, "link %s to %s", entry, target);
	return compile_into(cache, entry, profile, len, target, err);
}
