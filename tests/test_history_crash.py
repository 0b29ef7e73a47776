# SPDX-License-Identifier: LGPL-2.1-or-later
"""A kill at any instant loses no history entry of a call whose end was
published. Calls ring and end continuously (pipelined, several at once)
while callkitd is SIGKILLed at random moments, CKD_HISTORY_CRASH_ROUNDS
times (default 100). After each kill a new callkitd starts on the same
database; the database must open (no file moved aside), pass SQLite's
integrity_check, and hold every call whose EndedAt the observer saw on the
bus before the kill, with that EndedAt. CKD_HISTORY_CRASH_SEED replays a
run (the seed is in every failure message)."""

import os
import random
import signal

from gi.repository import Gio, GLib

from harness import (BUS_NAME, CALL_IFACE, PROPERTIES_IFACE, PROVIDER_IFACE,
                     OBJECT_MANAGER_IFACE, ROOT_PATH, new_uuid, vardict, wait_until)
from history_harness import broken_files, db_path, get_entries, read_db

ROUNDS = int(os.environ.get("CKD_HISTORY_CRASH_ROUNDS", "100"))
# Calls in flight at once: callkitd is always in the middle of something.
WINDOW = 6


def uuid_of(path):
    return path.rsplit("/", 1)[1].replace("_", "-")


class Observer:
    """Every EndedAt published by any callkitd, and the moments the bus
    name is lost (after which every message the dead callkitd sent has
    been delivered: the bus sends NameOwnerChanged once it has read the
    last of them)."""

    def __init__(self, client):
        self.ended = {}
        self.name_lost = 0
        self.on_end = None
        conn = client.connection
        conn.signal_subscribe(None, PROPERTIES_IFACE, "PropertiesChanged", None, CALL_IFACE,
                              0, self._on_changed)
        conn.signal_subscribe(None, OBJECT_MANAGER_IFACE, "InterfacesAdded", ROOT_PATH, None,
                              0, self._on_added)
        conn.signal_subscribe("org.freedesktop.DBus", "org.freedesktop.DBus",
                              "NameOwnerChanged", "/org/freedesktop/DBus", BUS_NAME, 0,
                              self._on_owner)
        self.client = client
        self.follow()

    def follow(self):
        """Called once per callkitd: it addresses its call signals to the
        connections that have called it (as an ObjectManager client does
        with GetManagedObjects whenever the name gets a new owner)."""
        self.client.managed_objects()

    def _record(self, path, properties):
        ended_at = properties.get("EndedAt", 0)
        if ended_at:
            self.ended[uuid_of(path)] = ended_at
            if self.on_end is not None:
                self.on_end()

    def _on_changed(self, conn, sender, path, iface, member, params):
        self._record(path, params.unpack()[1])

    def _on_added(self, conn, sender, path, iface, member, params):
        obj, interfaces = params.unpack()
        self._record(obj, interfaces.get(CALL_IFACE, {}))

    def _on_owner(self, conn, sender, path, iface, member, params):
        name, old, new = params.unpack()
        if old and not new:
            self.name_lost += 1


class Pump:
    """A provider whose calls ring and end, WINDOW at a time, each report
    sent without waiting for the one before."""

    def __init__(self, client, provider_path):
        self.conn = client.connection
        self.path = provider_path
        self.stopped = False
        self.started = 0
        for _ in range(WINDOW):
            self._next()

    def _call(self, method, args, callback):
        self.conn.call(BUS_NAME, self.path, PROVIDER_IFACE, method, args, None,
                       Gio.DBusCallFlags.NONE, -1, None, callback, None)

    def _next(self):
        if self.stopped:
            return
        uuid = new_uuid()
        self.started += 1
        self._call("ReportNewIncomingCall",
                   GLib.Variant.new_tuple(GLib.Variant("s", uuid), vardict(
                       remote_handle=("phone-number", "+49301%05d" % self.started))),
                   self._ignore)
        reason = "remote-ended" if self.started % 3 else "answered-elsewhere"
        self._call("ReportCallEnded", GLib.Variant("(ssx)", (uuid, reason, 0)), self._ended)

    def _ignore(self, conn, res, data):
        try:
            conn.call_finish(res)
        except GLib.Error:
            pass

    def _ended(self, conn, res, data):
        self._ignore(conn, res, data)
        self._next()


def test_kill_at_random_moments(start_daemon, make_client, bus):
    seed = int(os.environ.get("CKD_HISTORY_CRASH_SEED", random.randrange(1 << 32)))
    rng = random.Random(seed)
    daemon = start_daemon(verbose=False)
    observer = Observer(make_client("observer"))
    path = db_path(bus)
    published = {}

    def check(round_, what, condition):
        assert condition, "round %d (seed %d): %s" % (round_, seed, what)

    for round_ in range(ROUNDS):
        app = make_client("app %d" % round_)
        reply = app.call(ROOT_PATH, "io.github.callkitd.CallKit1.Manager", "RegisterProvider",
                         GLib.Variant.new_tuple(vardict(localized_name="Pump")))
        observer.ended.clear()
        lost = observer.name_lost
        # Half the kills come right after an end was published, while
        # other calls are half done; half at a random moment of their own.
        kill_after = rng.randrange(1, 40)
        delay_ms = rng.randrange(0, 60) if rng.random() < 0.5 else None

        timer = {}

        def kill():
            if daemon.returncode is None:
                os.kill(daemon.pid, signal.SIGKILL)

        def on_timer():
            timer.clear()
            kill()
            return GLib.SOURCE_REMOVE

        def on_end():
            if delay_ms is None and len(observer.ended) >= kill_after:
                kill()

        observer.on_end = on_end
        if delay_ms is not None:
            timer["id"] = GLib.timeout_add(delay_ms, on_timer)
        pump = Pump(app, reply)
        wait_until(lambda: daemon.returncode is not None, timeout=60, poll_interval=0.01,
                   message="round %d (seed %d): the kill" % (round_, seed))
        pump.stopped = True
        if timer:
            GLib.source_remove(timer.pop("id"))
        check(round_, "callkitd was killed", daemon.stop(signal.SIGKILL) == -signal.SIGKILL)
        # Everything the dead callkitd sent has been seen once the bus
        # says its name is gone.
        wait_until(lambda: observer.name_lost > lost,
                   message="round %d: the bus name to go" % round_)
        observer.on_end = None
        app.close()
        round_ended = dict(observer.ended)
        published.update(round_ended)

        daemon = start_daemon(verbose=False)
        observer.follow()
        client = make_client("checker %d" % round_)
        # It opened what the kill left, as it was: nothing moved aside.
        check(round_, "a database was moved aside: %s" % broken_files(bus),
              broken_files(bus) == [])
        check(round_, "integrity_check",
              read_db(path, "PRAGMA integrity_check") == [("ok",)])
        stored = dict(read_db(path, "SELECT call, ended_at FROM entries"))
        missing = {u: t for u, t in published.items() if stored.get(u) != t}
        check(round_, "%d of %d calls whose end was published are missing or differ: %s"
              % (len(missing), len(published), sorted(missing)[:5]), not missing)
        # And callkitd serves them.
        served = {e["call"] for e in get_entries(client, limit=1000)}
        check(round_, "GetEntries misses calls of this round",
              set(round_ended) <= served or len(round_ended) > 1000)
        client.close()

    assert len(published) >= ROUNDS, (
        "only %d ends were published in %d rounds (seed %d): the test did not test much"
        % (len(published), ROUNDS, seed))
    assert daemon.stop() == 0
