# SPDX-License-Identifier: LGPL-2.1-or-later
"""libcallkit's CkPushRegistry end to end: tests/test-libcallkit-push.c is
a real app on the library (LIBCALLKIT_PUSH_TEST, set by meson) with a
CkProvider, driven through its stdin as test-libcallkit is. Covers the
token and did_update_token, did_receive_push with its metadata, reporting
the announced call in one step (ck_provider_report_push), a missed
deadline, the foreground, unregistering, and registering again by itself
when callkitd restarts or appears late."""

import errno
import os

import pytest

from harness import new_uuid, raises_dbus_error, run_process, wait_until
from push_harness import APP_ID, deliver, now_us, registration
from test_libcallkit import LibcallkitApp
from test_push import callkitd, push_conf  # noqa: F401 - fixtures


@pytest.fixture
def start_push_app(bus, tmp_path):
    """Factory: start_push_app(*args) runs test-libcallkit-push on the
    private bus and returns it once it printed ``ready``."""
    path = os.environ.get("LIBCALLKIT_PUSH_TEST")
    if not path:
        pytest.skip("test-libcallkit-push not built: set LIBCALLKIT_PUSH_TEST "
                    "(meson test does)")
    apps = []

    def start(*args):
        app = LibcallkitApp(path, list(args) or [APP_ID],
                            tmp_path / ("test-libcallkit-push-%d.log" % len(apps)))
        apps.append(app)
        app.expect("ready")
        return app

    yield start
    for app in apps:
        assert app.quit() == 0, "test-libcallkit-push failed: %s" % open(app._log.name).read()


def words(event):
    """key=value words of an event as a dict."""
    return dict(w.split("=", 1) for w in event if "=" in w)


def test_push_and_report_in_one_step(callkitd, client, start_push_app):
    app = start_push_app()
    token = app.ok("token")[2]
    assert token == registration(client)["token"]
    uuid = new_uuid()
    deliver(client, token, b"ring", push_id="p1", call_uuid=uuid, sent_at=now_us(),
            remote_handle=("phone-number", "+4930123"), localized_caller_name="Ada")
    push = words(app.expect("push"))
    assert push == {"payload": "ring", "must_report": "1", "reason": "-", "call": uuid,
                    "push_id": "p1", "handle": "phone-number:+4930123", "name": "Ada",
                    "sent_at": "set", "report_by": "after", "received_at": "set",
                    "transport": "deliver-push", "envelope": "-"}
    assert app.ok("report")[2] == uuid
    props = client.wait_for_call_property(uuid, "State", "ringing")
    assert props["RemoteHandle"] == ("phone-number", "+4930123")
    assert props["LocalizedCallerName"] == "Ada"
    assert registration(client)["pending_reports"] == 0

    # A push naming no call: the helper picks a new UUID.
    app.ok("ended %s remote-ended" % uuid)
    client.wait_for_call_removed(uuid)
    deliver(client, token, b"again", remote_handle=("generic", "bob"))
    assert words(app.expect("push"))["must_report"] == "1"
    other = app.ok("report")[2]
    assert other != uuid
    assert client.wait_for_call(other)["RemoteHandle"] == ("generic", "bob")


@pytest.mark.push_conf(report_deadline_ms=300)
def test_missed_deadline_reaches_the_delegate(client, start_push_app):
    app = start_push_app()
    deliver(client, app.ok("token")[2], b"x", push_id="forgotten")
    app.expect("push")
    assert app.expect("missed")[1] == "forgotten"


def test_registers_again_when_callkitd_restarts(callkitd, client, start_push_app,
                                                 start_daemon, make_client):
    app = start_push_app()
    token = app.ok("token")[2]
    app.ok("foreground 1")
    assert callkitd.stop() == 0
    start_daemon()
    # The same token, and the foreground set again.
    assert app.expect("token")[1] == token
    again = make_client("after-restart")
    wait_until(lambda: registration(again)["foreground"], poll_interval=0.05,
               message="the foreground set again")
    deliver(again, token, b"after")
    assert words(app.expect("push"))["reason"] == "foreground"


def test_registers_when_callkitd_appears(push_conf, start_daemon, start_push_app,
                                         make_client):
    app = start_push_app()
    assert app.events[0] == ["ready", "-"]
    start_daemon()
    token = app.expect("token")[1]
    client = make_client("late")
    assert registration(client)["token"] == token
    deliver(client, token, b"late")
    app.expect("push")


def test_unregister(callkitd, client, start_push_app):
    app = start_push_app()
    token = app.ok("token")[2]
    app.ok("unregister")
    assert app.ok("token")[2] == "-"
    with raises_dbus_error("UnknownPushToken"):
        deliver(client, token, b"x")
    assert app.command("unregister")[2:] == [str(-107), "None"]   # -ENOTCONN


def test_refusal_is_an_error_of_new(callkitd, bus):
    path = os.environ.get("LIBCALLKIT_PUSH_TEST")
    if not path:
        pytest.skip("test-libcallkit-push not built: set LIBCALLKIT_PUSH_TEST")
    out = run_process([path, "not-an-app-id"], env=dict(os.environ, **bus.env))
    assert out.returncode == 1
    # -EBADR: callkitd refused with one of its errors (InvalidArgument).
    assert "ck_push_registry_new: %s" % os.strerror(errno.EBADR) in out.stderr
