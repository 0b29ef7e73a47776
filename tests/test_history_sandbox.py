# SPDX-License-Identifier: LGPL-2.1-or-later
"""Who sees which history entries: a sandboxed (Flatpak) app its own
app's alone, for every method and for MissedCount; an ordinary client of
the user every app's. The sandboxes are bubblewrap's, as in
test_robustness_auth.py, whose fixtures these tests share."""

import pytest
from gi.repository import GLib

from harness import (HISTORY_IFACE, PROPERTIES_IFACE, PROVIDER_IFACE, ROOT_PATH,
                     new_uuid, raises_dbus_error, vardict)
from history_harness import entry_of, filter_dict, get_entries, missed, missed_count
from test_robustness_auth import APP_ID, bwrap_works, sandboxed  # noqa: F401 (fixtures)

HOST = {"localized_name": "Host Phone", "desktop_entry": "org.example.Host"}
ALICE = ("phone-number", "+4930123")


def sandboxed_missed(sandbox, client, provider):
    uuid = new_uuid()
    sandbox.report_incoming(provider, uuid, remote_handle=ALICE)
    client.wait_for_call(uuid)
    sandbox.call(provider, PROVIDER_IFACE, "ReportCallEnded",
                 GLib.Variant("(ssx)", (uuid, "remote-ended", 0)))
    client.wait_for_call_removed(uuid)
    return uuid


def entries_of(sandbox, **filter):
    return sandbox.call(ROOT_PATH, HISTORY_IFACE, "GetEntries",
                        GLib.Variant.new_tuple(filter_dict(**filter)))


def ids(entries):
    return sorted(e["id"] for e in entries)


@pytest.fixture
def scene(sandboxed, client, app):
    """A missed call of the sandboxed app, one of another sandboxed app,
    and one of an unsandboxed app."""
    mine = sandboxed(APP_ID, name="mine")
    theirs = sandboxed("org.example.Other", name="theirs")
    host = app.register_provider(HOST)
    calls = {
        "mine": sandboxed_missed(mine, client, mine.register_provider({})),
        "theirs": sandboxed_missed(theirs, client, theirs.register_provider({})),
        "host": missed(host, client, remote_handle=ALICE),
    }
    entries = {name: entry_of(client, uuid) for name, uuid in calls.items()}
    assert entries["mine"]["app_id"] == APP_ID
    assert entries["theirs"]["app_id"] == "org.example.Other"
    return mine, theirs, host, entries


def test_sandboxed_app_sees_its_own_entries(scene, client):
    mine, theirs, host, entries = scene
    assert ids(entries_of(mine)) == [entries["mine"]["id"]]
    assert ids(entries_of(mine, app_id=APP_ID)) == [entries["mine"]["id"]]
    assert ids(entries_of(theirs)) == [entries["theirs"]["id"]]
    # The user's own tools see everything.
    assert ids(get_entries(client)) == sorted(e["id"] for e in entries.values())
    assert missed_count(client) == 3
    with raises_dbus_error("Unentitled", match="org.example.Host"):
        entries_of(mine, app_id="org.example.Host")


def test_sandboxed_missed_count_is_its_own(scene):
    mine, theirs, host, entries = scene
    got = mine.call(ROOT_PATH, PROPERTIES_IFACE, "Get",
                    GLib.Variant("(ss)", (HISTORY_IFACE, "MissedCount")))
    assert got == 1
    got = mine.call(ROOT_PATH, PROPERTIES_IFACE, "GetAll",
                    GLib.Variant("(s)", (HISTORY_IFACE,)))
    assert got == {"MissedCount": 1}


def test_sandboxed_app_changes_only_its_own(scene, client):
    mine, theirs, host, entries = scene
    everyone = [e["id"] for e in entries.values()]

    mine.call(ROOT_PATH, HISTORY_IFACE, "MarkSeen", GLib.Variant("(as)", (everyone,)))
    assert [entry_of(client, e["call"])["seen"] for e in entries.values()] == [
        True, False, False]
    mine.call(ROOT_PATH, HISTORY_IFACE, "MarkSeen", GLib.Variant("(as)", ([],)))
    assert missed_count(client) == 2

    mine.call(ROOT_PATH, HISTORY_IFACE, "DeleteEntries",
              GLib.Variant("(as)", ([entries["host"]["id"], entries["theirs"]["id"]],)))
    assert len(get_entries(client)) == 3
    theirs.call(ROOT_PATH, HISTORY_IFACE, "Clear", GLib.Variant.new_tuple(vardict()))
    assert ids(get_entries(client)) == sorted([entries["mine"]["id"], entries["host"]["id"]])
    with raises_dbus_error("Unentitled"):
        mine.call(ROOT_PATH, HISTORY_IFACE, "Clear",
                  GLib.Variant.new_tuple(filter_dict(app_id="org.example.Host")))
    mine.call(ROOT_PATH, HISTORY_IFACE, "DeleteEntries",
              GLib.Variant("(as)", ([entries["mine"]["id"]],)))
    assert ids(get_entries(client)) == [entries["host"]["id"]]


def test_sandboxed_app_cannot_call_back_others(scene, client):
    mine, theirs, host, entries = scene
    with raises_dbus_error("UnknownEntry", match=entries["host"]["id"]):
        mine.call(ROOT_PATH, HISTORY_IFACE, "CallBack",
                  GLib.Variant("(s)", (entries["host"]["id"],)))
    # Its own: through its own provider.
    transaction = mine.call(ROOT_PATH, HISTORY_IFACE, "CallBack",
                            GLib.Variant("(s)", (entries["mine"]["id"],)))
    path, action, call, params = mine.wait_for_action("start-call")
    assert params["transaction"] == transaction
    assert tuple(params["handle"]) == ALICE


def test_sandbox_without_app_id_sees_nothing(sandboxed, client, app):
    host = app.register_provider(HOST)
    missed(host, client, remote_handle=ALICE)
    nameless = sandboxed(None, name="nameless")
    with raises_dbus_error("Unentitled", match="not known"):
        entries_of(nameless)
    got = nameless.call(ROOT_PATH, PROPERTIES_IFACE, "Get",
                        GLib.Variant("(ss)", (HISTORY_IFACE, "MissedCount")))
    assert got == 0
    with raises_dbus_error("Unentitled"):
        nameless.call(ROOT_PATH, HISTORY_IFACE, "MarkSeen", GLib.Variant("(as)", ([],)))
    assert missed_count(client) == 1
