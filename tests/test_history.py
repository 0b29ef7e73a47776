# SPDX-License-Identifier: LGPL-2.1-or-later
"""History, the recents: what an ended call leaves behind, the filters,
MissedCount and MarkSeen, deleting and clearing, the settings of
[History], and the database file (kept across restarts, moved aside when
broken, migrated when old). Calling back is in test_history_call_back.py,
the missed-call notifications in test_history_notifications.py."""

import os
import signal
import sqlite3

import pytest
from gi.repository import GLib

from harness import (HISTORY_IFACE, ROOT_PATH, new_uuid, raises_dbus_error,
                     ring, vardict, wait_until)
from history_harness import (
    HistoryWatcher, answered, broken_files, clear, db_path, delete_entries,
    entry_of, get_entries, mark_seen, missed, missed_count, read_db)

PHONE = {"localized_name": "Phone", "icon_name": "org.example.Phone",
         "desktop_entry": "org.example.Phone"}
ALICE = ("phone-number", "+4930123")


@pytest.fixture
def phone(app):
    return app.register_provider(PHONE)


# ---------------------------------------------------------------------------
# Entries


def test_answered_call_entry(phone, client):
    uuid = answered(phone, client, remote_handle=ALICE, localized_caller_name="Alice",
                    has_video=True)
    final = client.known_call_properties(uuid)
    entry = entry_of(client, uuid)
    assert entry["id"].isdigit()
    assert entry["app_id"] == "org.example.Phone"
    assert entry["provider_name"] == "Phone"
    assert entry["remote_handle"] == ALICE
    assert entry["localized_caller_name"] == "Alice"
    assert entry["is_outgoing"] is False
    assert entry["has_video"] is True
    assert 0 < entry["started_at"] <= entry["connected_at"] <= entry["ended_at"]
    assert entry["connected_at"] == final["ConnectedAt"]
    assert entry["ended_at"] == final["EndedAt"]
    assert entry["ended_reason"] == "hung-up" == final["EndedReason"]
    assert entry["missed"] is False and entry["seen"] is True
    assert entry["filtered"] == ""
    assert entry["icon_name"] == "org.example.Phone"
    assert entry["desktop_entry"] == "org.example.Phone"
    assert set(entry) == {
        "id", "call", "app_id", "provider_name", "remote_handle", "localized_caller_name",
        "is_outgoing", "has_video", "started_at", "connected_at", "ended_at", "ended_reason",
        "missed", "seen", "filtered", "icon_name", "desktop_entry"}


def test_outgoing_call_entry(phone, client):
    uuid = new_uuid()
    phone.auto_fulfill = True
    client.request_transaction([{"type": "start-call", "call": uuid, "handle": ALICE,
                                 "provider": phone.path}])
    client.wait_for_call_property(uuid, "State", "dialing")
    phone.report_outgoing_connected(uuid)
    client.wait_for_call_property(uuid, "State", "active")
    phone.report_ended(uuid, "remote-ended")
    client.wait_for_call_removed(uuid)
    entry = entry_of(client, uuid)
    assert entry["is_outgoing"] is True
    assert entry["connected_at"] > 0
    assert entry["ended_reason"] == "remote-ended"
    # The other side hung up an outgoing call: nothing was missed.
    assert entry["missed"] is False


@pytest.mark.parametrize("reason,is_missed", [
    ("remote-ended", True), ("unanswered", True), ("answered-elsewhere", False),
    ("declined-elsewhere", False), ("failed", False)])
def test_missed_or_not(phone, client, reason, is_missed):
    uuid = missed(phone, client, reason, remote_handle=ALICE)
    entry = entry_of(client, uuid)
    assert entry["missed"] is is_missed
    assert entry["seen"] is (not is_missed)
    assert entry["ended_reason"] == reason


def test_declined_here_is_not_missed(phone, client):
    uuid = ring(phone, client, remote_handle=ALICE)
    phone.auto_fulfill = True
    client.call_method(uuid, "End")
    client.wait_for_call_removed(uuid)
    entry = entry_of(client, uuid)
    assert (entry["ended_reason"], entry["missed"]) == ("declined", False)


def test_rang_out_is_missed(app, client):
    phone = app.register_provider(dict(PHONE, ringing_timeout_ms=("u", 1000)))
    phone.auto_fulfill = True
    uuid = ring(phone, client, remote_handle=ALICE)
    client.wait_for_call_removed(uuid, timeout=10)
    entry = entry_of(client, uuid)
    assert (entry["ended_reason"], entry["missed"]) == ("unanswered", True)


def test_unknown_caller(phone, client):
    uuid = missed(phone, client)
    entry = entry_of(client, uuid)
    assert entry["remote_handle"] == ("generic", "")
    assert entry["localized_caller_name"] == ""
    assert entry["missed"] is True
    with raises_dbus_error("InvalidAction", match="unknown caller"):
        client.call(ROOT_PATH, HISTORY_IFACE, "CallBack", ("(s)", (entry["id"],)))


def test_provider_that_keeps_calls_out_of_recents(app, client):
    private = app.register_provider({"localized_name": "Private",
                                     "includes_calls_in_recents": False})
    kept = app.register_provider(PHONE)
    gone = missed(private, client, remote_handle=ALICE)
    there = missed(kept, client, remote_handle=ALICE)
    calls = [e["call"] for e in get_entries(client)]
    assert there in calls and gone not in calls
    rows = read_db(db_path(client.bus), "SELECT count(*) FROM entries WHERE call = ?", (gone,))
    assert rows == [(0,)]


def test_provider_gone_and_reset_calls_are_kept(phone, app, client):
    uuid = ring(phone, client, remote_handle=ALICE)
    phone.reset()
    client.wait_for_call_removed(uuid)
    assert entry_of(client, uuid)["ended_reason"] == "failed"


# ---------------------------------------------------------------------------
# Filters


def test_filters(app, client):
    phone = app.register_provider(PHONE)
    other = app.register_provider({"localized_name": "Other",
                                   "desktop_entry": "org.example.Other"})
    t = 1_700_000_000_000_000
    a = missed(phone, client, ended_at=t, remote_handle=ALICE)
    b = missed(other, client, "answered-elsewhere", ended_at=t + 10,
               remote_handle=("phone-number", "+1"))
    c = missed(phone, client, ended_at=t + 20, remote_handle=ALICE)

    def calls(**filter):
        return [e["call"] for e in get_entries(client, **filter)
                if e["ended_at"] >= t and e["ended_at"] <= t + 20]

    assert calls() == [c, b, a]
    assert calls(limit=2) == [c, b]
    assert calls(since=t + 10) == [c, b]
    assert calls(before=t + 20) == [b, a]
    assert calls(before=t + 20, limit=1) == [b]
    assert calls(missed_only=True) == [c, a]
    assert calls(app_id="org.example.Other") == [b]
    assert calls(handle=ALICE) == [c, a]
    assert calls(handle=("generic", "+4930123")) == []


@pytest.mark.parametrize("filter,error,match", [
    ({"limit": ("u", 1001)}, "LimitExceeded", "1000"),
    ({"limit": ("s", "10")}, "InvalidArgument", "limit"),
    ({"since": ("x", -1)}, "InvalidArgument", "since"),
    ({"colour": "red"}, "InvalidArgument", "colour"),
    ({"app_id": "not an id"}, "InvalidArgument", "not an app id"),
    ({"handle": ("fax", "1")}, "InvalidArgument", "fax"),
])
def test_bad_filters(client, filter, error, match):
    with raises_dbus_error(error, match=match):
        client.call(ROOT_PATH, HISTORY_IFACE, "GetEntries",
                    GLib.Variant.new_tuple(vardict(filter)))


def test_clear_takes_no_limit(client):
    with raises_dbus_error("InvalidArgument", match="limit"):
        clear(client, limit=3)


# ---------------------------------------------------------------------------
# Missed calls, seen or not


def test_missed_count_and_mark_seen(phone, client, make_client):
    watcher = HistoryWatcher(make_client("shell"))
    assert missed_count(client) == 0
    first = entry_of(client, missed(phone, client, remote_handle=ALICE))
    watcher.wait(entries_changed=1, invalidated=1)
    second = entry_of(client, missed(phone, client, remote_handle=ALICE))
    watcher.wait(entries_changed=2, invalidated=2)
    assert missed_count(client) == 2
    # Invalidated, never sent: the value is each reader's own.
    assert all(changed == {} for changed in watcher.changed_values)
    assert client.get_all_properties(ROOT_PATH, HISTORY_IFACE) == {"MissedCount": 2}

    mark_seen(client, [first["id"]])
    watcher.wait(entries_changed=3, invalidated=3)
    assert missed_count(client) == 1
    assert entry_of(client, first["call"])["seen"] is True
    assert entry_of(client, second["call"])["seen"] is False
    # Seen again changes nothing; an empty list marks every missed call.
    mark_seen(client, [first["id"]])
    mark_seen(client, [])
    assert missed_count(client) == 0
    assert entry_of(client, second["call"])["seen"] is True


def test_answered_call_changes_entries_not_the_count(phone, client, make_client):
    shell = make_client("shell")
    watcher = HistoryWatcher(shell)
    answered(phone, client, remote_handle=ALICE)
    watcher.wait(entries_changed=1)
    shell.sync()
    assert watcher.missed_count_invalidated == 0
    # The positive control: a missed call invalidates it.
    missed(phone, client, remote_handle=ALICE)
    watcher.wait(entries_changed=2, invalidated=1)


@pytest.mark.parametrize("method", ["MarkSeen", "DeleteEntries"])
def test_bad_ids(client, method):
    for bad in ["abc", "-1", "0", "01", " 1", "1" * 30, ""]:
        with raises_dbus_error("InvalidArgument", match="not a history entry id"):
            client.call(ROOT_PATH, HISTORY_IFACE, method, ("(as)", ([bad],)))
    with raises_dbus_error("LimitExceeded", match="1000"):
        client.call(ROOT_PATH, HISTORY_IFACE, method, ("(as)", (["1"] * 1001,)))


def test_unknown_entry(client):
    with raises_dbus_error("UnknownEntry", match="12345"):
        client.call(ROOT_PATH, HISTORY_IFACE, "CallBack", ("(s)", ("12345",)))


# ---------------------------------------------------------------------------
# Deleting


def test_delete_and_clear(app, client):
    phone = app.register_provider(PHONE)
    other = app.register_provider({"localized_name": "Other",
                                   "desktop_entry": "org.example.Other"})
    a = entry_of(client, missed(phone, client, remote_handle=ALICE))
    b = entry_of(client, missed(phone, client, remote_handle=("phone-number", "+1")))
    c = entry_of(client, missed(other, client, remote_handle=ALICE))
    d = entry_of(client, missed(other, client, remote_handle=("phone-number", "+2")))

    # Ids that are gone are skipped.
    delete_entries(client, [a["id"], "999999"])
    assert [e["id"] for e in get_entries(client)] == [d["id"], c["id"], b["id"]]
    clear(client, handle=ALICE)
    assert [e["id"] for e in get_entries(client)] == [d["id"], b["id"]]
    clear(client, app_id="org.example.Other")
    assert [e["id"] for e in get_entries(client)] == [b["id"]]
    clear(client)
    assert get_entries(client) == []
    assert missed_count(client) == 0
    # New entries get new ids.
    e = entry_of(client, missed(phone, client, remote_handle=ALICE))
    assert int(e["id"]) > int(d["id"])


# ---------------------------------------------------------------------------
# The file


def test_kept_across_restarts(start_daemon, make_client, bus):
    daemon = start_daemon()
    client = make_client("first")
    phone = client.register_provider(PHONE)
    calm = missed(phone, client, remote_handle=ALICE)
    killed = missed(phone, client, remote_handle=ALICE)
    assert daemon.stop() == 0
    assert os.stat(db_path(bus)).st_mode & 0o777 == 0o600

    daemon = start_daemon()
    client = make_client("second")
    entries = get_entries(client)
    assert [e["call"] for e in entries] == [killed, calm]
    assert missed_count(client) == 2
    mark_seen(client, [entries[0]["id"]])
    # A kill keeps what was written, seen or not.
    assert daemon.stop(signal.SIGKILL) == -signal.SIGKILL
    start_daemon()
    client = make_client("third")
    assert missed_count(client) == 1
    assert entry_of(client, killed)["seen"] is True


def test_hand_edited_values_read_as_the_nearest_valid(start_daemon, make_client, bus):
    """Text that is no UTF-8 (an edit in Latin-1), numbers and blobs where
    text belongs, and unknown names read as valid values, so that
    GetEntries still answers (found by tests/fuzz/fuzz-history-db.c)."""
    daemon = start_daemon()
    client = make_client("first")
    phone = client.register_provider(PHONE)
    uuid = missed(phone, client, remote_handle=ALICE)
    assert daemon.stop() == 0
    db = sqlite3.connect(db_path(bus))
    db.execute("UPDATE entries SET caller_name = CAST(X'5A6FEB' AS TEXT),"
               " provider_name = X'50FF', handle = 4930123, handle_type = 'fax',"
               " ended_reason = 'exploded', icon_name = CAST(X'C0AF' AS TEXT)")
    db.commit()
    db.close()

    start_daemon()
    [entry] = get_entries(make_client("second"))
    assert entry["call"] == uuid
    assert entry["localized_caller_name"] == "Zo\ufffd"
    assert entry["provider_name"] == "P\ufffd"
    assert entry["remote_handle"] == ("generic", "4930123")
    assert entry["ended_reason"] == "failed"
    assert entry["icon_name"] == "\ufffd\ufffd"


def write_conf(bus, text):
    path = os.path.join(bus.env["XDG_CONFIG_HOME"], "callkitd", "callkitd.conf")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def wait_for_log(daemon, text):
    wait_until(lambda: text in daemon.log_text(),
               message="callkitd to log %r" % text)


def test_keep_false_keeps_nothing_on_disk(start_daemon, make_client, bus):
    write_conf(bus, "[History]\nkeep=false\n")
    daemon = start_daemon()
    client = make_client("client")
    phone = client.register_provider(PHONE)
    uuid = missed(phone, client, remote_handle=ALICE)
    # Still there for this run: missed calls show and can be called back.
    assert entry_of(client, uuid)["missed"] is True
    assert missed_count(client) == 1
    assert not db_path(bus).exists()
    assert daemon.stop() == 0
    start_daemon()
    assert get_entries(make_client("again")) == []


def test_no_history_option(start_daemon, make_client, bus):
    write_conf(bus, "[History]\nkeep=true\n")
    start_daemon("--no-history")
    client = make_client("client")
    phone = client.register_provider(PHONE)
    missed(phone, client, remote_handle=ALICE)
    assert len(get_entries(client)) == 1
    assert not db_path(bus).exists()


def test_keep_turned_on_and_off_while_running(start_daemon, make_client, bus):
    write_conf(bus, "[History]\nkeep=false\n")
    daemon = start_daemon()
    client = make_client("client")
    phone = client.register_provider(PHONE)
    missed(phone, client, remote_handle=ALICE)
    watcher = HistoryWatcher(client)

    write_conf(bus, "[History]\nkeep=true\n")
    wait_for_log(daemon, "the call history is kept from now on")
    watcher.wait(entries_changed=1)
    # The file's entries, from now on: what memory held is gone.
    assert get_entries(client) == []
    kept = missed(phone, client, remote_handle=ALICE)
    assert read_db(db_path(bus), "SELECT call FROM entries") == [(kept,)]

    write_conf(bus, "[History]\nkeep=false\n")
    wait_for_log(daemon, "the call history is no longer kept")
    assert get_entries(client) == []
    missed(phone, client, remote_handle=ALICE)
    # The file is left as it was.
    assert read_db(db_path(bus), "SELECT call FROM entries") == [(kept,)]


def test_max_entries(start_daemon, make_client, bus):
    write_conf(bus, "[History]\nmax-entries=3\n")
    daemon = start_daemon()
    client = make_client("client")
    phone = client.register_provider(PHONE)
    calls = [missed(phone, client, remote_handle=ALICE) for _ in range(5)]
    assert [e["call"] for e in get_entries(client)] == calls[:1:-1]
    # Lowered while running: the oldest go at once.
    watcher = HistoryWatcher(client)
    write_conf(bus, "[History]\nmax-entries=1\n")
    watcher.wait(entries_changed=1)
    assert [e["call"] for e in get_entries(client)] == [calls[-1]]
    assert daemon.log_problems() == []


def test_max_age(start_daemon, make_client, bus):
    day = 24 * 3600 * 1_000_000
    now = GLib.get_real_time()
    write_conf(bus, "[History]\nmax-age-days=0\n")
    daemon = start_daemon()
    client = make_client("client")
    phone = client.register_provider(PHONE)
    old = missed(phone, client, ended_at=now - 10 * day, remote_handle=ALICE)
    older = missed(phone, client, ended_at=now - 40 * day, remote_handle=ALICE)
    recent = missed(phone, client, remote_handle=ALICE)
    assert len(get_entries(client)) == 3

    watcher = HistoryWatcher(client)
    write_conf(bus, "[History]\nmax-age-days=30\n")
    watcher.wait(entries_changed=1)
    assert [e["call"] for e in get_entries(client)] == [recent, old]
    assert daemon.stop() == 0
    # At start too.
    write_conf(bus, "[History]\nmax-age-days=5\n")
    start_daemon()
    assert [e["call"] for e in get_entries(make_client("again"))] == [recent]
    assert older


@pytest.mark.parametrize("contents", [
    b"not a database at all, just text that is long enough\n" * 4,
    b"SQLite format 3\x00" + b"\xff" * 4080,
])
def test_broken_file_moved_aside(start_daemon, make_client, bus, contents):
    db_path(bus).parent.mkdir(parents=True)
    db_path(bus).write_bytes(contents)
    daemon = start_daemon()
    client = make_client("client")
    wait_for_log(daemon, "a new one is started")
    [aside] = broken_files(bus)
    assert aside.read_bytes() == contents
    phone = client.register_provider(PHONE)
    uuid = missed(phone, client, remote_handle=ALICE)
    assert entry_of(client, uuid)["missed"] is True
    assert read_db(db_path(bus), "PRAGMA integrity_check") == [("ok",)]


def test_foreign_database_moved_aside(start_daemon, make_client, bus):
    db_path(bus).parent.mkdir(parents=True)
    db = sqlite3.connect(db_path(bus))
    db.execute("CREATE TABLE recipes (name TEXT)")
    db.execute("INSERT INTO recipes VALUES ('soup')")
    db.commit()
    db.close()
    daemon = start_daemon()
    wait_for_log(daemon, "not a callkitd history")
    [aside] = broken_files(bus)
    assert read_db(aside, "SELECT name FROM recipes") == [("soup",)]
    assert get_entries(make_client("client")) == []


def test_newer_database_left_alone(start_daemon, make_client, bus):
    db_path(bus).parent.mkdir(parents=True)
    db = sqlite3.connect(db_path(bus))
    db.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, future TEXT)")
    db.execute("PRAGMA user_version = 99")
    db.execute("PRAGMA application_id = %d" % 0x434b4448)
    db.commit()
    db.close()
    before = db_path(bus).read_bytes()
    daemon = start_daemon()
    client = make_client("client")
    wait_for_log(daemon, "written by a newer callkitd")
    phone = client.register_provider(PHONE)
    missed(phone, client, remote_handle=ALICE)
    assert len(get_entries(client)) == 1
    assert daemon.stop() == 0
    assert db_path(bus).read_bytes() == before
    assert broken_files(bus) == []


def test_old_format_migrated(start_daemon, make_client, bus):
    """A database of format 1 (before the notification columns)."""
    now = GLib.get_real_time()
    db_path(bus).parent.mkdir(parents=True)
    db = sqlite3.connect(db_path(bus))
    db.executescript(
        "PRAGMA journal_mode = WAL;"
        "CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, call TEXT NOT NULL,"
        " app_id TEXT NOT NULL, provider_name TEXT NOT NULL, handle_type TEXT NOT NULL,"
        " handle TEXT NOT NULL, caller_name TEXT NOT NULL, outgoing INTEGER NOT NULL,"
        " video INTEGER NOT NULL, started_at INTEGER NOT NULL,"
        " connected_at INTEGER NOT NULL, ended_at INTEGER NOT NULL,"
        " ended_reason TEXT NOT NULL, missed INTEGER NOT NULL, seen INTEGER NOT NULL,"
        " filtered TEXT NOT NULL);"
        "CREATE INDEX entries_by_end ON entries (ended_at, id);"
        "INSERT INTO entries VALUES (41, 'f4a2b1de-7b0c-4d55-9a1e-0c1d2e3f4a5b',"
        " 'org.example.Phone', 'Phone', 'phone-number', '+4930123', 'Bob', 0, 0,"
        " %d, 0, %d, 'remote-ended', 1, 0, '');"
        "PRAGMA user_version = 1;"
        "PRAGMA application_id = %d;" % (now - 10, now, 0x434b4448))
    db.close()
    daemon = start_daemon()
    client = make_client("client")
    wait_for_log(daemon, "format 1 brought to 2")
    [entry] = get_entries(client)
    assert (entry["id"], entry["localized_caller_name"], entry["icon_name"]) == ("41", "Bob", "")
    assert missed_count(client) == 1
    assert read_db(db_path(bus), "PRAGMA user_version") == [(2,)]
