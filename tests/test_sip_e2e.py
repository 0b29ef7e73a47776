# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real SIP softphone through callkitd, end to end.

Every piece is the real one: a private dbus-daemon, a headless PipeWire
with libpipewire-module-callkit and WirePlumber, a notification server
(python-dbusmock's template, with actions), callkitd, baresip (Debian's
baresip-core, with a generated configuration) bridged by baresip-bridge,
and sipp (Debian's sip-tester) as the other party, playing the scenarios
of tests/sipp/ over UDP on 127.0.0.1 with RTP echo. Nothing about SIP is
simulated.

The test tells sipp when to hang up or cancel with an INFO in the call
(sip_harness.Sipp.trigger), so no step depends on a delay. RTP flowing is
read from baresip's CALL_RTPESTAB, which it raises when it receives the RTP
that sipp echoes back: only after callkitd activated the call's audio
session, because until then baresip's source is a device that sends
nothing.
"""

import os
import signal
import subprocess

import pytest

from harness import MANAGER_IFACE, ROOT_PATH, new_uuid, scaled, wait_until
from pipewire_harness import wait_for
from harness import SOURCE_ROOT
from sip_harness import (Baresip, Bridge, ProcessSet, Sipp, bridge_path, free_port,
                         free_port_range, require_programs)
from test_audio_module import StreamNode, entries, wait_sounds
from test_notifications import CAPABILITIES, NotificationServer


class Phone:
    """Everything of one test: the desktop client, the notification
    server, PipeWire, baresip and the bridge."""

    def __init__(self, tmp_path, env, desktop, server, pipewire, procs):
        self.tmp_path = tmp_path
        self.env = env
        self.desktop = desktop
        self.server = server
        self.pipewire = pipewire
        self.procs = procs
        self.baresip = None
        self.bridge = None
        self.provider_path = None
        self.n_sipps = 0
        self.n_rings = 0

    def start_baresip(self):
        if self.baresip is None:
            self.baresip = self.procs.add(Baresip(self.tmp_path / "baresip" / "config", self.env))
        return self.baresip.start()

    def start_bridge(self, *extra, wait=True):
        args = ["--ctrl", self.baresip.ctrl, "--audio-player", "alsa,pipewire",
                "--audio-source", "ausine,440", "--verbose"] + list(extra)
        self.bridge = self.procs.add(Bridge(args, self.tmp_path / "bridge.log", self.env))
        if wait:
            self.bridge.expect("ready", self.baresip.ctrl)
            self.provider_path = self.bridge.expect("provider", self.baresip.aor)[2]
        return self.bridge

    def sipp(self, scenario, caller_user="sipp", caller_name="SIPp", call=True):
        """sipp playing scenario: calling baresip (call=True) or waiting
        to be called."""
        self.n_sipps += 1
        return self.procs.add(Sipp(self.tmp_path / "sipp", scenario,
                                   self.baresip.sip_address if call else None, self.env,
                                   caller_user=caller_user, caller_name=caller_name,
                                   service="alice"))

    def ring(self, sipp):
        """A call from sipp, ringing in callkitd and on the notification
        server; returns its UUID and the ringing Notify."""
        words = self.bridge.expect("incoming", timeout=20)
        uuid = words[1]
        assert words[2] == sipp.call_id, words
        self.desktop.wait_for_call_property(uuid, "State", "ringing", timeout=10)
        # Each ringing call gets one new notification, in order.
        self.n_rings += 1
        notify = self.server.wait_for_notify("call.incoming", self.n_rings, fresh=True)
        return uuid, notify

    def answer(self, uuid, notify, action="answer"):
        """The user presses the notification's button."""
        self.server.invoke(self.server.notification_id(notify), action)
        self.desktop.wait_for_call_property(uuid, "State", "active", timeout=10)
        self.bridge.expect("fulfilled", "answer-call", uuid)

    def call_streams(self, uuid):
        """baresip's stream nodes in PipeWire that carry the call's UUID."""
        return [StreamNode(self.pipewire, node["id"])
                for node in self.pipewire.find_nodes(callkit__call=uuid)]

    def wait_call_audible(self, uuid):
        nodes = wait_for(lambda: self.call_streams(uuid), "baresip's stream of call %s" % uuid)
        for node in nodes:
            assert node.props() is not None
            wait_sounds(node, "allowed", uuid)
            assert self.pipewire.node(node.id)["info"]["props"]["media.role"] == "Communication"
        return nodes

    def log_text(self):
        parts = []
        if self.bridge is not None:
            parts.append("== baresip-bridge stdout\n" + "\n".join(self.bridge.lines))
            parts.append("== baresip-bridge stderr\n" + self.bridge.log_text()[-20000:])
        if self.baresip is not None:
            parts.append("== baresip\n" + self.baresip.log_text()[-20000:])
        for item in self.procs.items:
            if isinstance(item, Sipp):
                parts.append(item.log_text())
        return "\n".join(parts)


def sip_env(bus):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PIPEWIRE_") and k not in ("NOTIFY_SOCKET", "LD_PRELOAD")}
    env.update(bus.env)
    return env


@pytest.fixture
def phone(request, tmp_path, bus, start_pipewire, dbusmock_template, start_daemon, make_client):
    """PipeWire (our module, WirePlumber), a notification server with
    actions, callkitd, baresip and the bridge, its provider registered."""
    require_programs()
    bridge_path()
    server_pw = start_pipewire(wireplumber=True)
    observer = NotificationServer(make_client("observer"))
    dbusmock_template("notification_daemon", CAPABILITIES)
    daemon = start_daemon()
    desktop = make_client("desktop")

    # callkitd connects to PipeWire with the first call: the tests wait
    # for what the module does with each call's stream.
    wait_until(lambda: "notifications" in desktop.get_property(ROOT_PATH, MANAGER_IFACE, "Capabilities"),
               timeout=10, poll_interval=0.02, message="callkitd to find the notification server")
    procs = ProcessSet()
    p = Phone(tmp_path, sip_env(bus), desktop, observer, server_pw, procs)
    p.daemon = daemon
    try:
        p.start_baresip()
        p.start_bridge()
        yield p
    finally:
        errors = procs.stop_all()
        # Shown by pytest when the test failed.
        print(p.log_text())
        if errors:
            pytest.fail("\n".join(errors), pytrace=False)


def assert_after(bridge, first, then):
    """The bridge said ``then`` only after ``first`` (lists of words)."""
    lines = [line[7:].split(" ") for line in bridge.lines if line.startswith("event: ")]
    i = next(i for i, w in enumerate(lines) if w[:len(first)] == first)
    j = next(i for i, w in enumerate(lines) if w[:len(then)] == then)
    assert i < j, "%r came before %r: %r" % (then, first, bridge.lines)


def test_incoming_call_answered_from_the_notification(phone):
    """sipp calls; the notification rings; the user answers with its
    button; baresip's media starts with the audio session and RTP flows
    (echoed by sipp); sipp hangs up; the call ends remote-ended and is not
    a missed call."""
    sipp = phone.sipp("uac.xml", caller_user="+4930123", caller_name="Alice Liddell")
    uuid, notify = phone.ring(sipp)
    props = phone.desktop.known_call_properties(uuid)
    assert props["RemoteHandle"] == ("phone-number", "+4930123")
    assert props["LocalizedCallerName"] == "Alice Liddell"
    assert props["IsOutgoing"] is False
    assert notify[3] == "Incoming call"
    assert notify[4].startswith("Alice Liddell\n+4930123\n")
    assert not phone.bridge.seen("audio-started")

    phone.answer(uuid, notify)
    phone.bridge.expect("audio-started", uuid)
    phone.bridge.expect("rtp", uuid)
    assert_after(phone.bridge, ["audio-started", uuid], ["rtp", uuid])
    phone.wait_call_audible(uuid)

    sipp.trigger()
    props = phone.desktop.wait_for_call_property(uuid, "State", "ended", timeout=10)
    assert props["EndedReason"] == "remote-ended"
    assert props["HasConnected"] is True
    assert sipp.wait() == 0, sipp.log_text()
    phone.bridge.expect("audio-stopped", uuid)
    wait_for(lambda: not phone.call_streams(uuid), "call %s's stream to go" % uuid)
    phone.server.settle(phone.desktop)
    assert phone.server.notifies("call.unanswered") == []


def test_caller_cancels_while_ringing_is_a_missed_call(phone):
    sipp = phone.sipp("uac-cancel.xml", caller_user="bob", caller_name="Bob")
    uuid, notify = phone.ring(sipp)
    handle = phone.desktop.known_call_properties(uuid)["RemoteHandle"]
    assert handle == ("generic", "sip:bob@127.0.0.1:%d" % sipp.port)

    sipp.trigger()
    props = phone.desktop.wait_for_call_property(uuid, "State", "ended", timeout=10)
    assert props["EndedReason"] == "unanswered"
    assert props["HasConnected"] is False
    missed = phone.server.wait_for_notify("call.unanswered")
    assert "Bob" in missed[3], missed
    assert sipp.wait() == 0, sipp.log_text()
    assert not phone.bridge.seen("audio-started")
    phone.bridge.expect("ended", uuid, "unanswered")


def test_declined_from_the_notification(phone):
    """Decline: baresip rejects the INVITE (486) and callkitd ends the
    call as declined."""
    sipp = phone.sipp("uac-declined.xml", caller_user="ivan", caller_name="Ivan")
    uuid, notify = phone.ring(sipp)
    phone.server.invoke(phone.server.notification_id(notify), "decline")
    props = phone.desktop.wait_for_call_property(uuid, "State", "ended", timeout=10)
    assert props["EndedReason"] == "declined"
    phone.bridge.expect("fulfilled", "end-call", uuid)
    assert sipp.wait() == 0, sipp.log_text()


def test_dial_out_busy_fails_with_the_reason(phone):
    sipp = phone.sipp("uas-busy.xml", call=False)
    uuid = new_uuid()
    tid = phone.desktop.request_transaction([{
        "type": "start-call", "call": uuid,
        "handle": ("generic", "sip:bob@%s" % sipp.address),
        "provider": phone.provider_path,
    }])
    outcomes = phone.desktop.wait_for_transaction(tid, timeout=10)
    assert outcomes[0]["result"] == "failed", outcomes
    assert "486" in outcomes[0]["reason"], outcomes
    assert sipp.wait() == 0, sipp.log_text()


def test_dial_out_sipp_answers_and_the_local_end_hangs_up(phone):
    sipp = phone.sipp("uas.xml", call=False)
    uuid = new_uuid()
    tid = phone.desktop.request_transaction([{
        "type": "start-call", "call": uuid,
        "handle": ("generic", "sip:bob@%s" % sipp.address),
        "provider": phone.provider_path,
    }])
    outcomes = phone.desktop.wait_for_transaction(tid, timeout=10)
    assert [o["result"] for o in outcomes] == ["fulfilled"], outcomes
    phone.bridge.expect("outgoing", uuid)
    # The session comes while sipp still rings: the devices follow once
    # the call is established.
    phone.bridge.expect("audio-activated", uuid)
    props = phone.desktop.wait_for_call_property(uuid, "State", "active", timeout=10)
    assert props["IsOutgoing"] is True
    assert props["HasConnected"] is True
    phone.bridge.expect("audio-started", uuid)
    phone.bridge.expect("rtp", uuid)
    phone.wait_call_audible(uuid)

    phone.desktop.call_method(uuid, "End")
    props = phone.desktop.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == "hung-up"
    # sipp's scenario ends with the BYE it got.
    assert sipp.wait() == 0, sipp.log_text()
    phone.bridge.expect("fulfilled", "end-call", uuid)


def test_dial_out_to_nobody_fails_the_start_call(phone):
    """A URI where no SIP peer listens: the start-call, or the call, fails
    with baresip's reason; nothing claims success."""
    uuid = new_uuid()
    tid = phone.desktop.request_transaction([{
        "type": "start-call", "call": uuid, "handle": ("generic", "sip:nobody@"),
        "provider": phone.provider_path,
    }])
    outcomes = phone.desktop.wait_for_transaction(tid, timeout=15)
    assert outcomes[0]["result"] == "failed", outcomes
    assert outcomes[0]["reason"], outcomes


def test_hold_and_answer_then_resume_after_the_remote_end(phone):
    """Call A talks; call B rings; "Hold & Answer" holds A in SIP
    (re-INVITE) and gives B the audio; B's caller hangs up; baresip
    resumes A by itself, the bridge holds it again (callkitd decides);
    the user resumes A, which gets its audio session and its stream back;
    the local end sends BYE."""
    sipp_a = phone.sipp("uac.xml", caller_user="anna", caller_name="Anna")
    a, notify = phone.ring(sipp_a)
    phone.answer(a, notify)
    phone.bridge.expect("audio-started", a)
    phone.wait_call_audible(a)

    sipp_b = phone.sipp("uac.xml", caller_user="bert", caller_name="Bert")
    b, notify = phone.ring(sipp_b)
    assert "hold-answer" in notify[5], notify
    phone.answer(b, notify, action="hold-answer")
    phone.bridge.expect("fulfilled", "set-held", a)
    phone.desktop.wait_for_call_property(a, "IsOnHold", True)
    phone.bridge.expect("audio-stopped", a)
    phone.bridge.expect("audio-started", b)
    phone.wait_call_audible(b)
    assert phone.call_streams(a) == []

    sipp_b.trigger()
    props = phone.desktop.wait_for_call_property(b, "State", "ended", timeout=10)
    assert props["EndedReason"] == "remote-ended"
    assert sipp_b.wait() == 0, sipp_b.log_text()
    phone.bridge.expect("baresip-resumed", a)
    phone.bridge.expect("hold-sync", a, "held")
    phone.desktop.sync()
    assert phone.desktop.get_call_properties(a)["IsOnHold"] is True

    tid = phone.desktop.request_transaction([{"type": "set-held", "call": a, "on_hold": False}])
    outcomes = phone.desktop.wait_for_transaction(tid, timeout=10)
    assert outcomes[0]["result"] == "fulfilled", outcomes
    phone.desktop.wait_for_call_property(a, "State", "active")
    phone.bridge.expect("audio-started", a)
    # The iOS bug: A resumed but stayed silent. Here its stream is back.
    phone.wait_call_audible(a)

    phone.desktop.call_method(a, "End")
    props = phone.desktop.wait_for_call_property(a, "State", "ended")
    assert props["EndedReason"] == "hung-up"
    assert sipp_a.wait() == 0, sipp_a.log_text()


def test_dtmf_and_mute(phone):
    sipp = phone.sipp("uac.xml", caller_user="dora", caller_name="Dora")
    uuid, notify = phone.ring(sipp)
    phone.answer(uuid, notify)
    phone.bridge.expect("rtp", uuid)

    phone.desktop.call_method(uuid, "PlayDTMF", ("(s)", ("12#",)))
    phone.bridge.expect("fulfilled", "play-dtmf", uuid)
    # The digits went out as RTP events; sipp echoed them; baresip heard
    # them.
    for digit in "12#":
        phone.bridge.expect("dtmf-received", uuid, digit)

    phone.desktop.call_method(uuid, "SetMuted", ("(b)", (True,)))
    phone.bridge.expect("muted", uuid, "true")
    phone.desktop.wait_for_call_property(uuid, "IsMuted", True)
    phone.desktop.call_method(uuid, "SetMuted", ("(b)", (False,)))
    phone.bridge.expect("muted", uuid, "false")

    sipp.trigger()
    phone.desktop.wait_for_call_property(uuid, "State", "ended", timeout=10)
    assert sipp.wait() == 0, sipp.log_text()


def test_baresip_restart(phone):
    """baresip dies mid-call: the call ends as failed, the bridge says
    baresip is unreachable and connects again when it is back; the next
    call rings."""
    sipp = phone.sipp("uac.xml", caller_user="erik", caller_name="Erik")
    uuid, notify = phone.ring(sipp)
    phone.answer(uuid, notify)

    phone.baresip.stop(signal.SIGKILL)
    phone.bridge.expect("disconnected")
    props = phone.desktop.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == "failed"
    phone.bridge.expect("unreachable", phone.baresip.ctrl)
    assert "baresip is not reachable at %s" % phone.baresip.ctrl in phone.bridge.log_text()

    phone.start_baresip()
    phone.bridge.expect("ready", phone.baresip.ctrl)
    again = phone.sipp("uac.xml", caller_user="fred", caller_name="Fred")
    uuid2, notify = phone.ring(again)
    phone.answer(uuid2, notify)
    again.trigger()
    phone.desktop.wait_for_call_property(uuid2, "State", "ended", timeout=10)
    assert again.wait() == 0, again.log_text()


def test_callkitd_restart_ends_the_sip_call_and_registers_again(phone, start_daemon):
    sipp = phone.sipp("uac.xml", caller_user="gina", caller_name="Gina")
    uuid, notify = phone.ring(sipp)
    phone.answer(uuid, notify)

    assert phone.daemon.stop() == 0
    phone.bridge.expect("did-reset", phone.baresip.aor)
    # callkitd dropped the call: baresip must not keep talking.
    assert sipp.wait() == 0, sipp.log_text()

    start_daemon()
    path = phone.bridge.expect("provider", phone.baresip.aor, timeout=20)[2]
    again = phone.sipp("uac.xml", caller_user="hans", caller_name="Hans")
    uuid2, _ = phone.ring(again)
    props = phone.desktop.known_call_properties(uuid2)
    assert props["Provider"] == path


def test_bridge_waits_for_baresip_and_says_why(phone, tmp_path):
    """A bridge started before baresip: a clear message, then it connects
    when baresip appears."""
    other = Baresip(tmp_path / "late" / "config", phone.env, user="late")
    phone.procs.add(other)
    late = phone.procs.add(Bridge(["--ctrl", other.ctrl, "--no-audio-switch"],
                                  tmp_path / "late-bridge.log", phone.env))
    late.expect("unreachable", other.ctrl)
    assert ("baresip is not reachable at %s (Connection refused)" % other.ctrl) in late.log_text()
    other.start()
    late.expect("ready", other.ctrl)
    late.expect("provider", other.aor)


@pytest.mark.parametrize("args, message", [
    (["--ctrl", "nonsense"], "bad --ctrl nonsense"),
    (["--ctrl", "127.0.0.1:99999"], "bad --ctrl"),
    (["--audio-player", "pipewire"], "bad audio device pipewire"),
    (["--stream-tag-file", "relative.conf"], "absolute path"),
    (["extra"], "unexpected argument extra"),
])
def test_bad_arguments(args, message, tmp_path):
    require_programs()
    result = subprocess.run([bridge_path()] + args, capture_output=True, text=True,
                            timeout=scaled(10), stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result
    assert message in result.stderr, result.stderr


def test_demo_sip_once(bus):
    """tools/demo.sh --sip --once on the test's private bus, on free ports:
    the call rings, callctl answers it, RTP flows, callctl ends it, and
    sipp's scenario went as written."""
    require_programs()
    builddir = os.path.abspath(os.environ.get("CKD_BUILDDIR") or str(SOURCE_ROOT / "build"))
    if not os.path.exists(os.path.join(builddir, "clients", "baresip-bridge", "baresip-bridge")):
        pytest.skip("baresip-bridge not built in %s: set CKD_BUILDDIR (meson test does)" % builddir)
    env = dict(os.environ, CKD_BUILDDIR=builddir,
               CKD_DEMO_SIP_PORT=str(free_port_range(2)),
               CKD_DEMO_CTRL_PORT=str(free_port()),
               CKD_DEMO_SIPP_PORT=str(free_port()),
               CKD_DEMO_RTP_PORT=str(free_port_range(16)),
               CKD_DEMO_SIPP_RTP_PORT=str(free_port_range(4)))
    result = subprocess.run([str(SOURCE_ROOT / "tools" / "demo.sh"), "--sip", "--once"],
                            env=env, stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=scaled(90))
    assert result.returncode == 0, result.stdout + result.stderr
    listings = result.stdout.split("call listed.")
    assert "ringing" in listings[0] and "Alice Liddell" in listings[0], result.stdout
    assert "+15551234567" in listings[0], result.stdout
    assert "active" in listings[1], result.stdout
    assert "RTP flows" in result.stderr, result.stderr
    assert "sipp's scenario ended with status 0" in result.stderr, result.stderr
    assert "event: fulfilled end-call" in result.stderr, result.stderr
    # sipp ended by itself; the rest the script stopped.
    for name in ("baresip-bridge", "baresip", "callkitd"):
        assert "stopping %s (pid" % name in result.stderr, result.stderr
    bus.wait_for_name_lost("io.github.callkitd.CallKit1")
