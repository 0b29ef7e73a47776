#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's promise, checked on a new machine: a minimal Debian 12 root
# (mmdebstrap --variant=apt, from this machine's apt sources) where nothing
# is installed beyond the base system, and a clean copy of the tree
# (git archive of HEAD). Each stage gets a root of its own, so that no
# stage installs what another one forgot:
#
#   test      tools/run-tests.sh, the README's test command
#   demo      tools/demo.sh --once, the README's run command
#   package   dpkg-buildpackage -us -uc -b (build dependencies from
#             debian/control with apt-get build-dep), then lintian
#   install   apt-get install ./*.deb; a session bus with the installed
#             service files starts callkitd at the first `callctl status`;
#             a program compiles and runs against callkit.pc
#
# Prints how long each stage took and the test stage's "N passed, N
# failed"; exits non-zero when any stage fails. Needs root (mmdebstrap,
# bwrap) and the network to the Debian mirrors. .ci/run runs this.
#
#   tools/fresh-check.sh [STAGE...]     default: all four, in that order
#
# CKD_FRESH_DIR=DIR works in DIR (default: a new directory in /var/tmp,
# removed at the end unless CKD_FRESH_KEEP=1). Downloaded .deb files are
# shared between the stages' roots of one run (they install nothing by
# themselves); nothing is kept from one run to the next.
set -uo pipefail

cd "$(dirname "$(readlink -f "$0")")/.." || exit 1
# shellcheck source=tools/lib.sh
source tools/lib.sh

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(test demo package install)
for stage in "${stages[@]}"; do
  case $stage in
    test | demo | package | install) ;;
    *) echo "usage: $0 [test|demo|package|install]..." >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  ckd_log "needs root: mmdebstrap and bwrap build and enter the roots"
  exit 1
fi
ckd_ensure_packages "${CKD_FRESH_CHECK_PACKAGES[@]}" || exit 1

work=${CKD_FRESH_DIR:-$(mktemp -d /var/tmp/callkitd-fresh.XXXXXX)}
mkdir -p "$work/archives"
cleanup() {
  if [ "${CKD_FRESH_KEEP:-0}" != 1 ] && [ -z "${CKD_FRESH_DIR:-}" ]; then
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# stage NAME COMMAND...: run it, remember how long it took and whether it
# passed.
timings=()
failed_stages=()
stage() {
  local name=$1 start=$SECONDS rc
  shift
  ckd_log "stage $name"
  "$@"
  rc=$?
  timings+=("$(printf '%-10s %5d s  %s' "$name" $((SECONDS - start)) \
    "$([ $rc -eq 0 ] && echo ok || echo "FAILED ($rc)")")")
  [ $rc -eq 0 ] || failed_stages+=("$name")
  return $rc
}

# new_root NAME: a root with the base system only, and the tree in /src.
new_root() {
  local root=$work/$1
  rm -rf "$root"
  mkdir -p "$root" &&
    tar -C "$root" -xf "$work/base.tar" &&
    mkdir -p "$root/src" &&
    tar -C "$root/src" -xf "$work/src.tar" &&
    echo "$root"
}

# in_root ROOT COMMAND...: run COMMAND in ROOT as its root user, with a
# clean environment, in its own PID namespace (whatever it leaves running
# dies with it).
in_root() {
  local root=$1
  shift
  bwrap --bind "$root" / \
    --bind "$work/archives" /var/cache/apt/archives \
    --proc /proc --dev /dev --perms 1777 --tmpfs /tmp --tmpfs /run \
    --unshare-pid --unshare-ipc --die-with-parent --chdir /src \
    /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI=true \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive "$@"
}

bootstrap() {
  # The tree every stage gets, as committed when the run started.
  git archive --format=tar HEAD >"$work/src.tar" &&
    ckd_log "tree: $(git rev-parse --short HEAD)" &&
    # No mirror argument: mmdebstrap takes this machine's apt sources.
    mmdebstrap --variant=apt --quiet bookworm "$work/base.tar"
}

test_counts=""
run_tests() {
  local root log=$work/test.log rc
  root=$(new_root test-root) || return 1
  in_root "$root" bash tools/run-tests.sh 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  test_counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  [ -n "$test_counts" ] || test_counts="no count: the test run did not finish"
  return "$rc"
}

run_demo() {
  local root
  root=$(new_root demo-root) || return 1
  in_root "$root" bash tools/demo.sh --once
}

build_packages() {
  local root
  root=$(new_root package-root) || return 1
  rm -rf "$work/debs"
  mkdir -p "$work/debs"
  # Build dependencies come from debian/control and nowhere else.
  in_root "$root" bash -euc '
    apt-get update -q
    apt-get build-dep -y -q --no-install-recommends ./
    apt-get install -y -q --no-install-recommends lintian
    dpkg-buildpackage -us -uc -b
    lintian --fail-on error --no-tag-display-limit ../callkitd_*.changes' &&
    cp "$root"/*.deb "$work/debs/"
}

check_install() {
  local root
  root=$(new_root install-root) || return 1
  mkdir -p "$root/debs" && cp "$work"/debs/*.deb "$root/debs/" || return 1
  in_root "$root" bash tools/installed-check.sh /debs
}

# The base system everything starts from, made once per run.
stage bootstrap bootstrap || stages=()
for s in "${stages[@]}"; do
  case $s in
    test) stage test run_tests ;;
    demo) stage demo run_demo ;;
    package) stage package build_packages ;;
    install)
      if [ -n "$(ls "$work"/debs/*.deb 2>/dev/null)" ]; then
        stage install check_install
      else
        failed_stages+=(install)
        timings+=("$(printf '%-10s %5s    %s' install - "not run: no packages (run the package stage)")")
      fi
      ;;
  esac
done

echo
echo "fresh Debian 12 root, stage times:"
printf '  %s\n' "${timings[@]}"
[ -n "$test_counts" ] && echo "$test_counts"
if [ ${#failed_stages[@]} -gt 0 ]; then
  echo "failed: ${failed_stages[*]}"
  exit 1
fi
echo "all stages passed"
