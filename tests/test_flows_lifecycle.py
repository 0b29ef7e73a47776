# SPDX-License-Identifier: LGPL-2.1-or-later
"""The life of providers around their calls: DidBegin, Reset (lesson 1 of
DESIGN.md), Invalidate, the owner leaving the bus mid-call, two providers
that cannot touch each other's calls, the Configuration property, callkitd
stopping on SIGTERM with calls and a pending Call method, and the order in
which one client's method calls are handled.
"""

import signal

import pytest
from gi.repository import Gio, GLib

from harness import (
    BUS_NAME, CALL_IFACE, ERROR_PREFIX, MANAGER_IFACE, OBJECT_MANAGER_IFACE, PROVIDER_IFACE, ROOT_PATH,
    raises_dbus_error, vardict, wait_until)
from test_flows_support import (  # noqa: F401 - fixtures
    SignalLog, action, action_timeout_ms, active_call, hurry, new_uuid, ring,
    shell, spy, transact)

HANDLE = ("phone-number", "+4930123456")


def provider_removed(log, path):
    return any(e.iface == OBJECT_MANAGER_IFACE and e.member == "InterfacesRemoved"
               and e.args[0] == path and PROVIDER_IFACE in e.args[1]
               for e in log.events)


# ---------------------------------------------------------------------------
# DidBegin

def test_did_begin_after_register_provider_returns(callkitd, make_client, spy):
    app = make_client("app")
    arrivals = []

    def record(connection, message, incoming, data):
        if incoming:
            if message.get_message_type() == Gio.DBusMessageType.METHOD_RETURN:
                arrivals.append(("reply", message.get_reply_serial()))
            elif message.get_member() == "DidBegin":
                arrivals.append(("DidBegin", message.get_path()))
        return message

    filter_id = app.connection.add_filter(record, None)
    try:
        message = Gio.DBusMessage.new_method_call(
            "io.github.callkitd.CallKit1", ROOT_PATH, MANAGER_IFACE,
            "RegisterProvider")
        message.set_body(GLib.Variant.new_tuple(vardict(localized_name="Begin")))
        reply, serial = app.connection.send_message_with_reply_sync(
            message, Gio.DBusSendMessageFlags.NONE, 10000, None)
        path = reply.get_body().unpack()[0]
        provider = app.register_provider({"localized_name": "Second"},
                                         wait_for_begin=False)
        provider.wait_for_signal("DidBegin")
        wait_until(lambda: ("DidBegin", path) in arrivals,
                   message="DidBegin of the first provider")
    finally:
        app.connection.remove_filter(filter_id)
    first_reply = arrivals.index(("reply", serial))
    assert arrivals.index(("DidBegin", path)) > first_reply, (
        "DidBegin came before RegisterProvider returned: %r" % arrivals)
    assert arrivals.count(("DidBegin", path)) == 1
    provider.assert_no_signal("DidBegin")
    spy.log.assert_nothing_private()


# ---------------------------------------------------------------------------
# Reset

@pytest.mark.parametrize("by", ["owner", "shell"])
def test_reset_ends_calls_and_fails_pending_actions(app, provider, shell, spy, by):
    app.log = SignalLog(app)
    active = active_call(shell, provider, remote_handle=HANDLE)
    ringing = ring(provider, remote_handle=("generic", "ringing"))
    tid = shell.request_transaction([action("set-muted", active, muted=True)])
    dtmf = shell.call_method_async(active, "PlayDTMF", ("(s)", ("1",)))
    mute_action = provider.wait_for_action("set-muted", active)
    dtmf_action = provider.wait_for_action("play-dtmf", active)

    (app if by == "owner" else shell).call(provider.path, PROVIDER_IFACE, "Reset")

    assert provider.wait_for_signal("DidReset").args == ("requested",)
    for uuid in (active, ringing):
        shell.log.assert_call_ended(uuid, "failed")
    outcome, = shell.wait_for_transaction(tid)
    assert outcome["result"] == "failed"
    assert outcome["reason"] == "provider-reset"
    with raises_dbus_error("ActionFailed", match="provider-reset"):
        dtmf.result()
    # Nothing was asked of the provider: no end-call for the calls.
    provider.assert_no_signal("PerformAction")
    for stale in (mute_action, dtmf_action):
        with raises_dbus_error("UnknownAction"):
            provider.fulfill(stale.id)
    # DidReset comes once the calls are gone (as the owner sees it).
    app.sync()
    members = [(e.member, e.args[0] if e.args else None) for e in app.log.events
               if e.member in ("InterfacesRemoved", "DidReset")]
    assert members[-1] == ("DidReset", "requested"), members
    assert len(members) == 3, members
    spy.log.assert_nothing_private()

    # The provider object stays valid and works as before.
    assert provider.path in shell.managed_objects()
    fresh = ring(provider, remote_handle=HANDLE)
    assert shell.log.wait_call_added(fresh)["Provider"] == provider.path
    transact(shell, [(provider, action("answer-call", fresh))])
    shell.log.wait_call_property(fresh, "State", "active")
    provider.assert_no_signal("DidReset")


def test_reset_without_calls(provider, shell, spy):
    shell.call(provider.path, PROVIDER_IFACE, "Reset")
    assert provider.wait_for_signal("DidReset").args == ("requested",)
    spy.log.assert_nothing_private()
    uuid = ring(provider)
    shell.log.wait_call_added(uuid)


def test_reset_by_another_user_is_unentitled(bus, provider, shell):
    uuid = ring(provider, remote_handle=HANDLE)
    with raises_dbus_error("Unentitled"):
        bus.call_as_user(provider.path, PROVIDER_IFACE, "Reset")
    provider.assert_no_signal("DidReset")
    assert shell.get_call_properties(uuid)["State"] == "ringing"


# ---------------------------------------------------------------------------
# Invalidate

def test_invalidate_ends_calls_and_removes_provider(app, provider, shell, spy):
    active = active_call(shell, provider, remote_handle=HANDLE)
    ringing = ring(provider)
    tid = shell.request_transaction([action("set-muted", active, muted=True)])
    provider.wait_for_action("set-muted", active)

    with raises_dbus_error("Unentitled"):
        shell.call(provider.path, PROVIDER_IFACE, "Invalidate")
    assert shell.get_call_properties(active)["State"] == "active"

    provider.invalidate()
    shell.log.assert_call_ended(active, "failed")
    shell.log.assert_call_ended(ringing, "failed")
    outcome, = shell.wait_for_transaction(tid)
    assert (outcome["result"], outcome["reason"]) == ("failed", "provider-gone")
    wait_until(lambda: provider_removed(shell.log, provider.path),
               message="InterfacesRemoved for the provider")
    assert provider.path not in shell.managed_objects()
    with pytest.raises(GLib.Error):
        provider.report_incoming(new_uuid())
    provider.assert_no_signal("PerformAction")
    spy.log.assert_nothing_private()
    # The path is not reused.
    again = app.register_provider({"localized_name": "Again"})
    assert again.path != provider.path


# ---------------------------------------------------------------------------
# The owner leaves the bus

def test_owner_vanishing_ends_calls_and_removes_provider(app, provider, shell, spy):
    active = active_call(shell, provider, remote_handle=HANDLE)
    ringing = ring(provider, remote_handle=("generic", "second"))
    tid = shell.request_transaction([action("set-muted", active, muted=True)])
    dtmf = shell.call_method_async(active, "PlayDTMF", ("(s)", ("#",)))
    provider.wait_for_action("set-muted", active)
    provider.wait_for_action("play-dtmf", active)
    spy.sync()

    app.close()

    # A bystander sees each call's final state, then the object go.
    for uuid in (active, ringing):
        final = spy.log.assert_call_ended(uuid, "failed")
    wait_until(lambda: provider_removed(spy.log, provider.path),
               message="InterfacesRemoved for the provider")
    assert provider.path not in spy.managed_objects()
    outcome, = shell.wait_for_transaction(tid)
    assert (outcome["result"], outcome["reason"]) == ("failed", "provider-gone")
    with raises_dbus_error("ActionFailed", match="provider-gone"):
        dtmf.result()
    spy.log.assert_nothing_private()
    assert final["HasEnded"] is True


def test_owner_vanishing_keeps_other_providers(app, make_client, shell):
    other_app = make_client("other-app")
    other = other_app.register_provider({"localized_name": "Other"})
    mine = active_call(shell, app.register_provider({"localized_name": "Gone"}),
                       remote_handle=HANDLE)
    theirs = ring(other, remote_handle=HANDLE)
    app.close()
    shell.log.assert_call_ended(mine, "failed")
    shell.sync()
    assert shell.get_call_properties(theirs)["State"] == "ringing"
    transact(shell, [(other, action("answer-call", theirs))])
    shell.log.wait_call_property(theirs, "State", "active")


# ---------------------------------------------------------------------------
# Two providers cannot touch each other's calls

OWNER_ONLY = [
    ("ReportNewIncomingCall", lambda uuid: GLib.Variant.new_tuple(
        GLib.Variant("s", new_uuid()), vardict())),
    ("ReportCallUpdated", lambda uuid: GLib.Variant.new_tuple(
        GLib.Variant("s", uuid), vardict(localized_caller_name="Mallory"))),
    ("ReportCallEnded", lambda uuid: GLib.Variant("(ssx)", (uuid, "failed", 0))),
    ("ReportOutgoingCallStartedConnecting",
     lambda uuid: GLib.Variant("(sx)", (uuid, 0))),
    ("ReportOutgoingCallConnected", lambda uuid: GLib.Variant("(sx)", (uuid, 0))),
    ("FulfillAction", lambda uuid: GLib.Variant.new_tuple(
        GLib.Variant("s", "a1"), vardict())),
    ("FailAction", lambda uuid: GLib.Variant("(ss)", ("a1", ""))),
    ("Invalidate", lambda uuid: None),
]


def test_providers_cannot_touch_each_others_calls(app, make_client, shell, spy):
    pa = app.register_provider({"localized_name": "A"})
    other_app = make_client("other-app")
    pb = other_app.register_provider({"localized_name": "B"})
    incoming = ring(pa, remote_handle=HANDLE)
    outgoing = new_uuid()
    app.request_transaction([action("start-call", outgoing, handle=HANDLE)])
    start = pa.wait_for_action("start-call", outgoing)

    # B's owner on A's provider object: Unentitled, whatever the method.
    for method, args in OWNER_ONLY:
        uuid = outgoing if "Outgoing" in method else incoming
        with raises_dbus_error("Unentitled"):
            other_app.call(pa.path, PROVIDER_IFACE, method, args(uuid))
    with raises_dbus_error("Unentitled"):
        other_app.call(pa.path, PROVIDER_IFACE, "FulfillAction",
                       GLib.Variant.new_tuple(GLib.Variant("s", start.id), vardict()))

    # B's owner on B's provider object, with A's calls: not B's calls.
    with raises_dbus_error("UnknownCallUUID", match=incoming):
        pb.report_updated(incoming, localized_caller_name="Mallory")
    with raises_dbus_error("UnknownCallUUID"):
        pb.report_ended(incoming, "remote-ended")
    with raises_dbus_error("UnknownCallUUID"):
        pb.report_outgoing_connecting(outgoing)
    with raises_dbus_error("UnknownCallUUID"):
        pb.report_outgoing_connected(outgoing)
    with raises_dbus_error("UnknownAction"):
        pb.fulfill(start.id)

    shell.sync()
    props = shell.get_call_properties(incoming)
    assert props["State"] == "ringing"
    assert props["LocalizedCallerName"] == ""
    assert shell.get_call_properties(outgoing)["State"] == "dialing"
    assert [k for k, _ in shell.log.call_events(incoming)] == ["added"]
    pa.assert_no_signal("PerformAction")
    pa.assert_no_signal("DidReset")
    pb.assert_no_signal("PerformAction")
    # A's action is still A's to fulfil.
    pa.fulfill(start.id)
    pa.report_outgoing_connected(outgoing)
    shell.log.wait_call_property(outgoing, "State", "active")
    spy.log.assert_nothing_private()


def test_actions_reach_only_their_provider(app, make_client, shell, spy):
    pa = app.register_provider({"localized_name": "A"})
    other_app = make_client("other-app")
    pb = other_app.register_provider({"localized_name": "B"})
    other_app.log = SignalLog(other_app)
    a = ring(pa, remote_handle=HANDLE)
    b = ring(pb, remote_handle=HANDLE)
    tid = shell.request_transaction([action("end-call", a), action("end-call", b)])
    assert pa.wait_for_action("end-call").call == a
    assert pb.wait_for_action("end-call").call == b
    pa.assert_no_signal("PerformAction")
    pb.assert_no_signal("PerformAction")
    assert [e.path for e in other_app.log.provider_signals("PerformAction")] == [pb.path]
    assert other_app.log.transaction_completions() == []
    spy.log.assert_nothing_private()


# ---------------------------------------------------------------------------
# Configuration

def test_owner_sets_configuration(app, provider, shell, spy):
    before = provider.configuration
    provider.set_configuration({"localized_name": "Renamed",
                                "maximum_call_groups": ("u", 3),
                                "supports_video": True})
    changes = wait_until(lambda: shell.log.provider_property_changes(provider.path),
                         message="PropertiesChanged for Configuration")
    config = changes[-1]["Configuration"]
    assert config["localized_name"] == "Renamed"
    assert config["maximum_call_groups"] == 3
    assert config["supports_video"] is True
    # Keys left out take their defaults.
    assert config["action_timeout_ms"] == before["action_timeout_ms"]
    assert config["maximum_calls_per_call_group"] == 5
    assert provider.configuration == config

    # Replaces the whole configuration.
    provider.set_configuration({"localized_name": "Plain"})
    wait_until(lambda: len(shell.log.provider_property_changes(provider.path)) == 2,
               message="a second PropertiesChanged")
    config = shell.log.provider_property_changes(provider.path)[-1]["Configuration"]
    assert config["supports_video"] is False
    assert config["maximum_call_groups"] == 2
    spy.log.assert_nothing_private()


def test_non_owner_cannot_set_configuration(provider, shell):
    before = provider.configuration
    with raises_dbus_error("Unentitled"):
        shell.set_property(provider.path, PROVIDER_IFACE, "Configuration",
                           vardict(localized_name="Hijacked"))
    shell.sync()
    assert provider.configuration == before
    assert shell.log.provider_property_changes(provider.path) == []


@pytest.mark.parametrize("config", [
    pytest.param({"maximum_call_groups": ("u", 0)}, id="out-of-range"),
    pytest.param({"action_timeout_ms": ("u", 5)}, id="timeout-too-short"),
    pytest.param({"no_such_key": True}, id="unknown-key"),
    pytest.param({"localized_name": ("u", 3)}, id="wrong-type"),
    pytest.param({"supported_handle_types": ["fax"]}, id="bad-handle-type"),
])
def test_invalid_configuration_is_refused_and_unchanged(provider, shell, config):
    before = provider.configuration
    with raises_dbus_error("InvalidArgument"):
        provider.set_configuration(config)
    shell.sync()
    assert provider.configuration == before
    assert shell.log.provider_property_changes(provider.path) == []


def test_new_action_timeout_applies_to_next_action(provider, shell):
    uuid = ring(provider, remote_handle=HANDLE)
    hurry(provider)
    pending = shell.call_method_async(uuid, "Answer")
    performed = provider.wait_for_action("answer-call", uuid)
    with raises_dbus_error("ActionTimedOut"):
        pending.result()
    assert provider.wait_for_signal("ActionTimedOut").args == (performed.id,)
    shell.log.assert_call_ended(uuid, "failed")


# ---------------------------------------------------------------------------
# callkitd stops

def test_sigterm_with_live_calls_and_pending_answer(callkitd, app, make_client, shell):
    p1 = app.register_provider({"localized_name": "One"})
    other_app = make_client("other-app")
    p2 = other_app.register_provider({"localized_name": "Two"})
    ringing = ring(p1, remote_handle=HANDLE)
    ring(p2, remote_handle=HANDLE)
    pending = shell.call_method_async(ringing, "Answer")
    p1.wait_for_action("answer-call", ringing)

    assert callkitd.stop(signal.SIGTERM) == 0
    with raises_dbus_error("ActionFailed"):
        pending.result()
    assert p1.wait_for_signal("DidReset").args == ("daemon-stopping",)
    assert p2.wait_for_signal("DidReset").args == ("daemon-stopping",)
    assert not callkitd.log_problems()


# ---------------------------------------------------------------------------
# One client's method calls are handled in the order it sent them

@pytest.mark.callkitd_args("--incoming-report-rate=0")
def test_pipelined_provider_calls_keep_their_order(app, provider, shell):
    """An sd-bus app sends ReportNewIncomingCall and, without waiting,
    ReportCallEnded for the same call: D-Bus keeps the order, so must
    callkitd."""
    uuids = [new_uuid() for _ in range(50)]
    replies = []
    for uuid in uuids:
        replies.append(app.call_async(provider.path, PROVIDER_IFACE,
                                      "ReportNewIncomingCall",
                                      GLib.Variant.new_tuple(
                                          GLib.Variant("s", uuid), vardict())))
        replies.append(app.call_async(provider.path, PROVIDER_IFACE,
                                      "ReportCallEnded",
                                      GLib.Variant("(ssx)", (uuid, "remote-ended", 0))))
    errors = []
    for reply in replies:
        try:
            reply.result()
        except GLib.Error as e:
            errors.append(e.message)
    assert errors == []
    for uuid in uuids:
        shell.log.assert_call_ended(uuid, "remote-ended")


def test_first_calls_of_a_new_client_keep_their_order(callkitd, make_client):
    """A client's first calls wait while callkitd asks the bus who it is
    (without blocking anyone else), and are then handled in the order
    they were sent."""
    newcomer = make_client("newcomer")
    replies = [newcomer.call_async(ROOT_PATH, MANAGER_IFACE, "RegisterProvider",
                                   GLib.Variant.new_tuple(vardict({"localized_name": "P%d" % i})))
               for i in range(5)]
    replies.append(newcomer.call_async(ROOT_PATH, MANAGER_IFACE, "SilenceRinging"))
    paths = [reply.result() for reply in replies[:5]]
    assert replies[5].result() == 0
    ids = [int(path.rsplit("/", 1)[1]) for path in paths]
    assert ids == sorted(ids) and len(set(ids)) == 5, paths
    names = [newcomer.get_property(path, PROVIDER_IFACE, "Configuration")["localized_name"]
             for path in paths]
    assert names == ["P%d" % i for i in range(5)]


def test_pipelined_requests_reach_provider_in_order(provider, shell):
    """A Call method and a RequestTransaction sent back to back by one
    client are dispatched to the provider in that order."""
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    for i in range(20):
        muted = i % 2 == 0
        method = shell.call_method_async(uuid, "SetMuted", ("(b)", (muted,)))
        request = shell.call_async(ROOT_PATH, "io.github.callkitd.CallKit1.CallController",
                                   "RequestTransaction", GLib.Variant.new_tuple(
                                       GLib.Variant("aa{sv}", [{
                                           "type": GLib.Variant("s", "play-dtmf"),
                                           "call": GLib.Variant("s", uuid),
                                           "digits": GLib.Variant("s", str(i % 10))}])))
        first = provider.wait_for_action(call=uuid)
        second = provider.wait_for_action(call=uuid)
        assert (first.type, second.type) == ("set-muted", "play-dtmf"), (
            "round %d: the provider got %s before %s" % (i, first.type, second.type))
        provider.fulfill(first.id)
        provider.fulfill(second.id)
        method.result()
        request.result()


# ---------------------------------------------------------------------------
# Leftovers: requesters that leave, timers of calls and actions that are gone

def test_requester_vanishing_does_not_stop_its_actions(make_client, provider, shell):
    """The shell that asked to answer crashes before the provider answers:
    the action still completes and the call is answered."""
    requester = make_client("short-lived")
    uuid = ring(provider, remote_handle=HANDLE)
    pending = requester.call_method_async(uuid, "Answer")
    performed = provider.wait_for_action("answer-call", uuid)
    other_call = new_uuid()  # a second call, with a transaction of the requester
    provider.report_incoming(other_call, remote_handle=HANDLE)
    tid = requester.request_transaction([action("end-call", other_call)])
    decline = provider.wait_for_action("end-call", other_call)
    requester.close()
    assert not pending.done
    provider.fulfill(performed.id)
    provider.fulfill(decline.id)
    shell.log.wait_call_property(uuid, "State", "active")
    shell.log.assert_call_ended(other_call, "declined")
    assert tid not in shell.transactions
    # callkitd carries on.
    transact(shell, [(provider, action("set-muted", uuid, muted=True))])
    shell.log.wait_call_property(uuid, "IsMuted", True)


@pytest.mark.callkitd_args("--ringing-timeout=1")
def test_no_ringing_timeout_after_owner_left(app, make_client, shell):
    gone = ring(app.register_provider({"localized_name": "Gone"}),
                remote_handle=HANDLE)
    other = make_client("other-app").register_provider({"localized_name": "Other"})
    app.close()
    shell.log.assert_call_ended(gone, "failed")
    # A call reported now rings out after the first one's timeout passed.
    later = ring(other, remote_handle=HANDLE)
    other.fulfill(other.wait_for_action("end-call", later, timeout=10).id)
    shell.log.assert_call_ended(later, "unanswered")
    assert [k for k, _ in shell.log.call_events(gone)] == ["added", "changed", "removed"]


@pytest.mark.parametrize("how", ["reset", "invalidate", "owner-gone"])
def test_pending_action_timers_go_with_the_provider(app, make_client, shell, how):
    """Pending actions of a provider that is reset, invalidated or gone
    never time out afterwards (their deadline passes while another
    provider's action times out)."""
    # Both with the same timeout: the other provider's action, requested
    # later, times out after the stale action's deadline has passed.
    timeout = ("u", action_timeout_ms(1000))
    quick = app.register_provider({"localized_name": "Quick",
                                   "action_timeout_ms": timeout})
    other_app = make_client("other-app")
    other = other_app.register_provider({"localized_name": "Other",
                                         "action_timeout_ms": timeout})
    uuid = active_call(shell, quick, remote_handle=HANDLE)
    tid = shell.request_transaction([action("set-muted", uuid, muted=True)])
    stale = quick.wait_for_action("set-muted", uuid)
    if how == "reset":
        quick.reset()
    elif how == "invalidate":
        quick.invalidate()
    else:
        app.close()
    outcome, = shell.wait_for_transaction(tid)
    assert outcome["result"] == "failed"
    assert outcome["reason"] == ("provider-reset" if how == "reset" else "provider-gone")
    shell.log.assert_call_ended(uuid, "failed")

    later = ring(other, remote_handle=HANDLE)
    shell.request_transaction([action("end-call", later)])
    late = other.wait_for_action("end-call", later)
    assert other.wait_for_signal("ActionTimedOut").args == (late.id,)
    shell.log.assert_call_ended(later, "declined")
    if how == "reset":
        quick.assert_no_signal("ActionTimedOut")
        with raises_dbus_error("UnknownAction"):
            quick.fulfill(stale.id)


def test_reset_during_start_call(app, provider, shell):
    uuid = new_uuid()
    tid = app.request_transaction([action("start-call", uuid, handle=HANDLE)])
    start = provider.wait_for_action("start-call", uuid)
    shell.call(provider.path, PROVIDER_IFACE, "Reset")
    outcome, = app.wait_for_transaction(tid)
    assert (outcome["result"], outcome["reason"]) == ("failed", "provider-reset")
    shell.log.assert_call_ended(uuid, "failed")
    assert provider.wait_for_signal("DidReset").args == ("requested",)
    with raises_dbus_error("UnknownAction"):
        provider.fulfill(start.id)
    provider.assert_no_signal("PerformAction")


# ---------------------------------------------------------------------------
# Leaving the bus

@pytest.mark.callkitd_args("--incoming-report-rate=0")
def test_interfaces_removed_only_after_the_object_left(provider, make_client):
    """A client that calls End() on a call the instant InterfacesRemoved
    tells it the call ended gets UnknownCallUUID every time, never GDBus's
    bare UnknownMethod: the call object is off the bus before the signal
    is sent. The reaction runs in the client's GDBus worker thread (a
    message filter), as fast as any client can react. And no
    InterfacesRemoved ever names no interface."""
    watcher = make_client("watcher")
    errors = []
    removed = []

    def on_reply(connection, result, data):
        reply = connection.send_message_with_reply_finish(result)
        errors.append(reply.get_error_name() or "End() on an ended call succeeded")

    def react(connection, message, incoming, data):
        if (incoming and message.get_message_type() == Gio.DBusMessageType.SIGNAL
                and message.get_member() == "InterfacesRemoved"
                and message.get_path() == ROOT_PATH):
            path, interfaces = message.get_body().unpack()
            removed.append((path, interfaces))
            if CALL_IFACE in interfaces:
                call = Gio.DBusMessage.new_method_call(BUS_NAME, path, CALL_IFACE, "End")
                connection.send_message_with_reply(
                    call, Gio.DBusSendMessageFlags.NONE, -1, None, on_reply, None)
        return message

    filter_id = watcher.connection.add_filter(react, None)
    try:
        rounds = 100
        for _ in range(rounds):
            uuid = ring(provider, remote_handle=HANDLE)
            provider.report_ended(uuid, "remote-ended")
        # The replies are dispatched from the worker thread: poll.
        wait_until(lambda: len(errors) == rounds, timeout=20, poll_interval=0.01,
                   message=lambda: "%d replies to End() (got %d)" % (rounds, len(errors)))
    finally:
        watcher.connection.remove_filter(filter_id)
    assert set(errors) == {ERROR_PREFIX + "UnknownCallUUID"}, errors
    assert all(interfaces for _, interfaces in removed), removed
