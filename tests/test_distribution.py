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
