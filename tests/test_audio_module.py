# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpipewire-module-callkit in a headless PipeWire server.

callkitd's side of the `callkit` metadata is played by a real PipeWire
client that stays connected (pw-cli): its client id is the subject of the
entries, written with pw-metadata exactly as callkitd writes them, and
killing it is callkitd dying. Streams are pw-cat processes of each media
role. What the module did is read back through pw-dump: each stream's Props
param (softVolumes, softMute beside the stream's own channelVolumes and
mute) and the module's entries in the metadata.
"""

import json
import os
import shutil
import signal
import subprocess
import uuid as uuidlib

import pytest

import harness
from harness import TESTS_DIR, scaled
from pipewire_harness import SINK_NAME, wait_for

METADATA = "callkit"
JSON_TYPE = "Spa:String:JSON"
DUCK_GAIN = 0.1  # -20 dB, the default


def metadata_value(value):
    """A metadata value as pw-dump prints it, as a Python value. pw-dump
    turns JSON values into JSON (with null as "null"), other values into
    strings."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: (None if v == "null" else v) for k, v in value.items()}
    return value


def entries(server):
    return {(e["subject"], e["key"]): metadata_value(e.get("value"))
            for e in server.metadata(METADATA) or []}


def clients_by_pid(server):
    return {c["info"]["props"].get("pipewire.sec.pid"): c["id"]
            for c in server.dump()
            if c.get("type") == "PipeWire:Interface:Client"}


def node_of_process(server, pid):
    """The id of the stream node made by process pid, or None."""
    dump = server.dump()
    clients = [o["id"] for o in dump
               if o.get("type") == "PipeWire:Interface:Client"
               and str(o["info"]["props"].get("pipewire.sec.pid")) == str(pid)]
    for o in dump:
        if (o.get("type") == "PipeWire:Interface:Node"
                and o["info"]["props"].get("client.id") in clients
                and str(o["info"]["props"].get("media.class", "")).startswith(
                    "Stream/")):
            return o["id"]
    return None


class CallkitdStandIn:
    """callkitd's half of the contract: a connected PipeWire client whose
    global id is the subject of callkit.daemon and callkit.call.* entries."""

    def __init__(self, server):
        self.server = server
        self.proc = subprocess.Popen(
            ["pw-cli"], env=server.env, stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=harness.die_with_test)
        self.client_id = wait_for(
            lambda: clients_by_pid(server).get(self.proc.pid),
            "pw-cli's client object")

    def set(self, key, value, subject=None):
        self.server.run(["pw-metadata", "-n", METADATA,
                         str(self.client_id if subject is None else subject),
                         key, value if isinstance(value, str)
                         else json.dumps(value), JSON_TYPE])

    def delete(self, key):
        self.server.run(["pw-metadata", "-n", METADATA, "-d",
                         str(self.client_id), key])

    def announce(self):
        self.set("callkit.daemon", {"pid": self.proc.pid, "version": "0.1.0"})

    def set_call(self, call, state="active", audio=True, pid=0):
        self.set("callkit.call." + call, {
            "state": state, "audio": audio, "pid": pid,
            "provider": "/io/github/callkitd/CallKit1/provider/1"})

    def end_call(self, call):
        self.delete("callkit.call." + call)

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=scaled(10))

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.kill()


class StreamNode:
    """A stream node of the server, read through pw-dump."""

    def __init__(self, server, node_id):
        self.server = server
        self.id = node_id

    def props(self):
        return self.server.node_props_param(self.id)

    def entry(self):
        return entries(self.server).get((self.id, "callkit.stream"))


class Stream(StreamNode):
    """A pw-cat playback stream fed from /dev/zero (or, with ``capture``, a
    recording stream into /dev/null), until closed."""

    def __init__(self, server, role, props=None, link=False, capture=False):
        self.capture = capture
        argv = ["pw-cat", "--record" if capture else "--playback",
                "--media-role", role or ""]
        if props:
            argv += ["-P", "{ %s }" % " ".join(
                "%s = %s" % (k, v) for k, v in props.items())]
        argv.append("-")
        self._zero = open("/dev/zero", "rb")
        self.proc = subprocess.Popen(
            argv, env=server.env,
            stdin=subprocess.DEVNULL if capture else self._zero,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=harness.die_with_test)
        super().__init__(server, wait_for(
            lambda: node_of_process(server, self.proc.pid),
            "the node of pw-cat --media-role %r" % role))
        if link:
            link_to_sink(server, self)
        # A stream has a volume once its format is set, when it is linked.
        wait_for(lambda: (self.props() or {}).get("channelVolumes"),
                 "stream %d to have a volume" % self.id)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=scaled(10))
        self._zero.close()


DSP_PORTS = ("{ direction: %s, mode: dsp, monitor: %s, control: false, "
             "format: { mediaType: audio, mediaSubtype: raw, format: F32P, "
             "rate: 48000, channels: 2, position: [ FL, FR ] } }")


def ports_of(server, node_id, direction, monitor=False):
    """{channel: port id} of a node's ports in direction (in, out)."""
    return {o["info"]["props"].get("audio.channel"): o["id"]
            for o in server.dump()
            if o.get("type") == "PipeWire:Interface:Port"
            and o["info"]["props"].get("node.id") == node_id
            and o["info"].get("direction") == direction
            and bool(o["info"]["props"].get("port.monitor")) == monitor}


def link_to_sink(server, stream):
    """What a session manager does: give the stream and the sink ports and
    link them (a capture stream to the sink's monitor), so that the stream
    negotiates a format and gets a volume."""
    sink = server.find_nodes(node__name=SINK_NAME)[0]["id"]
    if not ports_of(server, sink, "input"):
        server.run(["pw-cli", "set-param", str(sink), "PortConfig",
                    DSP_PORTS % ("Input", "true")])
    own = "input" if stream.capture else "output"
    server.run(["pw-cli", "set-param", str(stream.id), "PortConfig",
                DSP_PORTS % (own.capitalize(), "false")])
    if stream.capture:
        peers = wait_for(lambda: len(ports_of(server, sink, "output", True))
                         == 2 and ports_of(server, sink, "output", True),
                         "the sink's monitor ports")
    else:
        peers = wait_for(lambda: len(ports_of(server, sink, "input")) == 2
                         and ports_of(server, sink, "input"), "the sink's ports")
    ports = wait_for(lambda: len(ports_of(server, stream.id, own)) == 2
                     and ports_of(server, stream.id, own),
                     "stream %d's ports" % stream.id)
    for channel in ("FL", "FR"):
        if stream.capture:
            server.run(["pw-link", str(peers[channel]), str(ports[channel])])
        else:
            server.run(["pw-link", str(ports[channel]), str(peers[channel])])


def close_enough(a, b):
    return len(a) == len(b) and all(abs(x - y) < 1e-4 for x, y in zip(a, b))


def sounds(stream, policy, call=None, gain=DUCK_GAIN):
    """Whether the module says and does ``policy`` to stream."""
    entry = stream.entry()
    props = stream.props() or {}
    if entry != {"call": call, "policy": policy}:
        return False
    own, soft = props.get("channelVolumes", []), props.get("softVolumes", [])
    if policy == "ducked":
        return (close_enough(soft, [v * gain for v in own])
                and props.get("softMute") == props.get("mute"))
    if policy in ("silenced", "corked"):
        return props.get("softMute") is True
    return (close_enough(soft, own)
            and props.get("softMute") == props.get("mute"))


def wait_sounds(stream, policy, call=None, gain=DUCK_GAIN):
    return wait_for(lambda: sounds(stream, policy, call, gain),
                    lambda: "stream %d to be %s (call %s); entry %r, props %r"
                    % (stream.id, policy, call, stream.entry(), stream.props()))


def wait_session(server, session):
    return wait_for(
        lambda: (entries(server).get((0, "callkit.policy")) or {}).get(
            "session") is session,
        "callkit.policy to say session %s" % session)


@pytest.fixture
def streams(request):
    made = []

    def make(server, role, props=None, capture=False):
        stream = Stream(server, role, props, capture=capture,
                        link=server.wireplumber is None)
        made.append(stream)
        return stream

    yield make
    for stream in made:
        stream.close()


@pytest.fixture
def standins():
    made = []

    def make(server):
        standin = CallkitdStandIn(server)
        made.append(standin)
        return standin

    yield make
    for standin in made:
        standin.close()


def new_call():
    return str(uuidlib.uuid4())


# -- the metadata and the arguments ------------------------------------------


def test_module_creates_callkit_metadata(pipewire):
    policy = wait_for(lambda: entries(pipewire).get((0, "callkit.policy")),
                      "the module's policy entry")
    assert policy == {"session": False, "mode": "duck", "duck-db": -20.0}
    meta = [o for o in pipewire.dump()
            if o.get("type") == "PipeWire:Interface:Metadata"
            and o["props"].get("metadata.name") == METADATA]
    assert len(meta) == 1
    assert meta[0]["props"].get("module.id") is not None


def test_arguments_show_in_policy(start_pipewire):
    server = start_pipewire(
        "mode = cork duck.level = -6 duck.roles = [ Music ]")
    policy = wait_for(lambda: entries(server).get((0, "callkit.policy")),
                      "the module's policy entry")
    assert policy == {"session": False, "mode": "cork", "duck-db": -6.0}


@pytest.mark.parametrize("args,message", [
    ("mode = loud", "invalid mode 'loud'"),
    ("duck.level = 6", "invalid duck.level '6'"),
    ("duck.level = quiet", "invalid duck.level 'quiet'"),
    ("duck.roles = Music", "invalid duck.roles 'Music'"),
])
def test_bad_arguments_fail_loading(start_pipewire, args, message):
    with pytest.raises(AssertionError, match="pipewire exited") as info:
        start_pipewire(args)
    assert message in str(info.value)


DROP_IN = TESTS_DIR.parent / "data" / "pipewire" / "50-callkit.conf"


@pytest.mark.parametrize("installed", [True, False],
                         ids=["module-installed", "module-missing"])
def test_shipped_drop_in(start_pipewire, installed):
    """The drop-in we install loads the module with its defaults, and a
    server without the module starts all the same."""
    server = start_pipewire(
        module_args="" if installed else None,
        drop_ins={"20-callkit-module.conf": DROP_IN.read_text()})
    if installed:
        policy = wait_for(lambda: entries(server).get((0, "callkit.policy")),
                          "the module's policy entry")
        assert policy == {"session": False, "mode": "duck", "duck-db": -20.0}
    else:
        assert server.metadata(METADATA) is None


# -- ducking, silencing, restoring --------------------------------------------


@pytest.mark.parametrize("wireplumber", [False, True],
                         ids=["no-session-manager", "wireplumber"])
def test_session_ducks_other_playback_and_restores(
        start_pipewire, standins, streams, wireplumber):
    server = start_pipewire(wireplumber=wireplumber)
    callkitd = standins(server)
    callkitd.announce()
    ducked = [streams(server, role) for role in ("Music", "Movie", "Game", "")]
    left_alone = [streams(server, role)
                  for role in ("Notification", "Alarm", "Accessibility")]
    ringtone = streams(server, "Music", {"callkit.ringtone": "true"})
    for stream in ducked + left_alone + [ringtone]:
        wait_sounds(stream, "untouched")

    call = new_call()
    callkitd.set_call(call, state="active", audio=True, pid=4321)
    wait_session(server, True)
    for stream in ducked:
        wait_sounds(stream, "ducked")
    for stream in left_alone + [ringtone]:
        assert sounds(stream, "untouched"), stream.id

    # Held: the session is gone, and so is the duck.
    callkitd.set_call(call, state="held", audio=False, pid=4321)
    wait_session(server, False)
    for stream in ducked + left_alone + [ringtone]:
        wait_sounds(stream, "untouched")
        assert stream.props()["softVolumes"] == [1.0, 1.0]
        assert stream.props()["softMute"] is False


def test_call_streams_silenced_until_their_call_has_the_session(
        pipewire, standins, streams):
    callkitd = standins(pipewire)
    callkitd.announce()
    ringing, active = new_call(), new_call()
    by_pid = streams(pipewire, "Communication")
    by_property = streams(pipewire, "Music", {"callkit.call": ringing})
    music = streams(pipewire, "Music")

    # The provider (by_pid's process) rings with one call; nothing holds
    # the session, so only the call streams change.
    callkitd.set_call(ringing, state="ringing", audio=False,
                      pid=by_pid.proc.pid)
    wait_sounds(by_pid, "silenced", ringing)
    wait_sounds(by_property, "silenced", ringing)
    wait_sounds(music, "untouched")

    # Answered: both are heard, and the music is ducked.
    callkitd.set_call(ringing, state="active", audio=True, pid=by_pid.proc.pid)
    wait_sounds(by_pid, "allowed", ringing)
    wait_sounds(by_property, "allowed", ringing)
    wait_sounds(music, "ducked")

    # Another app's call takes the session: the first is held and silent.
    callkitd.set_call(ringing, state="held", audio=False, pid=by_pid.proc.pid)
    callkitd.set_call(active, state="active", audio=True, pid=99999)
    wait_sounds(by_pid, "silenced", ringing)
    wait_sounds(by_property, "silenced", ringing)
    wait_sounds(music, "ducked")

    # Both end: everything as before.
    callkitd.end_call(active)
    callkitd.end_call(ringing)
    for stream in (by_pid, by_property, music):
        wait_sounds(stream, "untouched")


def test_microphone_of_a_held_call_is_silenced(pipewire, standins, streams):
    callkitd = standins(pipewire)
    callkitd.announce()
    call = new_call()
    microphone = streams(pipewire, "Communication", capture=True)
    other_microphone = streams(pipewire, "Communication", capture=True)
    callkitd.set_call(call, state="active", audio=True,
                      pid=microphone.proc.pid)
    wait_sounds(microphone, "allowed", call)
    callkitd.set_call(call, state="held", audio=False,
                      pid=microphone.proc.pid)
    wait_sounds(microphone, "silenced", call)
    # Capture streams of no call are never ducked.
    callkitd.set_call(new_call(), state="active", audio=True, pid=99999)
    wait_sounds(other_microphone, "untouched")
    callkitd.end_call(call)
    wait_sounds(microphone, "untouched")


def test_communication_stream_of_another_process_is_not_the_call(
        pipewire, standins, streams):
    callkitd = standins(pipewire)
    callkitd.announce()
    other_app = streams(pipewire, "Communication")
    call = new_call()
    callkitd.set_call(call, state="ringing", audio=False, pid=99999)
    callkitd.set_call(call, state="active", audio=True, pid=99999)
    wait_session(pipewire, True)
    wait_sounds(other_app, "untouched")


def test_stream_started_mid_call_is_ducked(start_pipewire, standins, streams):
    server = start_pipewire(wireplumber=True)
    # WirePlumber remembers a volume for Music, and gives it to the next
    # Music stream as it appears: the duck must survive that.
    earlier = streams(server, "Music")
    server.run(["pw-cli", "set-param", str(earlier.id), "Props",
                "{ channelVolumes: [ 0.7, 0.7 ] }"])
    wait_for(lambda: saved_volume(
        server, "Output/Audio:media.role:Music:channelVolumes", [0.7, 0.7]),
        "wireplumber to save the Music volume")
    earlier.close()

    callkitd = standins(server)
    callkitd.announce()
    call = new_call()
    callkitd.set_call(call, audio=True)
    wait_session(server, True)

    music = streams(server, "Music")
    tagged = streams(server, "Communication", {"callkit.call": call})
    wait_for(lambda: close_enough(music.props()["channelVolumes"], [0.7, 0.7]),
             "wireplumber to restore the Music volume")
    wait_sounds(music, "ducked")
    assert close_enough(music.props()["softVolumes"], [0.07, 0.07])
    wait_sounds(tagged, "allowed", call)

    callkitd.end_call(call)
    wait_sounds(music, "untouched")
    assert close_enough(music.props()["softVolumes"], [0.7, 0.7])


LOOPBACK_DROP_IN = """\
context.modules = [
  { name = libpipewire-module-loopback
    args = {
      capture.props = { node.name = callkit-test-loop media.class = Audio/Sink
                        audio.position = [ FL FR ] }
      playback.props = { node.name = callkit-test-loop-out }
    }
  }
]
"""


def test_streams_of_server_modules_are_left_alone(
        start_pipewire, standins, streams):
    """A loopback's playback stream carries other streams' audio (an app
    playing a call into it, say): no role, but not ducked."""
    server = start_pipewire(wireplumber=True,
                            drop_ins={"30-loopback.conf": LOOPBACK_DROP_IN})
    loop = wait_for(lambda: server.find_nodes(
        node__name="callkit-test-loop-out"), "the loopback's stream")[0]
    loop_stream = StreamNode(server, loop["id"])
    wait_for(lambda: (loop_stream.props() or {}).get("channelVolumes"),
             "the loopback stream to have a volume")
    callkitd = standins(server)
    callkitd.announce()
    music = streams(server, "Music")
    callkitd.set_call(new_call(), audio=True)
    wait_sounds(music, "ducked")
    wait_sounds(loop_stream, "untouched")


def test_cork_mode_mutes_other_playback(start_pipewire, standins, streams):
    server = start_pipewire("mode = cork")
    callkitd = standins(server)
    callkitd.announce()
    music = streams(server, "Music")
    call = new_call()
    callkitd.set_call(call, audio=True)
    wait_sounds(music, "corked")
    assert music.props()["softVolumes"] == [1.0, 1.0]
    assert music.props()["mute"] is False
    callkitd.end_call(call)
    wait_sounds(music, "untouched")


def test_duck_level_and_roles_arguments(start_pipewire, standins, streams):
    server = start_pipewire("duck.level = -6 duck.roles = [ Notification ]")
    callkitd = standins(server)
    callkitd.announce()
    music = streams(server, "Music")
    notification = streams(server, "Notification")
    callkitd.set_call(new_call(), audio=True)
    wait_sounds(notification, "ducked", gain=10 ** (-6 / 20))
    wait_sounds(music, "untouched")


def test_volume_changed_during_duck_is_kept_and_ducked(
        start_pipewire, standins, streams):
    server = start_pipewire(wireplumber=True)
    callkitd = standins(server)
    callkitd.announce()
    music = streams(server, "Music")
    call = new_call()
    callkitd.set_call(call, audio=True)
    wait_sounds(music, "ducked")

    # The user moves the stream's slider mid-call, then sets the same
    # value again (which drops soft volumes in audioconvert).
    for _ in range(2):
        server.run(["pw-cli", "set-param", str(music.id), "Props",
                    "{ channelVolumes: [ 0.5, 0.5 ] }"])
        wait_for(lambda: music.props()["channelVolumes"] == [0.5, 0.5],
                 "the user's volume")
        wait_sounds(music, "ducked")

    callkitd.end_call(call)
    wait_sounds(music, "untouched")
    assert music.props()["channelVolumes"] == [0.5, 0.5]
    assert close_enough(music.props()["softVolumes"], [0.5, 0.5])


def restore_stream_state(server):
    path = os.path.join(server.env["XDG_STATE_HOME"], "wireplumber",
                        "restore-stream")
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return {}
    return dict(line.split("=", 1) for line in lines if "=" in line)


def saved_volume(server, key, expected):
    """The state's value of key (channel volumes, "0.69999998807907;...")
    when it holds the volumes ``expected``, else None."""
    value = restore_stream_state(server).get(key, "")
    try:
        volumes = [float(v) for v in value.split(";") if v]
    except ValueError:
        return None
    return value if close_enough(volumes, expected) else None


def test_wireplumber_does_not_save_the_duck(start_pipewire, standins, streams):
    server = start_pipewire(wireplumber=True)
    callkitd = standins(server)
    callkitd.announce()
    music = streams(server, "Music")
    alarm = streams(server, "Alarm")
    key = "Output/Audio:media.role:Music:channelVolumes"
    server.run(["pw-cli", "set-param", str(music.id), "Props",
                "{ channelVolumes: [ 0.7, 0.7 ] }"])
    saved = wait_for(lambda: saved_volume(server, key, [0.7, 0.7]),
                     "wireplumber to save the user's volume")

    call = new_call()
    callkitd.set_call(call, audio=True)
    wait_sounds(music, "ducked")
    callkitd.end_call(call)
    wait_sounds(music, "untouched")

    # WirePlumber writes its whole state at once: once another stream's
    # change is saved, anything it took from the duck would be there too.
    alarm_key = "Output/Audio:media.role:Alarm:channelVolumes"
    server.run(["pw-cli", "set-param", str(alarm.id), "Props",
                "{ channelVolumes: [ 0.3, 0.3 ] }"])
    wait_for(lambda: saved_volume(server, alarm_key, [0.3, 0.3]),
             lambda: "wireplumber to save another change: %r" % restore_stream_state(server))
    state = restore_stream_state(server)
    assert state[key] == saved
    assert state["Output/Audio:media.role:Music:mute"] == "false"
    assert close_enough(music.props()["channelVolumes"], [0.7, 0.7])


# -- callkitd going away -------------------------------------------------------


def test_callkitd_killed_mid_call_restores_everything(
        pipewire, standins, streams):
    callkitd = standins(pipewire)
    callkitd.announce()
    call, held = new_call(), new_call()
    music = streams(pipewire, "Music")
    silenced = streams(pipewire, "Communication", {"callkit.call": held})
    callkitd.set_call(call, audio=True)
    callkitd.set_call(held, state="held", audio=False)
    wait_sounds(music, "ducked")
    wait_sounds(silenced, "silenced", held)

    callkitd.kill()
    wait_session(pipewire, False)
    wait_sounds(music, "untouched")
    wait_sounds(silenced, "untouched")
    left = [k for k in entries(pipewire) if k[0] == callkitd.client_id]
    assert left == []


def test_callkitd_deleting_its_entry_restores_everything(
        pipewire, standins, streams):
    callkitd = standins(pipewire)
    callkitd.announce()
    music = streams(pipewire, "Music")
    callkitd.set_call(new_call(), audio=True)
    wait_sounds(music, "ducked")
    callkitd.delete("callkit.daemon")
    wait_sounds(music, "untouched")
    wait_session(pipewire, False)


def module_id(server):
    for o in server.dump():
        if (o.get("type") == "PipeWire:Interface:Module"
                and o["info"].get("name") == "libpipewire-module-callkit"):
            return o["id"]
    return None


def test_unloading_the_module_restores_everything(pipewire, standins, streams):
    callkitd = standins(pipewire)
    callkitd.announce()
    music = streams(pipewire, "Music")
    call = new_call()
    callkitd.set_call(call, audio=True)
    wait_sounds(music, "ducked")

    pipewire.run(["pw-cli", "destroy", str(module_id(pipewire))])
    wait_for(lambda: pipewire.metadata(METADATA) is None,
             "the callkit metadata to go with the module")
    wait_for(lambda: close_enough(music.props()["softVolumes"],
                                  music.props()["channelVolumes"]),
             "the music to sound as before")


def test_calls_of_another_subject_are_ignored(pipewire, standins, streams):
    callkitd = standins(pipewire)
    other = standins(pipewire)
    callkitd.announce()
    music = streams(pipewire, "Music")
    # Written by someone who is not the client that announced callkitd.
    other.set_call(new_call(), audio=True)
    callkitd.set_call(new_call(), state="ringing", audio=False)
    wait_sounds(music, "untouched")
    assert entries(pipewire)[(0, "callkit.policy")]["session"] is False


@pytest.mark.parametrize("value", [
    "garbage", "[]", '{"audio": "yes"}', '{"pid": -1}', '{"pid": "x"}',
    '{"state": 5}', '{"audio": true, "state": "a-very-long-state-name"}',
])
def test_malformed_call_entries_are_ignored(pipewire, standins, streams, value):
    callkitd = standins(pipewire)
    callkitd.announce()
    music = streams(pipewire, "Music")
    good = new_call()
    callkitd.set_call(good, audio=True)
    wait_sounds(music, "ducked")

    callkitd.set("callkit.call." + new_call(), value)
    callkitd.set("callkit.call.NOT-A-UUID", {"audio": True})
    # A malformed update of a live call drops it.
    callkitd.set("callkit.call." + good, value)
    wait_sounds(music, "untouched")
    assert "ignoring malformed callkit.call." in pipewire.log_text()


def test_stream_entry_goes_with_its_node(pipewire, standins, streams):
    music = streams(pipewire, "Music")
    wait_for(music.entry, "the stream's entry")
    music.close()
    wait_for(lambda: (music.id, "callkit.stream") not in entries(pipewire),
             "the stream's entry to go")


# -- memory --------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("valgrind") is None,
                    reason="valgrind is not installed")
@pytest.mark.skipif(bool(os.environ.get("CALLKITD_PIPEWIRE_PRELOAD")),
                    reason="the module is built with sanitizers, which "
                    "valgrind cannot run; the plain build runs this test")
def test_module_is_clean_under_valgrind(start_pipewire, standins, streams,
                                        tmp_path):
    log = tmp_path / "valgrind.log"
    server = start_pipewire(wrapper=[
        "valgrind", "--error-exitcode=99", "--leak-check=full",
        "--errors-for-leak-kinds=definite", "--log-file=%s" % log,
        "--suppressions=%s" % (TESTS_DIR / "pipewire-valgrind.supp")])
    callkitd = standins(server)
    callkitd.announce()
    music = streams(server, "Music")
    call = new_call()
    callkitd.set_call(call, state="ringing", audio=False)
    callkitd.set_call(call, audio=True)
    wait_sounds(music, "ducked")
    callkitd.set("callkit.call." + new_call(), "garbage")
    callkitd.kill()
    wait_sounds(music, "untouched")

    # A new callkitd, a new call, and the module unloaded mid-call.
    callkitd = standins(server)
    callkitd.announce()
    callkitd.set_call(new_call(), audio=True)
    wait_sounds(music, "ducked")
    server.run(["pw-cli", "destroy", str(module_id(server))])
    wait_for(lambda: server.metadata(METADATA) is None,
             "the callkit metadata to go with the module")
    music.close()
    status = server.stop(signal.SIGTERM)
    assert status == 0, log.read_text()
