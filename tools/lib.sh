# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2034
# Shared by tools/*.sh: source it, do not run it.

# What building callkitd needs (Debian 12 package names).
CKD_BUILD_PACKAGES=(gcc meson ninja-build pkg-config libglib2.0-dev
  libsystemd-dev libpipewire-0.3-dev libspa-0.2-dev libsndfile1-dev gettext
  libjson-glib-dev)
# What running the tests needs on top of that.
CKD_TEST_PACKAGES=(dbus-daemon python3-gi python3-dbusmock python3-pytest
  python3-docutils bubblewrap dunst xvfb imagemagick pipewire pipewire-bin
  wireplumber sound-theme-freedesktop valgrind)

ckd_log() {
  printf '==> %s\n' "$*" >&2
}

# ckd_ensure_packages PKG...: apt-get install the packages that are not
# installed yet; does nothing (and needs no network) when all are there.
ckd_ensure_packages() {
  local missing=() pkg
  if ! command -v dpkg-query >/dev/null; then
    ckd_log "not a Debian system: make sure these are installed: $*"
    return 0
  fi
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null |
        grep -q '^install ok installed$'; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      ckd_log "missing packages and no sudo: install ${missing[*]} as root"
      return 1
    fi
    sudo=(sudo)
    # Without a terminal sudo cannot ask for a password: fail instead of
    # hanging.
    [ -t 0 ] || sudo=(sudo -n)
  fi
  ckd_log "installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ckd_meson_setup DIR OPTION...: configure DIR, or reconfigure it with the
# given options when it already is a build directory.
ckd_meson_setup() {
  local dir=$1
  shift
  if [ -f "$dir/meson-private/coredata.dat" ]; then
    meson setup --reconfigure "$dir" "$@"
  else
    meson setup "$dir" "$@"
  fi
}
