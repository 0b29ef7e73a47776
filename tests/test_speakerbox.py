# SPDX-License-Identifier: LGPL-2.1-or-later
"""speakerbox end to end: the sample softphone (SPEAKERBOX, set by meson)
with a real callkitd on a private bus, callctl and a plain client as the
desktop, and a headless PipeWire for the call audio. Each flow of the
phone: incoming (answered with callctl and from the phone), outgoing,
hold and resume, mute, merge and split, DTMF, local and remote end (each
reason), callkitd killed mid-call, and the audio streams that exist exactly
while the call holds the audio session."""

import os
import signal

import pytest

from crash_harness import store_path, wait_file_has
from harness import call_path, new_uuid
from pipewire_harness import wait_for
from speakerbox_harness import finish, start_speakerbox_factory


@pytest.fixture
def start_speakerbox(request, bus, tmp_path):
    start, boxes = start_speakerbox_factory(tmp_path)
    yield start
    errors = finish(boxes)
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


@pytest.fixture
def phone(callkitd, start_speakerbox):
    """speakerbox registered with callkitd; outgoing calls connect fast."""
    return start_speakerbox("--connect-delay", "0.2")


def ring(phone, client, *args):
    uuid = phone.ok("incoming " + " ".join(args))[2]
    phone.expect("call", uuid, "ringing")
    client.wait_for_call_property(uuid, "State", "ringing")
    return uuid


def answer(phone, client, uuid):
    phone.ok("answer " + uuid)
    phone.expect("perform", "answer-call", uuid)
    client.wait_for_call_property(uuid, "State", "active")
    phone.expect("audio-activated", uuid)


# ---------------------------------------------------------------------------
# Incoming

def test_incoming_from_flags_answered_with_callctl(callkitd, start_speakerbox,
                                                   client, run_callctl):
    phone = start_speakerbox("--incoming", "alice@example.org", "--name",
                             "Alice Liddell", "--video", "--delay", "0.1")
    _, uuid, state = phone.expect("call")
    assert state == "ringing"
    props = client.wait_for_call_property(uuid, "State", "ringing")
    assert props["RemoteHandle"] == ("email-address", "alice@example.org")
    assert props["LocalizedCallerName"] == "Alice Liddell"
    assert props["HasVideo"] is True
    assert props["IsOutgoing"] is False
    assert props["SupportsGrouping"] is True

    listed = run_callctl("list").stdout
    assert uuid in listed and "Alice Liddell" in listed
    run_callctl("answer", uuid)
    phone.expect("perform", "answer-call", uuid)
    phone.expect("call", uuid, "active")
    client.wait_for_call_property(uuid, "State", "active")
    # Audio starts on callkitd's word only; without a PipeWire server the
    # call goes on silently.
    phone.expect("audio-activated", uuid)
    phone.expect("audio-missing", uuid)
    assert phone.index("audio-activated", uuid) > phone.index("perform", "answer-call", uuid)


def test_incoming_answered_from_the_phone(phone, client):
    uuid = ring(phone, client, "+15551234567")
    props = client.get_call_properties(uuid)
    assert props["RemoteHandle"] == ("phone-number", "+15551234567")
    assert props["HasVideo"] is False
    reply = phone.ok("answer")        # the newest ringing call
    assert reply[2] == uuid
    phone.expect("completed", reply[3], "answer-call:fulfilled")
    client.wait_for_call_property(uuid, "State", "active")


def test_unknown_caller(phone, client, run_callctl):
    uuid = ring(phone, client, '""')
    assert client.get_call_properties(uuid)["RemoteHandle"] == ("generic", "")
    run_callctl("answer", uuid)
    phone.expect("call", uuid, "active")
    phone.ok("end")
    assert client.wait_for_call_property(uuid, "State", "ended")["EndedReason"] == "hung-up"


def test_incoming_delay_reports_later(phone, client):
    uuid = phone.ok("incoming bob --delay 0.3")[2]
    # Not in callkitd until the delay is over.
    assert call_path(uuid) not in client.managed_objects()
    assert phone.expect("call", uuid, "ringing")
    props = client.wait_for_call_property(uuid, "State", "ringing")
    assert props["RemoteHandle"] == ("generic", "bob")


# ---------------------------------------------------------------------------
# Outgoing

def test_outgoing_connects(phone, client):
    uuid = phone.ok("outgoing +4930123456")[2]
    phone.expect("perform", "start-call", uuid)
    client.wait_for_call(uuid)
    phone.expect("call", uuid, "connecting")
    client.wait_for_call_property(uuid, "State", "connecting")
    phone.expect("call", uuid, "active")
    props = client.wait_for_call_property(uuid, "State", "active")
    assert props["IsOutgoing"] is True
    assert props["HasConnected"] is True
    assert props["RemoteHandle"] == ("phone-number", "+4930123456")
    phone.expect("audio-activated", uuid)


def test_outgoing_from_flag(callkitd, start_speakerbox, client):
    phone = start_speakerbox("--outgoing", "carol@example.org", "--video",
                             "--connect-delay", "0")
    uuid = phone.expect("perform", "start-call")[2]
    props = client.wait_for_call_property(uuid, "State", "active")
    assert props["HasVideo"] is True
    assert props["RemoteHandle"] == ("email-address", "carol@example.org")


def test_outgoing_started_by_callctl(phone, client, run_callctl):
    """A call started elsewhere (the desktop's dialer) is placed by the
    phone all the same."""
    out = run_callctl("start", "Speakerbox", "+4940999").stdout
    uuid = phone.expect("perform", "start-call")[2]
    assert uuid in out
    client.wait_for_call_property(uuid, "State", "active")


# ---------------------------------------------------------------------------
# Hold, mute, groups, DTMF

def test_hold_and_resume(phone, client):
    uuid = ring(phone, client, "alice@example.org")
    answer(phone, client, uuid)
    phone.ok("hold")
    phone.expect("perform", "set-held", uuid)
    phone.expect("call", uuid, "held")
    client.wait_for_call_property(uuid, "State", "held")
    phone.expect("audio-deactivated", uuid)
    phone.ok("resume")
    phone.expect("call", uuid, "active")
    client.wait_for_call_property(uuid, "State", "active")
    phone.expect("audio-activated", uuid)


def test_hold_with_callctl(phone, client, run_callctl):
    uuid = ring(phone, client, "dave")
    answer(phone, client, uuid)
    run_callctl("hold", uuid)
    phone.expect("call", uuid, "held")
    run_callctl("unhold", uuid)
    phone.expect("call", uuid, "active")


def test_mute(phone, client):
    uuid = ring(phone, client, "erin")
    answer(phone, client, uuid)
    phone.ok("mute")
    phone.expect("muted", uuid, "true")
    client.wait_for_call_property(uuid, "IsMuted", True)
    phone.ok("unmute " + uuid[:8])
    phone.expect("muted", uuid, "false")
    client.wait_for_call_property(uuid, "IsMuted", False)


def test_second_call_holds_the_first(phone, client):
    first = ring(phone, client, "alice")
    answer(phone, client, first)
    second = ring(phone, client, "bob")
    reply = phone.ok("answer " + second)
    phone.expect("completed", reply[3])
    client.wait_for_call_property(first, "State", "held")
    client.wait_for_call_property(second, "State", "active")
    phone.expect("audio-deactivated", first)
    phone.expect("audio-activated", second)


def test_merge_and_split(phone, client):
    first = ring(phone, client, "alice")
    answer(phone, client, first)
    second = ring(phone, client, "bob")
    phone.ok("answer " + second)
    # The phone's own view, which merge picks its calls from.
    phone.expect("call", first, "held")
    phone.expect("call", second, "active")

    reply = phone.ok("merge")         # the held call into the active one's group
    assert reply[2] == first
    phone.expect("perform", "set-group", first)
    phone.expect("group", first, second)
    phone.expect("completed", reply[3], "set-group:fulfilled")
    group = client.get_call_properties(first)["Group"]
    assert group != ""
    assert client.get_call_properties(second)["Group"] == group

    phone.ok("split " + first)
    phone.expect("group", first, "none")
    client.wait_for_call_property(first, "Group", "")
    # The split-off call talks; the rest of the group waits.
    client.wait_for_call_property(second, "State", "held")
    assert client.get_call_properties(first)["State"] == "active"


def test_resume_swaps_calls(phone, client):
    first = ring(phone, client, "alice")
    answer(phone, client, first)
    second = ring(phone, client, "bob")
    phone.ok("answer " + second)
    phone.expect("call", second, "active")
    phone.ok("resume " + first)
    client.wait_for_call_property(second, "State", "held")
    client.wait_for_call_property(first, "State", "active")
    phone.expect("audio-activated", first)


def test_dtmf(phone, client, run_callctl):
    uuid = ring(phone, client, "+15550000")
    answer(phone, client, uuid)
    reply = phone.ok("dtmf 12#")
    phone.expect("dtmf", uuid, "12#", "single-tone")
    phone.expect("completed", reply[3], "play-dtmf:fulfilled")
    run_callctl("dtmf", uuid, "*9")
    phone.expect("dtmf", uuid, "*9")


# ---------------------------------------------------------------------------
# Ending

def test_end_locally(phone, client):
    uuid = ring(phone, client, "frank")
    answer(phone, client, uuid)
    phone.ok("end")
    phone.expect("ended", uuid, "hung-up")
    phone.expect("call", uuid, "gone")
    props = client.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == "hung-up"


def test_decline_locally(phone, client, run_callctl):
    uuid = ring(phone, client, "grace")
    run_callctl("end", uuid)
    phone.expect("ended", uuid, "declined")
    props = client.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == "declined"


@pytest.mark.parametrize("reason", ["failed", "remote-ended", "unanswered",
                                    "answered-elsewhere", "declined-elsewhere"])
def test_remote_end(phone, client, reason):
    uuid = ring(phone, client, "heidi")
    if reason in ("failed", "remote-ended"):
        answer(phone, client, uuid)
    phone.ok("remote-end %s %s" % (reason, uuid))
    phone.expect("call", uuid, "gone")
    props = client.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == reason


def test_bad_commands_get_named_errors(phone, client):
    assert phone.command("frobnicate") == ["error", "frobnicate", "unknown",
                                           "command;", "try", "help"]
    assert phone.command("remote-end sideways")[:4] == [
        "error", "remote-end", "unknown", "reason"]
    assert phone.command("hold") == ["error", "hold", "no", "call", "to", "hold"]
    assert phone.command("incoming x --delay soon")[:3] == [
        "error", "incoming", "bad"]
    phone.send('incoming "unbalanced')
    assert phone.reply("?") == ["error", "?", "unbalanced", "quotes"]
    assert phone.command("answer 0000") == ["error", "answer", "no", "call", "0000"]
    uuid = new_uuid()
    phone.ok("incoming a --uuid " + uuid)
    assert phone.command("incoming b --uuid " + uuid) == [
        "error", "incoming", "CallUUIDAlreadyExists"]
    # Still fine.
    ring(phone, client, "ivan")


def test_reset_drops_calls_and_keeps_working(phone, client, run_callctl):
    uuid = ring(phone, client, "alice")
    answer(phone, client, uuid)
    run_callctl("reset", "Speakerbox")
    phone.expect("did-reset", "requested")
    phone.expect("call", uuid, "gone")
    assert client.wait_for_call_property(uuid, "State", "ended")["EndedReason"] == "failed"
    answer(phone, client, ring(phone, client, "bob"))


def test_keeps_running_when_stdin_closes(phone, client, run_callctl):
    """A script that runs out of commands leaves the phone running; only a
    terminal's end of input quits it."""
    phone.proc.stdin.close()
    out = run_callctl("start", "Speakerbox", "+15550001").stdout
    uuid = phone.expect("perform", "start-call")[2]
    assert uuid in out
    client.wait_for_call_property(uuid, "State", "active")
    assert phone.stop(signal.SIGTERM) == 0


def test_sigterm_exits_cleanly(phone, client):
    uuid = ring(phone, client, "judy")
    assert phone.stop(signal.SIGTERM) == 0
    # Its provider went with it: the call ended as failed.
    props = client.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == "failed"


# ---------------------------------------------------------------------------
# callkitd restarts

def test_daemon_killed_mid_call(bus, callkitd, start_daemon, phone, client):
    """callkitd keeps the live calls across a crash: the phone keeps its
    call, and the restarted callkitd gives it back (test_crash_survival.py
    has the rest)."""
    uuid = ring(phone, client, "alice")
    answer(phone, client, uuid)
    wait_file_has(bus, uuid)
    assert callkitd.stop(signal.SIGKILL) == -signal.SIGKILL
    assert phone.ok("list") == ["ok", "list", "1"]
    start_daemon()
    phone.expect("did-begin")
    assert phone.index("did-reset") is None
    client.wait_for_call_property(uuid, "State", "active")
    # A new call works end to end, beside the old one.
    again = ring(phone, client, "bob")
    phone.ok("end " + uuid)
    client.wait_for_call_property(uuid, "State", "ended")
    answer(phone, client, again)
    phone.ok("end")
    client.wait_for_call_property(again, "State", "ended")


def test_daemon_replaced_mid_call(bus, callkitd, start_daemon, phone, client):
    uuid = ring(phone, client, "alice")
    answer(phone, client, uuid)
    start_daemon("--replace", wait=False)
    assert callkitd.wait_exit() == 0
    phone.expect("did-reset", "daemon-restarted")
    phone.expect("did-begin")
    assert call_path(uuid) not in client.managed_objects()
    answer(phone, client, ring(phone, client, "carol"))


def test_waits_for_callkitd(bus, start_daemon, start_speakerbox, make_client):
    phone = start_speakerbox("--incoming", "late@example.org", wait=False)
    phone.expect("waiting-for-callkitd")
    start_daemon()
    phone.expect("did-begin")
    uuid = phone.expect("call")[1]
    client = make_client()
    client.wait_for_call_property(uuid, "State", "ringing")


# ---------------------------------------------------------------------------
# Audio on a headless PipeWire

def call_streams(pw, uuid):
    """The call's stream nodes."""
    return pw.find_nodes(media__role="Communication", callkit__call=uuid)


def stream_classes(pw, uuid):
    return sorted(n["info"]["props"]["media.class"] for n in call_streams(pw, uuid))


BOTH = ["Stream/Input/Audio", "Stream/Output/Audio"]


@pytest.fixture
def pw(start_pipewire):
    return start_pipewire(module_args=None)


def test_audio_streams_follow_the_audio_session(pw, callkitd, start_speakerbox,
                                                client):
    phone = start_speakerbox()
    uuid = ring(phone, client, "alice@example.org", "--name", "Alice")
    # Ringing: no audio session, no streams.
    assert call_streams(pw, uuid) == []
    answer(phone, client, uuid)
    phone.expect("audio-started", uuid)
    wait_for(lambda: stream_classes(pw, uuid) == BOTH, "both call streams")
    for node in call_streams(pw, uuid):
        props = node["info"]["props"]
        assert props["media.role"] == "Communication"
        assert props["callkit.call"] == uuid
        assert props["media.type"] == "Audio"

    phone.ok("hold")
    phone.expect("audio-deactivated", uuid)
    phone.expect("audio-stopped", uuid)
    wait_for(lambda: call_streams(pw, uuid) == [], "the streams to go on hold")

    phone.ok("resume")
    phone.expect("audio-activated", uuid)
    wait_for(lambda: stream_classes(pw, uuid) == BOTH, "the streams back")

    phone.ok("remote-end remote-ended")
    wait_for(lambda: call_streams(pw, uuid) == [], "the streams to go at the end")


def test_audio_moves_to_the_answered_call(pw, callkitd, start_speakerbox, client):
    phone = start_speakerbox()
    first = ring(phone, client, "alice")
    answer(phone, client, first)
    wait_for(lambda: stream_classes(pw, first) == BOTH, "the first call's streams")
    second = ring(phone, client, "bob")
    phone.ok("answer " + second)
    phone.expect("audio-activated", second)
    wait_for(lambda: stream_classes(pw, second) == BOTH
             and call_streams(pw, first) == [], "the audio to move")


def test_audio_stops_on_reset(pw, bus, callkitd, start_daemon, start_speakerbox,
                              client):
    """A callkitd that comes back after a crash without the calls (its
    file is gone): the phone drops the call and its streams."""
    phone = start_speakerbox()
    uuid = ring(phone, client, "alice")
    answer(phone, client, uuid)
    wait_for(lambda: stream_classes(pw, uuid) == BOTH, "the call's streams")
    wait_file_has(bus, uuid)
    assert callkitd.stop(signal.SIGKILL) == -signal.SIGKILL
    os.unlink(store_path(bus))
    start_daemon()
    phone.expect("did-reset", "daemon-vanished")
    wait_for(lambda: call_streams(pw, uuid) == [], "the streams to go")
    phone.expect("did-begin")


def test_audio_goes_on_across_a_crash(pw, bus, callkitd, start_daemon, start_speakerbox,
                                      client):
    phone = start_speakerbox()
    uuid = ring(phone, client, "alice")
    answer(phone, client, uuid)
    wait_for(lambda: stream_classes(pw, uuid) == BOTH, "the call's streams")
    wait_file_has(bus, uuid)
    assert callkitd.stop(signal.SIGKILL) == -signal.SIGKILL
    start_daemon()
    phone.expect("did-begin")
    assert client.get_call_properties(uuid)["State"] == "active"
    assert stream_classes(pw, uuid) == BOTH
    assert phone.index("did-reset") is None


def test_pipewire_going_away_keeps_the_call(pw, callkitd, start_speakerbox, client):
    phone = start_speakerbox()
    uuid = ring(phone, client, "alice")
    answer(phone, client, uuid)
    phone.expect("audio-started", uuid)
    pw.stop()
    phone.expect("audio-unavailable")
    phone.expect("audio-stopped", uuid)
    assert client.get_call_properties(uuid)["State"] == "active"
    # A new server: the next activation connects again.
    pw.start()
    phone.ok("hold")
    phone.expect("audio-deactivated", uuid)
    phone.ok("resume")
    phone.expect("audio-started", uuid)
    wait_for(lambda: stream_classes(pw, uuid) == BOTH, "the streams on the new server")
    phone.ok("end")
    client.wait_for_call_property(uuid, "State", "ended")


def capture_muted(pw, uuid):
    for node in call_streams(pw, uuid):
        if node["info"]["props"]["media.class"] == "Stream/Input/Audio":
            props = {}
            for param in node["info"].get("params", {}).get("Props") or []:
                props.update(param)
            return props.get("mute")
    return None


def test_mute_reaches_the_capture_stream(start_pipewire, callkitd, start_speakerbox, client):
    # Linked by WirePlumber: a stream has its controls once negotiated.
    pw = start_pipewire(module_args=None, wireplumber=True)
    phone = start_speakerbox()
    uuid = ring(phone, client, "alice")
    answer(phone, client, uuid)
    wait_for(lambda: stream_classes(pw, uuid) == BOTH, "the call's streams")
    assert capture_muted(pw, uuid) is False
    phone.ok("mute")
    wait_for(lambda: capture_muted(pw, uuid) is True, "the capture stream muted")
    # Muted across hold and resume: the new stream starts muted.
    phone.ok("hold")
    phone.expect("audio-stopped", uuid)
    phone.ok("resume")
    phone.expect("audio-started", uuid)
    wait_for(lambda: capture_muted(pw, uuid) is True, "the new capture stream muted")
    phone.ok("unmute")
    wait_for(lambda: capture_muted(pw, uuid) is False, "the capture stream unmuted")
