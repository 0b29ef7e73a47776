# SPDX-License-Identifier: LGPL-2.1-or-later
"""libcallkit's CkCallDirectory end to end: tests/test-libcallkit-directory.c
makes one call of the library a run (LIBCALLKIT_DIRECTORY_TEST, set by
meson): replacing from a path and from a descriptor, the incremental
changes, lookups, the entries and Lists, and errors as CkError."""

import os

import pytest

from directory_harness import lookup
from harness import run_process

SPAM = "org.example.Spam"


@pytest.fixture
def ck(bus, callkitd):
    path = os.environ.get("LIBCALLKIT_DIRECTORY_TEST")
    if not path:
        pytest.skip("test-libcallkit-directory not built: set LIBCALLKIT_DIRECTORY_TEST "
                    "(meson test does)")

    def run(*args, stdin=None, ok=True):
        import subprocess
        done = subprocess.run([path] + list(args), input=stdin, capture_output=True,
                              text=True, timeout=60, env=dict(os.environ, **bus.env))
        lines = done.stdout.splitlines()
        if ok:
            assert done.returncode == 0 and lines[0].startswith("ok"), (args, done)
        return lines

    return run


def test_replace_and_lookup(ck, client, tmp_path):
    path = tmp_path / "spam.txt"
    path.write_text("# spam\n+49 30 111111\n+4930222222\n+4930111111\n")
    assert ck("replace-path", "blocking", SPAM, str(path)) == ["ok 2"]
    assert ck("replace-stdin", "identification", SPAM,
              stdin="+4930111111\tTelemarketer\n") == ["ok 1"]
    assert ck("lookup", "+4930111111") == [
        "ok 1 %s Telemarketer %s +4930111111" % (SPAM, SPAM)]
    assert ck("lookup", "+4930333333") == ["ok 0 - - - +4930333333"]
    assert ck("entries", "blocking", SPAM) == ["ok 2", "+4930111111 -", "+4930222222 -"]
    assert ck("lists") == ["ok 2", "%s blocking 2 1 ok" % SPAM,
                           "%s identification 1 1 ok" % SPAM]


def test_incremental_changes(ck, client):
    ck("add-blocking", SPAM, "+4930111111", "+4930222222")
    ck("remove-blocking", SPAM, "+4930111111")
    ck("add-identification", SPAM, "+4930333333", "Pizza", "+4930444444", "Taxi")
    ck("remove-identification", SPAM, "+4930444444")
    assert lookup(client, "+4930222222")["blocked_by"] == [SPAM]
    assert lookup(client, "+4930111111")["blocked"] is False
    assert lookup(client, "+4930333333")["label"] == "Pizza"
    assert lookup(client, "+4930444444")["label"] == ""
    ck("remove-all", "blocking", SPAM)
    assert lookup(client, "+4930222222")["blocked"] is False
    # The user's own list: no app id.
    ck("add-blocking", "-", "+4930555555")
    assert lookup(client, "+4930555555")["blocked_by"] == [""]


def test_errors(ck, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("+4930111111\nnot a number\n")
    assert ck("replace-path", "blocking", SPAM, str(path), ok=False) == [
        "error %d InvalidArgument" % 53]  # EBADR
    assert ck("replace-path", "blocking", SPAM, str(tmp_path / "missing"), ok=False) == [
        "error 2 None"]
    assert ck("add-blocking", SPAM, "nonsense", ok=False) == ["error 53 InvalidArgument"]
