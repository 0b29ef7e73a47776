# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tests of the harness itself, on a private bus without callkitd: if these
fail, no other integration test result means anything."""

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile

import pytest
from gi.repository import Gio, GLib

import harness
from harness import (
    BUS_NAME, PROVIDER_IFACE, RemoteDBusError, call_path, raises_dbus_error,
    vardict, vardict_list, variant, wait_until)
from pipewire_harness import first_json_document


def test_bus_is_private(bus):
    assert os.environ["DBUS_SESSION_BUS_ADDRESS"] == bus.address
    assert bus.address.startswith("unix:path=%s," % bus.socket)
    assert os.environ["XDG_RUNTIME_DIR"] == str(bus.runtime_dir)
    assert stat.S_IMODE(os.stat(bus.runtime_dir).st_mode) == 0o700
    assert os.environ["HOME"] == str(bus.home)
    # Nothing is activatable: our service dir is the only one, and empty.
    names = bus.connection.call_sync(
        "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "ListActivatableNames", None, None, Gio.DBusCallFlags.NONE, -1,
        None).unpack()[0]
    assert sorted(names) == ["org.freedesktop.DBus"]


def test_clients_are_separate_connections(make_client):
    a, b = make_client("a"), make_client("b")
    assert a.unique_name != b.unique_name
    assert a.unique_name.startswith(":")


def test_variants():
    v = vardict({"localized_name": "Demo", "maximum_call_groups": 3,
                 "action_timeout_ms": ("u", 500), "supports_video": True,
                 "remote_handle": ("phone-number", "+4930"),
                 "supported_handle_types": ["generic"],
                 "ended_at": 0, "odd": GLib.Variant("t", 7),
                 "maximum_calls_per_call_group": ("s", "5")})
    assert v.get_type_string() == "a{sv}"
    types = {k: v.lookup_value(k, None).get_type_string() for k in v.keys()}
    assert types == {
        "localized_name": "s", "maximum_call_groups": "u",
        "action_timeout_ms": "u", "supports_video": "b",
        "remote_handle": "(ss)", "supported_handle_types": "as",
        "ended_at": "x", "odd": "t", "maximum_calls_per_call_group": "s"}
    assert variant(("generic", "")).get_type_string() == "(ss)"
    with pytest.raises(TypeError, match="cannot tell"):
        variant(5, "unknown_int")
    actions = vardict_list([{"type": "answer-call", "call": "x"}])
    assert actions.get_type_string() == "aa{sv}"
    assert call_path("0A1B-2C") == "/io/github/callkitd/CallKit1/call/0a1b_2c"


def test_raises_dbus_error(bus, make_client):
    c = make_client()
    with raises_dbus_error("org.freedesktop.DBus.Error.NameHasNoOwner",
                           match="no-such") as err:
        c.call("/", "org.freedesktop.DBus", "GetNameOwner",
               ("(s)", ("org.example.no-such",)),
               dest="org.freedesktop.DBus")
    assert "no-such" in err.message
    with pytest.raises(AssertionError, match="succeeded"):
        with raises_dbus_error("UnknownCallUUID"):
            pass
    with pytest.raises(AssertionError, match="expected D-Bus error"):
        with raises_dbus_error("UnknownCallUUID"):
            c.call("/", "org.freedesktop.DBus", "GetNameOwner",
                   ("(s)", ("org.example.nope",)), dest="org.freedesktop.DBus")


def test_wait_until_times_out_with_message():
    with pytest.raises(AssertionError, match="waiting for the moon"):
        wait_until(lambda: False, timeout=0.05, message="the moon")


def test_call_as_other_user(bus):
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to uid 65534")
    uid = bus.call_as_user("/org/freedesktop/DBus", "org.freedesktop.DBus",
                           "GetConnectionUnixUser", ("(s)", ("org.freedesktop.DBus",)),
                           dest="org.freedesktop.DBus")
    assert uid == os.geteuid()  # the bus itself runs as us
    with pytest.raises(RemoteDBusError) as exc:
        bus.call_as_user("/org/freedesktop/DBus", "org.freedesktop.DBus",
                         "GetNameOwner", ("(s)", ("org.example.none",)),
                         dest="org.freedesktop.DBus")
    assert exc.value.name == "org.freedesktop.DBus.Error.NameHasNoOwner"


def test_provider_signals_only_from_the_name_owner(bus, make_client):
    """Provider objects record signals sent by the owner of the bus name to
    their connection, and nothing an impostor sends."""
    from harness import Provider

    app = make_client("app")
    owner = make_client("owner")
    impostor = make_client("impostor")
    owner.call("/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
               ("(su)", (BUS_NAME, 4)), dest="org.freedesktop.DBus")
    bus.wait_for_name_owner(BUS_NAME)
    path = "/io/github/callkitd/CallKit1/provider/1"

    def emit(sender, name, args=None):
        sender.connection.emit_signal(app.unique_name, path, PROVIDER_IFACE,
                                      name, args)
        sender.connection.flush_sync(None)

    emit(owner, "DidBegin")          # before the Provider object exists
    emit(impostor, "DidReset", GLib.Variant("(s)", ("requested",)))
    emit(owner, "PerformAction", GLib.Variant(
        "(sssa{sv})", ("a1", "answer-call", "c1", {})))
    emit(owner, "PerformAction", GLib.Variant(
        "(sssa{sv})", ("a2", "end-call", "c1", {})))
    wait_until(lambda: len(app._early_provider_signals[path]) >= 3,
               message="three signals")
    provider = Provider(app, path)
    provider.wait_for_signal("DidBegin")
    assert provider.wait_for_action(type="end-call").id == "a2"
    assert provider.wait_for_action().id == "a1"
    with pytest.raises(AssertionError, match="PerformAction"):
        provider.wait_for_action(timeout=0.05)
    assert [s.name for s in provider.signals] == [
        "DidBegin", "PerformAction", "PerformAction"]


def test_pw_dump_output_with_changes_after_it():
    # What pw-dump prints when a node changes and goes while it runs.
    text = ('[\n  {\n    "id": 30,\n    "type": "PipeWire:Interface:Node"\n  }\n]\n'
            '[\n  {\n    "id": 30,\n    "info": null\n  }\n]\n')
    assert first_json_document(text) == [{"id": 30, "type": "PipeWire:Interface:Node"}]
    assert first_json_document("") == []
    assert first_json_document("\n") == []
    with pytest.raises(ValueError):
        first_json_document('[\n  {\n    "id": 30')


# ---------------------------------------------------------------------------
# Every process a test starts dies with the test run, however it ends

INNER_TEST = '''
import os
import time


def test_runs_until_killed(bus, callkitd, dbusmock_template):
    mock = dbusmock_template("notification_daemon")
    with open(os.environ["CKD_PIDS_FILE"] + ".new", "w") as f:
        f.write("%d %d %d\\n" % (bus.pid, callkitd.pid, mock.pid))
    os.rename(os.environ["CKD_PIDS_FILE"] + ".new", os.environ["CKD_PIDS_FILE"])
    time.sleep(600)
'''


@pytest.mark.parametrize("how", ["meson-timeout", "test-process-killed"])
def test_processes_die_with_the_test(tmp_path, how):
    """A test that meson times out (it kills the test's process group), or
    whose process is killed alone, leaves nothing running: not the bus,
    not callkitd, not a mock."""
    if harness.daemon_path() is None or not harness.daemon_path().exists():
        pytest.skip("callkitd not built: set CALLKITD (meson test does)")
    inner = tmp_path / "inner_test.py"
    inner.write_text(INNER_TEST)
    pids_file = tmp_path / "pids"
    env = dict(os.environ, CKD_PIDS_FILE=str(pids_file),
               PYTHONPATH=str(harness.TESTS_DIR))
    # Short: the inner bus's socket path must fit AF_UNIX.
    basetemp = tempfile.mkdtemp(prefix="ckd-inner-", dir="/tmp")
    with open(tmp_path / "inner.log", "wb") as log:
        # As meson runs a test: in a session and process group of its own.
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider",
             "-q", "--basetemp", basetemp, str(inner)],
            env=env, cwd=str(tmp_path), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=harness.die_with_test)
    try:
        def started():
            assert proc.poll() is None, (tmp_path / "inner.log").read_text()
            return pids_file.exists()

        wait_until(started, timeout=30, poll_interval=0.05,
                   message=lambda: "the inner test to start: %s"
                   % (tmp_path / "inner.log").read_text())
        pids = [int(p) for p in pids_file.read_text().split()]
        assert all(not harness._process_gone(pid) for pid in pids)
        if how == "meson-timeout":
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.kill()
        proc.wait(timeout=harness.scaled(10))
        for pid in pids:
            harness.wait_process_gone(pid, "a process of the killed test")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(basetemp, ignore_errors=True)


def test_wireplumber_runs_without_logind(start_pipewire):
    """On a bare root there is no /run/systemd: WirePlumber 0.4's logind
    plugin would end it at once (status 70). The harness's configuration
    leaves that plugin out; here /run/systemd is hidden to prove it."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed: apt-get install bubblewrap")
    server = start_pipewire(module_args=None, wireplumber=True, wireplumber_wrapper=[
        "bwrap", "--dev-bind", "/", "/", "--tmpfs", "/run/systemd", "--"])
    assert server.default_sink() is not None
    assert server.wireplumber.poll() is None, server.log_text()
