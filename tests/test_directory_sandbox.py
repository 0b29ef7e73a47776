# SPDX-License-Identifier: LGPL-2.1-or-later
"""Who reaches which CallDirectory lists: a sandboxed (Flatpak) app its
own app's alone, for every method and for Lists, and Lookup never tells
it whether or by whom another app or the user blocks or labels a number;
an ordinary client of the user every app's and its own. The sandboxes are
bubblewrap's, as in test_robustness_auth.py, whose fixtures these tests
share."""

import pytest
from gi.repository import GLib

from directory_harness import add_blocking, add_identification, list_of, lookup, replace
from harness import DIRECTORY_IFACE, ROOT_PATH, new_uuid, raises_dbus_error, vardict
from test_robustness_auth import APP_ID, bwrap_works, sandboxed  # noqa: F401 (fixtures)

OTHER = "org.example.Other"


def sandbox_add(sandbox, numbers, **options):
    sandbox.call(ROOT_PATH, DIRECTORY_IFACE, "AddBlockingEntries",
                 GLib.Variant.new_tuple(GLib.Variant("as", numbers), vardict(**options)))


def sandbox_lookup(sandbox, number):
    return sandbox.call(ROOT_PATH, DIRECTORY_IFACE, "Lookup",
                        GLib.Variant("(ss)", ("phone-number", number)))


def sandbox_lists(sandbox):
    return sandbox.call(ROOT_PATH, "org.freedesktop.DBus.Properties", "Get",
                        GLib.Variant("(ss)", (DIRECTORY_IFACE, "Lists")))


@pytest.fixture
def scene(sandboxed, client):
    """The sandboxed app blocks +4930111111; another app and the user
    block and label +4930222222."""
    mine = sandboxed(APP_ID, name="mine")
    sandbox_add(mine, ["+4930111111"])
    replace(client, "blocking", "+4930222222\n", app_id=OTHER)
    replace(client, "identification", "+4930222222\tSpam\n", app_id=OTHER)
    add_blocking(client, ["+4930222222"])
    add_identification(client, [("+4930222222", "My landlord")])
    return mine


def test_sandboxed_app_changes_its_own_list(scene, client):
    mine = scene
    entry = list_of(client, APP_ID, "blocking")
    assert entry["count"] == 1
    assert lookup(client, "+4930111111")["blocked_by"] == [APP_ID]
    # Naming its own app id is the same; naming another is refused.
    sandbox_add(mine, ["+4930333333"], app_id=APP_ID)
    assert list_of(client, APP_ID, "blocking")["count"] == 2
    with raises_dbus_error("Unentitled"):
        sandbox_add(mine, ["+4930444444"], app_id=OTHER)
    with raises_dbus_error("Unentitled"):
        mine.call(ROOT_PATH, DIRECTORY_IFACE, "RemoveAllEntries",
                  GLib.Variant.new_tuple(GLib.Variant("s", "blocking"),
                                         vardict(app_id=OTHER)))
    assert list_of(client, OTHER, "blocking")["count"] == 1
    # The user's own list stays the user's.
    assert list_of(client, "", "blocking")["count"] == 1


def test_sandboxed_app_sees_its_own_lists(scene, client):
    mine = scene
    seen = sandbox_lists(mine)
    assert [(x["app_id"], x["kind"]) for x in seen] == [(APP_ID, "blocking")]
    everything = [(x["app_id"], x["kind"]) for x in client.get_property(
        ROOT_PATH, DIRECTORY_IFACE, "Lists")]
    assert everything == [("", "blocking"), ("", "identification"), (OTHER, "blocking"),
                          (OTHER, "identification"), (APP_ID, "blocking")]


def test_lookup_tells_a_sandboxed_app_nothing_of_others(scene, client):
    mine = scene
    assert sandbox_lookup(mine, "+4930111111")["blocked_by"] == [APP_ID]
    theirs = sandbox_lookup(mine, "+4930222222")
    assert theirs == {"blocked": False, "blocked_by": [], "label": "", "label_app": "",
                      "number": "+4930222222"}
    # The user sees everything.
    full = lookup(client, "+4930222222")
    assert full["blocked_by"] == ["", OTHER]
    assert full["label"] == "My landlord" and full["label_app"] == ""


def test_every_list_blocks_the_calls_of_every_app(scene, client):
    mine = scene
    provider = mine.register_provider({})
    for number in ["+4930111111", "+4930222222"]:
        with raises_dbus_error("FilteredByBlockList"):
            mine.report_incoming(provider, new_uuid(), remote_handle=("phone-number", number))
    # The sandboxed app sees its own list's count, not the others'.
    seen = sandbox_lists(mine)
    assert [x["blocked_calls"] for x in seen] == [1]
    assert list_of(client, "", "blocking")["blocked_calls"] == 1
    assert list_of(client, OTHER, "blocking")["blocked_calls"] == 1
