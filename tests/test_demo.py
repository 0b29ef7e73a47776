# SPDX-License-Identifier: LGPL-2.1-or-later
"""tools/demo.sh --once, the README's run command, against the build under
test (CKD_BUILDDIR, set by meson) on the test's private bus: callkitd and
speakerbox start (and a PipeWire with our module, since none runs in the
test's runtime dir), Alice's call rings, callctl answers it, the audio
decision shows in PipeWire, and the script stops everything it started."""

import os
import re
import signal
import subprocess

import pytest

import harness
from harness import SOURCE_ROOT, scaled


def test_demo_once(bus):
    builddir = os.environ.get("CKD_BUILDDIR") or str(SOURCE_ROOT / "build")
    if not os.path.exists(os.path.join(builddir, "clients", "speakerbox", "speakerbox")):
        pytest.skip("speakerbox not built in %s: set CKD_BUILDDIR (meson test does)"
                    % builddir)
    env = dict(os.environ, CKD_BUILDDIR=builddir)
    result = subprocess.run([str(SOURCE_ROOT / "tools" / "demo.sh"), "--once"],
                            env=env, stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=scaled(60))
    assert result.returncode == 0, result.stdout + result.stderr
    # Ringing, then active after callctl answer: the two listings.
    listings = result.stdout.split("call listed.")
    assert "ringing" in listings[0] and "Alice Liddell" in listings[0], result.stdout
    assert "active" in listings[1], result.stdout
    # speakerbox saw the answer come back as an action and got the audio
    # session; the demo stopped what it started.
    assert "event: perform answer-call" in result.stderr
    assert "event: audio-activated" in result.stderr
    # No PipeWire ran in the test's runtime dir: the demo started one with
    # the module, so the call's audio decision and the module's answer show
    # in pw-metadata's listing. (A sanitizer build's module cannot load into
    # a plain pipewire: there the demo says so and goes on without audio.)
    if os.environ.get("CALLKITD_PIPEWIRE_PRELOAD"):
        assert "built with sanitizers: no private PipeWire" in result.stderr
    else:
        assert "stopping pipewire" in result.stderr
        assert "event: audio-started" in result.stderr
        assert re.search(r'"audio": *true', result.stdout), result.stdout
        assert re.search(r'"policy": *"allowed"', result.stdout), result.stdout
    assert "stopping speakerbox" in result.stderr
    assert "stopping callkitd" in result.stderr
    bus.wait_for_name_lost("io.github.callkitd.CallKit1")


def test_demo_leaves_nothing_running_when_killed(tmp_path):
    """Without a session bus the demo starts its own; killed as a whole
    (meson's timeout kills the process group), it leaves nothing behind,
    not even that bus."""
    builddir = os.environ.get("CKD_BUILDDIR") or str(SOURCE_ROOT / "build")
    if not os.path.exists(os.path.join(builddir, "clients", "speakerbox", "speakerbox")):
        pytest.skip("speakerbox not built in %s: set CKD_BUILDDIR (meson test does)"
                    % builddir)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(CKD_BUILDDIR=builddir, XDG_RUNTIME_DIR=str(runtime), HOME=str(tmp_path))
    stderr = tmp_path / "demo.log"
    with open(stderr, "wb") as log:
        proc = subprocess.Popen([str(SOURCE_ROOT / "tools" / "demo.sh")], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=log, start_new_session=True,
                                preexec_fn=harness.die_with_test)
    try:
        harness.wait_until(lambda: "speakerbox is running" in stderr.read_text(),
                           timeout=60, poll_interval=0.05,
                           message=lambda: "the demo to run: " + stderr.read_text())
        text = stderr.read_text()
        bus_pid = int(re.search(r"started a private session bus \(pid (\d+)\)", text).group(1))
        callkitd_pid = _pid_of_child(proc.pid, "callkitd")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        for pid in (bus_pid, callkitd_pid):
            harness.wait_process_gone(pid, "a process of the killed demo")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdin.close()


def _pid_of_child(parent, name):
    """The pid of the child of ``parent`` whose command is ``name``."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open("/proc/%s/comm" % entry) as f:
                comm = f.read().strip()
        except OSError:
            continue
        if int(fields[1]) == parent and comm == name:
            return int(entry)
    raise AssertionError("no %s child of %d" % (name, parent))
