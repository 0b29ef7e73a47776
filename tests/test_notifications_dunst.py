# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real notification server: dunst on a headless X server (Xvfb). A
ringing call must become visible on the screen and go away when the call
is answered elsewhere. Set CKD_SCREENSHOT_DIR to keep the screenshot (the
README's comes from here)."""

import os
import shutil
import subprocess

import pytest

import harness
from harness import MANAGER_IFACE, ROOT_PATH, ring, scaled, wait_until

TOOLS = ("dunst", "dunstctl", "Xvfb", "import", "compare")
pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in TOOLS),
    reason="SKIP: needs dunst, Xvfb and ImageMagick "
    "(apt-get install dunst xvfb imagemagick)")

# markup = full is what dunst ships in /etc/xdg/dunst/dunstrc; with its
# built-in "no", dunst unescapes the body and then strips "<sip:...>" as a
# tag, escaped or not.
DUNSTRC = """[global]
    font = Monospace 11
    width = 360
    offset = 16x16
    origin = top-right
    markup = full
"""


@pytest.fixture
def display(tmp_path):
    """A headless X server; ready once it wrote its display number."""
    read_end, write_end = os.pipe()
    log = open(tmp_path / "xvfb.log", "ab")
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-nolock", "-nolisten", "tcp",
         "-nolisten", "unix", "-screen", "0", "640x360x24"],
        pass_fds=(write_end,), stdin=subprocess.DEVNULL, stdout=log,
        stderr=subprocess.STDOUT, preexec_fn=harness.die_with_test)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        number = reader.readline().strip().decode()
    assert number, "Xvfb did not start: %s" % (tmp_path / "xvfb.log").read_text()
    yield ":" + number
    proc.terminate()
    proc.wait(timeout=scaled(10))
    log.close()


@pytest.fixture
def dunst(bus, display, tmp_path):
    """dunst on the private bus and the headless display; returns the
    environment its tools need."""
    env = dict(os.environ)
    env.update(bus.env)
    env["DISPLAY"] = display
    config = tmp_path / "dunstrc"
    config.write_text(DUNSTRC)
    log = open(tmp_path / "dunst.log", "ab")
    proc = subprocess.Popen(["dunst", "-conf", str(config)], env=env,
                            stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT,
                            preexec_fn=harness.die_with_test)
    bus.wait_for_name_owner("org.freedesktop.Notifications", process=proc)
    yield env
    proc.terminate()
    proc.wait(timeout=scaled(10))
    log.close()


def capture(env, path):
    subprocess.run(["import", "-display", env["DISPLAY"], "-window", "root",
                    str(path)], env=env, check=True, timeout=scaled(30),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pixels_changed(env, a, b):
    """How many pixels differ between two PNGs (ImageMagick's AE)."""
    result = subprocess.run(["compare", "-metric", "AE", str(a), str(b),
                             "null:"], env=env, capture_output=True,
                            text=True, timeout=scaled(30))
    return int(float(result.stderr.split()[0]))


def displayed(env):
    result = subprocess.run(["dunstctl", "count", "displayed"], env=env,
                            capture_output=True, text=True, check=True,
                            timeout=scaled(10))
    return int(result.stdout)


def test_ringing_call_is_visible(dunst, app, client, tmp_path):
    env = dunst
    before = tmp_path / "before.png"
    after = tmp_path / "ringing.png"
    capture(env, before)
    wait_until(lambda: "notifications" in client.get_property(
        ROOT_PATH, MANAGER_IFACE, "Capabilities"), poll_interval=0.05,
        message="'notifications' in Capabilities with dunst")

    phone = app.register_provider({"localized_name": "Speakerbox"})
    call = ring(phone, client, localized_caller_name="Alice",
                remote_handle=("generic", "<sip:alice@example.org>"))
    # dunst and the X server are other processes: nothing wakes the loop.
    wait_until(lambda: displayed(env) == 1, poll_interval=0.05,
               message="dunst displaying one notification")

    def shown():
        capture(env, after)
        return pixels_changed(env, before, after) > 1000

    wait_until(shown, timeout=10, poll_interval=0.1,
               message="the notification on the screen")
    if os.environ.get("CKD_SCREENSHOT_DIR"):
        shutil.copy(after, os.path.join(os.environ["CKD_SCREENSHOT_DIR"],
                                        "ringing-call-dunst.png"))

    phone.report_ended(call, "answered-elsewhere")
    wait_until(lambda: displayed(env) == 0, poll_interval=0.05,
               message="dunst closing the notification")
