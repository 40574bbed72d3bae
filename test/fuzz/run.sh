#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets with clang and fuzz each for a while (default 20 s each).
#
#   test/fuzz/run.sh [SECONDS] [TARGET...]      fuzz (all targets unless named, e.g. state toml)
#   test/fuzz/run.sh --merge [TARGET...]        fold what the runs found into the committed corpus
#
# Each target starts from its committed seeds, test/fuzz/corpus/<target>/ (small, hand-made or
# minimized; ctest replays them), plus the working corpus of earlier runs, $FUZZ_BUILD/corpus/<target>/,
# where new inputs accumulate from run to run (never in the source tree). `--merge` minimizes
# the working corpus into the committed one with libFuzzer's -merge=1 (only inputs that add
# coverage are copied, under content-hash names): review them and commit what is small.
# Exits non-zero on a crash, a leak or a sanitizer report; the reproducer is left in $FUZZ_OUT
# (default $FUZZ_BUILD/findings): copy it into the corpus once fixed, so ctest replays it for good.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$src/build-fuzz}
out=${FUZZ_OUT:-$build/findings}
seeds=$src/test/fuzz/corpus
work=$build/corpus

merge=0
if [[ ${1:-} == --merge ]]; then
	merge=1
	shift
fi
secs=20
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
	secs=$1
	shift
fi
targets=("$@")
if ((${#targets[@]} == 0)); then
	for f in "$src"/test/fuzz/fuzz_*.c; do
		f=${f##*/fuzz_}
		targets+=("${f%.c}")
	done
fi

CC=clang cmake -S "$src" -B "$build" -DREAPER_FUZZ=ON -DREAPER_STATIC=OFF -DREAPER_TESTS=ON \
	-DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	>/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}" >/dev/null

mkdir -p "$out"
status=0
for target in "${targets[@]}"; do
	[[ -d $seeds/$target ]] || { echo "no committed corpus $seeds/$target" >&2; exit 1; }
	mkdir -p "$work/$target"
	if ((merge)); then
		echo "fuzz_$target: merging $work/$target into $seeds/$target"
		"$build/test/fuzz_$target" -merge=1 "$seeds/$target" "$work/$target" 2>"$out/$target.merge.log" || {
			status=1
			tail -20 "$out/$target.merge.log" >&2
		}
		continue
	fi
	echo "fuzz_$target: ${secs}s"
	# New inputs go to the first directory (the working corpus); the seeds are read only.
	(cd "$out" && "$build/test/fuzz_$target" -max_total_time="$secs" -max_len=65536 \
		-print_final_stats=1 "$work/$target" "$seeds/$target" 2>"$out/$target.log") || {
		status=1
		echo "fuzz_$target FAILED; see $out/$target.log" >&2
		tail -40 "$out/$target.log" >&2
	}
	# A target that aborted left its scratch directory (fuzz_<target>.<pid>, see its Initialize).
	for d in /dev/shm/fuzz_"$target".* /tmp/fuzz_"$target".*; do
		if [[ -d $d && ! -e /proc/${d##*.} ]]; then
			rm -rf --one-file-system "$d"
		fi
	done
	grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$out/$target.log" || true
	echo "  working corpus: $(find "$work/$target" -type f | wc -l) inputs"
done
exit $status
