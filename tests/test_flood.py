# SPDX-License-Identifier: LGPL-2.1-or-later
"""The flood of issue "Hardening": 50 ordinary clients opening 20 providers
each and reporting calls as fast as they can. Bounded by limits over the
whole session, whatever the number of clients: counts are asserted (what
was accepted, what was refused with LimitExceeded), never timings; the
latency figures are in bench/bench-flood.py."""

import os

import pytest
from gi.repository import Gio, GLib

from harness import (BUS_NAME, MANAGER_IFACE, PROVIDER_IFACE, ROOT_PATH, PendingCall,
                     dbus_error_name, new_uuid, vardict, wait_until)

LIMIT_EXCEEDED = "io.github.callkitd.CallKit1.Error.LimitExceeded"
CLIENTS = 50
PROVIDERS_EACH = 20


@pytest.fixture(autouse=True)
def fast_unwind_on_malloc(monkeypatch):
    """Under AddressSanitizer, the daemon records allocation stacks the fast
    way here: the flood makes millions of allocations, and the exact unwinder
    the suite uses elsewhere, for leak reports that reach our code through
    GLib, makes this test take minutes instead of seconds. Memory errors and
    leaks are found all the same."""
    options = os.environ.get("ASAN_OPTIONS")
    if options:
        monkeypatch.setenv("ASAN_OPTIONS", options + ":fast_unwind_on_malloc=1")


def outcomes(pending):
    """Wait for every call; returns (replies, error names)."""
    wait_until(lambda: all(p.done for p in pending), timeout=60,
               message="every reply of the flood")
    ok, errors = [], []
    for p in pending:
        if p._error is None:
            ok.append(p._reply.unpack())
        else:
            errors.append(dbus_error_name(p._error))
    return ok, errors


class Bare:
    """A client that only calls: no signal subscription, so that the test
    process is not the bottleneck (harness.Client follows every call).
    ``call_async`` returns a harness.PendingCall."""

    def __init__(self, bus):
        self.connection = Gio.DBusConnection.new_for_address_sync(
            bus.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def call_async(self, path, iface, method, args=None, timeout=25):
        return PendingCall(self, BUS_NAME, path, iface, method, args, timeout)

    def close(self):
        if not self.connection.is_closed():
            self.connection.close_sync(None)


@pytest.fixture
def make_bare(bus):
    made = []

    def make():
        made.append(Bare(bus))
        return made[-1]

    yield make
    for b in made:
        b.close()


def in_batches(make_calls, batch=100):
    """Runs the calls ``make_calls`` yields (zero-argument callables that
    start one), at most ``batch`` waiting at once per connection (a bus
    limits the replies one connection may wait for)."""
    pending, started = [], []
    for start in make_calls:
        if len([p for p in started if not p.done]) >= batch:
            wait_until(lambda: len([p for p in started if not p.done]) < batch // 2,
                       timeout=60, message="the flood's replies")
            started = [p for p in started if not p.done]
        p = start()
        pending.append(p)
        started.append(p)
    return pending


def register_async(client, name):
    return client.call_async(ROOT_PATH, MANAGER_IFACE, "RegisterProvider",
                             GLib.Variant.new_tuple(vardict(localized_name=name)))


def report_async(client, path):
    return client.call_async(path, PROVIDER_IFACE, "ReportNewIncomingCall",
                             GLib.Variant("(sa{sv})", (new_uuid(), {})))


# The calls ring for an hour: a call that rang out during the flood would
# make room for another, and the counts below would depend on the speed.
@pytest.mark.callkitd_args("--incoming-report-rate=0", "--ringing-timeout=3600")
def test_flood_of_clients_is_bounded(callkitd, client, make_client, make_bare):
    limits = client.manager_property("Limits")
    max_providers, max_calls = limits["providers"], limits["live_calls"]
    clients = [make_bare() for i in range(CLIENTS)]

    # Every client opens one, then all open the rest at once.
    first = [register_async(c, "Flood 0") for c in clients]
    outcomes(first)
    pending = first + [register_async(c, "Flood %d" % j)
                       for j in range(1, PROVIDERS_EACH) for c in clients]
    paths, errors = outcomes(pending)
    assert len(paths) == max_providers
    assert errors == [LIMIT_EXCEEDED] * (CLIENTS * PROVIDERS_EACH - max_providers)
    per_client = [sum(1 for p in pending[i::CLIENTS] if p._error is None)
                  for i in range(CLIENTS)]
    assert min(per_client) >= 1
    assert max(per_client) <= limits["providers_per_connection"]

    # Every provider reports calls until the session is full.
    owner_of = {}
    for i, p in enumerate(pending):
        if p._error is None:
            owner_of[p._reply.unpack()[0]] = clients[i % CLIENTS]
    per_provider = max_calls * 2 // max_providers
    pending = in_batches(lambda owner=owner, path=path: report_async(owner, path)
                         for _ in range(per_provider) for path, owner in owner_of.items())
    accepted, errors = outcomes(pending)
    assert len(accepted) == max_calls
    assert errors == [LIMIT_EXCEEDED] * (len(pending) - max_calls)

    # A quiet client is served throughout, and sees exactly what was kept.
    quiet = make_client("quiet")
    quiet.call(ROOT_PATH, "org.freedesktop.DBus.Peer", "Ping")
    objects = quiet.call(ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                         "GetManagedObjects")
    assert len(objects) == max_providers + max_calls

    # The clients go: their calls end, and callkitd gives the memory back.
    for c in clients:
        c.close()
    wait_until(lambda: quiet.call(ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                                  "GetManagedObjects") == {}, timeout=60,
               message="every flood call and provider to go")
    wait_until(lambda: "returning free memory" in callkitd.log_text(),
               message="the memory trim after the flood")


@pytest.mark.callkitd_args("--incoming-report-rate=0", "--ringing-timeout=3600")
def test_one_connection_gets_its_share_only(callkitd, client, make_client, make_bare):
    limits = client.manager_property("Limits")
    greedy = make_bare()
    replies, _ = outcomes([register_async(greedy, "Greedy %d" % i)
                           for i in range(limits["providers_per_connection"])])
    paths = [r[0] for r in replies]
    pending = in_batches(lambda path=path: report_async(greedy, path)
                         for _ in range(limits["calls_per_provider"]) for path in paths)
    accepted, errors = outcomes(pending)
    assert len(accepted) == limits["calls_per_connection"]
    assert set(errors) == {LIMIT_EXCEEDED}
    # Another app still has room.
    other = make_client("other").register_provider({"localized_name": "Other"})
    other.report_incoming(new_uuid())


@pytest.mark.callkitd_args("--method-call-rate=100")
def test_method_flood_from_one_sender_is_refused_early(callkitd, client, make_client):
    """A sender over its budget is refused before its message is read; the
    others keep theirs. The flood is sent without waiting for replies (a
    bus limits the replies one connection may wait for), far faster than
    the budget refills."""
    limits = client.manager_property("Limits")
    flooder = make_client("flooder")
    for _ in range(20 * limits["method_calls_per_second"]):
        flooder.connection.call(
            "io.github.callkitd.CallKit1", ROOT_PATH, "org.freedesktop.DBus.Peer", "Ping",
            None, None, Gio.DBusCallFlags.NO_AUTO_START, -1, None, None, None)
    refused = flooder.call_async(ROOT_PATH, "org.freedesktop.DBus.Peer", "Ping")
    quiet = make_client("quiet").call_async(ROOT_PATH, "org.freedesktop.DBus.Peer", "Ping")
    assert quiet.result() is None
    wait_until(lambda: refused.done, message="the flooder's last Ping")
    assert dbus_error_name(refused._error) == LIMIT_EXCEEDED
