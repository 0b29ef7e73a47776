# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers shared by the call-flow tests (test_flows_*.py), and tests of
those helpers.

- ``SignalLog`` records, in arrival order, every signal callkitd sends to
  one client: ObjectManager InterfacesAdded/Removed, PropertiesChanged,
  Provider signals, TransactionCompleted. The flows assert on the order
  (final PropertiesChanged, then InterfacesRemoved) and on what must never
  reach a client (another provider's PerformAction, another requester's
  TransactionCompleted).
- ``transact`` runs a transaction whose actions the given providers fulfil
  one by one, checking that each action reaches the right provider with the
  transaction id, and returns the outcomes.
- Fixtures ``shell`` (a client with a SignalLog, playing the desktop shell)
  and ``spy`` (a bystander client with a SignalLog, that must receive
  nothing private). Test files import them by name.

The tests at the end prove the SignalLog can see what the flows say must
not happen: without them, a "nothing leaked" assertion could pass because
the log sees nothing at all.
"""

import collections

import pytest
from gi.repository import Gio, GLib

from harness import (
    BUS_NAME, CALL_IFACE, CONTROLLER_IFACE, OBJECT_MANAGER_IFACE,
    PROPERTIES_IFACE, PROVIDER_IFACE, ROOT_PATH, call_path, timeout_scale,
    wait_until, new_uuid)

Event = collections.namedtuple("Event", "iface member path args")
Event.__doc__ = "A signal as received: interface, member, path, unpacked args."

ENDED_KEYS = ("HasEnded", "State", "EndedReason", "EndedAt")




def action_timeout_ms(ms):
    """An action_timeout_ms for tests that make actions time out, scaled
    like the harness's timeouts (sanitizers, valgrind): ``ms`` when the
    test never has to beat it, longer ones when it must act first."""
    return max(100, int(ms * timeout_scale()))


def hurry(provider, ms=200):
    """Give ``provider`` ``ms`` (scaled) to answer each action from now
    on; returns the value set."""
    value = action_timeout_ms(ms)
    provider.set_configuration({"localized_name": "Quick",
                                "action_timeout_ms": ("u", value)})
    return value


class SignalLog:
    """Every signal from callkitd's bus name that reaches ``client``'s
    connection, in order, in ``events``."""

    def __init__(self, client):
        self.client = client
        self.events = []

        def on_signal(connection, sender, path, iface, member, params):
            self.events.append(Event(iface, member, path, params.unpack()))

        self._subscription = client.connection.signal_subscribe(
            BUS_NAME, None, None, None, None, Gio.DBusSignalFlags.NONE,
            on_signal)
        # GLib matches a well-known sender against the name's owner, which
        # it looks up when we subscribe: a round trip to callkitd returns
        # after that answer, so no signal is missed from here on.
        if client.bus.get_name_owner(BUS_NAME) is not None:
            client.sync()

    def close(self):
        if self._subscription is not None and self.client.connection is not None:
            self.client.connection.signal_unsubscribe(self._subscription)
        self._subscription = None

    # -- calls ---------------------------------------------------------------

    def call_events(self, uuid):
        """What the log saw of one call object, in order: a list of
        ("added", props), ("changed", props), ("removed", None)."""
        path = call_path(uuid)
        out = []
        for e in self.events:
            if (e.iface == PROPERTIES_IFACE and e.member == "PropertiesChanged"
                    and e.path == path and e.args[0] == CALL_IFACE):
                out.append(("changed", dict(e.args[1])))
            elif (e.iface == OBJECT_MANAGER_IFACE and e.path == ROOT_PATH
                  and e.args[0] == path):
                if e.member == "InterfacesAdded" and CALL_IFACE in e.args[1]:
                    out.append(("added", dict(e.args[1][CALL_IFACE])))
                elif e.member == "InterfacesRemoved" and CALL_IFACE in e.args[1]:
                    out.append(("removed", None))
        return out

    def call_state(self, uuid):
        """The call's properties as the signals tell them (added + changes)."""
        props = {}
        for kind, data in self.call_events(uuid):
            if data:
                props.update(data)
        return props

    def wait_call_added(self, uuid, timeout=5):
        __tracebackhide__ = True
        wait_until(lambda: any(k == "added" for k, _ in self.call_events(uuid)),
                   timeout=timeout, message="InterfacesAdded for call %s" % uuid)
        return self.call_state(uuid)

    def wait_call_property(self, uuid, name, value, timeout=5):
        __tracebackhide__ = True
        return wait_until(
            lambda: (self.call_state(uuid) if self.call_state(uuid).get(name) == value
                     else None),
            timeout=timeout,
            message=lambda: "call %s %s == %r in signals (seen: %r)" % (
                uuid, name, value, self.call_state(uuid).get(name, "<none>")))

    def wait_call_removed(self, uuid, timeout=5):
        __tracebackhide__ = True
        wait_until(lambda: any(k == "removed" for k, _ in self.call_events(uuid)),
                   timeout=timeout, message="InterfacesRemoved for call %s" % uuid)
        return self.call_events(uuid)

    def assert_call_ended(self, uuid, reason, timeout=5):
        """Wait for the call to leave the bus and check how: its last
        PropertiesChanged (before InterfacesRemoved, nothing after) says it
        ended for ``reason``. Returns the final properties."""
        __tracebackhide__ = True
        events = self.wait_call_removed(uuid, timeout)
        kinds = [k for k, _ in events]
        assert kinds.count("removed") == 1 and kinds[-1] == "removed", (
            "call %s: InterfacesRemoved must come last and once: %r" % (uuid, kinds))
        assert kinds.count("added") == 1, (
            "call %s: InterfacesAdded seen %d times" % (uuid, kinds.count("added")))
        changes = [d for k, d in events if k == "changed"]
        assert changes, "call %s left the bus without a final PropertiesChanged" % uuid
        final = changes[-1]
        missing = [k for k in ENDED_KEYS if k not in final]
        assert not missing, ("the last PropertiesChanged of call %s lacks %s: %r"
                             % (uuid, missing, final))
        assert final["HasEnded"] is True
        assert final["State"] == "ended"
        assert final["EndedReason"] == reason, (
            "call %s ended as %r, expected %r" % (uuid, final["EndedReason"], reason))
        assert final["EndedAt"] > 0
        return self.call_state(uuid)

    # -- what must stay private -------------------------------------------

    def provider_signals(self, name=None, path=None):
        return [e for e in self.events if e.iface == PROVIDER_IFACE
                and (name is None or e.member == name)
                and (path is None or e.path == path)]

    def transaction_completions(self):
        return [e for e in self.events
                if e.iface == CONTROLLER_IFACE and e.member == "TransactionCompleted"]

    def assert_nothing_private(self):
        """After a round trip to callkitd: no Provider signal and no
        TransactionCompleted reached this client."""
        __tracebackhide__ = True
        self.client.sync()
        leaked = self.provider_signals() + self.transaction_completions()
        assert not leaked, "%s received signals meant for others: %r" % (
            self.client, leaked)

    def provider_property_changes(self, path):
        return [dict(e.args[1]) for e in self.events
                if e.iface == PROPERTIES_IFACE and e.member == "PropertiesChanged"
                and e.path == path and e.args[0] == PROVIDER_IFACE]


# ---------------------------------------------------------------------------
# Flows

def transact(requester, steps, expect="fulfilled"):
    """Request a transaction of ``steps`` — (provider, action dict) pairs,
    in order — and let each provider fulfil its action (``expect`` =
    "fulfilled") or fail it (any other string: the reason). Checks that
    each action reaches its provider, in order, with the transaction id,
    and returns (transaction id, outcomes)."""
    __tracebackhide__ = True
    tid = requester.request_transaction([action for _, action in steps])
    for provider, action in steps:
        performed = provider.wait_for_action(type=action["type"],
                                             call=action["call"])
        assert performed.parameters["transaction"] == tid
        if expect == "fulfilled":
            provider.fulfill(performed.id)
        else:
            provider.fail(performed.id, expect)
    outcomes = requester.wait_for_transaction(tid)
    want = "fulfilled" if expect == "fulfilled" else "failed"
    assert [o["result"] for o in outcomes] == [want] * len(steps), outcomes
    assert [(o["type"], o["call"]) for o in outcomes] == [
        (a["type"], a["call"].lower()) for _, a in steps]
    return tid, outcomes


def ring(provider, uuid=None, **update):
    """Report a new incoming call; return its UUID."""
    uuid = uuid or new_uuid()
    provider.report_incoming(uuid, **update)
    return uuid


def answer(requester, provider, uuid):
    """Answer a ringing call through a transaction the provider fulfils;
    wait until it is active."""
    __tracebackhide__ = True
    transact(requester, [(provider, {"type": "answer-call", "call": uuid})])
    return requester.wait_for_call_property(uuid, "State", "active")


def active_call(requester, provider, **update):
    """A new incoming call, answered: return its UUID."""
    __tracebackhide__ = True
    uuid = ring(provider, **update)
    answer(requester, provider, uuid)
    return uuid


def action(type_, uuid, **keys):
    d = {"type": type_, "call": uuid}
    d.update(keys)
    return d


# ---------------------------------------------------------------------------
# Fixtures (imported by name into the test_flows_* files)

@pytest.fixture
def shell(client):
    """``client`` (the desktop shell) with a SignalLog as ``shell.log``."""
    client.log = SignalLog(client)
    yield client
    client.log.close()


@pytest.fixture
def spy(callkitd, make_client):
    """A bystander client that must never receive another client's
    PerformAction, ActionTimedOut, DidReset, ... or TransactionCompleted."""
    c = make_client("spy")
    c.log = SignalLog(c)
    yield c
    c.log.close()


# ---------------------------------------------------------------------------
# Tests of the helpers: they see unicast signals meant for their own
# connection and broadcast ones, so a leak would show.

def _own_bus_name(bus, client):
    client.call("/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
                ("(su)", (BUS_NAME, 4)), dest="org.freedesktop.DBus")
    bus.wait_for_name_owner(BUS_NAME)


def test_signal_log_sees_broadcast_and_own_unicast(bus, make_client):
    fake_daemon = make_client("fake-daemon")
    app, bystander = make_client("app"), make_client("bystander")
    app_log, bystander_log = SignalLog(app), SignalLog(bystander)
    _own_bus_name(bus, fake_daemon)
    path = "/io/github/callkitd/CallKit1/provider/1"

    def emit(destination, iface, name, args):
        fake_daemon.connection.emit_signal(destination, path, iface, name, args)
        fake_daemon.connection.flush_sync(None)

    perform = GLib.Variant("(sssa{sv})", ("a1", "answer-call", "c", {}))
    emit(app.unique_name, PROVIDER_IFACE, "PerformAction", perform)
    emit(None, PROVIDER_IFACE, "DidReset", GLib.Variant("(s)", ("requested",)))
    wait_until(lambda: len(app_log.provider_signals()) == 2,
               message="both signals on the app")
    wait_until(lambda: bystander_log.provider_signals(),
               message="the broadcast signal on the bystander")
    assert [e.member for e in app_log.provider_signals()] == [
        "PerformAction", "DidReset"]
    assert [e.member for e in bystander_log.provider_signals()] == ["DidReset"]


def test_signal_log_call_events_in_order(bus, make_client):
    fake_daemon = make_client("fake-daemon")
    watcher = make_client("watcher")
    log = SignalLog(watcher)
    _own_bus_name(bus, fake_daemon)
    uuid = new_uuid()
    path = call_path(uuid)
    conn = fake_daemon.connection
    conn.emit_signal(None, ROOT_PATH, OBJECT_MANAGER_IFACE, "InterfacesAdded",
                     GLib.Variant("(oa{sa{sv}})", (path, {CALL_IFACE: {
                         "State": GLib.Variant("s", "ringing")}})))
    conn.emit_signal(None, path, PROPERTIES_IFACE, "PropertiesChanged",
                     GLib.Variant("(sa{sv}as)", (CALL_IFACE, {
                         "State": GLib.Variant("s", "ended"),
                         "HasEnded": GLib.Variant("b", True),
                         "EndedAt": GLib.Variant("x", 5),
                         "EndedReason": GLib.Variant("s", "declined")}, [])))
    conn.emit_signal(None, ROOT_PATH, OBJECT_MANAGER_IFACE, "InterfacesRemoved",
                     GLib.Variant("(oas)", (path, [CALL_IFACE])))
    conn.flush_sync(None)
    final = log.assert_call_ended(uuid, "declined")
    assert final["State"] == "ended"
    with pytest.raises(AssertionError, match="ended as 'declined'"):
        log.assert_call_ended(uuid, "hung-up")
