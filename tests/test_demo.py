# SPDX-License-Identifier: LGPL-2.1-or-later
"""tools/demo.sh --once, the README's run command, against the build under
test (CKD_BUILDDIR, set by meson) on the test's private bus: callkitd and
speakerbox start (and a PipeWire with our module, since none runs in the
test's runtime dir), Alice's call rings, callctl answers it, the audio
decision shows in PipeWire, and the script stops everything it started."""

import os
import subprocess

import pytest

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
        assert '"audio": true' in result.stdout, result.stdout
        assert '"policy":"allowed"' in result.stdout, result.stdout
    assert "stopping speakerbox" in result.stderr
    assert "stopping callkitd" in result.stderr
    bus.wait_for_name_lost("io.github.callkitd.CallKit1")
