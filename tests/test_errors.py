# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every named error of the API, provoked on purpose.

Each test checks the full D-Bus error name (not the short form the harness
also accepts), that the message says what was wrong, and that the failed
call changed nothing: the objects and properties on the bus are the same
afterwards and no provider was asked to do anything.

FilteredByBlockList and FilteredByDoNotDisturb come from the call
directory's and do not disturb's filters; their tests are in
test_directory.py and test_desktop_do_not_disturb.py.
"""

import re
import xml.etree.ElementTree as ET

import pytest
from gi.repository import GLib

from harness import (
    CALL_IFACE, PROVIDER_IFACE, PROVIDER_PATH_PREFIX, ROOT_PATH, SOURCE_ROOT, call_path,
    raises_dbus_error, vardict_list, new_uuid, snapshot, ring)

PREFIX = "io.github.callkitd.CallKit1.Error."

# The pinned list of DESIGN.md, in its order, then those added to it.
PINNED_ERRORS = [
    "InvalidArgument", "Unentitled", "UnknownCallProvider", "EmptyTransaction",
    "UnknownCallUUID", "CallUUIDAlreadyExists", "InvalidAction",
    "MaximumCallGroupsReached", "FilteredByDoNotDisturb",
    "FilteredByBlockList", "UnknownAction", "ActionFailed", "ActionTimedOut",
    "LimitExceeded",
    # Added since: the history.
    "UnknownEntry", "CannotStartApp",
]
# Added to the pinned ones by later parts of the API.
ADDED_ERRORS = ["UnknownPushToken", "TimedOut", "StorageFailed"]
RESERVED_ERRORS = []
INTERFACES_DIR = SOURCE_ROOT / "dbus-interfaces"


def E(name):
    """The full D-Bus name of one of our errors."""
    return PREFIX + name






def assert_unchanged(client, before, *providers):
    __tracebackhide__ = True
    assert snapshot(client) == before, "a failed call changed the state"
    for provider in providers:
        provider.assert_no_signal("PerformAction")




def answer(provider, observer, uuid):
    """Answer a ringing call through a transaction the provider fulfills."""
    observer.request_transaction([{"type": "answer-call", "call": uuid}])
    provider.fulfill(provider.wait_for_action("answer-call", uuid).id)
    observer.wait_for_call_property(uuid, "State", "active")


def start_outgoing(provider, observer, uuid=None):
    """An outgoing call, start-call fulfilled: state dialing."""
    uuid = uuid or new_uuid()
    observer.request_transaction([{"type": "start-call", "call": uuid,
                                   "handle": ("generic", "bob"),
                                   "provider": ("o", provider.path)}])
    provider.fulfill(provider.wait_for_action("start-call", uuid).id)
    observer.wait_for_call(uuid)
    return uuid


def make_active(provider, observer, **update):
    uuid = ring(provider, observer, **update)
    answer(provider, observer, uuid)
    return uuid


# ---------------------------------------------------------------------------
# The names themselves


def _documented_errors(xml_path):
    """Error names (``Name`` below ``Errors:``) in the doc comments."""
    text = xml_path.read_text()
    names = set()
    for block in re.findall(r"Errors:(.*?)(?:-->|\n\s*\n)", text, re.S):
        names.update(re.findall(r"``([A-Z][A-Za-z]+)``", block))
    return names


def test_pinned_errors_are_documented():
    """The Manager documents every pinned error, the reserved ones too."""
    manager = INTERFACES_DIR / "io.github.callkitd.CallKit1.Manager.xml"
    root = ET.parse(manager)  # well-formed
    assert root.getroot().tag == "node"
    text = manager.read_text()
    # The error list of the Manager's doc comment: "- ``Name``: ...".
    listed = re.findall(r"^\s*- ``([A-Za-z]+)``(?:, ``([A-Za-z]+)``)?:", text,
                        re.M)
    documented = {n for pair in listed for n in pair if n}
    assert documented == set(PINNED_ERRORS + ADDED_ERRORS)
    assert PREFIX in text
    for name in RESERVED_ERRORS:
        assert re.search(r"``%s``.*?reserved" % name, text, re.S), (
            "%s is not documented as reserved" % name)


def test_errors_named_by_methods_are_pinned_names():
    """Every error a method documents is one of the pinned names (no typos,
    no undocumented extra names)."""
    seen = set()
    for path in sorted(INTERFACES_DIR.glob("*.xml")):
        names = _documented_errors(path)
        known = set(PINNED_ERRORS + ADDED_ERRORS)
        assert names <= known, (
            "%s names unknown errors: %s" % (path.name, sorted(names - known)))
        seen |= names
    # Every error the core produces is documented on some method.
    assert set(PINNED_ERRORS + ADDED_ERRORS) - set(RESERVED_ERRORS) <= seen


# ---------------------------------------------------------------------------
# InvalidArgument, Unentitled, UnknownCallProvider, EmptyTransaction


def test_invalid_argument(client, provider):
    before = snapshot(client)
    with raises_dbus_error(E("InvalidArgument"),
                           match=r"maximum_call_groups.*0.*1.*16"):
        client.register_provider({"maximum_call_groups": ("u", 0)})
    with raises_dbus_error(E("InvalidArgument"), match=r"not a UUID"):
        provider.report_incoming("not-a-uuid")
    assert_unchanged(client, before, provider)


def test_unentitled(client, provider):
    uuid = ring(provider, client)
    before = snapshot(client)
    with raises_dbus_error(E("Unentitled"),
                           match=re.escape(provider.path)) as err:
        client.call(provider.path, PROVIDER_IFACE, "ReportCallEnded",
                    GLib.Variant("(ssx)", (uuid, "remote-ended", 0)))
    assert "registered" in err.message or "owner" in err.message
    assert_unchanged(client, before, provider)


def test_unknown_call_provider(client, provider):
    missing = PROVIDER_PATH_PREFIX + "999"
    before = snapshot(client)
    with raises_dbus_error(E("UnknownCallProvider"), match=re.escape(missing)):
        client.request_transaction([{"type": "start-call", "call": new_uuid(),
                                     "provider": ("o", missing)}])
    # No provider named and the requester owns none: which one to use?
    with raises_dbus_error(E("UnknownCallProvider"), match=r"provider"):
        client.request_transaction([{"type": "start-call",
                                     "call": new_uuid()}])
    assert_unchanged(client, before, provider)


def test_unknown_call_provider_after_invalidate(client, app):
    provider = app.register_provider({"localized_name": "Gone"})
    path = provider.path
    provider.invalidate()
    before = snapshot(client)
    assert path not in before
    with raises_dbus_error(E("UnknownCallProvider"), match=re.escape(path)):
        client.request_transaction([{"type": "start-call", "call": new_uuid(),
                                     "provider": ("o", path)}])
    assert_unchanged(client, before)


def test_empty_transaction(client, provider):
    before = snapshot(client)
    with raises_dbus_error(E("EmptyTransaction"), match=r"no actions"):
        client.request_transaction(vardict_list([]))
    assert_unchanged(client, before, provider)


# ---------------------------------------------------------------------------
# UnknownCallUUID, CallUUIDAlreadyExists


def test_unknown_call_uuid(client, provider):
    ring(provider, client)
    missing = new_uuid()
    before = snapshot(client)
    with raises_dbus_error(E("UnknownCallUUID"), match=missing):
        client.request_transaction([{"type": "answer-call", "call": missing}])
    with raises_dbus_error(E("UnknownCallUUID"), match=missing):
        provider.report_updated(missing, localized_caller_name="X")
    with raises_dbus_error(E("UnknownCallUUID"), match=missing):
        provider.report_ended(missing, "remote-ended")
    with raises_dbus_error(E("UnknownCallUUID"), match=missing):
        provider.report_outgoing_connected(missing)
    assert_unchanged(client, before, provider)


def test_unknown_call_uuid_for_another_providers_call(client, app, provider):
    """A provider cannot report on a call of another provider."""
    other = app.register_provider({"localized_name": "Other"})
    uuid = ring(provider, client)
    before = snapshot(client)
    with raises_dbus_error(E("UnknownCallUUID"), match=uuid):
        other.report_ended(uuid, "remote-ended")
    assert_unchanged(client, before, provider, other)


def test_unknown_call_uuid_group_with(client, provider):
    uuid = make_active(provider, client, supports_grouping=True)
    missing = new_uuid()
    before = snapshot(client)
    with raises_dbus_error(E("UnknownCallUUID"), match=missing):
        client.request_transaction([{"type": "set-group", "call": uuid,
                                     "group_with": missing}])
    assert_unchanged(client, before, provider)


def test_call_uuid_already_exists(client, provider):
    uuid = ring(provider, client)
    before = snapshot(client)
    with raises_dbus_error(E("CallUUIDAlreadyExists"), match=uuid):
        provider.report_incoming(uuid)
    # Any case names the same call.
    with raises_dbus_error(E("CallUUIDAlreadyExists"), match=uuid):
        provider.report_incoming(uuid.upper())
    with raises_dbus_error(E("CallUUIDAlreadyExists"), match=uuid):
        client.request_transaction([{"type": "start-call", "call": uuid,
                                     "provider": ("o", provider.path)}])
    assert_unchanged(client, before, provider)


class ObjectWatcher:
    """Counts InterfacesAdded of call objects seen by a client."""

    def __init__(self, client):
        self.added = []
        self._client = client
        self._id = client.connection.signal_subscribe(
            "io.github.callkitd.CallKit1", "org.freedesktop.DBus.ObjectManager",
            "InterfacesAdded", ROOT_PATH, None, 0, self._on_added)

    def _on_added(self, connection, sender, path, iface, member, params):
        obj, ifaces = params.unpack()
        if CALL_IFACE in ifaces:
            self.added.append(obj)


@pytest.mark.parametrize("how", ["remote-ended", "declined", "unanswered"])
def test_call_uuid_already_exists_after_the_call_ended(client, provider, how):
    """A late duplicate report of a call that already ended (a stale push)
    is refused and rings nothing."""
    watcher = ObjectWatcher(client)
    uuid = ring(provider, client)
    if how == "declined":
        client.request_transaction([{"type": "end-call", "call": uuid}])
        provider.fulfill(provider.wait_for_action("end-call", uuid).id)
    else:
        provider.report_ended(uuid, how)
    client.wait_for_call_removed(uuid)
    assert watcher.added == [call_path(uuid)]
    before = snapshot(client)

    with raises_dbus_error(E("CallUUIDAlreadyExists"), match=uuid):
        provider.report_incoming(uuid, remote_handle=("generic", "late"))
    with raises_dbus_error(E("CallUUIDAlreadyExists"), match=uuid):
        provider.report_incoming(uuid.upper())
    with raises_dbus_error(E("CallUUIDAlreadyExists"), match=uuid):
        client.request_transaction([{"type": "start-call", "call": uuid,
                                     "provider": ("o", provider.path)}])
    assert_unchanged(client, before, provider)
    assert watcher.added == [call_path(uuid)], "the ended call rang again"
    assert call_path(uuid) not in client.managed_objects()


# ---------------------------------------------------------------------------
# InvalidAction


def test_invalid_action_answer_outgoing(client, provider):
    uuid = start_outgoing(provider, client)
    before = snapshot(client)
    with raises_dbus_error(E("InvalidAction"), match=r"outgoing"):
        client.request_transaction([{"type": "answer-call", "call": uuid}])
    with raises_dbus_error(E("InvalidAction"), match=r"outgoing"):
        client.call_method(uuid, "Answer")
    assert_unchanged(client, before, provider)


def test_invalid_action_answer_active_call(client, provider):
    uuid = make_active(provider, client)
    before = snapshot(client)
    with raises_dbus_error(E("InvalidAction"), match=r"active.*not ringing"):
        client.request_transaction([{"type": "answer-call", "call": uuid}])
    assert_unchanged(client, before, provider)


def test_invalid_action_hold_without_supports_holding(client, provider):
    uuid = make_active(provider, client, supports_holding=False)
    before = snapshot(client)
    with raises_dbus_error(E("InvalidAction"), match=r"does not support holding"):
        client.request_transaction([{"type": "set-held", "call": uuid,
                                     "on_hold": True}])
    with raises_dbus_error(E("InvalidAction"), match=r"holding"):
        client.call_method(uuid, "SetHeld", ("(b)", (True,)))
    assert_unchanged(client, before, provider)


def test_invalid_action_dtmf_without_supports_dtmf(client, provider):
    uuid = make_active(provider, client, supports_dtmf=False)
    before = snapshot(client)
    with raises_dbus_error(E("InvalidAction"), match=r"does not support DTMF"):
        client.request_transaction([{"type": "play-dtmf", "call": uuid,
                                     "digits": "123"}])
    with raises_dbus_error(E("InvalidAction"), match=r"DTMF"):
        client.call_method(uuid, "PlayDTMF", ("(s)", ("1",)))
    assert_unchanged(client, before, provider)


def test_invalid_action_on_call_ended_earlier_in_the_transaction(client,
                                                                  provider):
    uuid = make_active(provider, client)
    before = snapshot(client)
    with raises_dbus_error(E("InvalidAction"),
                           match=r"action 1: .*%s.*ended" % uuid):
        client.request_transaction([
            {"type": "end-call", "call": uuid},
            {"type": "set-muted", "call": uuid, "muted": True}])
    assert_unchanged(client, before, provider)


@pytest.mark.parametrize("actions,match", [
    ([{"type": "answer-call"}, {"type": "end-call"}],
     r"action 1: .*both answered and ended"),
    ([{"type": "set-muted", "muted": True},
      {"type": "set-muted", "muted": False}],
     r"action 1: a second set-muted"),
    ([{"type": "answer-call"}, {"type": "answer-call"}],
     r"action 1: a second answer-call"),
    ([{"type": "end-call"}, {"type": "end-call"}],
     r"action 1: .*(a second end-call|ended by an earlier action)"),
], ids=["answer+end", "set-muted twice", "answer twice", "end twice"])
def test_invalid_action_contradicting_actions(client, provider, actions,
                                              match):
    uuid = ring(provider, client)
    before = snapshot(client)
    with raises_dbus_error(E("InvalidAction"), match=match):
        client.request_transaction([dict(a, call=uuid) for a in actions])
    assert_unchanged(client, before, provider)


def test_invalid_action_start_and_end_in_one_transaction(client, provider):
    uuid = new_uuid()
    before = snapshot(client)
    with raises_dbus_error(E("InvalidAction"), match=r"started and ended"):
        client.request_transaction([
            {"type": "start-call", "call": uuid,
             "provider": ("o", provider.path)},
            {"type": "end-call", "call": uuid}])
    assert_unchanged(client, before, provider)


def test_invalid_action_report_outgoing_on_incoming(client, provider):
    uuid = ring(provider, client)
    before = snapshot(client)
    with raises_dbus_error(E("InvalidAction"), match=r"incoming"):
        provider.report_outgoing_connecting(uuid)
    with raises_dbus_error(E("InvalidAction"), match=r"incoming"):
        provider.report_outgoing_connected(uuid)
    assert_unchanged(client, before, provider)


# ---------------------------------------------------------------------------
# MaximumCallGroupsReached


def test_maximum_call_groups_reached_two_active(client, provider):
    """A second call cannot become active while the first one is, when the
    first cannot be held (a call that can is held implicitly: see
    test_flows_hold_groups.py). The message says what would work."""
    first = make_active(provider, client, supports_holding=False)
    second = ring(provider, client)
    before = snapshot(client)
    with raises_dbus_error(E("MaximumCallGroupsReached"),
                           match=first + ".*does not support holding.*end it"):
        client.request_transaction([{"type": "answer-call", "call": second}])
    with raises_dbus_error(E("MaximumCallGroupsReached"), match=first):
        client.call_method(second, "Answer")
    assert_unchanged(client, before, provider)


def test_maximum_call_groups_reached_provider_limit(client, app):
    provider = app.register_provider({"maximum_call_groups": ("u", 1)})
    first = make_active(provider, client)
    second = ring(provider, client)
    before = snapshot(client)
    # Hold & answer is fine for the session, but the provider allows only
    # one group.
    with raises_dbus_error(E("MaximumCallGroupsReached"),
                           match=r"maximum_call_groups is 1"):
        client.request_transaction([
            {"type": "set-held", "call": first, "on_hold": True},
            {"type": "answer-call", "call": second}])
    assert_unchanged(client, before, provider)
    # End & answer is the way out.
    client.request_transaction([{"type": "end-call", "call": first},
                                {"type": "answer-call", "call": second}])
    provider.fulfill(provider.wait_for_action("end-call", first).id)
    provider.fulfill(provider.wait_for_action("answer-call", second).id)
    client.wait_for_call_property(second, "State", "active")


# ---------------------------------------------------------------------------
# UnknownAction, ActionFailed, ActionTimedOut


def test_unknown_action(client, app, provider):
    other = app.register_provider({"localized_name": "Other"})
    uuid = ring(provider, client)
    client.request_transaction([{"type": "set-muted", "call": uuid,
                                 "muted": True}])
    action = provider.wait_for_action("set-muted", uuid)
    # Not the other provider's action, even on the same connection.
    with raises_dbus_error(E("UnknownAction"), match=re.escape(action.id)):
        other.fulfill(action.id)
    with raises_dbus_error(E("UnknownAction"), match="no-such-action"):
        provider.fulfill("no-such-action")
    with raises_dbus_error(E("UnknownAction"), match="no-such-action"):
        provider.fail("no-such-action", "nope")
    client.wait_for_call_property(uuid, "IsMuted", False)
    provider.fulfill(action.id)
    client.wait_for_call_property(uuid, "IsMuted", True)
    before = snapshot(client)
    # Fulfilled or failed exactly once.
    with raises_dbus_error(E("UnknownAction"), match=re.escape(action.id)):
        provider.fulfill(action.id)
    with raises_dbus_error(E("UnknownAction"), match=re.escape(action.id)):
        provider.fail(action.id, "too late")
    assert_unchanged(client, before, provider, other)


def test_action_failed(client, provider):
    uuid = ring(provider, client)
    provider.auto_fail = "busy here"
    before = snapshot(client)
    with raises_dbus_error(E("ActionFailed"), match=r"answer-call.*busy here"):
        client.call_method(uuid, "Answer")
    # A failed answer leaves the call as it was.
    assert snapshot(client) == before
    assert client.get_call_properties(uuid)["State"] == "ringing"


def test_action_timed_out(client, app):
    provider = app.register_provider({"action_timeout_ms": ("u", 100)})
    uuid = ring(provider, client)
    with raises_dbus_error(E("ActionTimedOut"), match=r"answer-call.*in time"):
        client.call_method(uuid, "Answer")
    action = provider.wait_for_action("answer-call", uuid)
    timed_out = provider.wait_for_signal("ActionTimedOut")
    assert timed_out.args == (action.id,)
    # A timed-out answer ends the call as failed; the action is gone.
    props = client.wait_for_call_removed(uuid)
    assert props["EndedReason"] == "failed"
    with raises_dbus_error(E("UnknownAction"), match=re.escape(action.id)):
        provider.fulfill(action.id)


# ---------------------------------------------------------------------------
# LimitExceeded


def test_limit_exceeded_actions_per_transaction(client, provider):
    limit = client.manager_property("Limits")["actions_per_transaction"]
    uuids = [ring(provider, client) for _ in range(2)]
    actions = [{"type": "set-muted", "call": uuids[i % 2], "muted": True}
               for i in range(limit + 1)]
    before = snapshot(client)
    with raises_dbus_error(E("LimitExceeded"),
                           match=r"%d actions.*limit is %d" % (limit + 1, limit)):
        client.request_transaction(actions)
    assert_unchanged(client, before, provider)


# ---------------------------------------------------------------------------
# More InvalidAction and UnknownCallProvider cases


def test_invalid_action_grouping(client, app, provider):
    other = app.register_provider({"localized_name": "Other"})
    first = make_active(provider, client, supports_grouping=True)
    foreign = ring(other, client, supports_grouping=True)
    before = snapshot(client)
    with raises_dbus_error(E("InvalidAction"), match=r"itself"):
        client.request_transaction([{"type": "set-group", "call": first,
                                     "group_with": first}])
    with raises_dbus_error(E("InvalidAction"), match=r"different providers"):
        client.request_transaction([{"type": "set-group", "call": first,
                                     "group_with": foreign}])
    with raises_dbus_error(E("InvalidAction"), match=r"not in a group"):
        client.request_transaction([{"type": "set-group", "call": first,
                                     "group_with": ""}])
    assert_unchanged(client, before, provider, other)


def test_invalid_action_outgoing_connected_twice(client, provider):
    uuid = start_outgoing(provider, client)
    provider.report_outgoing_connected(uuid)
    client.wait_for_call_property(uuid, "State", "active")
    before = snapshot(client)
    with raises_dbus_error(E("InvalidAction"), match=uuid):
        provider.report_outgoing_connected(uuid)
    with raises_dbus_error(E("InvalidAction"), match=uuid):
        provider.report_outgoing_connecting(uuid)
    assert_unchanged(client, before, provider)


def test_unknown_call_provider_names_a_call(client, provider):
    uuid = ring(provider, client)
    before = snapshot(client)
    with raises_dbus_error(E("UnknownCallProvider"), match=re.escape(call_path(uuid))):
        client.request_transaction([{"type": "start-call", "call": new_uuid(),
                                     "provider": ("o", call_path(uuid))}])
    with raises_dbus_error(E("UnknownCallProvider"), match=r"provider"):
        client.request_transaction([{"type": "start-call", "call": new_uuid(),
                                     "provider": ("o", ROOT_PATH)}])
    assert_unchanged(client, before, provider)
