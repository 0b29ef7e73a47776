# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a distribution of the tree promises: every licence that an SPDX
header names has its text in LICENSES/, and COPYING points there."""

import re
import shutil
import subprocess

import harness

SPDX = re.compile(r"SPDX-License-Identifier: ([A-Za-z0-9.+-]+)")


def tracked_files():
    if shutil.which("git") and (harness.SOURCE_ROOT / ".git").exists():
        out = subprocess.run(["git", "-C", str(harness.SOURCE_ROOT), "ls-files", "-z"],
                             capture_output=True, check=True)
        return [harness.SOURCE_ROOT / name for name in out.stdout.decode().split("\0") if name]
    # Not a git checkout (an unpacked archive): every file but builds.
    return [p for p in harness.SOURCE_ROOT.rglob("*")
            if p.is_file() and not any(part.startswith(("build", ".git"))
                                       for part in p.relative_to(harness.SOURCE_ROOT).parts)]


def test_every_spdx_licence_has_its_text():
    licences = set()
    for path in tracked_files():
        if "LICENSES" in path.parts or not path.is_file():
            continue
        try:
            head = path.read_text(errors="replace")[:2000]
        except OSError:
            continue
        licences.update(SPDX.findall(head))
    assert licences, "no SPDX header found"
    for licence in sorted(licences):
        text = harness.SOURCE_ROOT / "LICENSES" / ("%s.txt" % licence)
        assert text.is_file(), "%s is named in an SPDX header but %s is missing" % (licence, text)
        assert text.stat().st_size > 1000
    copying = (harness.SOURCE_ROOT / "COPYING").read_text()
    for licence in licences:
        assert "LICENSES/%s.txt" % licence in copying


def shell_list(name):
    """A package list of tools/lib.sh, as bash sees it."""
    out = subprocess.run(["bash", "-c", 'source tools/lib.sh && printf "%%s\\n" "${%s[@]}"' % name],
                         cwd=str(harness.SOURCE_ROOT), capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def control_field(package_or_source, field):
    """A field of debian/control's paragraph for the source (None) or a
    binary package, as a list of package names (versions and
    alternatives' spaces dropped)."""
    text = (harness.SOURCE_ROOT / "debian" / "control").read_text()
    for paragraph in text.split("\n\n"):
        lines = paragraph.splitlines()
        if not lines:
            continue
        first = lines[0]
        if (package_or_source is None and first.startswith("Source:")) or \
                first == "Package: %s" % package_or_source:
            value = re.search(r"^%s:(.*(?:\n .*)*)" % field, paragraph, re.M)
            if value is None:
                return []
            return [re.sub(r"\s*\(.*\)", "", item).strip()
                    for item in value.group(1).replace("\n", " ").split(",") if item.strip()]
    raise AssertionError("no paragraph for %s in debian/control" % package_or_source)


def test_debian_build_depends_cover_the_build_list():
    """debian/control builds from the same list as tools/run-tests.sh
    (less what build-essential brings; pkgconf provides pkg-config)."""
    depends = set(control_field(None, "Build-Depends"))
    for package in shell_list("CKD_BUILD_PACKAGES"):
        if package in ("gcc", "g++", "libc6-dev"):
            continue
        if package == "pkg-config":
            package = "pkgconf"
        assert package in depends, "%s is in CKD_BUILD_PACKAGES, not in Build-Depends" % package


def test_debian_packages_ship_what_the_issue_names():
    for package in ("callkitd", "libcallkit0", "libcallkit-dev", "callkitd-speakerbox"):
        assert control_field(package, "Architecture") == ["any"]
    install = (harness.SOURCE_ROOT / "debian" / "callkitd.install").read_text().split()
    for path in ("usr/libexec/callkitd", "usr/bin/callctl", "usr/lib/systemd/user/callkitd.service",
                 "usr/share/dbus-1/services/io.github.callkitd.CallKit1.service",
                 "usr/lib/*/pipewire-0.3/libpipewire-module-callkit.so",
                 "usr/share/pipewire/pipewire.conf.d/50-callkit.conf",
                 "usr/share/bash-completion/completions/callctl",
                 "usr/share/man/man8/callkitd.8", "usr/share/man/man1/callctl.1"):
        assert path in install, path


def test_debian_symbols_list_every_exported_function():
    """libcallkit.sym exports functions by name; libcallkit0.symbols must
    know each of them, so that apps get the right dependency."""
    sym = (harness.SOURCE_ROOT / "clients" / "libcallkit" / "libcallkit.sym").read_text()
    exported = set(re.findall(r"^\s+(ck_[a-z0-9_]+);", sym, re.M))
    symbols = (harness.SOURCE_ROOT / "debian" / "libcallkit0.symbols").read_text()
    known = set(re.findall(r"^ (ck_[a-z0-9_]+)@LIBCALLKIT_0 ", symbols, re.M))
    assert exported and exported == known, (sorted(exported - known), sorted(known - exported))


def test_bus_names_are_spelled_in_one_header():
    """The bus name and the object root are spelled in
    common/callkit-names.h and in no other C header (comments aside):
    every program includes that one."""
    names = ('"io.github.callkitd.CallKit1', '"/io/github/callkitd/CallKit1')
    comment = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
    spelled = []
    for path in tracked_files():
        if path.suffix != ".h" or "tests" in path.relative_to(harness.SOURCE_ROOT).parts:
            continue
        code = comment.sub("", path.read_text(errors="replace"))
        if any(name in code for name in names):
            spelled.append(str(path.relative_to(harness.SOURCE_ROOT)))
    assert spelled == ["common/callkit-names.h"]
