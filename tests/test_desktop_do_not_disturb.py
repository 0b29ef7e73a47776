# SPDX-License-Identifier: LGPL-2.1-or-later
"""Do not disturb: the user's switch (Manager.DoNotDisturb), callkitd.conf's
[DoNotDisturb], GNOME's show-banners (GSettings, keyfile backend changed
by `gsettings` while callkitd runs) and the notification server's
Inhibited property (python-dbusmock's notification_daemon with the
property added). While it is on an incoming call is refused with
FilteredByDoNotDisturb, rings nowhere, shows nothing and is kept as a
missed call; the allow list and repeated calls ring through.
"""

import os
import subprocess

import pytest
from gi.repository import GLib

import harness
from history_harness import get_entries
from harness import (MANAGER_IFACE, ROOT_PATH, new_uuid,
                     raises_dbus_error, ring, wait_until)
# The sandbox fixtures (bubblewrap with a .flatpak-info).
from test_robustness_auth import bwrap_works, sandboxed  # noqa: F401
from test_notifications import (CAPABILITIES, MOCK_IFACE,
                                NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                NotificationServer)

ALICE = ("phone-number", "+49 30 1234-567")
BOB = ("phone-number", "+4930999")
FILTERED = "io.github.callkitd.CallKit1.Error.FilteredByDoNotDisturb"


def poll_until(condition, **kwargs):
    """wait_until for a condition read with synchronous D-Bus calls, which
    wake no main loop: poll."""
    __tracebackhide__ = True
    kwargs.setdefault("poll_interval", 0.02)
    return wait_until(condition, **kwargs)


def write_conf(bus, text):
    path = bus.home / ".config" / "callkitd" / "callkitd.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / "callkitd.conf.new"
    tmp.write_text(text)
    os.rename(tmp, path)


def keyfile_env(bus):
    return {"GSETTINGS_BACKEND": "keyfile",
            "XDG_CONFIG_HOME": str(bus.home / ".config")}


def gsettings_set(bus, value):
    env = dict(os.environ)
    env.update(keyfile_env(bus))
    subprocess.run(["gsettings", "set", "org.gnome.desktop.notifications",
                    "show-banners", value], env=env, check=True)


def dnd(client):
    return client.manager_property("DoNotDisturb")


def set_dnd(client, on):
    client.set_property(ROOT_PATH, MANAGER_IFACE, "DoNotDisturb", ("b", on))


def history(client):
    return get_entries(client)


def assert_filtered(provider, client, handle=ALICE):
    """An incoming call is refused and kept as a missed call."""
    __tracebackhide__ = True
    uuid = new_uuid()
    with raises_dbus_error(FILTERED):
        provider.report_incoming(uuid, remote_handle=handle)
    client.sync()
    assert harness.call_path(uuid) not in client.managed_objects()
    entry = [e for e in history(client) if e["call"] == uuid]
    assert entry and entry[0]["filtered"] == "do-not-disturb"
    assert entry[0]["missed"] is True
    return uuid


def assert_rings(provider, client, handle=ALICE):
    __tracebackhide__ = True
    uuid = ring(provider, client, remote_handle=handle)
    assert client.get_call_properties(uuid)["State"] == "ringing"
    provider.report_ended(uuid, "remote-ended")
    client.wait_for_call_removed(uuid)
    return uuid


def test_capability_and_default_off(callkitd, client):
    assert "do-not-disturb" in client.manager_property("Capabilities")
    assert dnd(client) is False


def test_switch_keeps_calls_from_the_user(callkitd, client, provider):
    set_dnd(client, True)
    assert dnd(client) is True
    assert_filtered(provider, client)
    set_dnd(client, False)
    assert dnd(client) is False
    assert_rings(provider, client)


def test_switch_change_is_announced(callkitd, client, make_client):
    seen = []
    observer = make_client("observer")
    observer.connection.signal_subscribe(
        harness.BUS_NAME, "org.freedesktop.DBus.Properties",
        "PropertiesChanged", ROOT_PATH, MANAGER_IFACE, 0,
        lambda c, s, p, i, m, params: seen.append(params.unpack()[1]))
    observer.sync()
    set_dnd(client, True)
    poll_until(lambda: {"DoNotDisturb": True} in seen)
    set_dnd(client, False)
    poll_until(lambda: {"DoNotDisturb": False} in seen)


def test_switch_is_kept_across_restarts(start_daemon, make_client):
    daemon = start_daemon()
    client = make_client()
    set_dnd(client, True)
    assert daemon.stop() == 0
    start_daemon()
    assert dnd(client) is True
    set_dnd(client, False)


def test_bad_value_is_refused(callkitd, client):
    with raises_dbus_error("io.github.callkitd.CallKit1.Error.InvalidArgument"):
        client.call(ROOT_PATH, "org.freedesktop.DBus.Properties", "Set",
                    GLib.Variant("(ssv)", (MANAGER_IFACE, "DoNotDisturb",
                                           GLib.Variant("s", "yes"))))
    assert dnd(client) is False


def test_sandboxed_app_may_read_not_write(sandboxed, client):
    sandbox = sandboxed()
    props = sandbox.call(ROOT_PATH, "org.freedesktop.DBus.Properties", "Get",
                         GLib.Variant("(ss)", (MANAGER_IFACE, "DoNotDisturb")))
    assert props is False
    with raises_dbus_error("io.github.callkitd.CallKit1.Error.Unentitled"):
        sandbox.call(ROOT_PATH, "org.freedesktop.DBus.Properties", "Set",
                     GLib.Variant("(ssv)", (MANAGER_IFACE, "DoNotDisturb",
                                            GLib.Variant("b", True))))
    assert dnd(client) is False


def test_conf_enabled(bus, start_daemon, make_client):
    write_conf(bus, "[DoNotDisturb]\nenabled=true\n")
    start_daemon()
    client = make_client()
    assert dnd(client) is True
    provider = make_client("app").register_provider({})
    assert_filtered(provider, client)
    # The file changes while callkitd runs.
    write_conf(bus, "[DoNotDisturb]\nenabled=false\n")
    poll_until(lambda: dnd(client) is False)
    assert_rings(provider, client)


def test_conf_bad_values_are_named(bus, start_daemon, make_client):
    write_conf(bus, "[DoNotDisturb]\nenabled=maybe\n"
                    "repeated-call-window-seconds=5\n")
    daemon = start_daemon()
    assert dnd(make_client()) is False
    log = daemon.log_text()
    assert "[DoNotDisturb] enabled: \"maybe\" is not true or false" in log
    assert "[DoNotDisturb] repeated-call-window-seconds:" in log


def test_gnome_banners_off_is_followed(bus, start_daemon, make_client):
    gsettings_set(bus, "false")
    start_daemon(env=keyfile_env(bus))
    client = make_client()
    assert dnd(client) is True
    provider = make_client("app").register_provider({})
    assert_filtered(provider, client)
    gsettings_set(bus, "true")
    poll_until(lambda: dnd(client) is False)
    assert_rings(provider, client)
    gsettings_set(bus, "false")
    poll_until(lambda: dnd(client) is True)
    # Writing the switch off does not override the desktop: both count.
    set_dnd(client, False)
    assert dnd(client) is True


def test_follow_desktop_false_ignores_gnome(bus, start_daemon, make_client):
    gsettings_set(bus, "false")
    write_conf(bus, "[DoNotDisturb]\nfollow-desktop=false\n")
    start_daemon(env=keyfile_env(bus))
    client = make_client()
    assert dnd(client) is False
    # Positive control: following again turns it on.
    write_conf(bus, "[DoNotDisturb]\nfollow-desktop=true\n")
    poll_until(lambda: dnd(client) is True)


def test_without_the_gnome_schema(bus, start_daemon, make_client, tmp_path):
    empty = tmp_path / "no-schemas"
    empty.mkdir()
    daemon = start_daemon(env={"XDG_DATA_DIRS": str(empty),
                               "GSETTINGS_SCHEMA_DIR": str(empty)})
    client = make_client()
    assert "do-not-disturb" in client.manager_property("Capabilities")
    assert "org.gnome.desktop.notifications is not installed" in daemon.log_text()
    set_dnd(client, True)
    assert_filtered(make_client("app").register_provider({}), client)


@pytest.fixture
def inhibiting_server(dbusmock_template, make_client):
    """A notification server with KDE Plasma's Inhibited property."""
    dbusmock_template("notification_daemon", CAPABILITIES)
    observer = make_client("server")
    observer.call(NOTIFICATIONS_PATH, MOCK_IFACE, "AddProperty",
                  GLib.Variant("(ssv)", (NOTIFICATIONS_NAME, "Inhibited",
                                         GLib.Variant("b", False))),
                  dest=NOTIFICATIONS_NAME)

    def set_inhibited(on):
        observer.call(NOTIFICATIONS_PATH, "org.freedesktop.DBus.Properties",
                      "Set", GLib.Variant("(ssv)", (NOTIFICATIONS_NAME,
                                                    "Inhibited",
                                                    GLib.Variant("b", on))),
                      dest=NOTIFICATIONS_NAME)
    return set_inhibited


def test_notification_server_inhibited_is_followed(
        inhibiting_server, start_daemon, make_client):
    server = NotificationServer(make_client("observer"))
    start_daemon()
    client = make_client()
    provider = make_client("app").register_provider({})
    assert dnd(client) is False
    inhibiting_server(True)
    poll_until(lambda: dnd(client) is True)
    assert_filtered(provider, client)
    # It is listed as a missed call, not announced: low urgency (no
    # banner in GNOME Shell), no sound.
    missed = server.wait_for_notify("call.unanswered")
    assert missed[6]["urgency"] == 0
    assert missed[6]["suppress-sound"] is True
    server.settle(client)
    # Nothing rang on the server: no ringing notification at all.
    assert [a for a in server.notifies("call.incoming")] == []
    inhibiting_server(False)
    poll_until(lambda: dnd(client) is False)
    assert_rings(provider, client)
    server.wait_for_notify("call.incoming")


def test_notification_server_leaving_ends_its_inhibition(
        inhibiting_server, dbusmock_template, start_daemon, make_client, bus):
    start_daemon()
    client = make_client()
    inhibiting_server(True)
    poll_until(lambda: dnd(client) is True)
    name_owner = bus.get_name_owner(NOTIFICATIONS_NAME)
    pid = bus.get_connection_pid(name_owner)
    os.kill(pid, 15)
    poll_until(lambda: dnd(client) is False)


def test_no_notification_server(callkitd, client, provider):
    assert "notifications" not in client.manager_property("Capabilities")
    set_dnd(client, True)
    assert_filtered(provider, client)


@pytest.fixture
def dnd_with(bus, start_daemon, make_client):
    def start(conf):
        write_conf(bus, "[DoNotDisturb]\nenabled=true\n" + conf)
        start_daemon()
        return make_client(), make_client("app").register_provider({})
    return start


def test_allow_list_rings_through(dnd_with):
    client, provider = dnd_with("allow-list=+49301234567;sip:ada@example.org;\n")
    # The same number written another way.
    assert_rings(provider, client, ALICE)
    assert_rings(provider, client, ("generic", "sip:ada@example.org"))
    assert_filtered(provider, client, BOB)
    assert_filtered(provider, client, ("generic", "sip:eve@example.org"))


def test_repeated_call_rings_through(dnd_with):
    client, provider = dnd_with("")
    assert_filtered(provider, client, ALICE)
    assert_filtered(provider, client, BOB)
    # Alice again, with her number written another way: urgent.
    assert_rings(provider, client, ("phone-number", "+49301234567"))
    # An unknown caller is never recognised as calling again.
    assert_filtered(provider, client, ("generic", ""))
    assert_filtered(provider, client, ("generic", ""))


def test_repeated_calls_off(dnd_with):
    client, provider = dnd_with("allow-repeated-calls=false\n")
    assert_filtered(provider, client, ALICE)
    assert_filtered(provider, client, ALICE)


def test_allow_list_limit_is_published(callkitd, client):
    limits = client.manager_property("Limits")
    assert limits["do_not_disturb_allow_list"] == 1000
    assert limits["do_not_disturb_remembered_callers"] == 256
