#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs callkitd's fuzz targets, one after the other, each for SECONDS of
# fuzzing on its seed corpus and dictionary; prints each one's runs and
# CPU seconds and ends with "N passed, N failed". A target fails when
# libFuzzer finds a crash, a leak, a sanitizer report or a hang; the input
# that did it is kept in CKD_FUZZ_OUTDIR (default: BUILDDIR/fuzz-artifacts),
# with each target's log.
#
#   tests/fuzz/run-fuzzers.sh BUILDDIR SECONDS [TARGET...]
#
# BUILDDIR is configured with -Dfuzzing=true (see README.md); the targets
# default to every fuzz-* program in it. New inputs that raise coverage go
# to a scratch directory (kept in CKD_FUZZ_WORKDIR/TARGET when that is
# set, so that a later run goes on from there), never into the committed
# corpus.
set -uo pipefail

here=$(dirname "$(readlink -f "$0")")
builddir=${1:?usage: $0 BUILDDIR SECONDS [TARGET...]}
seconds=${2:?usage: $0 BUILDDIR SECONDS [TARGET...]}
shift 2
targets=("$@")
outdir=${CKD_FUZZ_OUTDIR:-$builddir/fuzz-artifacts}

if [ ${#targets[@]} -eq 0 ]; then
  for exe in "$builddir"/tests/fuzz/fuzz-*; do
    [ -f "$exe" ] && [ -x "$exe" ] && targets+=("${exe##*/fuzz-}")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "no fuzz targets in $builddir/tests/fuzz: configure it with -Dfuzzing=true" >&2
  exit 1
fi
mkdir -p "$outdir"

# Leaks are bugs here too; GLib's slices would hide them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}
export G_SLICE=always-malloc
# The suppressions name functions: the sanitizers need llvm-symbolizer
# for that. Without it on PATH, take the one beside clang (Debian's
# llvm-14 has it there and only the llvm package links it into PATH).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer > /dev/null; then
  beside_clang=$(dirname "$(readlink -f "$(command -v clang || echo /nonexistent)")")/llvm-symbolizer
  if [ -x "$beside_clang" ]; then
    export ASAN_SYMBOLIZER_PATH=$beside_clang
  else
    echo "no llvm-symbolizer (Debian: llvm): the leaks in $here/lsan.supp would be reported" >&2
  fi
fi

passed=0
failed=0
total_cpu=0
for target in "${targets[@]}"; do
  exe=$builddir/tests/fuzz/fuzz-$target
  seeds=$here/corpus/$target
  if [ -n "${CKD_FUZZ_WORKDIR:-}" ]; then
    work=$CKD_FUZZ_WORKDIR/$target
    mkdir -p "$work"
  else
    work=$(mktemp -d "${TMPDIR:-/tmp}/ckd-fuzz-$target.XXXXXX")
  fi
  log=$outdir/$target.log
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$outdir/$target-")
  [ -f "$here/$target.dict" ] && args+=(-dict="$here/$target.dict")

  # bash's time: the user and system seconds of the run
  TIMEFORMAT='%U %S'
  { time "$exe" "${args[@]}" "$work" "$seeds" >"$log" 2>&1; } 2>"$work.time"
  rc=$?
  cpu=$(tail -n 1 "$work.time" | awk '{ printf "%.1f", $1 + $2 }')
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  total_cpu=$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN { printf "%.1f", a + b }')
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    printf '%-18s ok      %10s runs %8s CPU s\n' "$target" "${runs:-?}" "$cpu"
  else
    failed=$((failed + 1))
    printf '%-18s FAILED  %10s runs %8s CPU s (exit %d, log %s)\n' "$target" "${runs:-?}" \
      "$cpu" "$rc" "$log"
    grep -E 'ERROR: |SUMMARY: |runtime error|^\*\*$|ERROR:|Test unit written' "$log" | head -5 |
      sed 's/^/    /'
  fi
  rm -f "$work.time"
  [ -n "${CKD_FUZZ_WORKDIR:-}" ] || rm -rf "$work"
done
echo "fuzzing: $total_cpu CPU seconds in all"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
