# SPDX-License-Identifier: LGPL-2.1-or-later
"""Limits and floods: the documented limits hold, the answer to exceeding one
is LimitExceeded, callkitd stays responsive, and nothing beyond what was
accepted exists. Clients that vanish (connection closed, process killed)
leave nothing behind: their calls end as failed and, under ASan, the daemon
exits 0 without a leak report at teardown.
"""

import os
import select
import signal
import subprocess
import sys
import time
import uuid as uuidlib

import pytest
from gi.repository import Gio, GLib

import harness
from harness import (
    CALL_PATH_PREFIX, CONTROLLER_IFACE, MANAGER_IFACE, PROVIDER_IFACE,
    PROVIDER_PATH_PREFIX, ROOT_PATH, call_path, raises_dbus_error, scaled,
    vardict, vardict_list, wait_until)

PREFIX = "io.github.callkitd.CallKit1.Error."


def E(name):
    return PREFIX + name


def new_uuid():
    return str(uuidlib.uuid4())


def snapshot(client):
    client.sync()
    return client.managed_objects()


def live_calls(client):
    return {p for p in client.managed_objects() if p.startswith(CALL_PATH_PREFIX)}


def providers(client):
    return {p for p in client.managed_objects()
            if p.startswith(PROVIDER_PATH_PREFIX)}


def assert_responsive(client):
    __tracebackhide__ = True
    client.call(ROOT_PATH, "org.freedesktop.DBus.Peer", "Ping")
    assert client.manager_property("Version")


def error_name(error):
    return Gio.DBusError.get_remote_error(error) if error is not None else None


# dbus-daemon's own limit on replies a connection may await at once
# (max_replies_per_connection, 128 by default) is below our floods: keep
# fewer in flight, which is still as fast as the daemon can answer.
WINDOW = 100


def pipelined(client, requests, timeout=60):
    """Send ``requests`` (path, iface, method, args) back to back, with at
    most WINDOW awaiting a reply; return their errors in order (None:
    success)."""
    pending = []
    for path, iface, method, args in requests:
        if sum(not p.done for p in pending) >= WINDOW:
            wait_until(lambda: sum(not p.done for p in pending) < WINDOW,
                       timeout=timeout, message="a reply to a pipelined call")
        pending.append(client.call_async(path, iface, method, args))
    wait_until(lambda: all(p.done for p in pending), timeout=timeout,
               message="the replies to %d pipelined calls" % len(pending))
    return [p._error for p in pending]


def report_request(provider, uuid, **update):
    return (provider.path, PROVIDER_IFACE, "ReportNewIncomingCall",
            GLib.Variant.new_tuple(GLib.Variant("s", uuid), vardict(update)))


def ring_many(provider, client, n):
    """Report n calls, pipelined; all must be accepted."""
    uuids = [new_uuid() for _ in range(n)]
    errors = pipelined(provider.client,
                       [report_request(provider, u) for u in uuids])
    failed = [(u, e.message) for u, e in zip(uuids, errors) if e is not None]
    assert not failed, "refused: %s" % failed[:3]
    client.sync()
    return uuids


# ---------------------------------------------------------------------------
# Incoming report rate


def test_incoming_flood_is_rate_limited(client, app):
    limits = client.manager_property("Limits")
    rate = limits["incoming_reports_per_second"]
    assert rate == 10, "the default rate is documented as 10 a second"
    burst = 2 * rate
    provider = app.register_provider({"localized_name": "Flood"})
    before = live_calls(client)
    uuids = [new_uuid() for _ in range(200)]

    start = time.monotonic()
    errors = pipelined(app, [report_request(provider, u) for u in uuids])
    elapsed = time.monotonic() - start

    accepted = [u for u, e in zip(uuids, errors) if e is None]
    refused = [(u, e) for u, e in zip(uuids, errors) if e is not None]
    # The burst goes through, in order; then the flood is cut.
    pattern = "".join("." if e is None else "x" for e in errors)
    assert all(e is None for e in errors[:burst]), (
        "one of the first %d reports was refused (. accepted, x refused, in "
        "the order sent): %s" % (burst, pattern))
    assert refused, "200 reports at once were all accepted"
    for u, e in refused:
        assert error_name(e) == E("LimitExceeded"), e.message
        assert "faster than %d a second" % rate in e.message or \
            str(rate) in e.message, e.message
    # Tokens come back at `rate` a second: the test cannot have waited
    # longer than `elapsed` for them.
    assert len(accepted) <= burst + rate * elapsed + 1, (
        "%d accepted in %.3f s" % (len(accepted), elapsed))

    assert_responsive(client)
    assert live_calls(client) - before == {call_path(u) for u in accepted}

    # The limit is per provider: another provider of the same app reports.
    other = app.register_provider({"localized_name": "Other"})
    other.report_incoming(new_uuid())

    # A refused report did not use up its UUID: once a token is back, the
    # same UUID is accepted (never CallUUIDAlreadyExists).
    retry = refused[0][0]
    seen = []

    def accepted_now():
        try:
            provider.report_incoming(retry)
            return True
        except GLib.Error as e:
            seen.append(error_name(e))
            assert error_name(e) == E("LimitExceeded"), e.message
            return False

    wait_until(accepted_now, timeout=10, poll_interval=0.05,
               message="a token to come back")
    client.wait_for_call_property(retry, "State", "ringing")


@pytest.mark.callkitd_args("--incoming-report-rate=0")
def test_calls_per_provider_limit(client, app):
    limits = client.manager_property("Limits")
    assert limits["incoming_reports_per_second"] == 0
    limit = limits["calls_per_provider"]
    assert limit == 256
    provider = app.register_provider({"localized_name": "Busy"})
    uuids = ring_many(provider, client, limit)
    assert live_calls(client) == {call_path(u) for u in uuids}
    before = snapshot(client)

    extra = new_uuid()
    with raises_dbus_error(E("LimitExceeded"), match=r"%d live calls" % limit):
        provider.report_incoming(extra)
    with raises_dbus_error(E("LimitExceeded"), match=r"%d live calls" % limit):
        client.request_transaction([{"type": "start-call", "call": new_uuid(),
                                     "provider": ("o", provider.path)}])
    assert snapshot(client) == before
    provider.assert_no_signal("PerformAction")
    assert_responsive(client)

    # Ended calls do not count.
    provider.report_ended(uuids[0], "remote-ended")
    client.wait_for_call_removed(uuids[0])
    provider.report_incoming(extra)
    client.wait_for_call(extra)
    with raises_dbus_error(E("LimitExceeded")):
        provider.report_incoming(new_uuid())

    # The limit is per provider.
    other = app.register_provider({"localized_name": "Other"})
    other.report_incoming(new_uuid())


def test_providers_per_connection_limit(client, app, make_client):
    limit = client.manager_property("Limits")["providers_per_connection"]
    assert limit == 16
    owned = [app.register_provider({"localized_name": "P%d" % i})
             for i in range(limit)]
    before = snapshot(client)
    with raises_dbus_error(E("LimitExceeded"), match=r"%d providers" % limit):
        app.register_provider({"localized_name": "One too many"})
    assert snapshot(client) == before
    assert_responsive(client)

    # Per connection: another connection of the same process registers.
    make_client("second").register_provider({"localized_name": "Second"})
    # A removed provider frees its slot.
    owned[3].invalidate()
    wait_until(lambda: owned[3].path not in providers(client),
               message="the invalidated provider to go")
    app.register_provider({"localized_name": "Replacement"})
    with raises_dbus_error(E("LimitExceeded")):
        app.register_provider({"localized_name": "One too many"})


@pytest.mark.callkitd_args("--incoming-report-rate=0")
def test_actions_per_transaction_limit(client, provider):
    limit = client.manager_property("Limits")["actions_per_transaction"]
    assert limit == 32
    uuids = ring_many(provider, client, limit + 1)
    before = snapshot(client)
    with raises_dbus_error(E("LimitExceeded"),
                           match=r"%d actions.*limit is %d" % (limit + 1, limit)):
        client.request_transaction([{"type": "set-muted", "call": u,
                                     "muted": True} for u in uuids])
    assert snapshot(client) == before
    provider.assert_no_signal("PerformAction")
    # Exactly the limit is fine.
    client.request_transaction([{"type": "set-muted", "call": u, "muted": True}
                                for u in uuids[:limit]])
    for u in uuids[:limit]:
        provider.wait_for_action("set-muted", u)


def test_huge_transaction_is_refused_before_parsing(client, provider):
    """100000 actions: refused by count, at once, whatever they hold."""
    provider.report_incoming(new_uuid())
    before = snapshot(client)
    actions = GLib.Variant("aa{sv}", [{}] * 100000)
    with raises_dbus_error(E("LimitExceeded"), match=r"100000 actions"):
        client.request_transaction(actions)
    assert snapshot(client) == before
    assert_responsive(client)


@pytest.mark.callkitd_args("--incoming-report-rate=0")
def test_pending_actions_per_provider_limit(client, app):
    limits = client.manager_property("Limits")
    limit = limits["pending_actions_per_provider"]
    per_tx = limits["actions_per_transaction"]
    assert limit == 256
    provider = app.register_provider({"localized_name": "Slow",
                                      "action_timeout_ms": ("u", 600000)})
    uuids = ring_many(provider, client, per_tx)
    for _ in range(limit // per_tx):
        client.request_transaction([{"type": "set-muted", "call": u,
                                     "muted": True} for u in uuids])
    actions = [provider.wait_for_action("set-muted") for _ in range(limit)]
    before = snapshot(client)

    with raises_dbus_error(E("LimitExceeded"),
                           match=r"%d pending actions" % limit):
        client.request_transaction([{"type": "end-call", "call": uuids[0]}])
    with raises_dbus_error(E("LimitExceeded"),
                           match=r"%d pending actions" % limit):
        client.call_method(uuids[1], "SetMuted", ("(b)", (False,)))
    assert snapshot(client) == before
    provider.assert_no_signal("PerformAction")
    assert_responsive(client)

    # Another provider is not affected; one answer frees one slot.
    other = app.register_provider({"localized_name": "Other"})
    other_call = new_uuid()
    other.report_incoming(other_call)
    client.request_transaction([{"type": "end-call", "call": other_call}])
    other.wait_for_action("end-call", other_call)
    provider.fulfill(actions[0].id)
    client.request_transaction([{"type": "end-call", "call": uuids[0]}])
    provider.wait_for_action("end-call", uuids[0])


# ---------------------------------------------------------------------------
# Floods of bad requests


def test_a_thousand_invalid_transactions(client, provider):
    active = new_uuid()
    # Not holdable: answering the ringing call cannot hold it implicitly.
    provider.report_incoming(active, supports_holding=False)
    client.request_transaction([{"type": "answer-call", "call": active}])
    provider.fulfill(provider.wait_for_action("answer-call", active).id)
    client.wait_for_call_property(active, "State", "active")
    ringing = new_uuid()
    provider.report_incoming(ringing, supports_holding=False)
    client.wait_for_call(ringing)
    before = snapshot(client)
    completed = set(client.transactions)

    kinds = [
        ([{"type": "answer-call", "call": new_uuid()}], "UnknownCallUUID"),
        ([{"type": "answer-call", "call": active}], "InvalidAction"),
        ([{"type": "answer-call", "call": ringing}], "MaximumCallGroupsReached"),
        ([{"type": "set-held", "call": ringing, "on_hold": True}], "InvalidAction"),
        ([{"type": "set-muted", "call": active, "muted": True},
          {"type": "set-muted", "call": active, "muted": False}], "InvalidAction"),
        ([{"type": "hang-up", "call": active}], "InvalidArgument"),
        ([{"type": "end-call", "call": "nope"}], "InvalidArgument"),
        ([{"type": "end-call", "call": active, "muted": True}], "InvalidArgument"),
        ([], "EmptyTransaction"),
        ([{"type": "start-call", "call": active,
           "provider": ("o", provider.path)}], "CallUUIDAlreadyExists"),
        ([{"type": "start-call", "call": new_uuid(),
           "provider": ("o", PROVIDER_PATH_PREFIX + "77")}], "UnknownCallProvider"),
        ([{"type": "end-call", "call": active}] * 33, "LimitExceeded"),
    ]
    requests = [kinds[i % len(kinds)] for i in range(1000)]
    errors = pipelined(client, [
        (ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
         GLib.Variant.new_tuple(vardict_list(actions)))
        for actions, _ in requests])
    wrong = [(expected, error_name(e), e and e.message)
             for (_, expected), e in zip(requests, errors)
             if error_name(e) != E(expected)]
    assert not wrong, "%d unexpected answers, e.g. %s" % (len(wrong), wrong[:3])

    assert snapshot(client) == before
    provider.assert_no_signal("PerformAction")
    assert set(client.transactions) == completed, \
        "a refused transaction completed"
    assert_responsive(client)


def test_client_leaves_with_requests_in_flight(client, provider, make_client):
    """A client that pipelines a few hundred bad requests and leaves before
    the replies: they go nowhere, callkitd carries on (and, under ASan,
    frees what it made for them)."""
    uuid = new_uuid()
    provider.report_incoming(uuid)
    client.wait_for_call(uuid)
    before = snapshot(client)
    rude = make_client("rude")
    for _ in range(100):
        rude.call_async(ROOT_PATH, MANAGER_IFACE, "RegisterProvider",
                        GLib.Variant("(a{sv})", ({"bogus": GLib.Variant("b", True)},)))
        rude.call_async(ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
                        GLib.Variant.new_tuple(vardict_list([{"type": "end-call",
                                                             "call": new_uuid()}])))
        rude.call_async(call_path(uuid), "io.github.callkitd.CallKit1.Call",
                        "PlayDTMF", GLib.Variant("(s)", ("nope",)))
    rude.connection.flush_sync(None)
    rude.close()
    assert_responsive(client)
    assert snapshot(client) == before
    provider.assert_no_signal("PerformAction")


# ---------------------------------------------------------------------------
# Providers that vanish


def test_owner_closes_connection_mid_transaction(client, make_client):
    app = make_client("doomed")
    provider = app.register_provider({"localized_name": "Doomed",
                                      "action_timeout_ms": ("u", 600000)})
    ringing, answering, active = new_uuid(), new_uuid(), new_uuid()
    for u in (ringing, answering, active):
        provider.report_incoming(u)
        client.wait_for_call(u)
    client.request_transaction([{"type": "answer-call", "call": active}])
    provider.fulfill(provider.wait_for_action("answer-call", active).id)
    client.wait_for_call_property(active, "State", "active")

    # Requests in flight when the owner goes.
    tx = client.request_transaction([
        {"type": "set-muted", "call": active, "muted": True},
        {"type": "end-call", "call": ringing}])
    answer = client.call_method_async(answering, "End")
    provider.wait_for_action("set-muted", active)
    provider.wait_for_action("end-call", ringing)
    provider.wait_for_action("end-call", answering)
    assert not answer.done

    app.close()  # abruptly: no Invalidate, no answers

    done = client.wait_for_transaction(tx)
    assert [(o["type"], o["result"], o["reason"]) for o in done] == [
        ("set-muted", "failed", "provider-gone"),
        ("end-call", "failed", "provider-gone")]
    with raises_dbus_error(E("ActionFailed"), match=r"provider-gone"):
        answer.result()
    for u in (ringing, answering, active):
        props = client.wait_for_call_removed(u)
        assert props["State"] == "ended"
        assert props["EndedReason"] == "failed", (u, props["EndedReason"])
    wait_until(lambda: provider.path not in providers(client),
               message="the provider to go")
    assert not live_calls(client)
    assert_responsive(client)

    # The UUIDs are remembered as ended: a late report does not ring.
    again = make_client("again").register_provider({"localized_name": "Again"})
    with raises_dbus_error(E("CallUUIDAlreadyExists")):
        again.report_incoming(ringing)


KILLED_APP = r"""
import sys
from gi.repository import Gio, GLib
BUS = "io.github.callkitd.CallKit1"
conn = Gio.DBusConnection.new_for_address_sync(
    sys.argv[1], Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
    | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
config = {"localized_name": GLib.Variant("s", "Killed"),
          "action_timeout_ms": GLib.Variant("u", 600000)}
path = conn.call_sync(BUS, "/io/github/callkitd/CallKit1", BUS + ".Manager",
                      "RegisterProvider", GLib.Variant("(a{sv})", (config,)),
                      GLib.VariantType.new("(o)"), 0, -1, None).unpack()[0]
for uuid in sys.argv[2:]:
    conn.call_sync(BUS, path, BUS + ".Provider", "ReportNewIncomingCall",
                   GLib.Variant("(sa{sv})", (uuid, {})), None, 0, -1, None)
print(path, conn.get_unique_name(), flush=True)
sys.stdin.read()
"""


def test_provider_process_killed(client, bus):
    uuids = [new_uuid() for _ in range(3)]
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_APP, bus.address] + uuids,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=harness.die_with_test)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], scaled(20))
        assert ready, "the provider process did not start"
        line = proc.stdout.readline().decode().split()
        assert len(line) == 2, (line, proc.stderr.read().decode())
        path, owner = line
        for u in uuids:
            client.wait_for_call(u)
        assert client.get_property(path, PROVIDER_IFACE, "Owner") == owner
        # An action in flight to the process when it dies.
        tx = client.request_transaction([{"type": "answer-call",
                                          "call": uuids[0]}])
        answer = client.call_method_async(uuids[1], "End")
        client.sync()
        assert not answer.done
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=scaled(10))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()

    done = client.wait_for_transaction(tx)
    assert (done[0]["result"], done[0]["reason"]) == ("failed", "provider-gone")
    with raises_dbus_error(E("ActionFailed"), match=r"provider-gone"):
        answer.result()
    for u in uuids:
        assert client.wait_for_call_removed(u)["EndedReason"] == "failed"
    wait_until(lambda: path not in providers(client),
               message="the killed process's provider to go")
    assert not live_calls(client)
    assert_responsive(client)
