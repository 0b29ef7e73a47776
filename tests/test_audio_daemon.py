# SPDX-License-Identifier: LGPL-2.1-or-later
"""callkitd as a PipeWire client, against a headless pipewire with
libpipewire-module-callkit loaded (no session manager unless a test says
so):

- it publishes the audio decision in the ``callkit`` metadata: a daemon
  entry and one entry per live call, owned by its own client object;
- ``audio-policy`` and ``ringtone`` in Manager.Capabilities follow the
  server and the module;
- it rings through a stream node with ``callkit.ringtone = true`` exactly
  while an incoming call rings, or a call-waiting tone when the user is on
  a call; answering, declining, ending, SilenceRinging and dismissing the
  notification stop it;
- the ``[Sounds]`` of callkitd.conf turn the ringtone and the call-waiting
  tone off and on while callkitd runs; --no-ringtone wins over the file;
- it works without PipeWire and reconnects when PipeWire comes back.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness import MANAGER_IFACE, ROOT_PATH, raises_dbus_error, wait_until
from pipewire_harness import wait_for
from test_notification_settings import write_conf
from test_flows_support import (  # noqa: F401 - fixtures
    action, active_call, new_uuid, ring, shell, transact)

HANDLE_A = ("phone-number", "+4930111")
HANDLE_B = ("phone-number", "+4930222")


@pytest.fixture
def pipewire(start_pipewire):
    return start_pipewire()


@pytest.fixture
def callkitd(pipewire, start_daemon):
    """callkitd started after PipeWire, so it connects at start-up."""
    daemon = start_daemon()
    daemon.pipewire = pipewire
    return daemon


# -- reading PipeWire's state -------------------------------------------------

def entries(pw):
    """The callkit metadata as {key: (subject, value)}, JSON values parsed."""
    result = {}
    for entry in pw.metadata("callkit") or []:
        value = entry.get("value")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        result[entry["key"]] = (entry.get("subject"), value)
    return result


def call_entry(pw, uuid):
    found = entries(pw).get("callkit.call." + uuid)
    return found[1] if found else None


def wait_call_entry(pw, uuid, **expected):
    def matches():
        value = call_entry(pw, uuid)
        return value if value and all(value.get(k) == v for k, v in expected.items()) else None
    return wait_for(matches, "callkit.call.%s with %r" % (uuid, expected))


def wait_no_call_entry(pw, uuid):
    wait_for(lambda: pw.metadata("callkit") is not None
             and call_entry(pw, uuid) is None, "callkit.call.%s to go" % uuid)


def ringer_nodes(pw):
    # pw-dump prints the property as a JSON boolean.
    return [n for n in pw.nodes()
            if n["info"]["props"].get("callkit.ringtone") in (True, "true")]


def ringer_name(pw):
    nodes = ringer_nodes(pw)
    assert len(nodes) <= 1, nodes
    return nodes[0]["info"]["props"].get("media.name") if nodes else None


def wait_ringer(pw, name):
    """Wait until the ringer stream is ``name`` ("ringtone", "call-waiting")
    or gone (None)."""
    wait_for(lambda: ringer_name(pw) == name, "ringer stream %r" % name)


def capabilities(client):
    return client.manager_property("Capabilities")


def wait_capabilities(client, present=(), absent=()):
    wait_until(lambda: all(c in capabilities(client) for c in present)
               and not any(c in capabilities(client) for c in absent),
               message=lambda: "capabilities with %r without %r (got %r)" % (
                   present, absent, capabilities(client)))


def client_global_id(pw, pid):
    """The global id of the PipeWire client object of process ``pid``."""
    for o in pw.dump():
        if o.get("type") == "PipeWire:Interface:Client":
            props = o.get("info", {}).get("props", {})
            if str(props.get("pipewire.sec.pid")) == str(pid):
                return o["id"]
    return None


# -- the metadata ---------------------------------------------------------------

def pipewire_loaded(pid):
    """Whether process ``pid`` has loaded libpipewire's protocol module,
    which only a PipeWire context does."""
    maps = Path("/proc/%d/maps" % pid).read_text()
    return "libpipewire-module-protocol-native" in maps


def test_pipewire_loaded_at_the_first_call(callkitd, pipewire, client, provider):
    """Idle, callkitd keeps no PipeWire context (nor its modules and
    memory); the first call loads it, and the daemon entry follows."""
    client.sync()
    assert not pipewire_loaded(callkitd.pid)
    assert "audio-policy" not in capabilities(client)
    assert "ringtone" not in capabilities(client)
    assert entries(pipewire).get("callkit.daemon") is None

    ring(provider, remote_handle=HANDLE_A)
    found = wait_for(lambda: entries(pipewire).get("callkit.daemon"),
                     "the callkit.daemon entry")
    assert pipewire_loaded(callkitd.pid)
    subject, value = found
    assert value == {"pid": callkitd.pid, "version": client.manager_property("Version")}
    assert subject == client_global_id(pipewire, callkitd.pid)
    wait_capabilities(client, present=("audio-policy", "ringtone"))
    # The context callkitd makes without client.conf warns of nothing.
    assert "[W]" not in callkitd.log_text()


def test_outgoing_call_loads_pipewire_too(callkitd, pipewire, client, provider):
    """Any first call, not only a ringing one: the audio policy needs the
    metadata for an outgoing call as well."""
    uuid = new_uuid()
    client.request_transaction([action("start-call", uuid, handle=HANDLE_A,
                                       provider=("o", provider.path))])
    wait_call_entry(pipewire, uuid, state="dialing", audio=False)
    assert pipewire_loaded(callkitd.pid)


def test_call_entries_follow_the_call(callkitd, pipewire, provider, shell, app):
    uuid = ring(provider, remote_handle=HANDLE_A)
    value = wait_call_entry(pipewire, uuid, state="ringing", audio=False)
    assert value["provider"] == provider.path
    # The provider's app is this test process.
    assert value["pid"] == os.getpid()

    transact(shell, [(provider, action("answer-call", uuid))])
    wait_call_entry(pipewire, uuid, state="active", audio=True)
    transact(shell, [(provider, action("set-held", uuid, on_hold=True))])
    wait_call_entry(pipewire, uuid, state="held", audio=False)
    provider.report_ended(uuid, "remote-ended")
    wait_no_call_entry(pipewire, uuid)
    assert "callkit.daemon" in entries(pipewire)


def test_entries_go_with_callkitd(callkitd, pipewire, provider):
    uuid = ring(provider, remote_handle=HANDLE_A)
    wait_call_entry(pipewire, uuid, state="ringing")
    callkitd.stop()
    wait_for(lambda: not any(k.startswith("callkit.call.") or k == "callkit.daemon"
                             for k in entries(pipewire)),
             "callkitd's entries to go with its client")


# -- the ringer -------------------------------------------------------------------

def test_ringtone_plays_exactly_while_ringing(callkitd, pipewire, provider, shell):
    assert ringer_nodes(pipewire) == []
    uuid = ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pipewire, "ringtone")
    node = ringer_nodes(pipewire)[0]["info"]["props"]
    assert node["application.name"] == "callkitd"
    assert node["media.role"] == "Notification"
    transact(shell, [(provider, action("answer-call", uuid))])
    wait_ringer(pipewire, None)


@pytest.mark.parametrize("how", ["decline", "remote-ended", "silence"])
def test_ringtone_stops(how, callkitd, pipewire, provider, shell):
    uuid = ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pipewire, "ringtone")
    if how == "decline":
        transact(shell, [(provider, action("end-call", uuid))])
    elif how == "remote-ended":
        provider.report_ended(uuid, "remote-ended")
    else:
        assert shell.call(ROOT_PATH, MANAGER_IFACE, "SilenceRinging") == 1
    wait_ringer(pipewire, None)
    if how == "silence":
        # Silenced, not declined: it still rings and can be answered.
        assert shell.get_call_properties(uuid)["State"] == "ringing"
        transact(shell, [(provider, action("answer-call", uuid))])
        assert ringer_nodes(pipewire) == []


def test_ringing_stops_when_the_answer_is_requested(callkitd, pipewire, provider, shell):
    """Not when the app gets round to fulfilling the answer."""
    uuid = ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pipewire, "ringtone")
    shell.request_transaction([action("answer-call", uuid)])
    performed = provider.wait_for_action(type="answer-call", call=uuid)
    wait_ringer(pipewire, None)
    provider.fulfill(performed.id)


def test_silence_leaves_later_calls_ringing(callkitd, pipewire, provider, shell, run_callctl):
    a = ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pipewire, "ringtone")
    run_callctl("silence")
    wait_ringer(pipewire, None)
    b = ring(provider, remote_handle=HANDLE_B)
    wait_ringer(pipewire, "ringtone")
    provider.report_ended(b, "remote-ended")
    wait_ringer(pipewire, None)
    provider.report_ended(a, "remote-ended")


def test_call_waiting_tone_during_a_call(callkitd, pipewire, provider, shell):
    a = active_call(shell, provider, remote_handle=HANDLE_A)
    assert ringer_nodes(pipewire) == []
    b = ring(provider, remote_handle=HANDLE_B)
    wait_ringer(pipewire, "call-waiting")
    provider.report_ended(b, "remote-ended")
    wait_ringer(pipewire, None)
    provider.report_ended(a, "remote-ended")


def maps_sndfile(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "libsndfile.so" in f.read()


def test_provider_ringtone_file(callkitd, pipewire, app, tmp_path):
    wav = tmp_path / "ring.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(wav),
                    "synth", "0.5", "sine", "660"], check=True)
    provider = app.register_provider({"localized_name": "Tone", "ringtone": str(wav)})
    # libsndfile (and its codecs) is loaded by the first sound file only.
    assert not maps_sndfile(callkitd.pid)
    ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pipewire, "ringtone")
    assert "cannot play" not in callkitd.log_text()
    assert maps_sndfile(callkitd.pid)


def test_bad_ringtone_falls_back_to_the_theme(callkitd, pipewire, app, tmp_path):
    bad = tmp_path / "not-a-sound.wav"
    bad.write_text("hello")
    provider = app.register_provider({"ringtone": str(bad)})
    ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pipewire, "ringtone")
    wait_until(lambda: "cannot play the ringtone of %s" % provider.path
               in callkitd.log_text(), message="the fallback in the log")


def test_pipewire_config_name(pipewire, start_daemon, make_client):
    # PIPEWIRE_CONFIG_NAME names the client configuration, as in any
    # PipeWire client: its modules are loaded instead of callkitd's.
    daemon = start_daemon(env={"PIPEWIRE_CONFIG_NAME": "client.conf"})
    uuid = ring(make_client("app").register_provider({}), remote_handle=HANDLE_A)
    wait_capabilities(make_client(), present=("audio-policy", "ringtone"))
    wait_call_entry(pipewire, uuid, state="ringing")
    wait_ringer(pipewire, "ringtone")
    assert "cannot load the PipeWire module" not in daemon.log_text()


def test_no_ringtone_option(pipewire, start_daemon, make_client):
    start_daemon("--no-ringtone")
    client = make_client()
    provider = make_client("app").register_provider({})
    uuid = ring(provider, remote_handle=HANDLE_A)
    wait_capabilities(client, present=("audio-policy",), absent=("ringtone",))
    wait_call_entry(pipewire, uuid, state="ringing")
    assert ringer_nodes(pipewire) == []


# -- PipeWire coming and going ----------------------------------------------------

def test_without_pipewire_everything_else_works(start_daemon, make_client, start_pipewire):
    start_daemon()
    shell = make_client("shell")
    provider = make_client("app").register_provider({})
    assert "audio-policy" not in capabilities(shell)
    assert "ringtone" not in capabilities(shell)
    uuid = active_call(shell, provider, remote_handle=HANDLE_A)
    provider.wait_for_signal("DidActivateAudioSession")

    # PipeWire appears: callkitd connects and publishes the live call.
    pw = start_pipewire()
    wait_call_entry(pw, uuid, state="active", audio=True)
    wait_capabilities(shell, present=("audio-policy", "ringtone"))


def test_pipewire_restart(callkitd, pipewire, provider, shell):
    uuid = ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pipewire, "ringtone")
    pipewire.stop()
    wait_capabilities(shell, absent=("audio-policy", "ringtone"))
    # Still a working call model while PipeWire is gone.
    transact(shell, [(provider, action("answer-call", uuid))])
    provider.wait_for_signal("DidActivateAudioSession")
    b = ring(provider, remote_handle=HANDLE_B)

    pipewire.start()
    wait_capabilities(shell, present=("audio-policy", "ringtone"))
    wait_call_entry(pipewire, uuid, state="active", audio=True)
    wait_call_entry(pipewire, b, state="ringing", audio=False)
    wait_for(lambda: "callkit.daemon" in entries(pipewire), "the daemon entry")
    wait_ringer(pipewire, "call-waiting")


def test_pipewire_without_module(start_pipewire, start_daemon, make_client):
    pw = start_pipewire(module_args=None)
    start_daemon()
    shell = make_client("shell")
    provider = make_client("app").register_provider({})
    ring(provider, remote_handle=HANDLE_A)
    wait_capabilities(shell, present=("ringtone",))
    assert "audio-policy" not in capabilities(shell)
    wait_ringer(pw, "ringtone")


# -- the notification ---------------------------------------------------------------

@pytest.fixture
def notifications(dbusmock_template, make_client, callkitd, client):
    """A notification server (python-dbusmock) with actions, started after
    callkitd; returns its observer once callkitd uses it."""
    from test_notifications import CAPABILITIES, NotificationServer
    server = NotificationServer(make_client("observer"))
    dbusmock_template("notification_daemon", CAPABILITIES)
    wait_capabilities(client, present=("notifications",))
    return server


def latest_notify(server, category, predicate):
    """Wait until the last Notify of ``category`` satisfies ``predicate``."""
    return wait_until(
        lambda: (server.notifies(category)[-1] if server.notifies(category)
                 and predicate(server.notifies(category)[-1]) else None),
        message="a Notify of %s that fits" % category)


def test_ringing_notification_suppresses_sound(callkitd, pipewire, provider, shell,
                                               notifications):
    """While callkitd rings itself, the notification asks the server for no
    sound of its own. The first call of a session loads PipeWire: its
    notification may go out before the ringtone plays, and is updated."""
    ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pipewire, "ringtone")
    wait_capabilities(shell, present=("ringtone",))
    latest_notify(notifications, "call.incoming", lambda n: n[6].get("suppress-sound") is True)
    # The next call knows from the start.
    count = len(notifications.notifies("call.incoming", fresh=True))
    ring(provider, remote_handle=HANDLE_B)
    notify = notifications.wait_for_notify("call.incoming", count=count + 1, fresh=True)
    assert notify[6].get("suppress-sound") is True


def test_no_suppress_sound_without_ringtone(pipewire, start_daemon, make_client,
                                            dbusmock_template):
    from test_notifications import CAPABILITIES, NotificationServer
    server = NotificationServer(make_client("observer"))
    dbusmock_template("notification_daemon", CAPABILITIES)
    start_daemon("--no-ringtone")
    shell = make_client("shell")
    wait_capabilities(shell, present=("notifications",))
    ring(make_client("app").register_provider({}), remote_handle=HANDLE_A)
    wait_capabilities(shell, present=("audio-policy",))
    shell.sync()
    assert all("suppress-sound" not in n[6] for n in server.notifies("call.incoming"))
    assert server.notifies("call.incoming")


def test_dismissing_the_notification_silences_the_call(callkitd, pipewire, provider,
                                                       shell, notifications):
    a = ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pipewire, "ringtone")
    nid = notifications.notification_id(notifications.wait_for_notify("call.incoming"))
    notifications.close(nid, 1)  # expired, not the user: rings on
    notifications.settle(shell)
    assert ringer_name(pipewire) == "ringtone"

    a2 = ring(provider, remote_handle=HANDLE_B)
    nid2 = notifications.notification_id(
        notifications.wait_for_notify("call.incoming", count=2, fresh=True))
    notifications.close(nid2, 2)  # dismissed: that call stops ringing
    notifications.settle(shell)
    assert ringer_name(pipewire) == "ringtone"  # a still rings
    provider.report_ended(a, "remote-ended")
    wait_ringer(pipewire, None)
    # Silenced, not declined.
    assert shell.get_call_properties(a2)["State"] == "ringing"


def test_ringtone_must_be_a_path_or_a_theme_name(callkitd, app):
    with raises_dbus_error("InvalidArgument", r"ringtone.*absolute path"):
        app.register_provider({"ringtone": "sounds/ring.wav"})


@pytest.mark.parametrize("name, fallback", [("bell", False), ("no-such-sound", True)])
def test_theme_sound_as_ringtone(name, fallback, callkitd, pipewire, app):
    provider = app.register_provider({"ringtone": name})
    ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pipewire, "ringtone")
    said = "the sound theme has no '%s'" % name
    if fallback:
        wait_until(lambda: said in callkitd.log_text(), message="the fallback in the log")
    else:
        assert said not in callkitd.log_text()
        assert "cannot play" not in callkitd.log_text()


def test_ringtone_runs_with_a_session_manager(start_pipewire, start_daemon, make_client):
    """With WirePlumber the ringer is linked to the sink and runs."""
    pw = start_pipewire(wireplumber=True)
    start_daemon()
    provider = make_client("app").register_provider({})
    uuid = ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pw, "ringtone")
    wait_for(lambda: [n for n in ringer_nodes(pw) if n["info"].get("state") == "running"],
             "the ringer stream running")
    provider.report_ended(uuid, "remote-ended")
    wait_ringer(pw, None)


# -- the user's [Sounds] in callkitd.conf ---------------------------------------------

@pytest.fixture
def user_conf(bus):
    """$XDG_CONFIG_HOME/callkitd/callkitd.conf; its directory exists before
    callkitd starts, so that callkitd watches it by inotify."""
    path = bus.home / ".config" / "callkitd" / "callkitd.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_ringtone_setting_applies_while_ringing(user_conf, callkitd, pipewire, provider,
                                                shell, notifications):
    uuid = ring(provider, remote_handle=HANDLE_A)
    wait_ringer(pipewire, "ringtone")
    latest_notify(notifications, "call.incoming", lambda n: n[6].get("suppress-sound") is True)

    write_conf(user_conf, "[Sounds]\nringtone=false\n")
    wait_ringer(pipewire, None)
    wait_capabilities(shell, absent=("ringtone",))
    # The notification server makes the sound now.
    latest_notify(notifications, "call.incoming", lambda n: "suppress-sound" not in n[6])
    wait_call_entry(pipewire, uuid, state="ringing")

    write_conf(user_conf, "[Sounds]\nringtone=true\n")
    wait_ringer(pipewire, "ringtone")
    wait_capabilities(shell, present=("ringtone",))
    latest_notify(notifications, "call.incoming", lambda n: n[6].get("suppress-sound") is True)


@pytest.mark.parametrize("conf,args", [
    ("[Sounds]\nringtone=false\n", ()),
    # The command line wins over the file.
    ("[Sounds]\nringtone=true\n", ("--no-ringtone",)),
])
def test_ringtone_off_from_the_start(user_conf, pipewire, start_daemon, make_client, conf,
                                     args):
    write_conf(user_conf, conf)
    start_daemon(*args)
    shell = make_client("shell")
    uuid = ring(make_client("app").register_provider({}), remote_handle=HANDLE_A)
    wait_capabilities(shell, present=("audio-policy",), absent=("ringtone",))
    wait_call_entry(pipewire, uuid, state="ringing")
    assert ringer_nodes(pipewire) == []


def test_call_waiting_setting(user_conf, callkitd, pipewire, provider, shell):
    a = active_call(shell, provider, remote_handle=HANDLE_A)
    b = ring(provider, remote_handle=HANDLE_B)
    wait_ringer(pipewire, "call-waiting")

    write_conf(user_conf, "[Sounds]\ncall-waiting=false\n")
    wait_ringer(pipewire, None)
    assert "ringtone" in capabilities(shell)
    # Alone, the second call rings as any call does.
    provider.report_ended(a, "remote-ended")
    wait_ringer(pipewire, "ringtone")
    provider.report_ended(b, "remote-ended")
    wait_ringer(pipewire, None)

    write_conf(user_conf, "[Sounds]\ncall-waiting=true\n")
    a = active_call(shell, provider, remote_handle=HANDLE_A)
    ring(provider, remote_handle=HANDLE_B)
    wait_ringer(pipewire, "call-waiting")
