# SPDX-License-Identifier: LGPL-2.1-or-later
"""Two and more calls at once: hold and resume across two calls (lesson 2
of DESIGN.md), hold & answer, end & answer, the session-wide rule of one
active group, call groups (merge, ungroup, limits) and holding a group.

Every scenario with two calls runs with the calls in one provider and in
two providers of two different apps.
"""

import pytest

from harness import raises_dbus_error
from test_flows_support import (  # noqa: F401 - fixtures
    action, active_call, new_uuid, ring, shell, spy, transact)

HANDLE_A = ("phone-number", "+4930111")
HANDLE_B = ("phone-number", "+4930222")
HANDLE_C = ("phone-number", "+4930333")


@pytest.fixture(params=["one-provider", "two-providers"])
def providers(request, app, make_client):
    """(provider of call A, provider of call B)."""
    pa = app.register_provider({"localized_name": "Phone A"})
    if request.param == "one-provider":
        return pa, pa
    other_app = make_client("other-app")
    return pa, other_app.register_provider({"localized_name": "Phone B"})


def held(uuid, on_hold=True):
    return action("set-held", uuid, on_hold=on_hold)


def group_with(uuid, other):
    return action("set-group", uuid, group_with=other)


GROUPING = {"supports_grouping": True, "supports_ungrouping": True}


# ---------------------------------------------------------------------------
# Hold and resume across two calls

def test_answer_second_call_holds_the_active_one(providers, shell):
    """Answering B while A is active holds A in the same transaction, as a
    phone does: the set-held goes first, both are reported, and the audio
    session moves from A to B."""
    pa, pb = providers
    a = active_call(shell, pa, remote_handle=HANDLE_A)
    b = ring(pb, remote_handle=HANDLE_B)
    tid = shell.request_transaction([action("answer-call", b)])
    hold = pa.wait_for_action("set-held", a)
    assert hold.parameters["on_hold"] is True
    assert hold.parameters["transaction"] == tid
    answer_b = pb.wait_for_action("answer-call", b)
    assert answer_b.parameters["transaction"] == tid
    pa.fulfill(hold.id)
    pb.fulfill(answer_b.id)
    outcomes = shell.wait_for_transaction(tid)
    assert [(o["type"], o["call"], o["result"]) for o in outcomes] == [
        ("set-held", a, "fulfilled"), ("answer-call", b, "fulfilled")]
    shell.log.wait_call_property(a, "State", "held")
    shell.log.wait_call_property(b, "State", "active")
    pa.wait_for_signal("DidDeactivateAudioSession")
    pb.wait_for_signal("DidActivateAudioSession")


def test_answer_method_holds_the_active_one(providers, shell):
    """Call.Answer (callctl answer) does the same, and returns once both
    actions are fulfilled."""
    pa, pb = providers
    a = active_call(shell, pa, remote_handle=HANDLE_A)
    b = ring(pb, remote_handle=HANDLE_B)
    pending = shell.call_method_async(b, "Answer")
    pa.fulfill(pa.wait_for_action("set-held", a).id)
    answer_b = pb.wait_for_action("answer-call", b)
    shell.sync()
    assert not pending.done
    pb.fulfill(answer_b.id)
    pending.result()
    assert shell.get_call_properties(a)["State"] == "held"
    assert shell.get_call_properties(b)["State"] == "active"


def test_answer_method_fails_when_the_implicit_hold_fails(providers, shell):
    pa, pb = providers
    a = active_call(shell, pa, remote_handle=HANDLE_A)
    b = ring(pb, remote_handle=HANDLE_B)
    pending = shell.call_method_async(b, "Answer")
    pa.fail(pa.wait_for_action("set-held", a).id, "cannot hold now")
    pb.fulfill(pb.wait_for_action("answer-call", b).id)
    with raises_dbus_error("ActionFailed", match="set-held.*cannot hold now"):
        pending.result()


def test_explicit_end_of_the_active_call_wins(providers, shell):
    """End & answer: the requester's own end-call decides; nothing is held."""
    pa, pb = providers
    a = active_call(shell, pa, remote_handle=HANDLE_A)
    b = ring(pb, remote_handle=HANDLE_B)
    tid, outcomes = transact(shell, [(pa, action("end-call", a)),
                                     (pb, action("answer-call", b))])
    assert [o["type"] for o in outcomes] == ["end-call", "answer-call"]
    pa.assert_no_signal("PerformAction")
    shell.log.assert_call_ended(a, "hung-up")


def test_answer_refused_when_the_active_call_cannot_be_held(providers, shell):
    pa, pb = providers
    a = active_call(shell, pa, remote_handle=HANDLE_A, supports_holding=False)
    b = ring(pb, remote_handle=HANDLE_B)
    with raises_dbus_error("MaximumCallGroupsReached",
                           match=a + ".*does not support holding.*end it"):
        shell.request_transaction([action("answer-call", b)])
    with raises_dbus_error("MaximumCallGroupsReached", match=a):
        shell.call_method(b, "Answer")
    shell.sync()
    assert shell.get_call_properties(a)["State"] == "active"
    assert shell.get_call_properties(b)["State"] == "ringing"
    pa.assert_no_signal("PerformAction")
    pb.assert_no_signal("PerformAction")


def test_implicit_hold_respects_the_provider_group_limit(app, shell):
    """A provider with maximum_call_groups 1 cannot have a held call and an
    active one: holding would not help, and the message says to end."""
    p = app.register_provider({"localized_name": "One", "maximum_call_groups": ("u", 1)})
    a = active_call(shell, p, remote_handle=HANDLE_A)
    b = ring(p, remote_handle=HANDLE_B)
    with raises_dbus_error("MaximumCallGroupsReached", match="maximum_call_groups is 1.*end"):
        shell.request_transaction([action("answer-call", b)])
    p.assert_no_signal("PerformAction")


def test_hold_and_answer_then_resume_after_remote_end(providers, shell, spy):
    pa, pb = providers
    a = active_call(shell, pa, remote_handle=HANDLE_A)
    b = ring(pb, remote_handle=HANDLE_B)

    # Hold A and answer B in one transaction; both providers fulfil.
    tid, outcomes = transact(shell, [(pa, held(a)), (pb, action("answer-call", b))])
    props_a = shell.log.wait_call_property(a, "State", "held")
    assert props_a["IsOnHold"] is True
    props_b = shell.log.wait_call_property(b, "State", "active")
    assert props_b["IsOnHold"] is False
    assert props_b["HasConnected"] is True

    # B's remote party hangs up; A stays held.
    pb.report_ended(b, "remote-ended")
    shell.log.assert_call_ended(b, "remote-ended")
    assert shell.get_call_properties(a)["State"] == "held"

    # The user resumes A.
    pending = shell.call_method_async(a, "SetHeld", ("(b)", (False,)))
    performed = pa.wait_for_action("set-held", a)
    assert performed.parameters["on_hold"] is False
    shell.sync()
    assert not pending.done
    assert shell.get_call_properties(a)["State"] == "held"
    pa.fulfill(performed.id)
    pending.result()
    props_a = shell.log.wait_call_property(a, "State", "active")
    assert props_a["IsOnHold"] is False
    spy.log.assert_nothing_private()


def test_resume_while_another_call_is_active_is_refused(providers, shell):
    pa, pb = providers
    a = active_call(shell, pa, remote_handle=HANDLE_A)
    b = ring(pb, remote_handle=HANDLE_B)
    transact(shell, [(pa, held(a)), (pb, action("answer-call", b))])
    shell.log.wait_call_property(b, "State", "active")
    with raises_dbus_error("MaximumCallGroupsReached", match=b):
        shell.call_method(a, "SetHeld", ("(b)", (False,)))
    # Swap: hold B and resume A in one transaction.
    transact(shell, [(pb, held(b)), (pa, held(a, False))])
    shell.log.wait_call_property(a, "State", "active")
    shell.log.wait_call_property(b, "State", "held")


def test_end_and_answer_in_one_transaction(providers, shell, spy):
    pa, pb = providers
    a = active_call(shell, pa, remote_handle=HANDLE_A)
    b = ring(pb, remote_handle=HANDLE_B)
    tid, _ = transact(shell, [(pa, action("end-call", a)),
                              (pb, action("answer-call", b))])
    shell.log.assert_call_ended(a, "hung-up")
    shell.log.wait_call_property(b, "State", "active")
    spy.log.assert_nothing_private()


def test_hold_and_answer_when_the_hold_fails(providers, shell):
    """Each action has its own outcome: a failed hold leaves A active while
    B is answered; the outcomes tell the requester."""
    pa, pb = providers
    a = active_call(shell, pa, remote_handle=HANDLE_A)
    b = ring(pb, remote_handle=HANDLE_B)
    tid = shell.request_transaction([held(a), action("answer-call", b)])
    pa.fail(pa.wait_for_action("set-held", a).id, "hold not possible now")
    pb.fulfill(pb.wait_for_action("answer-call", b).id)
    outcomes = shell.wait_for_transaction(tid)
    assert [(o["type"], o["result"], o["reason"]) for o in outcomes] == [
        ("set-held", "failed", "hold not possible now"),
        ("answer-call", "fulfilled", "")]
    shell.log.wait_call_property(b, "State", "active")
    assert shell.get_call_properties(a)["State"] == "active"


def test_hold_needs_supports_holding(provider, shell):
    a = active_call(shell, provider, remote_handle=HANDLE_A,
                    supports_holding=False)
    with raises_dbus_error("InvalidAction", match="holding"):
        shell.call_method(a, "SetHeld", ("(b)", (True,)))
    provider.assert_no_signal("PerformAction")
    provider.report_updated(a, supports_holding=True)
    shell.log.wait_call_property(a, "SupportsHolding", True)
    provider.auto_fulfill = True
    shell.call_method(a, "SetHeld", ("(b)", (True,)))
    shell.log.wait_call_property(a, "State", "held")


def test_hold_a_ringing_call_is_invalid(provider, shell):
    b = ring(provider, remote_handle=HANDLE_B)
    with raises_dbus_error("InvalidAction"):
        shell.request_transaction([held(b)])
    provider.assert_no_signal("PerformAction")


def test_hold_and_answer_with_maximum_call_groups_1(app, shell):
    """With maximum_call_groups=1 a provider cannot hold one call and talk
    on another: the user must end A to answer B."""
    p = app.register_provider({"localized_name": "One line",
                               "maximum_call_groups": ("u", 1)})
    a = active_call(shell, p, remote_handle=HANDLE_A)
    b = ring(p, remote_handle=HANDLE_B)
    with raises_dbus_error("MaximumCallGroupsReached", match="maximum_call_groups"):
        shell.request_transaction([held(a), action("answer-call", b)])
    p.assert_no_signal("PerformAction")
    transact(shell, [(p, action("end-call", a)), (p, action("answer-call", b))])
    shell.log.wait_call_property(b, "State", "active")
    shell.log.assert_call_ended(a, "hung-up")


def test_maximum_call_groups_counts_per_provider(app, make_client, shell):
    """maximum_call_groups=1 on A's provider does not stop a held call on
    another provider."""
    one_line = app.register_provider({"localized_name": "One line",
                                      "maximum_call_groups": ("u", 1)})
    other_app = make_client("other-app")
    other = other_app.register_provider({"localized_name": "Other"})
    a = active_call(shell, one_line, remote_handle=HANDLE_A)
    b = ring(other, remote_handle=HANDLE_B)
    transact(shell, [(one_line, held(a)), (other, action("answer-call", b))])
    shell.log.wait_call_property(a, "State", "held")
    shell.log.wait_call_property(b, "State", "active")


def test_three_calls_need_maximum_call_groups_3(app, shell):
    p = app.register_provider({"localized_name": "Phone"})  # default 2
    a = active_call(shell, p, remote_handle=HANDLE_A)
    b = ring(p, remote_handle=HANDLE_B)
    transact(shell, [(p, held(a)), (p, action("answer-call", b))])
    shell.log.wait_call_property(b, "State", "active")
    c = ring(p, remote_handle=HANDLE_C)
    with raises_dbus_error("MaximumCallGroupsReached", match="maximum_call_groups"):
        shell.request_transaction([held(b), action("answer-call", c)])
    p.assert_no_signal("PerformAction")
    p.set_configuration({"localized_name": "Phone", "maximum_call_groups": ("u", 3)})
    transact(shell, [(p, held(b)), (p, action("answer-call", c))])
    shell.log.wait_call_property(c, "State", "active")
    assert shell.get_call_properties(a)["State"] == "held"
    assert shell.get_call_properties(b)["State"] == "held"


# ---------------------------------------------------------------------------
# Groups (conference calls)

def two_calls_a_held_b_active(shell, p, update_a=GROUPING, update_b=GROUPING):
    a = active_call(shell, p, remote_handle=HANDLE_A, **update_a)
    b = ring(p, remote_handle=HANDLE_B, **update_b)
    transact(shell, [(p, held(a)), (p, action("answer-call", b))])
    shell.log.wait_call_property(a, "State", "held")
    shell.log.wait_call_property(b, "State", "active")
    return a, b


def test_merge_held_call_into_active_one(provider, shell, spy):
    a, b = two_calls_a_held_b_active(shell, provider)
    tid = shell.request_transaction([group_with(a, b)])
    performed = provider.wait_for_action("set-group", a)
    assert performed.parameters["group_with"] == b
    shell.sync()
    assert shell.get_call_properties(a)["Group"] == ""  # not before fulfil
    provider.fulfill(performed.id)
    assert shell.wait_for_transaction(tid)[0]["result"] == "fulfilled"
    props_a = shell.log.wait_call_property(a, "State", "active")
    group = props_a["Group"]
    assert group != ""
    assert props_a["IsOnHold"] is False
    props_b = shell.log.wait_call_property(b, "Group", group)
    assert props_b["State"] == "active"
    spy.log.assert_nothing_private()


def test_merge_group_with_in_any_case(provider, shell):
    """group_with accepts any case and is reported canonical."""
    a, b = two_calls_a_held_b_active(shell, provider)
    shell.request_transaction([group_with(a, b.upper())])
    performed = provider.wait_for_action("set-group", a)
    assert performed.parameters["group_with"] == b
    provider.fulfill(performed.id)
    group = shell.log.wait_call_property(a, "State", "active")["Group"]
    assert group and shell.log.wait_call_property(b, "Group", group)


@pytest.mark.parametrize("missing_on", ["a", "b"])
def test_merge_needs_supports_grouping_on_both(provider, shell, missing_on):
    no_group = {"supports_grouping": False}
    a, b = two_calls_a_held_b_active(
        shell, provider,
        update_a=no_group if missing_on == "a" else GROUPING,
        update_b=no_group if missing_on == "b" else GROUPING)
    with raises_dbus_error("InvalidAction", match="grouping"):
        shell.request_transaction([group_with(a, b)])
    provider.assert_no_signal("PerformAction")
    assert shell.get_call_properties(a)["Group"] == ""


def test_merge_across_providers_is_invalid(app, make_client, shell):
    pa = app.register_provider({"localized_name": "A"})
    pb = make_client("other-app").register_provider({"localized_name": "B"})
    a = active_call(shell, pa, remote_handle=HANDLE_A, **GROUPING)
    b = ring(pb, remote_handle=HANDLE_B, **GROUPING)
    transact(shell, [(pa, held(a)), (pb, action("answer-call", b))])
    shell.log.wait_call_property(b, "State", "active")
    with raises_dbus_error("InvalidAction", match="different providers"):
        shell.request_transaction([group_with(a, b)])
    pa.assert_no_signal("PerformAction")
    pb.assert_no_signal("PerformAction")


def test_merge_with_a_ringing_call_is_invalid(provider, shell):
    a = active_call(shell, provider, remote_handle=HANDLE_A, **GROUPING)
    b = ring(provider, remote_handle=HANDLE_B, **GROUPING)
    with raises_dbus_error("InvalidAction"):
        shell.request_transaction([group_with(a, b)])
    provider.assert_no_signal("PerformAction")


def test_merge_with_unknown_call(provider, shell):
    a = active_call(shell, provider, remote_handle=HANDLE_A, **GROUPING)
    with raises_dbus_error("UnknownCallUUID", match="group_with"):
        shell.request_transaction([group_with(a, new_uuid())])
    provider.assert_no_signal("PerformAction")


def merged(shell, p, update=GROUPING):
    a, b = two_calls_a_held_b_active(shell, p, update, update)
    transact(shell, [(p, group_with(a, b))])
    group = shell.log.wait_call_property(a, "State", "active")["Group"]
    assert group
    shell.log.wait_call_property(b, "Group", group)
    return a, b, group


def test_set_held_on_grouped_call_holds_the_group(provider, shell):
    a, b, group = merged(shell, provider)
    pending = shell.call_method_async(a, "SetHeld", ("(b)", (True,)))
    provider.fulfill(provider.wait_for_action("set-held", a).id)
    pending.result()
    shell.log.wait_call_property(a, "State", "held")
    props_b = shell.log.wait_call_property(b, "State", "held")
    assert props_b["IsOnHold"] is True
    assert props_b["Group"] == group
    # One action for the group, not one per call.
    provider.assert_no_signal("PerformAction")
    # Resuming through the other member resumes both.
    transact(shell, [(provider, held(b, False))])
    shell.log.wait_call_property(a, "State", "active")
    shell.log.wait_call_property(b, "State", "active")


def test_ungroup_held_group_dissolves_it(provider, shell):
    a, b, group = merged(shell, provider)
    transact(shell, [(provider, held(a))])
    shell.log.wait_call_property(b, "State", "held")
    tid = shell.request_transaction([group_with(a, "")])
    performed = provider.wait_for_action("set-group", a)
    assert performed.parameters["group_with"] == ""
    provider.fulfill(performed.id)
    shell.wait_for_transaction(tid)
    props_a = shell.log.wait_call_property(a, "Group", "")
    # B was left alone: a group of one dissolves.
    props_b = shell.log.wait_call_property(b, "Group", "")
    assert props_a["State"] == "held"
    assert props_b["State"] == "held"


def test_ungroup_from_active_group_needs_a_hold(provider, shell):
    """Leaving an active group would make two active groups: refused
    unless the call that leaves is held in the same transaction."""
    a, b, group = merged(shell, provider)
    with raises_dbus_error("MaximumCallGroupsReached"):
        shell.request_transaction([group_with(a, "")])
    provider.assert_no_signal("PerformAction")
    transact(shell, [(provider, group_with(a, "")), (provider, held(a))])
    props_a = shell.log.wait_call_property(a, "State", "held")
    assert props_a["Group"] == ""
    props_b = shell.log.wait_call_property(b, "Group", "")
    assert props_b["State"] == "active"


def test_ungroup_needs_supports_ungrouping(provider, shell):
    a, b, group = merged(shell, provider, {"supports_grouping": True,
                                           "supports_ungrouping": False})
    transact(shell, [(provider, held(a))])
    with raises_dbus_error("InvalidAction", match="ungrouping"):
        shell.request_transaction([group_with(a, "")])
    provider.assert_no_signal("PerformAction")
    assert shell.get_call_properties(a)["Group"] == group


def test_ungroup_a_call_not_in_a_group_is_invalid(provider, shell):
    a = active_call(shell, provider, remote_handle=HANDLE_A, **GROUPING)
    with raises_dbus_error("InvalidAction", match="not in a group"):
        shell.request_transaction([group_with(a, "")])


def test_group_member_ending_dissolves_group_of_one(provider, shell):
    a, b, group = merged(shell, provider)
    provider.report_ended(b, "remote-ended")
    shell.log.assert_call_ended(b, "remote-ended")
    props_a = shell.log.wait_call_property(a, "Group", "")
    assert props_a["State"] == "active"


def test_maximum_calls_per_call_group(app, shell):
    p = app.register_provider({"localized_name": "Conference",
                               "maximum_calls_per_call_group": ("u", 2)})
    a, b, group = merged(shell, p)
    c = ring(p, remote_handle=HANDLE_C, **GROUPING)
    transact(shell, [(p, held(a)), (p, action("answer-call", c))])
    shell.log.wait_call_property(c, "State", "active")
    shell.log.wait_call_property(b, "State", "held")
    with raises_dbus_error("InvalidAction", match="maximum_calls_per_call_group"):
        shell.request_transaction([group_with(c, a)])
    p.assert_no_signal("PerformAction")
    assert shell.get_call_properties(c)["Group"] == ""

    # With room for three, C joins and the held group becomes active.
    p.set_configuration({"localized_name": "Conference",
                         "maximum_calls_per_call_group": ("u", 3)})
    transact(shell, [(p, group_with(c, a))])
    shell.log.wait_call_property(c, "Group", group)
    shell.log.wait_call_property(a, "State", "active")
    shell.log.wait_call_property(b, "State", "active")


def test_merge_two_groups_at_maximum_calls_per_call_group(app, shell):
    """Merging one call of a group into another group moves just that
    call; the limit counts the target group plus the one call."""
    p = app.register_provider({"localized_name": "Conference",
                               "maximum_calls_per_call_group": ("u", 2),
                               "maximum_call_groups": ("u", 3)})
    a, b, group = merged(shell, p)
    c = ring(p, remote_handle=HANDLE_C, **GROUPING)
    transact(shell, [(p, held(a)), (p, action("answer-call", c))])
    shell.log.wait_call_property(c, "State", "active")
    # C into A's full group: refused.
    with raises_dbus_error("InvalidAction", match="maximum_calls_per_call_group"):
        shell.request_transaction([group_with(c, b)])
    # A out of its group and into C's: the group of A and B dissolves.
    transact(shell, [(p, group_with(a, c))])
    new_group = shell.log.wait_call_property(a, "State", "active")["Group"]
    assert new_group not in ("", group)
    shell.log.wait_call_property(c, "Group", new_group)
    props_b = shell.log.wait_call_property(b, "Group", "")
    assert props_b["State"] == "held"


# ---------------------------------------------------------------------------
# Mute and DTMF on calls of two providers, independent of each other

def test_mute_one_call_of_two(providers, shell):
    pa, pb = providers
    a = active_call(shell, pa, remote_handle=HANDLE_A)
    b = ring(pb, remote_handle=HANDLE_B)
    transact(shell, [(pa, held(a)), (pb, action("answer-call", b))])
    transact(shell, [(pb, action("set-muted", b, muted=True))])
    shell.log.wait_call_property(b, "IsMuted", True)
    assert shell.get_call_properties(a)["IsMuted"] is False


# ---------------------------------------------------------------------------
# More orders and races

def test_answer_and_end_in_either_order(providers, shell):
    """The transaction is validated against the state it leaves, not
    action by action: answer B before ending A is as valid as after."""
    pa, pb = providers
    a = active_call(shell, pa, remote_handle=HANDLE_A)
    b = ring(pb, remote_handle=HANDLE_B)
    transact(shell, [(pb, action("answer-call", b)), (pa, action("end-call", a))])
    shell.log.assert_call_ended(a, "hung-up")
    shell.log.wait_call_property(b, "State", "active")


def test_merge_active_call_into_held_one(provider, shell):
    """Merging the active call into a held call makes the group active."""
    a, b = two_calls_a_held_b_active(shell, provider)
    transact(shell, [(provider, group_with(b, a))])
    group = shell.log.wait_call_property(a, "State", "active")["Group"]
    assert group
    props_b = shell.log.wait_call_property(b, "Group", group)
    assert props_b["State"] == "active"


def test_second_answer_while_first_is_pending(providers, shell):
    """Two calls ring; the user answers B and, before B's provider has
    fulfilled it, answers D too. B is about to be active: answering D alone
    must be refused like answering it next to an active call, or both end
    up active and talking at once."""
    pa, pb = providers
    b = ring(pa, remote_handle=HANDLE_A)
    d = ring(pb, remote_handle=HANDLE_B)
    pending = shell.call_method_async(b, "Answer")
    answer_b = pa.wait_for_action("answer-call", b)
    with raises_dbus_error("MaximumCallGroupsReached", match=b):
        shell.request_transaction([action("answer-call", d)])
    pb.assert_no_signal("PerformAction")
    pa.fulfill(answer_b.id)
    pending.result()
    shell.log.wait_call_property(b, "State", "active")
    shell.sync()
    assert shell.get_call_properties(d)["State"] == "ringing"


def test_answer_after_pending_answer_failed(providers, shell):
    pa, pb = providers
    b = ring(pa, remote_handle=HANDLE_A)
    d = ring(pb, remote_handle=HANDLE_B)
    tid = shell.request_transaction([action("answer-call", b)])
    pa.fail(pa.wait_for_action("answer-call", b).id, "no")
    shell.wait_for_transaction(tid)
    transact(shell, [(pb, action("answer-call", d))])
    shell.log.wait_call_property(d, "State", "active")


def test_lowering_maximum_call_groups_keeps_live_calls(app, shell):
    """"Limits already exceeded by live calls are kept until those calls
    end": lowering maximum_call_groups ends nothing and blocks nothing that
    does not add a group; once a call ended, the new limit holds."""
    p = app.register_provider({"localized_name": "Phone"})
    a = active_call(shell, p, remote_handle=HANDLE_A)
    b = ring(p, remote_handle=HANDLE_B)
    transact(shell, [(p, held(a)), (p, action("answer-call", b))])
    shell.log.wait_call_property(b, "State", "active")

    p.set_configuration({"localized_name": "Phone", "maximum_call_groups": ("u", 1)})
    shell.sync()
    assert shell.get_call_properties(a)["State"] == "held"
    assert shell.get_call_properties(b)["State"] == "active"
    transact(shell, [(p, action("set-muted", b, muted=True))])
    # Swapping keeps two groups: allowed.
    transact(shell, [(p, held(b)), (p, held(a, False))])
    shell.log.wait_call_property(a, "State", "active")
    shell.log.wait_call_property(b, "State", "held")

    transact(shell, [(p, action("end-call", b))])
    shell.log.assert_call_ended(b, "hung-up")
    c = ring(p, remote_handle=HANDLE_C)
    with raises_dbus_error("MaximumCallGroupsReached", match="maximum_call_groups"):
        shell.request_transaction([held(a), action("answer-call", c)])
    p.assert_no_signal("PerformAction")
