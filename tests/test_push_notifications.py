# SPDX-License-Identifier: LGPL-2.1-or-later
"""What pushes show on the desktop: a stale push (or one whose app never
came back) that names its caller is a missed call, kept in the history
and shown like one that rang out, and never rung; a violation of an app
registered for development is a notification for its developer. Against
python-dbusmock's notification server, as test_notifications.py."""

import pytest

from harness import call_path, new_uuid, raises_dbus_error
from history_harness import entry_of, get_entries, missed_count
from push_harness import (
    PushApp, deliver, installed_once, now_us, registration, write_push_conf)
from test_notifications import (  # noqa: F401 - fixtures
    server, start_server, wait_for_capability)

SECOND = 1000000


@pytest.fixture
def callkitd(request, bus, start_server, start_daemon):
    marker = request.node.get_closest_marker("push_conf")
    keys = dict(marker.kwargs) if marker else {}
    keys.setdefault("unifiedpush", False)
    write_push_conf(bus, **keys)
    start_server()
    return start_daemon()


@pytest.fixture
def push_app(app, client):
    wait_for_capability(client)
    pushes = PushApp(app)
    pushes.register()
    yield pushes
    pushes.close()


def test_stale_push_with_a_caller_is_a_missed_call(client, push_app, server):
    uuid = new_uuid()
    # The app runs and has a provider of its app id: the missed call says
    # its name and is called back through it.
    provider = push_app.client.register_provider(
        {"localized_name": "Voip Phone", "icon_name": "org.example.VoipApp",
         "desktop_entry": "org.example.VoipApp"})
    deliver(client, push_app.token, b"late", call_uuid=uuid, sent_at=now_us() - 90 * SECOND,
            remote_handle=("phone-number", "+4930123"), localized_caller_name="Ada")
    assert push_app.wait_push().metadata["reason"] == "stale"
    missed = server.wait_for_notify("call.unanswered")
    assert missed[2:6] == ("org.example.VoipApp", "Missed call from Ada",
                           "+4930123\nVoip Phone", ["call-back", "Call back", "dismiss",
                                                    "Dismiss"])
    assert missed[6]["desktop-entry"] == "org.example.VoipApp"
    server.settle(client)
    # It never rang: no ringing notification, no call on the bus.
    assert server.notifies("call.incoming") == []
    assert call_path(uuid) not in client.managed_objects()
    # The history has it, as a missed call its push came too late for.
    entry = entry_of(client, uuid)
    assert (entry["missed"], entry["seen"], entry["filtered"]) == (True, False, "stale-push")
    assert (entry["app_id"], entry["provider_name"]) == ("org.example.VoipApp", "Voip Phone")
    assert tuple(entry["remote_handle"]) == ("phone-number", "+4930123")
    assert entry["localized_caller_name"] == "Ada"
    assert missed_count(client) == 1
    server.invoke(server.notification_id(missed), "call-back")
    start = provider.wait_for_action("start-call")
    assert tuple(start.parameters["handle"]) == ("phone-number", "+4930123")


def test_stale_push_of_an_app_without_provider(client, push_app, server):
    deliver(client, push_app.token, b"late", sent_at=now_us() - 90 * SECOND,
            remote_handle=("phone-number", "+4930123"))
    missed = server.wait_for_notify("call.unanswered")
    # Named by its app id (there is no .desktop file here); Call back is
    # there all the same: it would start the app (History.CallBack).
    assert missed[3:6] == ("Missed call from +4930123", "org.example.VoipApp",
                           ["call-back", "Call back", "dismiss", "Dismiss"])
    [entry] = get_entries(client)
    assert (entry["call"], entry["filtered"]) == ("", "stale-push")


def test_stale_push_without_a_caller_is_no_missed_call(client, push_app, server):
    uuid = new_uuid()
    deliver(client, push_app.token, b"late", call_uuid=uuid, sent_at=now_us() - 90 * SECOND)
    push_app.wait_push()
    server.settle(client)
    assert server.notifies("call.unanswered") == []
    assert get_entries(client) == []
    provider = push_app.client.register_provider({"localized_name": "Voip Phone"})
    with raises_dbus_error("CallUUIDAlreadyExists"):
        provider.report_incoming(uuid)


@pytest.mark.push_conf(report_deadline_ms=300)
def test_violation_of_a_development_app_is_shown(client, push_app, server):
    push_app.register(development=True)
    deliver(client, push_app.token, b"x", push_id="dev-1")
    push_app.wait_deadline_missed()
    notice = server.wait_for_notify("x-callkitd.developer")
    assert notice[3] == "org.example.VoipApp broke a rule of callkitd"
    assert "dev-1" in notice[4] and "300 ms" in notice[4]


@pytest.mark.push_conf(report_deadline_ms=300)
def test_violation_of_a_released_app_is_not_shown(client, push_app, server):
    deliver(client, push_app.token, b"x", push_id="rel-1")
    push_app.wait_deadline_missed()
    server.settle(client)
    assert server.notifies("x-callkitd.developer") == []
    assert registration(client)["violations"] == 1


@pytest.mark.push_conf(activation_timeout_ms=300)
def test_push_whose_app_never_came_back_is_a_missed_call(client, make_client, server):
    wait_for_capability(client)
    token = installed_once(client, make_client)
    assert deliver(client, token, b"x", localized_caller_name="Bob",
                   remote_handle=("generic", "bob")) == "queued"
    missed = server.wait_for_notify("call.unanswered")
    assert missed[3] == "Missed call from Bob"
    assert registration(client)["outcomes"]["missed"] == 1
    [entry] = get_entries(client)
    assert (entry["missed"], entry["filtered"]) == (True, "push-undelivered")
