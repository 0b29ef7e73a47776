# SPDX-License-Identifier: LGPL-2.1-or-later
"""Lookup services of sandboxed (Flatpak) apps: one registers for its own
app id only, and sees its own service's counters only. The sandboxes are
bubblewrap's, as in test_robustness_auth.py, whose fixtures these tests
share."""

from gi.repository import GLib

from harness import DIRECTORY_IFACE, ROOT_PATH, raises_dbus_error, vardict
from identification_harness import stats
from test_robustness_auth import APP_ID, bwrap_works, sandboxed  # noqa: F401 (fixtures)


def register(caller, **options):
    caller.call(ROOT_PATH, DIRECTORY_IFACE, "RegisterIdentificationService",
                GLib.Variant.new_tuple(GLib.Variant("o", "/org/example/Lookup"),
                                       vardict(options)))


def test_a_sandboxed_app_registers_as_itself_only(sandboxed, client):
    app = sandboxed(APP_ID)
    with raises_dbus_error("Unentitled"):
        register(app, app_id="org.example.Other")
    register(app)
    assert [s["app_id"] for s in stats(client)["services"]] == [APP_ID]


def test_a_sandboxed_app_sees_its_own_service_only(sandboxed, client):
    mine, theirs = sandboxed(APP_ID, name="mine"), sandboxed("org.example.Other", name="theirs")
    register(mine)
    register(theirs)
    seen = mine.call(ROOT_PATH, DIRECTORY_IFACE, "GetIdentificationStats")
    assert [s["app_id"] for s in seen["services"]] == [APP_ID]
    assert "lookups" not in seen  # no totals for a sandboxed app
    assert sorted(s["app_id"] for s in stats(client)["services"]) == [
        "org.example.Other", APP_ID]


def test_a_sandboxed_app_without_an_app_id_cannot_register(sandboxed):
    app = sandboxed(None)
    with raises_dbus_error("Unentitled"):
        register(app, app_id=APP_ID)
