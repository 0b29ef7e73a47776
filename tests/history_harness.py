# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers for the tests of History (the recents): its database file, its
methods with typed filters, calls that end in a given way, and a watcher
of what History broadcasts."""

import sqlite3
from pathlib import Path

from gi.repository import GLib

from harness import (BUS_NAME, HISTORY_IFACE, PROPERTIES_IFACE, ROOT_PATH,
                     new_uuid, vardict, wait_until)

# Filter keys whose D-Bus type a Python value does not tell.
FILTER_TYPES = {"since": "x", "before": "x", "limit": "u"}


def db_path(bus):
    """Where callkitd on ``bus`` keeps its history."""
    return Path(bus.env["XDG_DATA_HOME"]) / "callkitd" / "history.sqlite"


def broken_files(bus):
    """The files callkitd moved aside (not their WALs)."""
    return sorted(p for p in db_path(bus).parent.glob("history.sqlite.broken-*")
                  if not p.name.endswith("-wal"))


def filter_dict(**filter):
    return vardict({k: (FILTER_TYPES[k], v) if k in FILTER_TYPES else v
                    for k, v in filter.items()})


def get_entries(client, **filter):
    return client.call(ROOT_PATH, HISTORY_IFACE, "GetEntries",
                       GLib.Variant.new_tuple(filter_dict(**filter)))


def entry_of(client, uuid):
    """The entry of call ``uuid`` (which must be there)."""
    found = [e for e in get_entries(client) if e["call"] == uuid]
    assert len(found) == 1, "call %s has %d entries" % (uuid, len(found))
    return found[0]


def missed_count(client):
    return client.get_property(ROOT_PATH, HISTORY_IFACE, "MissedCount")


def mark_seen(client, ids):
    client.call(ROOT_PATH, HISTORY_IFACE, "MarkSeen", ("(as)", (list(ids),)))


def delete_entries(client, ids):
    client.call(ROOT_PATH, HISTORY_IFACE, "DeleteEntries", ("(as)", (list(ids),)))


def clear(client, **filter):
    client.call(ROOT_PATH, HISTORY_IFACE, "Clear",
                GLib.Variant.new_tuple(filter_dict(**filter)))


def call_back(client, entry_id):
    return client.call(ROOT_PATH, HISTORY_IFACE, "CallBack", ("(s)", (entry_id,)))


def missed(provider, client, reason="remote-ended", ended_at=0, **update):
    """A call that rings and is missed; returns its UUID once it is gone."""
    uuid = new_uuid()
    provider.report_incoming(uuid, **update)
    client.wait_for_call(uuid)
    provider.report_ended(uuid, reason, ended_at)
    client.wait_for_call_removed(uuid)
    return uuid


def answered(provider, client, **update):
    """A call that rings, is answered and hung up here; returns its UUID."""
    uuid = new_uuid()
    provider.report_incoming(uuid, **update)
    client.wait_for_call(uuid)
    provider.auto_fulfill = True
    client.call_method(uuid, "Answer")
    client.call_method(uuid, "End")
    client.wait_for_call_removed(uuid)
    provider.auto_fulfill = False
    return uuid


class HistoryWatcher:
    """What History broadcasts, as one client sees it: EntriesChanged
    signals and PropertiesChanged that invalidate MissedCount."""

    def __init__(self, client):
        self.entries_changed = 0
        self.missed_count_invalidated = 0
        self.changed_values = []
        conn = client.connection
        self._subs = [
            conn.signal_subscribe(BUS_NAME, HISTORY_IFACE, "EntriesChanged", ROOT_PATH,
                                  None, 0, self._on_entries_changed),
            conn.signal_subscribe(BUS_NAME, PROPERTIES_IFACE, "PropertiesChanged",
                                  ROOT_PATH, HISTORY_IFACE, 0, self._on_properties),
        ]
        self._conn = conn
        # The matches reach the bus before anything is sent.
        client.sync()

    def _on_entries_changed(self, *args):
        self.entries_changed += 1

    def _on_properties(self, conn, sender, path, iface, member, params):
        _, changed, invalidated = params.unpack()
        self.changed_values.append(changed)
        if "MissedCount" in invalidated:
            self.missed_count_invalidated += 1

    def wait(self, entries_changed=None, invalidated=None):
        wait_until(lambda: (entries_changed is None or self.entries_changed >= entries_changed)
                   and (invalidated is None or self.missed_count_invalidated >= invalidated),
                   message=lambda: "History signals (got %d EntriesChanged, %d invalidations)"
                   % (self.entries_changed, self.missed_count_invalidated))


def read_db(path, sql, args=()):
    """Rows of ``sql`` in the database at ``path``, read-only (callkitd may
    be running: WAL lets it write meanwhile)."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()
