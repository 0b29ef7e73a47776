# SPDX-License-Identifier: LGPL-2.1-or-later
"""Read privacy, tested the way Flatpak runs apps: the app in a bubblewrap
sandbox that reaches the session bus only through the real xdg-dbus-proxy
(``--filter --talk=io.github.callkitd.CallKit1``), and the proxy in a
sandbox of its own with the app's .flatpak-info at its root (Flatpak runs
its proxy that way, so that services identify the proxy's connection as
the app).

A sandboxed app sees its own app's providers and calls alone, by every
route: GetManagedObjects, Properties.Get and GetAll, Introspect's child
nodes, and signals. The proxy forwards every broadcast of a name the app may
talk to, so callkitd must broadcast nothing about calls or providers: it
addresses each such signal to the connections that may see it.

The scene: an unsandboxed app ("host") with a ringing call whose caller is
SECRET, another Flatpak app ("theirs", sandboxed directly) with a call, and
the app under test ("mine", behind the proxy) with its own call.
"""

import re

import pytest
from gi.repository import GLib

from harness import (
    BUS_NAME, CALL_IFACE, MANAGER_IFACE, PROPERTIES_IFACE, PROVIDER_IFACE,
    ROOT_PATH, call_path, new_uuid, raises_dbus_error, ring, scaled, wait_until)
from test_robustness_auth import (  # noqa: F401 (fixtures)
    APP_ID, SandboxedApp, _bwrap_argv, bwrap_works, sandboxed)

import shutil
import subprocess

import harness

PREFIX = "io.github.callkitd.CallKit1.Error."
OBJECT_MANAGER_IFACE = "org.freedesktop.DBus.ObjectManager"
SECRET_NAME = "Mallory Secretname"
SECRET_NUMBER = "+4930555123"
THEIR_NUMBER = "+4930555777"


class _ProxySide:
    """What SandboxedApp needs of a bus: the directory to bind into the
    sandbox and the address to connect to."""

    def __init__(self, runtime_dir, address):
        self.runtime_dir = runtime_dir
        self.address = address


class ProxiedApp(SandboxedApp):
    """A SandboxedApp whose bus is an xdg-dbus-proxy, itself sandboxed with
    the app's .flatpak-info, as ``flatpak run`` sets it up."""

    def __init__(self, bus, directory, app_id, name):
        directory.mkdir(parents=True, exist_ok=True)
        info = directory / ("proxy-info-" + name)
        info.write_text("[Application]\nname=%s\n" % app_id)
        socket = bus.runtime_dir / ("proxy-" + name)
        argv = _bwrap_argv(bus, info, info) + [
            "xdg-dbus-proxy", bus.address, str(socket),
            "--filter", "--talk=" + BUS_NAME]
        self.proxy_log = directory / ("proxy-%s.log" % name)
        with open(self.proxy_log, "wb") as log:
            self.proxy = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                          stdout=log, stderr=log,
                                          preexec_fn=harness.die_with_test)
        wait_until(lambda: socket.exists() or self.proxy.poll() is not None,
                   timeout=20, poll_interval=0.02,
                   message="xdg-dbus-proxy to listen")
        assert self.proxy.poll() is None, (
            "xdg-dbus-proxy failed: %s" % self.proxy_log.read_text())
        super().__init__(_ProxySide(bus.runtime_dir, "unix:path=%s" % socket),
                         directory, app_id, name)

    def close(self):
        super().close()
        if self.proxy.poll() is None:
            self.proxy.terminate()
            self.proxy.wait()


@pytest.fixture(scope="module")
def proxy_works(bwrap_works):
    if shutil.which("xdg-dbus-proxy") is None:
        pytest.skip("xdg-dbus-proxy is not installed: apt-get install "
                    "xdg-dbus-proxy to run the Flatpak privacy tests")
    return True


@pytest.fixture
def proxied(proxy_works, bus, callkitd, tmp_path):
    apps = []

    def make(app_id=APP_ID, name=None):
        app = ProxiedApp(bus, tmp_path / "proxied", app_id,
                         name or "proxied%d" % len(apps))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def scene(proxied, sandboxed, client, app):
    """mine (behind the proxy, registered first so that it observes
    everything that follows), host and theirs, each with a ringing call."""
    mine = proxied()
    own_provider = mine.register_provider({"localized_name": "Mine",
                                           "desktop_entry": "org.example.Host"})
    host = app.register_provider({"localized_name": "Host Phone",
                                  "desktop_entry": "org.example.Host"})
    host_call = ring(host, client, remote_handle=("phone-number", SECRET_NUMBER),
                     localized_caller_name=SECRET_NAME)
    theirs = sandboxed("org.example.Other", name="theirs")
    their_provider = theirs.register_provider({"localized_name": "Theirs"})
    their_call = new_uuid()
    theirs.report_incoming(their_provider, their_call,
                           remote_handle=("phone-number", THEIR_NUMBER))
    client.wait_for_call(their_call)
    own_call = new_uuid()
    mine.report_incoming(own_provider, own_call,
                         remote_handle=("generic", "alice"))
    client.wait_for_call(own_call)
    return {
        "mine": mine, "own_provider": own_provider, "own_call": own_call,
        "host": host, "host_call": host_call,
        "theirs": theirs, "their_provider": their_provider,
        "their_call": their_call,
    }


def assert_nothing_of_others(text, s):
    __tracebackhide__ = True
    for secret in (SECRET_NAME, SECRET_NUMBER, THEIR_NUMBER,
                   call_path(s["host_call"]), call_path(s["their_call"]),
                   s["host"].path, s["their_provider"]):
        assert secret not in text, "%r leaked: %s" % (secret, text)


def test_proxied_app_is_identified_by_its_flatpak_info(scene, client):
    """Through the proxy, callkitd sees the proxy's connection; the proxy's
    .flatpak-info names the app, whatever the configuration claims."""
    props = client.get_all_properties(scene["own_provider"], PROVIDER_IFACE)
    assert props["ApplicationId"] == APP_ID
    assert props["Owner"] == scene["mine"].unique_name


def test_managed_objects_show_only_its_own(scene, client):
    mine = scene["mine"]
    objects = mine.call(ROOT_PATH, OBJECT_MANAGER_IFACE, "GetManagedObjects")
    assert sorted(objects) == sorted([scene["own_provider"],
                                      call_path(scene["own_call"])])
    assert objects[call_path(scene["own_call"])][CALL_IFACE]["RemoteHandle"] == (
        "generic", "alice")
    assert_nothing_of_others(repr(objects), scene)
    # The user's own tools see everything.
    everything = client.managed_objects()
    for uuid in ("host_call", "their_call", "own_call"):
        assert call_path(scene[uuid]) in everything


def test_properties_of_other_apps_are_not_there(scene):
    mine, host_call = scene["mine"], scene["host_call"]
    for path, error in [(call_path(host_call), "UnknownCallUUID"),
                        (call_path(scene["their_call"]), "UnknownCallUUID")]:
        with raises_dbus_error(PREFIX + error):
            mine.call(path, PROPERTIES_IFACE, "Get",
                      GLib.Variant("(ss)", (CALL_IFACE, "RemoteHandle")))
        with raises_dbus_error(PREFIX + error):
            mine.call(path, PROPERTIES_IFACE, "GetAll",
                      GLib.Variant("(s)", (CALL_IFACE,)))
    for path in (scene["host"].path, scene["their_provider"]):
        with raises_dbus_error(PREFIX + "UnknownCallProvider"):
            mine.call(path, PROPERTIES_IFACE, "GetAll",
                      GLib.Variant("(s)", (PROVIDER_IFACE,)))
    # Its own, as anyone's.
    own = mine.call(call_path(scene["own_call"]), PROPERTIES_IFACE, "GetAll",
                    GLib.Variant("(s)", (CALL_IFACE,)))
    assert own["State"] == "ringing"


def test_child_nodes_are_its_own(scene):
    mine = scene["mine"]
    xml = mine.call(ROOT_PATH + "/call", "org.freedesktop.DBus.Introspectable",
                    "Introspect")
    nodes = re.findall(r'<node name="([^"]+)"', xml)
    assert nodes == [call_path(scene["own_call"]).rsplit("/", 1)[1]]
    xml = mine.call(ROOT_PATH + "/provider", "org.freedesktop.DBus.Introspectable",
                    "Introspect")
    assert re.findall(r'<node name="([^"]+)"', xml) == [
        scene["own_provider"].rsplit("/", 1)[1]]


def test_no_signal_about_other_apps(scene, client):
    """What the proxy forwards is what callkitd broadcasts: nothing of the
    host's or the other app's calls and providers reaches the app, while
    its own call's signals do."""
    s = scene
    mine = s["mine"]
    s["host"].report_updated(s["host_call"], localized_caller_name=SECRET_NAME + " 2")
    client.wait_for_call_property(s["host_call"], "LocalizedCallerName",
                                  SECRET_NAME + " 2")
    s["host"].report_ended(s["host_call"], "remote-ended")
    client.wait_for_call_removed(s["host_call"])
    s["theirs"].call(s["their_provider"], PROVIDER_IFACE, "Invalidate")
    client.wait_for_call_removed(s["their_call"])
    mine.call(s["own_provider"], PROVIDER_IFACE, "ReportCallUpdated",
              GLib.Variant.new_tuple(GLib.Variant("s", s["own_call"]),
                                     harness.vardict({"localized_caller_name": "Alice"})))
    client.wait_for_call_property(s["own_call"], "LocalizedCallerName", "Alice")
    # A round trip to callkitd: every signal it sent before the reply has
    # come through the proxy by then (one ordered stream).
    mine.call(ROOT_PATH, PROPERTIES_IFACE, "Get",
              GLib.Variant("(ss)", (MANAGER_IFACE, "Version")))
    signals = [sig for sig in mine.signals() if sig["path"].startswith(ROOT_PATH)]
    assert_nothing_of_others(repr(signals), s)
    # Positive control: its own call's came, through the same proxy.
    own = [sig for sig in signals if call_path(s["own_call"]) in sig["path"] + sig["args"]]
    assert {sig["member"] for sig in own} >= {"InterfacesAdded", "PropertiesChanged"}, signals
    assert any("Alice" in sig["args"] for sig in own), own


def test_silence_ringing_silences_its_own_calls_alone(scene, client):
    mine = scene["mine"]
    assert mine.call(ROOT_PATH, MANAGER_IFACE, "SilenceRinging") == 1
    assert mine.call(ROOT_PATH, MANAGER_IFACE, "SilenceRinging") == 0
    # The host's and the other app's still ring, for the user to silence.
    assert client.call(ROOT_PATH, MANAGER_IFACE, "SilenceRinging") == 2


def test_acting_on_other_apps_calls_is_unentitled(scene, client):
    before = client.managed_objects()
    with raises_dbus_error(PREFIX + "Unentitled"):
        scene["mine"].call(call_path(scene["host_call"]), CALL_IFACE, "End")
    with raises_dbus_error(PREFIX + "Unentitled"):
        scene["mine"].call(scene["host"].path, PROVIDER_IFACE, "Reset")
    assert client.managed_objects() == before


def test_history_and_pushes_are_its_own(scene, client):
    """The other routes to other apps' calls: the history and the push
    registrations, through the same proxy."""
    s = scene
    mine = s["mine"]
    s["host"].report_ended(s["host_call"], "remote-ended")
    client.wait_for_call_removed(s["host_call"])
    mine.call(s["own_provider"], PROVIDER_IFACE, "ReportCallEnded",
              GLib.Variant("(ssx)", (s["own_call"], "remote-ended", 0)))
    client.wait_for_call_removed(s["own_call"])
    everyone = client.call(ROOT_PATH, harness.HISTORY_IFACE, "GetEntries",
                           GLib.Variant.new_tuple(harness.vardict({})))
    assert {e["call"] for e in everyone} >= {s["host_call"], s["own_call"]}
    entries = mine.call(ROOT_PATH, harness.HISTORY_IFACE, "GetEntries",
                        GLib.Variant.new_tuple(harness.vardict({})))
    assert [e["call"] for e in entries] == [s["own_call"]]
    assert_nothing_of_others(repr(entries), s)

    client.call(ROOT_PATH, harness.PUSH_IFACE, "Register",
                GLib.Variant.new_tuple(harness.vardict({"app_id": "org.example.Host"})))
    token = mine.call(ROOT_PATH, harness.PUSH_IFACE, "Register",
                      GLib.Variant.new_tuple(harness.vardict({})))
    registrations = mine.call(ROOT_PATH, PROPERTIES_IFACE, "Get",
                              GLib.Variant("(ss)", (harness.PUSH_IFACE, "Registrations")))
    assert [r["token"] for r in registrations] == [token]
    assert "org.example.Host" not in repr(registrations)
