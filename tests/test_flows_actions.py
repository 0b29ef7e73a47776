# SPDX-License-Identifier: LGPL-2.1-or-later
"""Actions as the provider sees them: DTMF and mute flows, the order of
PerformAction within a transaction, what a timed-out action does to its
call (action_timeout_ms), and the exactly-once rule of FulfillAction and
FailAction.
"""

import time

import pytest

from harness import raises_dbus_error
from test_flows_support import (  # noqa: F401 - fixtures
    action, action_timeout_ms, active_call, hurry, new_uuid, ring, shell, spy,
    transact)

HANDLE = ("phone-number", "+4930123456")
TIMEOUT_MS = action_timeout_ms(200)


@pytest.fixture
def quick(app):
    """A provider that has 200 ms (scaled) to answer each action. Tests
    that need actions fulfilled first use ``slow`` and then hurry() it."""
    return app.register_provider({"localized_name": "Quick",
                                  "action_timeout_ms": ("u", TIMEOUT_MS)})


@pytest.fixture
def slow(app):
    """A provider with the default action timeout, to set calls up."""
    return app.register_provider({"localized_name": "Slow"})


# ---------------------------------------------------------------------------
# DTMF

@pytest.mark.parametrize("dtmf_type", [None, "single-tone", "soft-pause",
                                       "hard-pause"])
def test_play_dtmf_via_transaction(provider, shell, spy, dtmf_type):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    keys = {"digits": "0123456789*#abcD"}
    if dtmf_type is not None:
        keys["dtmf_type"] = dtmf_type
    tid = shell.request_transaction([action("play-dtmf", uuid, **keys)])
    performed = provider.wait_for_action("play-dtmf", uuid)
    assert performed.parameters["digits"] == "0123456789*#ABCD"
    assert performed.parameters["dtmf_type"] == (dtmf_type or "single-tone")
    assert performed.parameters["transaction"] == tid
    provider.fulfill(performed.id)
    assert shell.wait_for_transaction(tid)[0]["result"] == "fulfilled"
    shell.sync()
    assert shell.get_call_properties(uuid)["State"] == "active"
    spy.log.assert_nothing_private()


def test_play_dtmf_via_call_method(provider, shell):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    pending = shell.call_method_async(uuid, "PlayDTMF", ("(s)", ("9c*",)))
    performed = provider.wait_for_action("play-dtmf", uuid)
    assert performed.parameters["digits"] == "9C*"
    assert performed.parameters["dtmf_type"] == "single-tone"
    shell.sync()
    assert not pending.done
    provider.fulfill(performed.id)
    assert pending.result() is None


def test_play_dtmf_on_connecting_outgoing_call(app, provider, shell):
    """Dialling into a conference bridge: DTMF while connecting."""
    uuid = new_uuid()
    transact(app, [(provider, action("start-call", uuid, handle=HANDLE))])
    provider.report_outgoing_connecting(uuid)
    shell.log.wait_call_property(uuid, "State", "connecting")
    tid, _ = transact(app, [(provider, action("play-dtmf", uuid, digits="1234#"))])


def test_play_dtmf_reaches_the_provider_one_at_a_time(provider, shell):
    """CXPlayDTMFCallAction's rule: two transactions of one digit each
    reach the provider one after the other, the second once the first is
    fulfilled; both are still dispatched (and complete) in order."""
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    first = shell.request_transaction([action("play-dtmf", uuid, digits="1")])
    second = shell.request_transaction([action("play-dtmf", uuid, digits="2")])
    performed = provider.wait_for_action("play-dtmf", uuid)
    assert performed.parameters["digits"] == "1"
    shell.sync()
    provider.assert_no_signal("PerformAction")
    # The second is not there yet: fulfilling it is refused.
    with raises_dbus_error("UnknownAction"):
        provider.fulfill("a%d" % (int(performed.id[1:]) + 1))
    provider.fulfill(performed.id)
    assert shell.wait_for_transaction(first)[0]["result"] == "fulfilled"
    performed = provider.wait_for_action("play-dtmf", uuid)
    assert performed.parameters["digits"] == "2"
    assert performed.parameters["transaction"] == second
    provider.fulfill(performed.id)
    assert shell.wait_for_transaction(second)[0]["result"] == "fulfilled"


def test_play_dtmf_next_goes_when_the_previous_fails_or_times_out(app, shell):
    provider = app.register_provider({"localized_name": "Slow"})
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    hurry(provider)
    tids = [shell.request_transaction([action("play-dtmf", uuid, digits=d)])
            for d in "123"]
    one = provider.wait_for_action("play-dtmf", uuid)
    provider.fail(one.id, "busy")
    two = provider.wait_for_action("play-dtmf", uuid)
    assert two.parameters["digits"] == "2"
    # Two times out; three follows it.
    assert provider.wait_for_signal("ActionTimedOut").args == (two.id,)
    three = provider.wait_for_action("play-dtmf", uuid)
    assert three.parameters["digits"] == "3"
    provider.fulfill(three.id)
    assert [shell.wait_for_transaction(t)[0]["result"] for t in tids] == [
        "failed", "timed-out", "fulfilled"]


def test_play_dtmf_waiting_fail_when_the_call_ends(provider, shell):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    first = shell.request_transaction([action("play-dtmf", uuid, digits="1")])
    second = shell.request_transaction([action("play-dtmf", uuid, digits="2")])
    provider.wait_for_action("play-dtmf", uuid)
    provider.report_ended(uuid, "remote-ended")
    for tid in (first, second):
        outcome = shell.wait_for_transaction(tid)[0]
        assert (outcome["result"], outcome["reason"]) == ("failed", "call-ended")
    shell.sync()
    provider.assert_no_signal("PerformAction")


def test_play_dtmf_of_different_calls_do_not_wait(provider, shell):
    """The rule is per call: in a conference, tones for one call are not
    held back by tones for another."""
    a = active_call(shell, provider, remote_handle=HANDLE, supports_grouping=True)
    b = ring(provider, remote_handle=("phone-number", "+4930999"), supports_grouping=True)
    transact(shell, [(provider, action("set-held", a, on_hold=True)),
                     (provider, action("answer-call", b))])
    transact(shell, [(provider, action("set-group", b, group_with=a))])
    shell.log.wait_call_property(a, "State", "active")
    shell.request_transaction([action("play-dtmf", a, digits="1")])
    shell.request_transaction([action("play-dtmf", b, digits="2")])
    assert provider.wait_for_action("play-dtmf", a).parameters["digits"] == "1"
    assert provider.wait_for_action("play-dtmf", b).parameters["digits"] == "2"


def test_play_dtmf_needs_supports_dtmf(provider, shell):
    uuid = active_call(shell, provider, remote_handle=HANDLE,
                       supports_dtmf=False)
    assert shell.get_call_properties(uuid)["SupportsDTMF"] is False
    with raises_dbus_error("InvalidAction", match="DTMF"):
        shell.request_transaction([action("play-dtmf", uuid, digits="1")])
    with raises_dbus_error("InvalidAction", match="DTMF"):
        shell.call_method(uuid, "PlayDTMF", ("(s)", ("1",)))
    provider.assert_no_signal("PerformAction")
    provider.report_updated(uuid, supports_dtmf=True)
    shell.log.wait_call_property(uuid, "SupportsDTMF", True)
    transact(shell, [(provider, action("play-dtmf", uuid, digits="1"))])


def test_play_dtmf_on_ringing_call_is_invalid(provider, shell):
    uuid = ring(provider, remote_handle=HANDLE)
    with raises_dbus_error("InvalidAction"):
        shell.request_transaction([action("play-dtmf", uuid, digits="1")])
    provider.assert_no_signal("PerformAction")


@pytest.mark.parametrize("digits", ["12x", "", "1 2", "E", "１", "12\n"])
def test_play_dtmf_bad_digits(provider, shell, digits):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    with raises_dbus_error("InvalidArgument", match="digits"):
        shell.request_transaction([action("play-dtmf", uuid, digits=digits)])
    with raises_dbus_error("InvalidArgument", match="digits"):
        shell.call_method(uuid, "PlayDTMF", ("(s)", (digits,)))
    provider.assert_no_signal("PerformAction")


def test_play_dtmf_digits_length_limit(provider, shell):
    limit = shell.manager_property("Limits")["dtmf_digits_length"]
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    with raises_dbus_error("InvalidArgument", match="digits"):
        shell.call_method(uuid, "PlayDTMF", ("(s)", ("1" * (limit + 1),)))
    with raises_dbus_error("InvalidArgument", match="digits"):
        shell.request_transaction([action("play-dtmf", uuid,
                                          digits="1" * (limit + 1))])
    provider.assert_no_signal("PerformAction")
    transact(shell, [(provider, action("play-dtmf", uuid, digits="1" * limit))])


def test_play_dtmf_bad_type(provider, shell):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    with raises_dbus_error("InvalidArgument", match="dtmf_type"):
        shell.request_transaction([action("play-dtmf", uuid, digits="1",
                                          dtmf_type="long-tone")])
    provider.assert_no_signal("PerformAction")


# ---------------------------------------------------------------------------
# Mute

def test_mute_and_unmute(provider, shell, spy):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    tid = shell.request_transaction([action("set-muted", uuid, muted=True)])
    performed = provider.wait_for_action("set-muted", uuid)
    assert performed.parameters["muted"] is True
    shell.sync()
    assert shell.get_call_properties(uuid)["IsMuted"] is False
    provider.fulfill(performed.id)
    assert shell.wait_for_transaction(tid)[0]["result"] == "fulfilled"
    props = shell.log.wait_call_property(uuid, "IsMuted", True)
    assert props["State"] == "active"

    pending = shell.call_method_async(uuid, "SetMuted", ("(b)", (False,)))
    performed = provider.wait_for_action("set-muted", uuid)
    assert performed.parameters["muted"] is False
    provider.fulfill(performed.id)
    pending.result()
    shell.log.wait_call_property(uuid, "IsMuted", False)
    spy.log.assert_nothing_private()


def test_mute_failed_leaves_state(provider, shell):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    pending = shell.call_method_async(uuid, "SetMuted", ("(b)", (True,)))
    provider.fail(provider.wait_for_action("set-muted", uuid).id,
                  "microphone is gone")
    with raises_dbus_error("ActionFailed", match="microphone is gone"):
        pending.result()
    shell.sync()
    assert shell.get_call_properties(uuid)["IsMuted"] is False


# ---------------------------------------------------------------------------
# Order and atomicity of a transaction

def test_perform_action_order_matches_request(app, make_client, shell, spy):
    pa = app.register_provider({"localized_name": "A"})
    pb = make_client("other-app").register_provider({"localized_name": "B"})
    a = active_call(shell, pa, remote_handle=HANDLE)
    c = ring(pa, remote_handle=("generic", "c"))
    b = ring(pb, remote_handle=("generic", "b"))
    pa.clear_signals()
    pb.clear_signals()
    requested = [
        action("set-muted", a, muted=True),
        action("end-call", c),
        action("play-dtmf", a, digits="5"),
        action("end-call", b),
        action("set-held", a, on_hold=True),
    ]
    tid = shell.request_transaction(requested)
    shell.sync()
    app.sync()
    seen_a = [s.args for s in pa.signals if s.name == "PerformAction"]
    seen_b = [s.args for s in pb.signals if s.name == "PerformAction"]
    assert [(t, call) for _, t, call, _ in seen_a] == [
        ("set-muted", a), ("end-call", c), ("play-dtmf", a), ("set-held", a)]
    assert [(t, call) for _, t, call, _ in seen_b] == [("end-call", b)]
    assert all(p["transaction"] == tid for *_, p in seen_a + seen_b)
    ids = [s[0] for s in seen_a]
    assert len(set(ids + [seen_b[0][0]])) == 5, "action ids must be distinct"

    # Fulfilled in reverse order: TransactionCompleted waits for the last
    # one and lists the outcomes in request order.
    for action_id in reversed(ids):
        pa.fulfill(action_id)
    shell.sync()
    assert tid not in shell.transactions
    pb.fulfill(seen_b[0][0])
    outcomes = shell.wait_for_transaction(tid)
    assert [(o["type"], o["call"], o["result"]) for o in outcomes] == [
        (r["type"], r["call"], "fulfilled") for r in requested]
    assert [o["action"] for o in outcomes] == [
        ids[0], ids[1], ids[2], seen_b[0][0], ids[3]]
    shell.log.wait_call_property(a, "State", "held")
    shell.log.assert_call_ended(c, "declined")
    shell.log.assert_call_ended(b, "declined")
    assert shell.log.call_state(a)["IsMuted"] is True
    app.sync()
    assert tid not in app.transactions
    spy.log.assert_nothing_private()


def test_invalid_transaction_dispatches_nothing(provider, shell):
    a = active_call(shell, provider, remote_handle=HANDLE)
    b = ring(provider, remote_handle=("generic", "b"))
    with raises_dbus_error("InvalidAction", match="action 2"):
        shell.request_transaction([
            action("set-muted", a, muted=True),
            action("end-call", b),
            action("answer-call", a),  # a is active: invalid
        ])
    provider.assert_no_signal("PerformAction")
    assert shell.get_call_properties(a)["IsMuted"] is False
    assert shell.get_call_properties(b)["State"] == "ringing"


# ---------------------------------------------------------------------------
# Timeouts

def test_answer_times_out(app, quick, shell, spy):
    uuid = ring(quick, remote_handle=HANDLE)
    before = time.time_ns() // 1000
    tid = shell.request_transaction([action("answer-call", uuid)])
    after = time.time_ns() // 1000
    performed = quick.wait_for_action("answer-call", uuid)
    deadline = performed.parameters["deadline"]
    assert before + TIMEOUT_MS * 1000 <= deadline <= after + TIMEOUT_MS * 1000

    timed_out = quick.wait_for_signal("ActionTimedOut")
    assert timed_out.args == (performed.id,)
    outcome, = shell.wait_for_transaction(tid)
    assert outcome["result"] == "timed-out"
    assert outcome["action"] == performed.id
    final = shell.log.assert_call_ended(uuid, "failed")
    assert final["HasConnected"] is False
    with raises_dbus_error("UnknownAction", match=performed.id):
        quick.fulfill(performed.id)
    with raises_dbus_error("UnknownAction"):
        quick.fail(performed.id, "too late")
    app.sync()
    assert tid not in app.transactions
    spy.log.assert_nothing_private()


def test_answer_method_times_out(quick, shell):
    uuid = ring(quick, remote_handle=HANDLE)
    pending = shell.call_method_async(uuid, "Answer")
    performed = quick.wait_for_action("answer-call", uuid)
    with raises_dbus_error("ActionTimedOut"):
        pending.result()
    assert quick.wait_for_signal("ActionTimedOut").args == (performed.id,)
    shell.log.assert_call_ended(uuid, "failed")


@pytest.mark.parametrize("state, reason", [("ringing", "declined"),
                                           ("active", "hung-up")])
def test_end_call_times_out_and_still_ends(slow, shell, state, reason):
    quick = slow
    uuid = ring(quick, remote_handle=HANDLE)
    if state == "active":
        transact(shell, [(quick, action("answer-call", uuid))])
        shell.log.wait_call_property(uuid, "State", "active")
    hurry(quick)
    pending = shell.call_method_async(uuid, "End")
    performed = quick.wait_for_action("end-call", uuid)
    assert performed.parameters["reason"] == reason
    with raises_dbus_error("ActionTimedOut"):
        pending.result()
    assert quick.wait_for_signal("ActionTimedOut").args == (performed.id,)
    shell.log.assert_call_ended(uuid, reason)
    with raises_dbus_error("UnknownAction"):
        quick.fulfill(performed.id)


def test_start_call_times_out_and_ends_failed(app, quick, shell):
    uuid = new_uuid()
    tid = app.request_transaction([action("start-call", uuid, handle=HANDLE)])
    performed = quick.wait_for_action("start-call", uuid)
    assert quick.wait_for_signal("ActionTimedOut").args == (performed.id,)
    assert app.wait_for_transaction(tid)[0]["result"] == "timed-out"
    shell.log.assert_call_ended(uuid, "failed")


def test_set_muted_times_out_and_leaves_state(slow, shell):
    quick = slow
    uuid = ring(quick, remote_handle=HANDLE)
    transact(shell, [(quick, action("answer-call", uuid))])
    shell.log.wait_call_property(uuid, "State", "active")
    hurry(quick)
    tid = shell.request_transaction([action("set-muted", uuid, muted=True)])
    pending = shell.call_method_async(uuid, "SetHeld", ("(b)", (True,)))
    mute = quick.wait_for_action("set-muted", uuid)
    hold = quick.wait_for_action("set-held", uuid)
    assert shell.wait_for_transaction(tid)[0]["result"] == "timed-out"
    with raises_dbus_error("ActionTimedOut"):
        pending.result()
    timed_out = {quick.wait_for_signal("ActionTimedOut").args[0],
                 quick.wait_for_signal("ActionTimedOut").args[0]}
    assert timed_out == {mute.id, hold.id}
    shell.sync()
    props = shell.get_call_properties(uuid)
    assert props["IsMuted"] is False
    assert props["State"] == "active"
    with raises_dbus_error("UnknownAction"):
        quick.fulfill(mute.id)
    shell.sync()
    assert shell.get_call_properties(uuid)["IsMuted"] is False


def test_call_method_action_failed_carries_reason(provider, shell):
    uuid = ring(provider, remote_handle=HANDLE)
    pending = shell.call_method_async(uuid, "Answer")
    provider.fail(provider.wait_for_action("answer-call", uuid).id,
                  "486 Busy Here")
    with raises_dbus_error("ActionFailed", match="486 Busy Here"):
        pending.result()


def test_fulfilled_before_deadline_does_not_time_out(slow, shell):
    """A fulfilled action never gets ActionTimedOut, even once its deadline
    has passed (shown by a later action, with the same timeout, that did
    time out)."""
    quick = slow
    hurry(quick, 1000)
    uuid = ring(quick, remote_handle=HANDLE)
    transact(shell, [(quick, action("answer-call", uuid))])
    shell.log.wait_call_property(uuid, "State", "active")
    tid = shell.request_transaction([action("set-muted", uuid, muted=True)])
    late = quick.wait_for_action("set-muted", uuid)
    assert quick.wait_for_signal("ActionTimedOut").args == (late.id,)
    quick.assert_no_signal("ActionTimedOut")
    assert shell.get_call_properties(uuid)["State"] == "active"


def test_cancelled_action_never_times_out(slow, shell):
    """An action cancelled because its call ended gets no ActionTimedOut
    when its deadline passes (shown by a later action, with the same
    timeout, that times out)."""
    quick = slow
    hurry(quick, 1000)
    uuid = ring(quick, remote_handle=HANDLE)
    transact(shell, [(quick, action("answer-call", uuid))])
    tid = shell.request_transaction([action("set-muted", uuid, muted=True)])
    cancelled = quick.wait_for_action("set-muted", uuid)
    quick.report_ended(uuid, "remote-ended")
    outcome, = shell.wait_for_transaction(tid)
    assert (outcome["result"], outcome["reason"]) == ("failed", "call-ended")

    later = ring(quick, remote_handle=HANDLE)
    shell.request_transaction([action("end-call", later)])
    late = quick.wait_for_action("end-call", later)
    assert quick.wait_for_signal("ActionTimedOut").args == (late.id,)
    quick.assert_no_signal("ActionTimedOut")
    shell.log.assert_call_ended(later, "declined")
    with raises_dbus_error("UnknownAction"):
        quick.fulfill(cancelled.id)


def test_two_requesters_race_to_end_a_call(make_client, provider, shell):
    """Two clients end the same call at once: both actions reach the
    provider; the first fulfilled ends the call, the other completes as
    failed with reason call-ended, each outcome to its own requester."""
    other = make_client("callctl")
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    first = shell.request_transaction([action("end-call", uuid)])
    second = other.request_transaction([action("end-call", uuid)])
    a1 = provider.wait_for_action("end-call", uuid)
    a2 = provider.wait_for_action("end-call", uuid)
    assert (a1.parameters["transaction"], a2.parameters["transaction"]) == (first, second)
    provider.fulfill(a1.id)
    shell.log.assert_call_ended(uuid, "hung-up")
    assert shell.wait_for_transaction(first)[0]["result"] == "fulfilled"
    outcome, = other.wait_for_transaction(second)
    assert (outcome["result"], outcome["reason"]) == ("failed", "call-ended")
    shell.sync()
    assert second not in shell.transactions
    assert first not in other.transactions
    with raises_dbus_error("UnknownAction"):
        provider.fulfill(a2.id)


# ---------------------------------------------------------------------------
# Exactly once

def test_fulfil_twice_is_unknown_action(provider, shell):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    tid = shell.request_transaction([action("set-muted", uuid, muted=True)])
    performed = provider.wait_for_action("set-muted", uuid)
    provider.fulfill(performed.id)
    with raises_dbus_error("UnknownAction", match=performed.id):
        provider.fulfill(performed.id)
    with raises_dbus_error("UnknownAction"):
        provider.fail(performed.id, "changed my mind")
    outcome, = shell.wait_for_transaction(tid)
    assert outcome["result"] == "fulfilled"
    shell.log.wait_call_property(uuid, "IsMuted", True)


def test_fail_then_fulfil_is_unknown_action(provider, shell):
    uuid = active_call(shell, provider, remote_handle=HANDLE)
    tid = shell.request_transaction([action("set-muted", uuid, muted=True)])
    performed = provider.wait_for_action("set-muted", uuid)
    provider.fail(performed.id, "no microphone")
    with raises_dbus_error("UnknownAction"):
        provider.fulfill(performed.id)
    with raises_dbus_error("UnknownAction"):
        provider.fail(performed.id, "again")
    outcome, = shell.wait_for_transaction(tid)
    assert outcome["result"] == "failed"
    assert outcome["reason"] == "no microphone"
    shell.sync()
    assert shell.get_call_properties(uuid)["IsMuted"] is False


def test_fulfil_another_providers_action_is_unknown_action(app, make_client, shell, spy):
    pa = app.register_provider({"localized_name": "A"})
    other_app = make_client("other-app")
    pb = other_app.register_provider({"localized_name": "B"})
    uuid = ring(pa, remote_handle=HANDLE)
    tid = shell.request_transaction([action("answer-call", uuid)])
    performed = pa.wait_for_action("answer-call", uuid)
    pb.assert_no_signal("PerformAction")
    with raises_dbus_error("UnknownAction", match=performed.id):
        pb.fulfill(performed.id)
    with raises_dbus_error("UnknownAction"):
        pb.fail(performed.id, "not mine")
    # Still pending for its own provider.
    shell.sync()
    assert tid not in shell.transactions
    assert shell.get_call_properties(uuid)["State"] == "ringing"
    pa.fulfill(performed.id)
    assert shell.wait_for_transaction(tid)[0]["result"] == "fulfilled"
    shell.log.wait_call_property(uuid, "State", "active")
    spy.log.assert_nothing_private()


def test_fulfil_unknown_action_id(provider):
    for bogus in ("", "a0", "a999999", "x" * 2000):
        with raises_dbus_error("UnknownAction"):
            provider.fulfill(bogus)
        with raises_dbus_error("UnknownAction"):
            provider.fail(bogus, "")


def test_fulfil_with_bad_result_keeps_action_pending(provider, shell):
    uuid = ring(provider, remote_handle=HANDLE)
    tid = shell.request_transaction([action("answer-call", uuid)])
    performed = provider.wait_for_action("answer-call", uuid)
    with raises_dbus_error("InvalidArgument", match="bogus"):
        provider.fulfill(performed.id, bogus=("s", "x"))
    with raises_dbus_error("InvalidArgument", match="date"):
        provider.fulfill(performed.id, date=("x", -5))
    shell.sync()
    assert tid not in shell.transactions
    assert shell.get_call_properties(uuid)["State"] == "ringing"
    provider.fulfill(performed.id)
    assert shell.wait_for_transaction(tid)[0]["result"] == "fulfilled"
