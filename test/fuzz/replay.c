/* SPDX-License-Identifier: Apache-2.0 */
/* A stand-in for libFuzzer's driver: runs a fuzz target's LLVMFuzzerTestOneInput once on every
 * file named on the command line or found in a directory named there (sorted, not recursive), as
 * `fuzz_x -runs=0 DIR` does. Linked with each target into replay_fuzz_x by any compiler, so the
 * committed corpus (test/fuzz/corpus/) is replayed by plain ctest, under ASan+UBSan in the
 * sanitizer build. A crash is the target's abort() or a sanitizer report; an empty corpus fails. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define REPLAY_MAX_INPUT (1 << 20)

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t *data = malloc(REPLAY_MAX_INPUT);
	size_t n = data ? fread(data, 1, REPLAY_MAX_INPUT, f) : 0;
	int bad = data == NULL || ferror(f) || !feof(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "replay: %s: unreadable or larger than %d bytes\n", path, REPLAY_MAX_INPUT);
		free(data);
		return -1;
	}
	/* libFuzzer hands the target a buffer of exactly the input's size: so does this. */
	uint8_t *exact = malloc(n ? n : 1);
	if (exact == NULL) {
		free(data);
		return -1;
	}
	memcpy(exact, data, n);
	free(data);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 0;
}

static int compare(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	size_t inputs = 0;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue; /* libFuzzer flags, e.g. -runs=0 */
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) < 0)
				return 1;
			inputs++;
			continue;
		}
		struct dirent **names;
		int n = scandir(argv[i], &names, skip_dot, compare);
		if (n < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		int rc = 0;
		for (int j = 0; j < n; j++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]->d_name);
			if (rc == 0 && run_file(path) < 0)
				rc = 1;
			inputs++;
			free(names[j]);
		}
		free(names);
		if (rc != 0)
			return rc;
	}
	if (inputs == 0) {
		fprintf(stderr, "replay: no inputs (an empty corpus proves nothing)\n");
		return 1;
	}
	fprintf(stderr, "replay: %zu inputs, no crash\n", inputs);
	return 0;
}
