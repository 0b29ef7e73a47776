# SPDX-License-Identifier: LGPL-2.1-or-later
"""The desktop people use: a real GNOME Shell 43 (headless) is the
notification server. A ringing call is its banner with Answer and Decline;
a click on Answer, with a virtual pointer, answers the call; the
missed-call banner's Call back calls back. Set CKD_SCREENSHOT_DIR to keep
the screenshots (the README's come from here)."""

import os

import pytest

from gnome_shell_harness import MISSING, SKIP_REASON, GnomeShell
from harness import MANAGER_IFACE, ROOT_PATH, ring, wait_until

pytestmark = pytest.mark.skipif(bool(MISSING), reason=SKIP_REASON)

PROVIDER_CONFIG = {"localized_name": "Speakerbox"}


@pytest.fixture
def shell(bus, system_bus, tmp_path):
    gnome_shell = GnomeShell(bus, system_bus, tmp_path).start()
    yield gnome_shell
    gnome_shell.stop()


@pytest.fixture
def conf_text():
    """What callkitd.conf holds when callkitd starts (None: no file)."""
    return None


@pytest.fixture
def callkitd(shell, bus, conf_text, start_daemon):
    # After the shell: callkitd finds the server there at once.
    if conf_text is not None:
        conf = bus.home / ".config" / "callkitd" / "callkitd.conf"
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(conf_text)
    return start_daemon()


def wait_for_notifications_capability(client):
    wait_until(lambda: "notifications" in client.get_property(
        ROOT_PATH, MANAGER_IFACE, "Capabilities"), poll_interval=0.05,
        message="'notifications' in Capabilities with GNOME Shell")


def screenshot(shell, name):
    directory = os.environ.get("CKD_SCREENSHOT_DIR")
    if directory:
        shell.screenshot(os.path.join(os.path.abspath(directory), name))


def call_titles(shell):
    return [n["title"] for n in shell.notifications()]


def test_answer_from_the_banner(shell, callkitd, app, client):
    wait_for_notifications_capability(client)
    phone = app.register_provider(PROVIDER_CONFIG)
    call = ring(phone, client, localized_caller_name="Alice",
                remote_handle=("generic", "<sip:alice@example.org>"))

    banner = shell.wait_for_banner("Incoming call", expanded=True)
    # As sent: markup, which the shell renders.
    assert banner["body"] == "Alice\n&lt;sip:alice@example.org&gt;\nSpeakerbox"
    assert [b["label"] for b in banner["buttons"]] == ["Answer", "Decline"]
    # Critical: opened expanded, with its buttons.
    assert banner["expanded"] is True
    screenshot(shell, "ringing-call-gnome-shell.png")

    shell.click(banner, "Answer")
    action = phone.wait_for_action("answer-call", call=call)
    phone.fulfill(action.id)
    client.wait_for_call_property(call, "State", "active")
    # The ringing banner goes, the ongoing call's comes.
    wait_until(lambda: "Incoming call" not in call_titles(shell),
               poll_interval=0.1, message="the ringing notification gone")
    banner = shell.hover(shell.wait_for_banner("Ongoing call"))
    assert banner["body"].startswith("Alice\n&lt;sip:alice@example.org&gt;\nSpeakerbox\n")
    assert [b["label"] for b in banner["buttons"]] == ["Hang up", "Mute", "Hold"]
    screenshot(shell, "ongoing-call-gnome-shell.png")

    shell.click(banner, "Mute")
    action = phone.wait_for_action("set-muted", call=call)
    assert action.parameters["muted"] is True


def test_decline_from_the_banner(shell, callkitd, app, client):
    wait_for_notifications_capability(client)
    phone = app.register_provider(PROVIDER_CONFIG)
    call = ring(phone, client, localized_caller_name="Bob")

    shell.click(shell.wait_for_banner("Incoming call", expanded=True), "Decline")
    phone.fulfill(phone.wait_for_action("end-call", call=call).id)
    props = client.wait_for_call_property(call, "State", "ended")
    assert props["EndedReason"] == "declined"
    wait_until(lambda: "Incoming call" not in call_titles(shell),
               poll_interval=0.1, message="the ringing notification gone")


def test_call_back_from_the_missed_call_banner(shell, callkitd, app, client):
    wait_for_notifications_capability(client)
    phone = app.register_provider(PROVIDER_CONFIG)
    handle = ("phone-number", "+4930123")
    call = ring(phone, client, localized_caller_name="Carol",
                remote_handle=handle)
    shell.wait_for_banner("Incoming call")

    phone.report_ended(call, "remote-ended")
    banner = shell.wait_for_banner("Missed call from Carol")
    assert banner["body"] == "+4930123\nSpeakerbox"
    # Normal urgency: the buttons show once the user points at it.
    banner = shell.hover(banner)
    assert [b["label"] for b in banner["buttons"]] == ["Call back", "Dismiss"]
    screenshot(shell, "missed-call-gnome-shell.png")

    shell.click(banner, "Call back")
    start = phone.wait_for_action("start-call")
    assert start.call != call
    assert tuple(start.parameters["handle"]) == handle
    client.wait_for_call(start.call)
    # Called back: seen, so its notification goes.
    wait_until(lambda: "Missed call from Carol" not in call_titles(shell),
               poll_interval=0.1, message="the missed call's notification gone")


def lock_screen_texts(shell):
    return [source for source in shell.lock_screen() if source["visible"]]


@pytest.fixture
def locked(shell):
    """The shell in its lock screen's session mode, as if locked (locking
    for real needs GDM and logind): no banners, so notifications stay
    unseen, and the lock screen lists them."""
    shell.eval("imports.ui.main.sessionMode.pushMode('unlock-dialog'); 'ok'")
    yield
    shell.eval("imports.ui.main.sessionMode.popMode('unlock-dialog'); 'ok'")


def wait_for_notification(shell, title):
    return wait_until(lambda: next((n for n in shell.notifications()
                                    if n["title"] == title), None),
                      poll_interval=0.1, message="a notification %r" % title)


def test_ringing_call_on_the_lock_screen(shell, callkitd, app, client, locked):
    wait_for_notifications_capability(client)
    phone = app.register_provider(PROVIDER_CONFIG)
    ring(phone, client, localized_caller_name="Alice")
    wait_for_notification(shell, "Incoming call")
    # Who calls, not only that an app has something; marked critical.
    assert lock_screen_texts(shell) == [{
        "texts": ["callkitd", "Incoming call Alice Speakerbox"],
        "visible": True, "critical": True}]


@pytest.mark.parametrize("conf_text", [
    "[Notifications]\ncaller-on-lock-screen=false\n"])
def test_caller_kept_off_the_lock_screen(shell, callkitd, app, client, locked):
    wait_for_notifications_capability(client)
    phone = app.register_provider(PROVIDER_CONFIG)
    ring(phone, client, localized_caller_name="Alice")
    wait_for_notification(shell, "Incoming call")
    # The app and a count (1: not shown) alone.
    assert lock_screen_texts(shell) == [{
        "texts": ["callkitd"], "visible": True, "critical": True}]
