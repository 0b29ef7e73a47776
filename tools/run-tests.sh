#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole test run, as CI does it (.ci/run): install what is missing,
# build twice — build/ plain with warnings as errors, build-sanitize/ with
# AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer — run every
# test in both, fuzz each fuzz target briefly (build-fuzz/, clang), and end
# with "N passed, N failed" over all of it. CKD_FUZZ_SECONDS=0 leaves the
# fuzzing out.
#
# Extra arguments go to both `meson test` runs, e.g. --suite integration.
set -uo pipefail

cd "$(dirname "$(readlink -f "$0")")/.." || exit 1
# shellcheck source=tools/lib.sh
source tools/lib.sh

ckd_ensure_packages "${CKD_BUILD_PACKAGES[@]}" "${CKD_TEST_PACKAGES[@]}" ||
  exit 1

passed=0
failed=0

# count_results BUILDDIR: add the results in BUILDDIR's testlog.json to the
# totals, counting the cases inside each meson test: pytest's summary line
# and the TAP lines of GLib's unit tests. A pytest skip counts as passed
# (pytest runs with -rs, which prints every skip's reason); a meson test
# whose cases cannot be counted counts as one. A meson test that failed
# counts at least one failure, even when all its cases passed (a daemon
# that crashed at teardown, a sanitizer report).
count_results() {
  local counts
  counts=$(/usr/bin/python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, re, sys
path = sys.argv[1]
passed = failed = 0
summary = re.compile(r"^=+ (.*) in [0-9.]+s")
tap_ok = re.compile(r"^ok \d+", re.M)
tap_not_ok = re.compile(r"^not ok \d+", re.M)
reason = re.compile(r"(?im)^\s*(#\s*)?skip(ped)?\b\s*[:#-]?\s*\S")
try:
    lines = open(path).read().splitlines()
except FileNotFoundError:
    print("no test log: %s" % path, file=sys.stderr)
    lines = []
if not lines:
    print("no tests ran", file=sys.stderr)
    failed = 1
for line in lines:
    if not line.strip():
        continue
    test = json.loads(line)
    result = test.get("result")
    output = test.get("stdout") or ((test.get("stdo") or "") + (test.get("stde") or ""))
    ok = result in ("OK", "EXPECTEDFAIL") or (result == "SKIP" and reason.search(output))
    p = f = None
    for out_line in output.splitlines():
        m = summary.match(out_line.strip())
        if m:
            words = dict((w.split()[1], int(w.split()[0])) for w in m.group(1).split(", ")
                         if len(w.split()) == 2 and w.split()[0].isdigit())
            p = words.get("passed", 0) + words.get("skipped", 0) + words.get("xfailed", 0)
            f = words.get("failed", 0) + words.get("error", 0) + words.get("errors", 0) + words.get("xpassed", 0)
    if p is None and tap_ok.search(output):
        p, f = len(tap_ok.findall(output)), len(tap_not_ok.findall(output))
    if p is None:
        p, f = (1, 0) if ok else (0, 1)
    if not ok and f == 0:
        f = 1
    passed += p
    failed += f
    if not ok:
        why = " (skipped without saying why)" if result == "SKIP" else ""
        print("  %s: %s%s" % (result, test.get("name"), why), file=sys.stderr)
print(passed, failed)
PY
  )
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
}

# run BUILDDIR SETUP-OPTIONS... -- ENV...: build and test one configuration.
run() {
  local dir=$1 opts=() envs=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  envs=("$@")

  ckd_log "$dir: configure"
  if ! ckd_meson_setup "$dir" --fatal-meson-warnings "${opts[@]}"; then
    ckd_log "$dir: FAILED to configure"
    failed=$((failed + 1))
    return
  fi
  ckd_log "$dir: build"
  if ! meson compile -C "$dir"; then
    ckd_log "$dir: FAILED to build"
    failed=$((failed + 1))
    return
  fi
  ckd_log "$dir: test"
  rm -f "$dir/meson-logs/testlog.json"
  env "${envs[@]}" meson test -C "$dir" --print-errorlogs "${test_args[@]}"
  ckd_log "$dir: results"
  count_results "$dir"
}

test_args=("$@")

run build -Dwerror=true --
# fast_unwind_on_malloc=0: GLib has no frame pointers, and leak reports
# should reach our code.
run build-sanitize -Db_sanitize=address,undefined -Db_lundef=false -- \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  CKD_TEST_TIMEOUT_SCALE=2

# The fuzz targets (tests/fuzz) built with clang and libFuzzer in
# build-fuzz/, each fuzzed briefly from its seeds (CKD_FUZZ_SECONDS, 15
# by default); each target counts as one test. Their corpora already ran
# above, as the tests of the fuzz suite.
run_fuzzers() {
  local seconds=${CKD_FUZZ_SECONDS:-15} out counts
  ckd_log "build-fuzz: configure"
  # clang++ too: libphonenumber's shim makes C++ the linker's language.
  if ! CC=clang CXX=clang++ ckd_meson_setup build-fuzz --fatal-meson-warnings -Dfuzzing=true \
      -Db_sanitize=address,undefined -Db_lundef=false -Ddocs=disabled; then
    ckd_log "build-fuzz: FAILED to configure"
    failed=$((failed + 1))
    return
  fi
  ckd_log "build-fuzz: build"
  if ! meson compile -C build-fuzz fuzz-targets; then
    ckd_log "build-fuzz: FAILED to build"
    failed=$((failed + 1))
    return
  fi
  ckd_log "build-fuzz: fuzz each target for ${seconds} s"
  out=$(tests/fuzz/run-fuzzers.sh build-fuzz "$seconds" | tee /dev/stderr)
  counts=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' <<<"$out")
  if [ -z "$counts" ]; then
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
}
if [ "${CKD_FUZZ_SECONDS:-15}" != 0 ]; then
  run_fuzzers
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
