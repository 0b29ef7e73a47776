# SPDX-License-Identifier: LGPL-2.1-or-later
"""Outgoing calls end to end: start-call through RequestTransaction (by the
app that owns the provider, or by the shell naming the provider), dialing →
connecting → active, failed starts, the remote handle changing (1:1 call
becoming a group call), and how callkitd picks the provider of a
start-call.
"""

import time

import pytest

from harness import CALL_IFACE, call_path, raises_dbus_error
from test_flows_support import (  # noqa: F401 - fixtures
    action, new_uuid, ring, shell, spy, transact)

HANDLE = ("phone-number", "+4930123456")
SOME_TIME = 1_700_000_000_000_000


def start(uuid, handle=HANDLE, **keys):
    a = action("start-call", uuid, **keys)
    if handle is not None:
        a["handle"] = handle
    return a


def test_start_call_creates_dialing_call_at_once(app, provider, shell, spy):
    uuid = new_uuid()
    tid = app.request_transaction([start(uuid.upper(), contact_identifier="ada-1")])
    # The call object exists as soon as RequestTransaction returns.
    props = shell.get_call_properties(uuid)
    assert props["UUID"] == uuid
    assert props["State"] == "dialing"
    assert props["IsOutgoing"] is True
    assert props["RemoteHandle"] == HANDLE
    assert props["Provider"] == provider.path
    assert props["HasConnected"] is False
    assert props["ConnectedAt"] == 0
    assert props["HasEnded"] is False
    assert shell.log.wait_call_added(uuid)["State"] == "dialing"

    performed = provider.wait_for_action("start-call", uuid)
    assert performed.call == uuid
    assert performed.parameters["handle"] == HANDLE
    assert performed.parameters["transaction"] == tid
    assert performed.parameters["video"] is False
    assert performed.parameters["contact_identifier"] == "ada-1"
    spy.log.assert_nothing_private()


def test_outgoing_call_dialing_connecting_active(app, provider, shell, spy):
    uuid = new_uuid()
    tid = app.request_transaction([start(uuid)])
    performed = provider.wait_for_action("start-call", uuid)
    provider.fulfill(performed.id)
    assert app.wait_for_transaction(tid) == [{
        "action": performed.id, "type": "start-call", "call": uuid,
        "result": "fulfilled", "reason": ""}]
    app.sync()
    # Fulfilling start-call means "dialing has begun": still dialing.
    assert shell.get_call_properties(uuid)["State"] == "dialing"

    provider.report_outgoing_connecting(uuid)
    props = shell.log.wait_call_property(uuid, "State", "connecting")
    assert props["HasConnected"] is False
    assert props["ConnectedAt"] == 0

    provider.report_outgoing_connected(uuid, SOME_TIME)
    props = shell.log.wait_call_property(uuid, "State", "active")
    assert props["HasConnected"] is True
    assert props["ConnectedAt"] == SOME_TIME
    assert props["IsOutgoing"] is True
    assert [p["State"] for k, p in shell.log.call_events(uuid)
            if p and "State" in p] == ["dialing", "connecting", "active"]

    # The shell never hears of the app's transaction.
    shell.sync()
    assert tid not in shell.transactions
    spy.log.assert_nothing_private()

    tid, _ = transact(shell, [(provider, action("end-call", uuid))])
    final = shell.log.assert_call_ended(uuid, "hung-up")
    assert final["IsOutgoing"] is True


def test_outgoing_connected_without_connecting(app, provider, shell):
    uuid = new_uuid()
    transact(app, [(provider, start(uuid))])
    before = time.time_ns() // 1000
    provider.report_outgoing_connected(uuid, 0)
    after = time.time_ns() // 1000
    props = shell.log.wait_call_property(uuid, "State", "active")
    assert before <= props["ConnectedAt"] <= after


def test_outgoing_reports_out_of_order_are_refused(app, provider, shell):
    uuid = new_uuid()
    transact(app, [(provider, start(uuid))])
    provider.report_outgoing_connected(uuid)
    shell.log.wait_call_property(uuid, "State", "active")
    with raises_dbus_error("InvalidAction"):
        provider.report_outgoing_connecting(uuid)
    with raises_dbus_error("InvalidAction"):
        provider.report_outgoing_connected(uuid)
    incoming = new_uuid()
    provider.report_incoming(incoming, remote_handle=HANDLE)
    with raises_dbus_error("InvalidAction"):
        provider.report_outgoing_connecting(incoming)
    with raises_dbus_error("InvalidAction"):
        provider.report_outgoing_connected(incoming)
    shell.sync()
    assert shell.get_call_properties(incoming)["State"] == "ringing"
    assert shell.get_call_properties(uuid)["State"] == "active"


def test_start_call_failed_by_provider_ends_failed(app, provider, shell, spy):
    uuid = new_uuid()
    tid = app.request_transaction([start(uuid)])
    shell.log.wait_call_added(uuid)
    performed = provider.wait_for_action("start-call", uuid)
    provider.fail(performed.id, "no network")
    outcome, = app.wait_for_transaction(tid)
    assert outcome["result"] == "failed"
    assert outcome["reason"] == "no network"
    final = shell.log.assert_call_ended(uuid, "failed")
    assert final["HasConnected"] is False
    assert final["IsOutgoing"] is True
    with raises_dbus_error("CallUUIDAlreadyExists"):
        app.request_transaction([start(uuid)])
    spy.log.assert_nothing_private()


def test_outgoing_call_ended_remotely(app, provider, shell):
    uuid = new_uuid()
    transact(app, [(provider, start(uuid))])
    provider.report_outgoing_connecting(uuid)
    shell.log.wait_call_property(uuid, "State", "connecting")
    # The callee is busy / does not pick up.
    provider.report_ended(uuid, "unanswered")
    final = shell.log.assert_call_ended(uuid, "unanswered")
    assert final["HasConnected"] is False


def test_cancel_while_dialing(app, provider, shell):
    uuid = new_uuid()
    transact(app, [(provider, start(uuid))])
    pending = shell.call_method_async(uuid, "End")
    performed = provider.wait_for_action("end-call", uuid)
    assert performed.parameters["reason"] == "hung-up"
    provider.fulfill(performed.id)
    pending.result()
    shell.log.assert_call_ended(uuid, "hung-up")


def test_outgoing_remote_handle_update_becomes_group(app, provider, shell, spy):
    """Lesson 4: a 1:1 call that becomes a group call changes its remote
    handle; every observer sees it, while dialing and once active."""
    uuid = new_uuid()
    transact(app, [(provider, start(uuid))])
    room = ("generic", "!room:example.org")
    provider.report_updated(uuid, remote_handle=room,
                            localized_caller_name="Project team")
    props = shell.log.wait_call_property(uuid, "RemoteHandle", room)
    assert props["LocalizedCallerName"] == "Project team"
    assert props["State"] == "dialing"
    assert shell.get_call_properties(uuid)["RemoteHandle"] == room

    provider.report_outgoing_connected(uuid)
    shell.log.wait_call_property(uuid, "State", "active")
    bigger = ("email-address", "team@example.org")
    provider.report_updated(uuid, remote_handle=bigger, has_video=True)
    props = shell.log.wait_call_property(uuid, "RemoteHandle", bigger)
    assert props["HasVideo"] is True
    assert props["LocalizedCallerName"] == "Project team"  # untouched key kept
    assert props["IsOutgoing"] is True
    spy.log.assert_nothing_private()


@pytest.mark.parametrize("handle", [
    pytest.param(None, id="no-handle"),
    pytest.param(("", ""), id="empty-handle"),
    pytest.param(("generic", ""), id="generic-empty")])
def test_outgoing_unknown_callee(app, provider, shell, handle):
    uuid = new_uuid()
    app.request_transaction([start(uuid, handle=handle)])
    performed = provider.wait_for_action("start-call", uuid)
    assert performed.parameters["handle"][1] == ""
    props = shell.log.wait_call_added(uuid)
    assert props["RemoteHandle"][1] == ""
    provider.fulfill(performed.id)
    provider.report_outgoing_connected(uuid)
    shell.log.wait_call_property(uuid, "State", "active")
    transact(shell, [(provider, action("end-call", uuid))])
    assert shell.log.assert_call_ended(uuid, "hung-up")["RemoteHandle"][1] == ""


# ---------------------------------------------------------------------------
# Which provider a start-call goes to

def test_start_call_goes_to_the_requesters_only_provider(app, make_client, shell):
    other_app = make_client("other-app")
    other = other_app.register_provider({"localized_name": "Other"})
    mine = app.register_provider({"localized_name": "Mine"})
    uuid = new_uuid()
    app.request_transaction([start(uuid)])
    assert shell.get_call_properties(uuid)["Provider"] == mine.path
    mine.wait_for_action("start-call", uuid)
    other.assert_no_signal("PerformAction")


def test_start_call_names_the_provider(app, provider, shell, spy):
    """The shell owns no provider: it names one with the provider key."""
    uuid = new_uuid()
    tid = shell.request_transaction([start(uuid, provider=("o", provider.path))])
    assert shell.get_call_properties(uuid)["Provider"] == provider.path
    performed = provider.wait_for_action("start-call", uuid)
    assert performed.parameters["transaction"] == tid
    provider.fulfill(performed.id)
    assert shell.wait_for_transaction(tid)[0]["result"] == "fulfilled"
    app.sync()
    assert tid not in app.transactions
    spy.log.assert_nothing_private()


def test_start_call_provider_key_beats_own_provider(app, provider, make_client, shell):
    other_app = make_client("other-app")
    other = other_app.register_provider({"localized_name": "Other"})
    uuid = new_uuid()
    app.request_transaction([start(uuid, provider=("o", other.path))])
    assert shell.get_call_properties(uuid)["Provider"] == other.path
    other.wait_for_action("start-call", uuid)
    provider.assert_no_signal("PerformAction")


def test_start_call_without_provider_for_a_client_owning_none(provider, shell):
    uuid = new_uuid()
    with raises_dbus_error("UnknownCallProvider"):
        shell.request_transaction([start(uuid)])
    shell.sync()
    assert call_path(uuid) not in shell.managed_objects()
    assert shell.log.call_events(uuid) == []
    provider.assert_no_signal("PerformAction")


def test_start_call_without_provider_for_a_client_owning_two(app, shell):
    first = app.register_provider({"localized_name": "One"})
    second = app.register_provider({"localized_name": "Two"})
    uuid = new_uuid()
    with raises_dbus_error("UnknownCallProvider"):
        app.request_transaction([start(uuid)])
    shell.sync()
    assert call_path(uuid) not in shell.managed_objects()
    first.assert_no_signal("PerformAction")
    second.assert_no_signal("PerformAction")
    # Naming one works.
    app.request_transaction([start(uuid, provider=("o", second.path))])
    second.wait_for_action("start-call", uuid)
    first.assert_no_signal("PerformAction")


def test_start_call_names_a_provider_that_does_not_exist(app, provider, shell):
    uuid = new_uuid()
    with raises_dbus_error("UnknownCallProvider"):
        app.request_transaction([start(
            uuid, provider=("o", "/io/github/callkitd/CallKit1/provider/999"))])
    shell.sync()
    assert call_path(uuid) not in shell.managed_objects()
    provider.assert_no_signal("PerformAction")


def test_start_call_uuid_in_use(app, provider, shell):
    uuid = new_uuid()
    provider.report_incoming(uuid, remote_handle=HANDLE)
    with raises_dbus_error("CallUUIDAlreadyExists"):
        app.request_transaction([start(uuid)])
    assert shell.get_call_properties(uuid)["IsOutgoing"] is False
    provider.assert_no_signal("PerformAction")


def test_start_call_with_video_needs_supports_video(app, shell):
    plain = app.register_provider({"localized_name": "Audio only"})
    uuid = new_uuid()
    with raises_dbus_error("InvalidAction", match="video"):
        app.request_transaction([start(uuid, video=True)])
    plain.assert_no_signal("PerformAction")
    plain.set_configuration({"localized_name": "Audio only",
                             "supports_video": True})
    app.request_transaction([start(uuid, video=True)])
    assert plain.wait_for_action("start-call", uuid).parameters["video"] is True
    assert shell.get_call_properties(uuid)["HasVideo"] is True


def test_start_call_handle_type_must_be_supported(app, shell):
    p = app.register_provider({"localized_name": "SIP",
                               "supported_handle_types": ["phone-number"]})
    uuid = new_uuid()
    with raises_dbus_error("InvalidAction", match="email-address"):
        app.request_transaction([start(uuid, handle=("email-address", "a@b.c"))])
    p.assert_no_signal("PerformAction")
    app.request_transaction([start(uuid)])
    p.wait_for_action("start-call", uuid)


def test_two_outgoing_calls_in_one_transaction_are_refused(app, provider, shell):
    """Two dialing calls would be two active groups."""
    a, b = new_uuid(), new_uuid()
    with raises_dbus_error("MaximumCallGroupsReached"):
        app.request_transaction([start(a), start(b)])
    shell.sync()
    assert call_path(a) not in shell.managed_objects()
    assert call_path(b) not in shell.managed_objects()
    provider.assert_no_signal("PerformAction")


def test_start_call_while_another_is_active_holds_it(app, provider, shell):
    """Starting a call while another is active holds the active one in the
    same transaction, as a phone does: the set-held comes first and is an
    action of the transaction like the start-call."""
    first = new_uuid()
    transact(app, [(provider, start(first))])
    provider.report_outgoing_connected(first)
    shell.log.wait_call_property(first, "State", "active")
    second = new_uuid()
    tid, outcomes = transact(app, [(provider, action("set-held", first, on_hold=True)),
                                   (provider, start(second))])
    assert [(o["type"], o["call"], o["result"]) for o in outcomes] == [
        ("set-held", first, "fulfilled"), ("start-call", second, "fulfilled")]
    assert shell.log.wait_call_property(first, "State", "held")["IsOnHold"] is True
    assert shell.get_call_properties(second)["State"] == "dialing"
    assert shell.get_all_properties(call_path(second), CALL_IFACE)["IsOutgoing"] is True


def test_start_call_while_another_is_active_explicit_hold(app, provider, shell):
    """An explicit set-held in the transaction is the only one: nothing is
    added twice."""
    first = new_uuid()
    transact(app, [(provider, start(first))])
    provider.report_outgoing_connected(first)
    shell.log.wait_call_property(first, "State", "active")
    second = new_uuid()
    tid = app.request_transaction([action("set-held", first, on_hold=True), start(second)])
    performed = [provider.wait_for_action("set-held", first),
                 provider.wait_for_action("start-call", second)]
    for p in performed:
        provider.fulfill(p.id)
    assert len(app.wait_for_transaction(tid)) == 2
    provider.assert_no_signal("PerformAction")


def test_start_call_while_an_unholdable_call_is_active(app, provider, shell):
    first = ring(provider, supports_holding=False)
    transact(app, [(provider, action("answer-call", first))])
    shell.log.wait_call_property(first, "State", "active")
    with raises_dbus_error("MaximumCallGroupsReached",
                           match=first + ".*does not support holding.*end it"):
        app.request_transaction([start(new_uuid())])
    provider.assert_no_signal("PerformAction")



def test_call_object_exists_when_start_call_returns(app, provider, shell):
    """"A start-call action creates the call object at once": as soon as
    RequestTransaction has returned, another client can act on it."""
    for _ in range(20):
        uuid = new_uuid()
        app.request_transaction([start(uuid)])
        end = shell.call_method_async(uuid, "End")
        provider.fulfill(provider.wait_for_action("start-call", uuid).id)
        provider.fulfill(provider.wait_for_action("end-call", uuid).id)
        end.result()
        shell.log.assert_call_ended(uuid, "hung-up")
