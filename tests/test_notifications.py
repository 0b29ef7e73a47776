# SPDX-License-Identifier: LGPL-2.1-or-later
"""Desktop notifications for ringing and missed calls, against
python-dbusmock's notification_daemon template on the private bus."""

import errno
import os
import re
import signal

import pytest
from gi.repository import GLib

from harness import (MANAGER_IFACE, ROOT_PATH, drain_main_context, new_uuid,
                     ring, wait_until)

NOTIFICATIONS_NAME = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
NOTIFICATIONS_IFACE = "org.freedesktop.Notifications"
MOCK_IFACE = "org.freedesktop.DBus.Mock"
CAPABILITIES = {"capabilities": "body body-markup actions persistence"}

RINGING_ACTIONS = ["default", "Show", "answer", "Answer", "decline", "Decline"]
MISSED_ACTIONS = ["call-back", "Call back", "dismiss", "Dismiss"]
PROVIDER_CONFIG = {
    "localized_name": "Speakerbox",
    "icon_name": "org.example.Speakerbox",
    "desktop_entry": "org.example.Speakerbox",
}


class NotificationServer:
    """The mock server seen from a test client: every method callkitd
    called on it, in order (from the mock's MethodCalled signal, so that
    waiting needs no polling), and a way to make it emit signals."""

    def __init__(self, client):
        self.client = client
        self.methods = []
        client.connection.signal_subscribe(
            None, MOCK_IFACE, "MethodCalled", NOTIFICATIONS_PATH, None, 0,
            self._on_method_called)

    def _on_method_called(self, connection, sender, path, iface, member,
                          params):
        name, args = params.unpack()
        self.methods.append((name, tuple(args)))

    def settle(self, daemon_client):
        """Afterwards callkitd has had every reply the mock sent so far,
        and every call callkitd made on the server up to now is in
        ``methods``: a round trip to the mock (its earlier replies are
        out), a method call callkitd handles on its main loop (Ping would
        be answered by GDBus's worker thread), then another round trip to
        the mock, which sends MethodCalled before any later reply."""
        self._mock_round_trip()
        daemon_client.get_property(ROOT_PATH, MANAGER_IFACE, "Version")
        self._mock_round_trip()
        drain_main_context()

    def sync(self):
        """Afterwards every call made on the server up to now is in
        ``methods`` (when callkitd is gone: no settle needed)."""
        self._mock_round_trip()
        drain_main_context()

    def _mock_round_trip(self):
        self.client.call(NOTIFICATIONS_PATH, MOCK_IFACE, "GetCalls",
                         dest=NOTIFICATIONS_NAME)

    def calls(self, method):
        return [args for name, args in self.methods if name == method]

    def wait_for(self, method, count=1):
        """The first ``count`` calls of ``method``, once they were made."""
        __tracebackhide__ = True
        return wait_until(
            lambda: self.calls(method)[:count]
            if len(self.calls(method)) >= count else None,
            message=lambda: "%d %s call(s) (seen: %s)" % (
                count, method, [m for m, _ in self.methods]))

    def notifies(self, category, fresh=False):
        """Notify calls of ``category``; ``fresh``: only those that asked
        for a new notification (not updates in place)."""
        return [a for a in self.calls("Notify")
                if a[6].get("category") == category
                and not (fresh and a[1] != 0)]

    def wait_for_notify(self, category, count=1, fresh=False):
        """The ``count``-th Notify of ``category``, once it was made."""
        __tracebackhide__ = True
        return wait_until(
            lambda: self.notifies(category, fresh)[count - 1]
            if len(self.notifies(category, fresh)) >= count else None,
            message=lambda: "%d Notify of category %s (seen: %s)" % (
                count, category,
                [a[6].get("category") for a in self.calls("Notify")]))

    def notification_id(self, notify_args):
        """The id the mock gave a Notify that asked for a new one: ids
        count up from 1 in the order of those calls."""
        fresh = [a for a in self.calls("Notify") if a[1] == 0]
        return fresh.index(notify_args) + 1

    def emit(self, name, signature, *args):
        values = [GLib.Variant(t, v) for t, v in zip(signature, args)]
        self.client.call(
            NOTIFICATIONS_PATH, MOCK_IFACE, "EmitSignal",
            GLib.Variant("(sssav)", (NOTIFICATIONS_IFACE, name, signature,
                                     values)),
            dest=NOTIFICATIONS_NAME)

    def invoke(self, notification_id, key):
        self.emit("ActionInvoked", "us", notification_id, key)

    def close(self, notification_id, reason):
        self.emit("NotificationClosed", "uu", notification_id, reason)


@pytest.fixture
def server_at_start():
    """Whether the notification server runs before callkitd starts."""
    return True


@pytest.fixture
def server(make_client):
    """The observer of the mock server, subscribed before anything starts."""
    return NotificationServer(make_client("observer"))


@pytest.fixture
def start_server(dbusmock_template, server):
    return lambda: dbusmock_template("notification_daemon", CAPABILITIES)


@pytest.fixture
def callkitd(request, server_at_start, start_server, start_daemon):
    """As conftest's, with @pytest.mark.callkitd_args, after the server."""
    if server_at_start:
        start_server()
    marker = request.node.get_closest_marker("callkitd_args")
    return start_daemon(*(marker.args if marker is not None else ()))


def capabilities(client):
    return client.get_property(ROOT_PATH, MANAGER_IFACE, "Capabilities")


def wait_for_capability(client, present=True):
    """Wait until Capabilities has (or lacks) "notifications". Its
    PropertiesChanged wakes the wait and the value is read with Get; as
    that signal can be dispatched inside the Get's own round trip, a
    re-check every 50 ms makes sure it is not missed."""
    subscription = client.connection.signal_subscribe(
        None, "org.freedesktop.DBus.Properties", "PropertiesChanged",
        ROOT_PATH, MANAGER_IFACE, 0, lambda *args: None)
    try:
        wait_until(lambda: ("notifications" in capabilities(client)) == present,
                   message="'notifications' %s Capabilities"
                   % ("in" if present else "out of"), poll_interval=0.05)
    finally:
        client.connection.signal_unsubscribe(subscription)


@pytest.fixture
def phone(app, client):
    """A provider with a name, an icon and a desktop entry, once callkitd
    knows the server."""
    wait_for_capability(client)
    return app.register_provider(PROVIDER_CONFIG)


def ringing_notification(server, index=1):
    return server.wait_for("Notify", index)[index - 1]


def test_ringing_notify_arguments(client, phone, server):
    assert "notifications" in capabilities(client)
    ring(phone, client, localized_caller_name="Alice",
         remote_handle=("generic", "<sip:alice@example.org>"), has_video=True)

    notify = ringing_notification(server)
    assert notify == (
        "callkitd", 0, "org.example.Speakerbox", "Incoming video call",
        "Alice\n&lt;sip:alice@example.org&gt;\nSpeakerbox",
        RINGING_ACTIONS,
        {"category": "call.incoming", "urgency": 2, "resident": True,
         "desktop-entry": "org.example.Speakerbox",
         "x-gnome-privacy-scope": "system"},
        0)
    server.settle(client)
    assert len(server.calls("Notify")) == 1


def test_unknown_caller(app, client, server):
    wait_for_capability(client)
    plain = app.register_provider({"localized_name": "Plain"})
    ring(plain, client)

    app_name, replaces, icon, summary, body, actions, hints, expire = \
        ringing_notification(server)
    assert (icon, summary, body) == ("call-start", "Incoming call",
                                     "Unknown caller\nPlain")
    assert actions == RINGING_ACTIONS
    assert "desktop-entry" not in hints


def test_handle_is_the_caller_when_there_is_no_name(client, phone, server):
    ring(phone, client, remote_handle=("phone-number", "+4930123"))
    notify = ringing_notification(server)
    assert (notify[3], notify[4]) == ("Incoming call", "+4930123\nSpeakerbox")


# A name that would reorder its line (RIGHT-TO-LEFT OVERRIDE), ring the
# terminal bell and colour it (an ANSI escape), and break the body.
HOSTILE = "Bob\u202etxt.exe\x07\x1b[31mred\nline\u2066x\u2069"


def test_control_and_bidi_characters_cleaned(app, client, server):
    """What reaches the notification server has no control or bidi
    character: each is shown as U+FFFD, a line break as a space. The call
    keeps the name as reported on the bus."""
    wait_for_capability(client)
    phone = app.register_provider({"localized_name": "Phone\u202e\x1b[0m"})
    call = ring(phone, client, localized_caller_name=HOSTILE,
                remote_handle=("generic", "sip:\u202ebob\x07@example.org"))
    notify = ringing_notification(server)
    summary, body = notify[3], notify[4]
    assert summary == "Incoming call"
    assert body == ("Bob\ufffdtxt.exe\ufffd\ufffd[31mred line\ufffdx\ufffd\n"
                    "sip:\ufffdbob\ufffd@example.org\nPhone\ufffd\ufffd[0m")
    for text in (summary, body):
        assert not any(ord(c) < 0x20 and c != "\n" for c in text), text
        assert not any(0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069
                       for c in text), text
    # Raw on the bus: the API carries what was reported.
    assert client.get_call_properties(call)["LocalizedCallerName"] == HOSTILE


def test_answer_action(client, phone, server):
    call = ring(phone, client, localized_caller_name="Alice")
    nid = server.notification_id(ringing_notification(server))

    server.invoke(nid, "answer")
    action = phone.wait_for_action("answer-call", call=call)
    phone.fulfill(action.id)
    client.wait_for_call_property(call, "State", "active")
    assert server.wait_for("CloseNotification") == [(nid,)]
    phone.assert_no_signal("PerformAction")


def test_decline_action(client, phone, server):
    call = ring(phone, client, localized_caller_name="Alice")
    nid = server.notification_id(ringing_notification(server))

    server.invoke(nid, "decline")
    action = phone.wait_for_action("end-call", call=call)
    phone.fulfill(action.id)
    props = client.wait_for_call_property(call, "State", "ended")
    assert props["EndedReason"] == "declined"
    assert server.wait_for("CloseNotification") == [(nid,)]
    server.settle(client)
    # A declined call is not a missed one.
    assert len(server.calls("Notify")) == 1


def test_default_action_asks_the_provider_to_show_the_call(client, phone,
                                                           server):
    call = ring(phone, client)
    nid = server.notification_id(ringing_notification(server))

    server.invoke(nid, "default")
    signal_ = phone.wait_for_signal("ShowCallRequested")
    assert signal_.args == (call,)
    assert signal_.path == phone.path
    phone.assert_no_signal("PerformAction")
    assert client.get_call_properties(call)["State"] == "ringing"


def test_actions_of_other_notifications_are_ignored(client, phone, server):
    call = ring(phone, client)
    nid = server.notification_id(ringing_notification(server))

    server.invoke(nid + 100, "answer")
    server.invoke(nid + 100, "default")
    server.settle(client)
    phone.assert_no_signal("PerformAction")
    phone.assert_no_signal("ShowCallRequested")
    # The real one still works afterwards.
    server.invoke(nid, "answer")
    phone.wait_for_action("answer-call", call=call)


def test_stale_action_does_nothing(client, phone, server):
    phone.auto_fulfill = True
    call = ring(phone, client)
    nid = server.notification_id(ringing_notification(server))
    server.invoke(nid, "answer")
    client.wait_for_call_property(call, "State", "active")
    server.wait_for("CloseNotification")

    server.invoke(nid, "answer")
    server.invoke(nid, "decline")
    server.settle(client)
    phone.wait_for_action("answer-call", call=call)
    phone.assert_no_signal("PerformAction")
    assert client.get_call_properties(call)["State"] == "active"


def test_closed_when_answered_elsewhere(client, phone, server):
    call = ring(phone, client, localized_caller_name="Alice")
    nid = server.notification_id(ringing_notification(server))

    phone.report_ended(call, "answered-elsewhere")
    assert server.wait_for("CloseNotification") == [(nid,)]
    server.settle(client)
    assert len(server.calls("Notify")) == 1


def test_missed_call_and_call_back(client, phone, server):
    handle = ("phone-number", "+4930123")
    call = ring(phone, client, localized_caller_name="Alice",
                remote_handle=handle)
    nid = server.notification_id(ringing_notification(server))

    phone.report_ended(call, "remote-ended")
    assert server.wait_for("CloseNotification") == [(nid,)]
    missed = server.wait_for("Notify", 2)[1]
    assert missed == (
        "callkitd", 0, "org.example.Speakerbox", "Missed call from Alice",
        "+4930123\nSpeakerbox", MISSED_ACTIONS,
        {"category": "call.unanswered", "urgency": 1,
         "desktop-entry": "org.example.Speakerbox"},
        0)

    server.invoke(server.notification_id(missed), "call-back")
    start = phone.wait_for_action("start-call")
    assert start.call != call
    assert tuple(start.parameters["handle"]) == handle
    client.wait_for_call(start.call)
    assert client.get_call_properties(start.call)["IsOutgoing"] is True


def test_unanswered_call_is_missed(client, phone, server):
    call = ring(phone, client, remote_handle=("generic", "bob"))
    ringing_notification(server)

    phone.report_ended(call, "unanswered")
    missed = server.wait_for("Notify", 2)[1]
    assert missed[3] == "Missed call from bob"


@pytest.mark.parametrize("reason", ["answered-elsewhere", "declined-elsewhere",
                                    "failed"])
def test_no_missed_call_for_other_reasons(client, phone, server, reason):
    call = ring(phone, client)
    ringing_notification(server)
    phone.report_ended(call, reason)
    server.wait_for("CloseNotification")
    server.settle(client)
    assert len(server.calls("Notify")) == 1


def test_dismissed_call_is_not_shown_again_but_can_be_answered(client, phone,
                                                               server):
    call = ring(phone, client, localized_caller_name="Alice")
    nid = server.notification_id(ringing_notification(server))

    server.close(nid, 2)
    server.settle(client)
    # A change that would update the notification shows nothing now.
    phone.report_updated(call, localized_caller_name="Alice Liddell")
    server.settle(client)
    assert len(server.calls("Notify")) == 1
    assert client.get_call_properties(call)["State"] == "ringing"

    phone.auto_fulfill = True
    client.call_method(call, "Answer")
    client.wait_for_call_property(call, "State", "active")


def test_update_in_place(client, phone, server):
    call = ring(phone, client, localized_caller_name="Alice")
    nid = server.notification_id(ringing_notification(server))

    phone.report_updated(call, localized_caller_name="Alice Liddell")
    update = server.wait_for("Notify", 2)[1]
    assert update[1] == nid
    assert update[4] == "Alice Liddell\nSpeakerbox"


def test_hold_and_answer(client, phone, server):
    phone.auto_fulfill = True
    first = ring(phone, client, supports_holding=True)
    ringing_notification(server)
    client.call_method(first, "Answer")
    client.wait_for_call_property(first, "State", "active")
    phone.clear_signals()

    second = ring(phone, client, localized_caller_name="Bob")
    notify = server.wait_for_notify("call.incoming", 2, fresh=True)
    assert notify[5] == ["default", "Show", "hold-answer", "Hold & Answer",
                         "end-answer", "End & Answer", "decline", "Decline"]

    server.invoke(server.notification_id(notify), "hold-answer")
    held = phone.wait_for_action("set-held", call=first)
    assert held.parameters["on_hold"] is True
    phone.wait_for_action("answer-call", call=second)
    client.wait_for_call_property(second, "State", "active")
    client.wait_for_call_property(first, "IsOnHold", True)


def test_end_and_answer(client, phone, server):
    phone.auto_fulfill = True
    first = ring(phone, client, supports_holding=False)
    ringing_notification(server)
    client.call_method(first, "Answer")
    client.wait_for_call_property(first, "State", "active")
    phone.clear_signals()

    second = ring(phone, client)
    notify = server.wait_for_notify("call.incoming", 2, fresh=True)
    # The first call cannot be held.
    assert notify[5] == ["default", "Show", "end-answer", "End & Answer",
                         "decline", "Decline"]

    server.invoke(server.notification_id(notify), "end-answer")
    phone.wait_for_action("end-call", call=first)
    phone.wait_for_action("answer-call", call=second)
    props = client.wait_for_call_property(first, "State", "ended")
    assert props["EndedReason"] == "hung-up"
    client.wait_for_call_property(second, "State", "active")


@pytest.mark.parametrize("server_at_start", [False])
def test_without_server(app, client, server, callkitd):
    assert "notifications" not in capabilities(client)
    phone = app.register_provider(PROVIDER_CONFIG)
    phone.auto_fulfill = True
    call = ring(phone, client)
    ring(phone, client)
    client.call_method(call, "Answer")
    client.wait_for_call_property(call, "State", "active")
    assert server.methods == []
    # Said once, not per call.
    assert callkitd.log_text().count("no notification server") == 1


@pytest.mark.parametrize("server_at_start", [False])
def test_server_appearing_later_shows_ringing_calls(app, client, server,
                                                    start_server):
    phone = app.register_provider(PROVIDER_CONFIG)
    call = ring(phone, client, localized_caller_name="Alice")
    assert "notifications" not in capabilities(client)

    start_server()
    wait_for_capability(client)
    notify = ringing_notification(server)
    assert notify[4] == "Alice\nSpeakerbox"
    nid = server.notification_id(notify)
    server.invoke(nid, "answer")
    phone.wait_for_action("answer-call", call=call)


@pytest.mark.parametrize("server_at_start", [False])
def test_server_restart_shows_ringing_calls_again(app, client, server,
                                                  start_server):
    process = start_server()
    wait_for_capability(client)
    phone = app.register_provider(PROVIDER_CONFIG)
    ring(phone, client, localized_caller_name="Alice")
    ringing_notification(server)

    process.terminate()
    process.wait()
    wait_for_capability(client, present=False)

    start_server()
    wait_for_capability(client)
    notify = server.wait_for("Notify", 2)[1]
    assert (notify[1], notify[4]) == (0, "Alice\nSpeakerbox")


@pytest.mark.parametrize("how", ["reset", "invalidate", "app-leaves"])
def test_closed_when_the_provider_goes(app, client, phone, server, how):
    call = ring(phone, client)
    nid = server.notification_id(ringing_notification(server))

    if how == "reset":
        phone.reset()
    elif how == "invalidate":
        phone.invalidate()
    else:
        app.close()
    assert server.wait_for("CloseNotification") == [(nid,)]
    client.wait_for_call_removed(call)
    server.settle(client)
    # Ended as failed: not a missed call.
    assert len(server.calls("Notify")) == 1


def test_closed_when_callkitd_stops(client, phone, server, callkitd):
    ring(phone, client)
    nid = server.notification_id(ringing_notification(server))
    # callkitd knows the id only once the reply to Notify arrived.
    server.settle(client)

    callkitd.stop()
    assert server.wait_for("CloseNotification") == [(nid,)]


ONGOING_HINTS = {"category": "call", "urgency": 1, "resident": True,
                 "desktop-entry": "org.example.Speakerbox"}


DURATION = re.compile(r"\n(\d+:)?\d+:\d\d$")


def without_duration(body):
    """An ongoing call's body without its last line, the call's duration
    (which depends on how fast the test runs); asserts it is there."""
    __tracebackhide__ = True
    assert DURATION.search(body), "no duration in %r" % body
    return DURATION.sub("", body)


def answered_call(client, phone, server):
    """A call rung, answered from its notification, its ongoing
    notification shown; returns (uuid, ongoing Notify arguments)."""
    call = ring(phone, client, localized_caller_name="Alice",
                remote_handle=("phone-number", "+4930123"))
    server.invoke(server.notification_id(ringing_notification(server)),
                  "answer")
    phone.fulfill(phone.wait_for_action("answer-call", call=call).id)
    return call, server.wait_for_notify("call")


def test_ongoing_notification(client, phone, server):
    call, ongoing = answered_call(client, phone, server)
    assert ongoing[:4] + (without_duration(ongoing[4]),) + ongoing[5:] == (
        "callkitd", 0, "org.example.Speakerbox", "Ongoing call",
        "Alice\n+4930123\nSpeakerbox",
        ["default", "Show", "hang-up", "Hang up", "mute", "Mute", "hold",
         "Hold"],
        ONGOING_HINTS, 0)
    server.settle(client)
    assert len(server.notifies("call")) == 1


def test_ongoing_mute_and_hold_update_in_place(client, phone, server):
    call, ongoing = answered_call(client, phone, server)
    nid = server.notification_id(ongoing)

    server.invoke(nid, "mute")
    action = phone.wait_for_action("set-muted", call=call)
    assert action.parameters["muted"] is True
    phone.fulfill(action.id)
    muted = server.wait_for_notify("call", 2)
    assert muted[1] == nid
    assert muted[3] == "Ongoing call"
    assert without_duration(muted[4]) == "Alice\n+4930123\nSpeakerbox\nMuted"
    assert muted[5] == ["default", "Show", "hang-up", "Hang up", "unmute",
                        "Unmute", "hold", "Hold"]

    server.invoke(nid, "hold")
    action = phone.wait_for_action("set-held", call=call)
    assert action.parameters["on_hold"] is True
    phone.fulfill(action.id)
    held = server.wait_for_notify("call", 3)
    assert held[1] == nid
    assert held[3] == "Call on hold"
    assert without_duration(held[4]) == "Alice\n+4930123\nSpeakerbox\nMuted"
    assert held[5] == ["default", "Show", "hang-up", "Hang up", "unmute",
                       "Unmute", "resume", "Resume"]

    server.invoke(nid, "resume")
    action = phone.wait_for_action("set-held", call=call)
    assert action.parameters["on_hold"] is False
    server.invoke(nid, "unmute")
    action2 = phone.wait_for_action("set-muted", call=call)
    assert action2.parameters["muted"] is False


def test_ongoing_hang_up_closes_it(client, phone, server):
    call, ongoing = answered_call(client, phone, server)
    nid = server.notification_id(ongoing)

    server.invoke(nid, "hang-up")
    phone.fulfill(phone.wait_for_action("end-call", call=call).id)
    props = client.wait_for_call_property(call, "State", "ended")
    assert props["EndedReason"] == "hung-up"
    assert server.wait_for("CloseNotification", 2)[1] == (nid,)
    server.settle(client)
    assert server.notifies("call.unanswered") == []


def test_ongoing_for_outgoing_call(client, phone, server):
    phone.auto_fulfill = True
    call = new_uuid()
    client.request_transaction([{
        "type": "start-call", "call": call,
        "handle": ("phone-number", "+4930999"),
        "provider": ("o", phone.path)}])
    client.wait_for_call(call)
    phone.report_outgoing_connected(call)
    ongoing = server.wait_for_notify("call")
    assert (ongoing[3], without_duration(ongoing[4])) == (
        "Ongoing call", "+4930999\nSpeakerbox")
    assert server.notifies("call.incoming") == []


@pytest.mark.callkitd_args("--no-ringing-notifications")
def test_ringing_notifications_turned_off(client, phone, server):
    phone.auto_fulfill = True
    call = ring(phone, client)
    client.call_method(call, "Answer")
    server.wait_for_notify("call")
    assert server.notifies("call.incoming") == []


@pytest.mark.callkitd_args("--no-ongoing-notifications")
def test_ongoing_notifications_turned_off(client, phone, server):
    phone.auto_fulfill = True
    call = ring(phone, client)
    ringing_notification(server)
    client.call_method(call, "Answer")
    server.wait_for("CloseNotification")
    server.settle(client)
    assert server.notifies("call") == []


@pytest.mark.callkitd_args("--no-missed-call-notifications")
def test_missed_call_notifications_turned_off(client, phone, server):
    call = ring(phone, client)
    ringing_notification(server)
    phone.report_ended(call, "remote-ended")
    server.wait_for("CloseNotification")
    server.settle(client)
    assert server.notifies("call.unanswered") == []


@pytest.mark.callkitd_args("--transient-missed-calls")
def test_transient_missed_calls(client, phone, server):
    call = ring(phone, client)
    ringing_notification(server)
    phone.report_ended(call, "unanswered")
    assert server.wait_for_notify("call.unanswered")[7] == -1


def test_unknown_caller_missed_has_no_call_back(client, phone, server):
    call = ring(phone, client)
    ringing_notification(server)
    phone.report_ended(call, "remote-ended")
    missed = server.wait_for_notify("call.unanswered")
    assert missed[3] == "Missed call from Unknown caller"
    assert missed[5] == ["dismiss", "Dismiss"]

    nid = server.notification_id(missed)
    server.invoke(nid, "call-back")
    assert server.wait_for("CloseNotification", 2)[1] == (nid,)
    phone.assert_no_signal("PerformAction")


def test_provider_configuration_change_updates_in_place(client, phone, server):
    ring(phone, client, localized_caller_name="Alice")
    nid = server.notification_id(ringing_notification(server))

    phone.set_configuration(dict(PROVIDER_CONFIG, localized_name="Speakerbox Pro",
                                 icon_name="org.example.Pro"))
    update = server.wait_for("Notify", 2)[1]
    assert update[1:5] == (nid, "org.example.Pro", "Incoming call",
                           "Alice\nSpeakerbox Pro")


def test_actions_from_others_than_the_server_are_ignored(client, phone, server,
                                                         make_client):
    call = ring(phone, client)
    nid = server.notification_id(ringing_notification(server))

    # Another client sends the server's signal from its own connection.
    impostor = make_client("impostor")
    impostor.connection.emit_signal(
        None, NOTIFICATIONS_PATH, NOTIFICATIONS_IFACE, "ActionInvoked",
        GLib.Variant("(us)", (nid, "answer")))
    impostor.connection.flush_sync(None)
    server.settle(client)
    phone.assert_no_signal("PerformAction")

    server.invoke(nid, "answer")
    phone.wait_for_action("answer-call", call=call)


def test_server_reusing_an_id(client, phone, server):
    # A server that gives every notification the same id: each new one
    # replaces the one before.
    server.client.call(
        NOTIFICATIONS_PATH, MOCK_IFACE, "AddMethod",
        GLib.Variant("(sssss)", (NOTIFICATIONS_IFACE, "Notify",
                                 "susssasa{sv}i", "u", "ret = 7")),
        dest=NOTIFICATIONS_NAME)
    first = ring(phone, client)
    second = ring(phone, client)
    server.wait_for("Notify", 2)
    server.settle(client)

    phone.report_ended(first, "failed")
    phone.report_ended(second, "failed")
    client.wait_for_call_removed(second)
    server.settle(client)
    assert server.calls("CloseNotification") == [(7,)]


def missed_call(client, phone, server, name="Alice", **update):
    """A call that rang and was missed; returns its missed Notify."""
    call = ring(phone, client, localized_caller_name=name,
                remote_handle=("phone-number", "+4930123"), **update)
    phone.report_ended(call, "remote-ended")
    return wait_until(
        lambda: next((n for n in server.notifies("call.unanswered")
                      if n[3] == "Missed call from " + name), None),
        message="the missed-call notification of %s" % name)


def restart_server(client, process, start_server):
    process.terminate()
    process.wait()
    wait_for_capability(client, present=False)
    start_server()
    wait_for_capability(client)


@pytest.mark.parametrize("server_at_start", [False])
def test_server_restart_shows_missed_calls_again(app, client, server,
                                                 start_server):
    process = start_server()
    wait_for_capability(client)
    phone = app.register_provider(PROVIDER_CONFIG)
    missed = missed_call(client, phone, server)

    restart_server(client, process, start_server)
    again = server.wait_for_notify("call.unanswered", 2)
    assert again == missed
    # The new one works like the first; the new server counts ids from 1.
    server.invoke(1, "call-back")
    start = phone.wait_for_action("start-call")
    assert tuple(start.parameters["handle"]) == ("phone-number", "+4930123")
    client.wait_for_call(start.call)


@pytest.mark.parametrize("server_at_start", [False])
@pytest.mark.callkitd_args("--transient-missed-calls")
def test_server_restart_forgets_expiring_missed_calls(app, client, server,
                                                      start_server):
    process = start_server()
    wait_for_capability(client)
    phone = app.register_provider(PROVIDER_CONFIG)
    missed_call(client, phone, server)

    restart_server(client, process, start_server)
    # Missed calls would be sent again before anything new.
    ring(phone, client, localized_caller_name="Bob")
    server.wait_for_notify("call.incoming", 2)
    assert len(server.notifies("call.unanswered")) == 1


@pytest.mark.parametrize("server_at_start", [False])
def test_missed_call_without_server_shown_when_one_comes(app, client, server,
                                                         start_server):
    phone = app.register_provider(PROVIDER_CONFIG)
    call = ring(phone, client, localized_caller_name="Alice")
    phone.report_ended(call, "unanswered")
    client.wait_for_call_removed(call)
    assert server.methods == []

    start_server()
    missed = server.wait_for_notify("call.unanswered")
    assert missed[3] == "Missed call from Alice"
    assert server.notifies("call.incoming") == []


def test_dismissed_missed_call_is_not_closed_again(client, phone, server,
                                                   callkitd):
    missed = missed_call(client, phone, server)
    nid = server.notification_id(missed)
    server.invoke(nid, "dismiss")
    assert (nid,) in server.wait_for("CloseNotification", 2)

    assert callkitd.stop() == 0
    server.sync()
    # Stopping closes only what is still shown: the ringing one was closed
    # when the call ended, the missed one when it was dismissed.
    assert len(server.calls("CloseNotification")) == 2


@pytest.mark.callkitd_args("--incoming-report-rate=0")
def test_missed_calls_are_bounded(client, phone, server):
    limit = 100  # CKD_MAX_MISSED_CALL_NOTIFICATIONS
    for i in range(limit + 1):
        call = ring(phone, client, localized_caller_name="caller %d" % i)
        phone.report_ended(call, "unanswered")
    missed = server.wait_for_notify("call.unanswered", limit + 1)
    first = server.notification_id(server.notifies("call.unanswered")[0])
    server.settle(client)
    missed_ids = {server.notification_id(n)
                  for n in server.notifies("call.unanswered")}
    closed = {args[0] for args in server.calls("CloseNotification")}
    # The oldest went to make room; the others stay.
    assert closed & missed_ids == {first}
    assert server.notification_id(missed) not in closed


def test_callkitd_stopping_closes_missed_calls(client, phone, server,
                                               callkitd):
    missed = missed_call(client, phone, server)
    nid = server.notification_id(missed)
    server.settle(client)

    callkitd.stop()
    assert (nid,) in server.wait_for("CloseNotification", 2)


def ring_with_notify_held(client, phone, server, tmp_path):
    """Ring a call while the server answers Notify only once the test
    writes the id into a FIFO; returns the FIFO's writing end, open once the
    server waits inside Notify."""
    fifo = tmp_path / "notify-id"
    os.mkfifo(fifo)
    server.client.call(
        NOTIFICATIONS_PATH, MOCK_IFACE, "AddMethod",
        GLib.Variant("(sssss)", (
            NOTIFICATIONS_IFACE, "Notify", "susssasa{sv}i", "u",
            "ret = int(open(%r).read())" % str(fifo))),
        dest=NOTIFICATIONS_NAME)
    ring(phone, client)
    # Opening for writing succeeds once the server opened it for reading,
    # inside Notify.
    return wait_until(lambda: _open_fifo_writer(fifo),
                      message="the server waiting in Notify",
                      poll_interval=0.01)


def test_callkitd_stopping_closes_a_notification_still_in_flight(
        client, phone, server, callkitd, tmp_path):
    # callkitd gets SIGTERM while it waits for the id.
    writer = ring_with_notify_held(client, phone, server, tmp_path)

    callkitd.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: "waiting for 1 notification id" in callkitd.log_text(),
               message="callkitd waiting for the Notify reply",
               poll_interval=0.01)
    os.write(writer, b"7")
    os.close(writer)
    assert callkitd.wait_exit() == 0
    assert server.wait_for("CloseNotification") == [(7,)]


def test_callkitd_stopping_waits_for_a_silent_server_only_so_long(
        client, phone, server, callkitd, tmp_path):
    writer = ring_with_notify_held(client, phone, server, tmp_path)

    # The server never answers: callkitd gives up after its bound
    # (CKD_NOTIFIER_SHUTDOWN_WAIT_MS) and still exits cleanly.
    assert callkitd.stop() == 0
    assert ("the notification server did not answer in time: 1 "
            "notification(s) may stay") in callkitd.log_text()
    os.write(writer, b"7")
    os.close(writer)


def _open_fifo_writer(path):
    try:
        return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ENXIO:
            return None
        raise


@pytest.fixture
def start_server_without_actions(dbusmock_template, server):
    return lambda: dbusmock_template("notification_daemon",
                                     {"capabilities": "body persistence"})


@pytest.mark.parametrize("server_at_start", [False])
def test_server_without_actions(app, client, server, callkitd,
                                start_server_without_actions):
    start_server_without_actions()
    phone = app.register_provider(PROVIDER_CONFIG)
    phone.auto_fulfill = True
    first = ring(phone, client, localized_caller_name="Alice")
    notify = server.wait_for_notify("call.incoming")
    # Shown, without buttons that nothing would answer.
    assert (notify[3], notify[4]) == ("Incoming call", "Alice\nSpeakerbox")
    assert notify[5] == []
    assert "notifications" not in capabilities(client)
    ring(phone, client)
    server.wait_for_notify("call.incoming", 2)
    # Apps and callctl still control calls.
    client.call_method(first, "Answer")
    client.wait_for_call_property(first, "State", "active")
    log = callkitd.log_text()
    assert log.count("the notification server has no actions") == 1
    assert "(it has: body, persistence)" in log
