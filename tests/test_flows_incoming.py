# SPDX-License-Identifier: LGPL-2.1-or-later
"""Incoming calls end to end: reported by a provider, seen by the shell,
answered, declined, missed, ended remotely or elsewhere, hung up; and the
unknown caller (no remote handle) in every one of those paths.

``app`` owns the provider, ``shell`` (the desktop) requests actions and
watches every signal, ``spy`` is a bystander that must receive nothing
addressed to the others.
"""

import time

import pytest

from harness import call_path, raises_dbus_error, wait_until
from test_flows_support import (  # noqa: F401 - fixtures
    action, action_timeout_ms, active_call, answer, new_uuid, ring, shell, spy,
    transact)

HANDLE = ("phone-number", "+4930123456")
HANDLE_TYPES = ("generic", "phone-number", "email-address")
SOME_TIME = 1_700_000_000_000_000  # 2023-11-14, in µs

# The unknown caller: no remote_handle at all, the documented empty one,
# and a typed handle with an empty value.
UNKNOWN_CALLERS = [
    pytest.param({}, id="no-handle"),
    pytest.param({"remote_handle": ("", "")}, id="empty-handle"),
    pytest.param({"remote_handle": ("generic", "")}, id="generic-empty"),
]


def assert_unknown_caller(props):
    __tracebackhide__ = True
    handle_type, value = props["RemoteHandle"]
    assert value == "", "an unknown caller must show no handle: %r" % (
        props["RemoteHandle"],)
    assert handle_type in HANDLE_TYPES
    assert props["LocalizedCallerName"] == ""


# ---------------------------------------------------------------------------
# Ringing

def test_incoming_call_appears_ringing(provider, shell, spy):
    uuid = new_uuid()
    provider.report_incoming(uuid.upper(), remote_handle=HANDLE,
                             localized_caller_name="Ada Lovelace")
    props = shell.log.wait_call_added(uuid)
    assert props["UUID"] == uuid  # canonical lower case
    assert props["Provider"] == provider.path
    assert props["RemoteHandle"] == HANDLE
    assert props["LocalizedCallerName"] == "Ada Lovelace"
    assert props["IsOutgoing"] is False
    assert props["State"] == "ringing"
    assert props["HasConnected"] is False
    assert props["HasEnded"] is False
    assert props["IsOnHold"] is False
    assert props["IsMuted"] is False
    assert props["Group"] == ""
    assert props["ConnectedAt"] == 0
    assert props["EndedAt"] == 0
    assert props["EndedReason"] == ""
    # InterfacesAdded carries everything: GetAll and the ObjectManager agree.
    assert shell.get_call_properties(uuid) == props
    assert shell.managed_objects()[call_path(uuid)]["io.github.callkitd.CallKit1.Call"] == props
    provider.assert_no_signal("PerformAction")
    spy.log.assert_nothing_private()


def test_incoming_call_uuid_cannot_be_reported_twice(provider, shell):
    uuid = ring(provider, remote_handle=HANDLE)
    with raises_dbus_error("CallUUIDAlreadyExists", match=uuid):
        provider.report_incoming(uuid.upper(), remote_handle=HANDLE)
    # A stale report of a call that already ended rings nothing either.
    provider.report_ended(uuid, "remote-ended")
    shell.log.assert_call_ended(uuid, "remote-ended")
    with raises_dbus_error("CallUUIDAlreadyExists"):
        provider.report_incoming(uuid, remote_handle=HANDLE)
    shell.sync()
    assert call_path(uuid) not in shell.managed_objects()
    assert [k for k, _ in shell.log.call_events(uuid)] == [
        "added", "changed", "removed"]


# ---------------------------------------------------------------------------
# Answered

def test_answer_via_transaction(app, provider, shell, spy):
    uuid = ring(provider, remote_handle=HANDLE)
    shell.log.wait_call_added(uuid)

    tid = shell.request_transaction([action("answer-call", uuid)])
    performed = provider.wait_for_action("answer-call", uuid)
    assert performed.call == uuid
    assert performed.parameters["transaction"] == tid
    assert performed.parameters["deadline"] > 0

    # Nothing changes until the provider has answered for real.
    shell.sync()
    assert shell.get_call_properties(uuid)["State"] == "ringing"
    assert tid not in shell.transactions

    provider.fulfill(performed.id)
    assert shell.wait_for_transaction(tid) == [{
        "action": performed.id, "type": "answer-call", "call": uuid,
        "result": "fulfilled", "reason": ""}]
    props = shell.log.wait_call_property(uuid, "State", "active")
    assert props["HasConnected"] is True
    assert props["ConnectedAt"] > 0
    assert props["HasEnded"] is False
    assert props["IsOnHold"] is False

    # Only the requester hears of the transaction; only the owner of the
    # provider of the action.
    app.sync()
    assert tid not in app.transactions
    assert shell.log.provider_signals() == []
    spy.log.assert_nothing_private()
    provider.assert_no_signal("PerformAction")


def test_answer_via_call_method_returns_after_fulfil(app, provider, shell, spy):
    uuid = ring(provider, remote_handle=HANDLE)
    pending = shell.call_method_async(uuid, "Answer")
    performed = provider.wait_for_action("answer-call", uuid)
    shell.sync()
    assert not pending.done, "Answer returned before the provider fulfilled it"
    assert shell.get_call_properties(uuid)["State"] == "ringing"

    provider.fulfill(performed.id, date=("x", SOME_TIME))
    assert pending.result() is None
    props = shell.log.wait_call_property(uuid, "State", "active")
    assert props["ConnectedAt"] == SOME_TIME
    assert props["HasConnected"] is True
    assert shell.get_call_properties(uuid)["ConnectedAt"] == SOME_TIME
    spy.log.assert_nothing_private()


def test_answer_date_zero_means_now(provider, shell):
    uuid = ring(provider, remote_handle=HANDLE)
    tid = shell.request_transaction([action("answer-call", uuid)])
    performed = provider.wait_for_action("answer-call", uuid)
    before = time.time_ns() // 1000
    provider.fulfill(performed.id, date=("x", 0))
    after = time.time_ns() // 1000
    shell.wait_for_transaction(tid)
    props = shell.log.wait_call_property(uuid, "State", "active")
    # "0 means now": the time of the fulfilment, not the epoch.
    assert before <= props["ConnectedAt"] <= after


def test_answer_failed_by_provider_keeps_ringing(provider, shell):
    uuid = ring(provider, remote_handle=HANDLE)
    pending = shell.call_method_async(uuid, "Answer")
    performed = provider.wait_for_action("answer-call", uuid)
    provider.fail(performed.id, "no audio device")
    with raises_dbus_error("ActionFailed", match="no audio device"):
        pending.result()
    shell.sync()
    props = shell.get_call_properties(uuid)
    assert props["State"] == "ringing"
    assert props["HasConnected"] is False
    # It can still be answered.
    answer(shell, provider, uuid)


def test_answer_an_active_call_is_invalid(provider, shell):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    with raises_dbus_error("InvalidAction", match=uuid):
        shell.request_transaction([action("answer-call", uuid)])
    with raises_dbus_error("InvalidAction"):
        shell.call_method(uuid, "Answer")
    provider.assert_no_signal("PerformAction")


# ---------------------------------------------------------------------------
# Declined, hung up

@pytest.mark.parametrize("via", ["transaction", "method"])
def test_decline_ringing_call(provider, shell, spy, via):
    uuid = ring(provider, remote_handle=HANDLE)
    shell.log.wait_call_added(uuid)
    if via == "transaction":
        tid = shell.request_transaction([action("end-call", uuid)])
    else:
        pending = shell.call_method_async(uuid, "End")
    performed = provider.wait_for_action("end-call", uuid)
    assert performed.parameters["reason"] == "declined"
    shell.sync()
    assert shell.get_call_properties(uuid)["State"] == "ringing"

    provider.fulfill(performed.id)
    final = shell.log.assert_call_ended(uuid, "declined")
    assert final["HasConnected"] is False
    assert final["ConnectedAt"] == 0
    if via == "transaction":
        assert shell.wait_for_transaction(tid)[0]["result"] == "fulfilled"
    else:
        assert pending.result() is None
    assert call_path(uuid) not in shell.managed_objects()
    spy.log.assert_nothing_private()


@pytest.mark.parametrize("via", ["transaction", "method"])
def test_hang_up_after_answer(provider, shell, spy, via):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    if via == "transaction":
        tid = shell.request_transaction([action("end-call", uuid)])
    else:
        pending = shell.call_method_async(uuid, "End")
    performed = provider.wait_for_action("end-call", uuid)
    assert performed.parameters["reason"] == "hung-up"
    provider.fulfill(performed.id, date=("x", SOME_TIME))
    final = shell.log.assert_call_ended(uuid, "hung-up")
    assert final["EndedAt"] == SOME_TIME
    assert final["HasConnected"] is True
    if via == "transaction":
        assert shell.wait_for_transaction(tid)[0]["result"] == "fulfilled"
    else:
        assert pending.result() is None
    spy.log.assert_nothing_private()


def test_end_failed_by_provider_keeps_call(provider, shell):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    pending = shell.call_method_async(uuid, "End")
    provider.fail(provider.wait_for_action("end-call", uuid).id, "SIP BYE lost")
    with raises_dbus_error("ActionFailed", match="SIP BYE lost"):
        pending.result()
    shell.sync()
    assert shell.get_call_properties(uuid)["State"] == "active"
    assert not any(k == "removed" for k, _ in shell.log.call_events(uuid))


# ---------------------------------------------------------------------------
# Ended by the other side or elsewhere

@pytest.mark.parametrize("reason", [
    "remote-ended", "answered-elsewhere", "declined-elsewhere", "failed",
    "unanswered"])
def test_ringing_call_ended_by_provider(provider, shell, spy, reason):
    uuid = ring(provider, remote_handle=HANDLE)
    shell.log.wait_call_added(uuid)
    provider.report_ended(uuid, reason, SOME_TIME)
    final = shell.log.assert_call_ended(uuid, reason)
    assert final["EndedAt"] == SOME_TIME
    assert final["HasConnected"] is False
    # Ended by the provider itself: no action goes back to it.
    provider.assert_no_signal("PerformAction")
    spy.log.assert_nothing_private()
    with raises_dbus_error("UnknownCallUUID"):
        provider.report_ended(uuid, reason)
    with raises_dbus_error("UnknownCallUUID"):
        shell.request_transaction([action("answer-call", uuid)])


def test_active_call_remote_ended(provider, shell, spy):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    provider.report_ended(uuid, "remote-ended")
    final = shell.log.assert_call_ended(uuid, "remote-ended")
    assert final["HasConnected"] is True
    assert final["EndedAt"] >= final["ConnectedAt"] > 0
    provider.assert_no_signal("PerformAction")
    spy.log.assert_nothing_private()


def test_provider_cannot_report_local_reasons(provider, shell):
    uuid = ring(provider, remote_handle=HANDLE)
    for reason in ("declined", "hung-up", "bogus", ""):
        with raises_dbus_error("InvalidArgument"):
            provider.report_ended(uuid, reason)
    shell.sync()
    assert shell.get_call_properties(uuid)["State"] == "ringing"


@pytest.mark.parametrize("reason", ["answered-elsewhere", "remote-ended"])
def test_caller_cancels_while_answer_pending(app, provider, shell, spy, reason):
    """The caller gives up (or another device answers) while the user's
    Answer is with the provider: the call ends with the provider's reason
    and the pending answer fails with reason call-ended."""
    uuid = ring(provider, remote_handle=HANDLE)
    pending = shell.call_method_async(uuid, "Answer")
    tid = shell.request_transaction([action("set-muted", uuid, muted=True)])
    answer_action = provider.wait_for_action("answer-call", uuid)
    mute_action = provider.wait_for_action("set-muted", uuid)

    provider.report_ended(uuid, reason)
    shell.log.assert_call_ended(uuid, reason)
    with raises_dbus_error("ActionFailed", match="call-ended"):
        pending.result()
    outcome, = shell.wait_for_transaction(tid)
    assert outcome["result"] == "failed"
    assert outcome["reason"] == "call-ended"
    with raises_dbus_error("UnknownAction"):
        provider.fulfill(answer_action.id)
    with raises_dbus_error("UnknownAction"):
        provider.fulfill(mute_action.id)
    spy.log.assert_nothing_private()


# ---------------------------------------------------------------------------
# Missed (rang until the ringing timeout)

@pytest.mark.callkitd_args("--ringing-timeout=1")
@pytest.mark.parametrize("response", ["fulfil", "fail", "no-answer"])
def test_missed_call_ends_unanswered(app, shell, spy, response):
    config = {"localized_name": "Test Phone"}
    if response == "no-answer":
        config["action_timeout_ms"] = ("u", action_timeout_ms(200))
    p = app.register_provider(config)
    uuid = ring(p, remote_handle=HANDLE)
    shell.log.wait_call_added(uuid)

    performed = p.wait_for_action("end-call", uuid, timeout=10)
    assert performed.parameters["reason"] == "unanswered"
    if response == "fulfil":
        p.fulfill(performed.id)
    elif response == "fail":
        p.fail(performed.id, "already gone")
    else:
        timed_out = p.wait_for_signal("ActionTimedOut")
        assert timed_out.args == (performed.id,)
    final = shell.log.assert_call_ended(uuid, "unanswered")
    assert final["HasConnected"] is False
    # callkitd made that transaction: nobody gets a TransactionCompleted.
    app.sync()
    assert app.transactions == {}
    assert shell.log.transaction_completions() == []
    spy.log.assert_nothing_private()
    p.assert_no_signal("PerformAction")


@pytest.mark.callkitd_args("--ringing-timeout=1")
def test_answered_call_is_not_missed(app, shell):
    """The ringing timeout stops when the call is answered: a call reported
    later rings out while the answered one stays active."""
    p = app.register_provider({"localized_name": "Test Phone"})
    answered = active_call(shell, p, remote_handle=HANDLE)
    later = ring(p, remote_handle=("phone-number", "+4930999"))
    p.fail(p.wait_for_action("end-call", later, timeout=10).id, "")
    shell.log.assert_call_ended(later, "unanswered")
    p.assert_no_signal("PerformAction", lambda s: s.args[2] == answered)
    assert shell.get_call_properties(answered)["State"] == "active"


@pytest.mark.callkitd_args("--ringing-timeout=1")
def test_missed_after_failed_answer(app, shell):
    """The ringing timeout passes while an answer is with the provider; the
    provider then fails the answer. The call is still ringing and nobody
    answered it: it must still end as unanswered, not ring for ever."""
    p = app.register_provider({"localized_name": "Test Phone"})
    uuid = ring(p, remote_handle=HANDLE)
    tid = shell.request_transaction([action("answer-call", uuid)])
    answer_action = p.wait_for_action("answer-call", uuid)
    # A call reported after this one has rung out: this one's ringing
    # timeout has passed too.
    later = ring(p)
    p.fulfill(p.wait_for_action("end-call", later, timeout=10).id)
    shell.log.assert_call_ended(later, "unanswered")
    p.assert_no_signal("PerformAction", lambda s: s.args[2] == uuid)

    p.fail(answer_action.id, "headset busy")
    assert shell.wait_for_transaction(tid)[0]["result"] == "failed"
    performed = p.wait_for_action("end-call", uuid, timeout=10)
    assert performed.parameters["reason"] == "unanswered"
    p.fulfill(performed.id)
    shell.log.assert_call_ended(uuid, "unanswered")


# ---------------------------------------------------------------------------
# Unknown caller, in every path

@pytest.mark.parametrize("update", UNKNOWN_CALLERS)
def test_unknown_caller_answered_and_hung_up(provider, shell, update):
    uuid = ring(provider, **update)
    assert_unknown_caller(shell.log.wait_call_added(uuid))
    pending = shell.call_method_async(uuid, "Answer")
    provider.fulfill(provider.wait_for_action("answer-call", uuid).id)
    pending.result()
    assert_unknown_caller(shell.log.wait_call_property(uuid, "State", "active"))
    pending = shell.call_method_async(uuid, "End")
    performed = provider.wait_for_action("end-call", uuid)
    assert performed.parameters["reason"] == "hung-up"
    provider.fulfill(performed.id)
    pending.result()
    assert_unknown_caller(shell.log.assert_call_ended(uuid, "hung-up"))


@pytest.mark.parametrize("update", UNKNOWN_CALLERS)
def test_unknown_caller_declined(provider, shell, update):
    uuid = ring(provider, **update)
    tid, _ = transact(shell, [(provider, action("end-call", uuid))])
    assert_unknown_caller(shell.log.assert_call_ended(uuid, "declined"))


@pytest.mark.parametrize("update", UNKNOWN_CALLERS)
@pytest.mark.parametrize("reason", ["remote-ended", "answered-elsewhere",
                                    "declined-elsewhere"])
def test_unknown_caller_ended_elsewhere(provider, shell, update, reason):
    uuid = ring(provider, **update)
    assert_unknown_caller(shell.log.wait_call_added(uuid))
    provider.report_ended(uuid, reason)
    assert_unknown_caller(shell.log.assert_call_ended(uuid, reason))


@pytest.mark.callkitd_args("--ringing-timeout=1")
@pytest.mark.parametrize("update", UNKNOWN_CALLERS)
def test_unknown_caller_missed(app, shell, update):
    p = app.register_provider({"localized_name": "Test Phone"})
    uuid = ring(p, **update)
    performed = p.wait_for_action("end-call", uuid, timeout=10)
    assert performed.parameters["reason"] == "unanswered"
    p.fulfill(performed.id)
    assert_unknown_caller(shell.log.assert_call_ended(uuid, "unanswered"))


@pytest.mark.parametrize("update", UNKNOWN_CALLERS)
def test_unknown_caller_identified_later(provider, shell, update):
    uuid = ring(provider, **update)
    shell.log.wait_call_added(uuid)
    provider.report_updated(uuid, remote_handle=HANDLE,
                            localized_caller_name="Ada Lovelace")
    props = shell.log.wait_call_property(uuid, "RemoteHandle", HANDLE)
    assert props["LocalizedCallerName"] == "Ada Lovelace"
    # And back to unknown (a withheld number after all).
    provider.report_updated(uuid, remote_handle=("", ""))
    wait_until(lambda: shell.log.call_state(uuid)["RemoteHandle"][1] == "",
               message="the handle to be cleared")
    assert_unknown_caller(dict(shell.get_call_properties(uuid),
                               LocalizedCallerName=""))



@pytest.mark.callkitd_args("--incoming-report-rate=0")
def test_call_object_exists_when_report_returns(app, provider, shell):
    """"The call appears at once": as soon as ReportNewIncomingCall has
    returned, the app and any other client find the call object."""
    for _ in range(100):
        uuid = new_uuid()
        provider.report_incoming(uuid)
        # Both sent at once, right after the reply, from two connections.
        mine = app.call_async(call_path(uuid), "org.freedesktop.DBus.Properties",
                              "GetAll", ("(s)", ("io.github.callkitd.CallKit1.Call",)))
        theirs = shell.call_method_async(uuid, "End")
        assert mine.result()["State"] == "ringing"
        provider.fulfill(provider.wait_for_action("end-call", uuid).id)
        theirs.result()


@pytest.mark.parametrize("method, args", [
    ("Answer", None), ("End", None), ("SetHeld", ("(b)", (True,))),
    ("SetMuted", ("(b)", (True,))), ("PlayDTMF", ("(s)", ("1",)))])
def test_call_method_after_the_call_ended(provider, shell, method, args):
    """A client whose view is stale (the caller hung up a moment ago) gets
    the documented UnknownCallUUID "(the call ended meanwhile)", naming
    the call, not a generic D-Bus error."""
    uuid = ring(provider, remote_handle=HANDLE)
    provider.report_ended(uuid, "remote-ended")
    shell.log.assert_call_ended(uuid, "remote-ended")
    with raises_dbus_error("UnknownCallUUID", match=uuid):
        shell.call_method(uuid, method, args)
    provider.assert_no_signal("PerformAction")


def test_provider_ringing_timeout_ms(app, shell):
    """ringing_timeout_ms in the configuration overrides the daemon's
    default (60 s)."""
    p = app.register_provider({"localized_name": "Short ring",
                               "ringing_timeout_ms": ("u", 1000)})
    uuid = ring(p, remote_handle=HANDLE)
    performed = p.wait_for_action("end-call", uuid, timeout=10)
    assert performed.parameters["reason"] == "unanswered"
    p.fulfill(performed.id)
    shell.log.assert_call_ended(uuid, "unanswered")
