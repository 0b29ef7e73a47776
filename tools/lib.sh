# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2034
# Shared by tools/*.sh: source it, do not run it.

# Every install step of the tools lives in one of these lists, one per
# purpose (Debian 12 package names). tools/fresh-check.sh proves them on a
# root with nothing but the base system; debian/control says the same for
# the packages.

# What building callkitd needs.
CKD_BUILD_PACKAGES=(gcc g++ libc6-dev meson ninja-build pkg-config
  libglib2.0-dev libsystemd-dev libpipewire-0.3-dev libspa-0.2-dev
  libsndfile1-dev libjson-glib-dev libsmartcols-dev libsqlite3-dev libphonenumber-dev
  gettext libebook1.2-dev libgdk-pixbuf-2.0-dev)
# What running the tests needs on top of that: the real components (a
# private dbus-daemon, PipeWire and WirePlumber, dunst on Xvfb, GNOME
# Shell headless), the tools the tests and recipes call (busctl from
# systemd, sox, readelf from binutils, ImageMagick, valgrind, bubblewrap and
# xdg-dbus-proxy for Flatpak's sandbox) and Python's side.
CKD_TEST_PACKAGES=(dbus-daemon systemd python3-gi python3-dbusmock
  python3-pytest python3-docutils bubblewrap xdg-dbus-proxy binutils dunst libnotify-bin
  xvfb imagemagick sox pipewire pipewire-bin wireplumber
  sound-theme-freedesktop valgrind
  evolution-data-server gir1.2-ebook-1.2 gir1.2-ebookcontacts-1.2 gir1.2-edataserver-1.2)
# The fuzz stage of tools/run-tests.sh (tests/fuzz/README.md): clang,
# and its runtimes with libFuzzer, which clang only recommends; llvm for
# llvm-symbolizer, without which the sanitizers cannot name a function
# and tests/fuzz/lsan.supp matches nothing.
CKD_FUZZ_PACKAGES=(clang libclang-rt-14-dev llvm)
CKD_TEST_PACKAGES+=("${CKD_FUZZ_PACKAGES[@]}")
# The desktop around a call: GNOME's do-not-disturb schema and the
# gsettings tool that changes it, playerctl as the media-key consumer.
CKD_TEST_PACKAGES+=(gsettings-desktop-schemas libglib2.0-bin playerctl)
# tests/test_notifications_gnome_shell.py: GNOME Shell 43 as the
# notification server (gjs runs its notification helper). The largest
# list: on a fresh Debian 12 root it adds 205 packages, 141 MiB to
# download and 487 MiB installed, to the 193 MiB and 745 MiB of the rest
# (apt-get install -s --no-install-recommends, December 2026). Without
# it that one test file is skipped, with the reason.
CKD_GNOME_SHELL_PACKAGES=(gnome-shell mutter gjs)
CKD_TEST_PACKAGES+=("${CKD_GNOME_SHELL_PACKAGES[@]}")
# The SIP end-to-end tests and tools/demo.sh --sip: a real softphone
# (baresip, with its ctrl_tcp module), a real far end (sipp) and
# PipeWire's ALSA plugin, through which baresip's audio reaches PipeWire.
CKD_SIP_PACKAGES=(baresip-core sip-tester pipewire-alsa)
CKD_TEST_PACKAGES+=("${CKD_SIP_PACKAGES[@]}")
# What tools/demo.sh needs on top of the build: the bus, PipeWire with
# WirePlumber for the call's audio, the ringtone.
CKD_DEMO_PACKAGES=(dbus-daemon pipewire pipewire-bin wireplumber
  sound-theme-freedesktop)
# What tools/installed-check.sh needs beside the callkitd packages: a
# session bus, and a compiler for a program against callkit.pc.
CKD_INSTALLED_CHECK_PACKAGES=(dbus-daemon gcc libc6-dev pkg-config)
# What tools/fresh-check.sh needs on the machine that runs it.
CKD_FRESH_CHECK_PACKAGES=(mmdebstrap bubblewrap git)

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
