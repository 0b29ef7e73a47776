# SPDX-License-Identifier: LGPL-2.1-or-later
"""Call audio end to end: every real piece at once.

A headless PipeWire with libpipewire-module-callkit and WirePlumber,
callkitd publishing its decision in the `callkit` metadata, speakerbox as
the softphones (their streams tagged with their calls, started on
DidActivateAudioSession), a pw-cat Music stream standing for the user's
music, and a desktop client asking for transactions. What is audible is
read back as the module leaves it: each stream's `callkit.stream` entry
and its soft volume and mute beside its own.

The case iOS gets wrong (DESIGN.md, issue 4): call A is held to answer
call B; B is ended by the remote side; the user resumes A; A's provider
gets DidActivateAudioSession again and A's streams are audible again,
with two providers and with one.
"""

import signal

import pytest

from pipewire_harness import wait_for
from test_audio_module import (  # noqa: F401 - fixtures
    StreamNode, entries, streams, wait_sounds, wait_session)
from test_speakerbox import start_speakerbox  # noqa: F401 - fixture


@pytest.fixture
def audio(start_pipewire, start_daemon, make_client):
    """PipeWire with our module and WirePlumber, then callkitd, then a
    desktop client. callkitd connects to PipeWire with the first call: the
    tests wait for what the module does with each call's streams."""
    server = start_pipewire(wireplumber=True)
    daemon = start_daemon()
    desktop = make_client("desktop")
    return server, daemon, desktop


def call_nodes(server, uuid):
    """The stream nodes of a call, by the callkit.call property that
    speakerbox puts on them."""
    return [StreamNode(server, node["id"])
            for node in server.find_nodes(media__role="Communication",
                                          callkit__call=uuid)]


def wait_call_audible(server, uuid):
    """Both of the call's streams exist and the module lets them be heard
    as they are."""
    nodes = wait_for(lambda: len(call_nodes(server, uuid)) == 2 and call_nodes(server, uuid),
                     "the two streams of call %s" % uuid)
    for node in nodes:
        wait_sounds(node, "allowed", uuid)
    return nodes


def ringtones(server):
    return [n for n in server.nodes()
            if n["info"]["props"].get("callkit.ringtone") in (True, "true")]


def ring(phone, desktop, handle):
    uuid = phone.ok("incoming " + handle)[2]
    phone.expect("call", uuid, "ringing")
    desktop.wait_for_call_property(uuid, "State", "ringing")
    return uuid


def answer_holding(desktop, phone, uuid, held):
    """What the notification's "Hold & Answer" does: one transaction."""
    tid = desktop.request_transaction([
        {"type": "set-held", "call": held, "on_hold": True},
        {"type": "answer-call", "call": uuid},
    ])
    outcomes = desktop.wait_for_transaction(tid)
    assert [o["result"] for o in outcomes] == ["fulfilled", "fulfilled"], outcomes
    desktop.wait_for_call_property(uuid, "State", "active")
    phone.expect("audio-activated", uuid)


def resume(desktop, uuid):
    tid = desktop.request_transaction([{"type": "set-held", "call": uuid,
                                        "on_hold": False}])
    outcomes = desktop.wait_for_transaction(tid)
    assert outcomes[0]["result"] == "fulfilled", outcomes
    desktop.wait_for_call_property(uuid, "State", "active")


def held_remote_end_resume(server, desktop, music, phone_a, phone_b):
    a = ring(phone_a, desktop, "alice")
    phone_a.ok("answer " + a)
    phone_a.expect("audio-activated", a)
    wait_call_audible(server, a)
    wait_sounds(music, "ducked")

    b = ring(phone_b, desktop, "bob")
    # A second call during an active one: the call-waiting tone, which
    # the module leaves as loud as it is.
    tone = wait_for(lambda: ringtones(server), "the call-waiting tone")[0]
    assert tone["info"]["props"]["media.name"] == "call-waiting"
    wait_sounds(StreamNode(server, tone["id"]), "untouched")
    answer_holding(desktop, phone_b, b, held=a)
    phone_a.expect("audio-deactivated", a)
    # A's streams stop while it is held; B's are heard; music stays down.
    wait_for(lambda: call_nodes(server, a) == [], "call A's streams to stop")
    wait_call_audible(server, b)
    wait_sounds(music, "ducked")

    phone_b.ok("remote-end remote-ended")
    desktop.wait_for_call_property(b, "State", "ended")
    phone_b.expect("audio-deactivated", b)
    wait_for(lambda: call_nodes(server, b) == [], "call B's streams to stop")

    resume(desktop, a)
    phone_a.expect("audio-activated", a)
    # The iOS bug: A resumed but stayed silent. Here it is heard again.
    wait_call_audible(server, a)
    wait_sounds(music, "ducked")
    meta = entries(server)
    session = [v for (subject, key), v in meta.items()
               if key.startswith("callkit.call.") and v.get("audio")]
    assert [s["state"] for s in session] == ["active"], meta

    phone_a.ok("end " + a)
    desktop.wait_for_call_property(a, "State", "ended")
    wait_session(server, False)
    wait_sounds(music, "untouched")


def test_resume_after_remote_end_two_providers(audio, start_speakerbox, streams):
    server, _, desktop = audio
    music = streams(server, "Music")
    wait_sounds(music, "untouched")
    held_remote_end_resume(server, desktop, music, start_speakerbox(),
                           start_speakerbox())


def test_resume_after_remote_end_one_provider(audio, start_speakerbox, streams):
    server, _, desktop = audio
    music = streams(server, "Music")
    phone = start_speakerbox()
    held_remote_end_resume(server, desktop, music, phone, phone)


def test_ringing_call_leaves_music_alone(audio, start_speakerbox, streams):
    """Ringing is not a call holding the session: the music is not ducked
    until the answer is fulfilled, and the ringtone plays beside it."""
    server, _, desktop = audio
    music = streams(server, "Music")
    phone = start_speakerbox()
    uuid = ring(phone, desktop, "carol")
    wait_for(lambda: ringtones(server), "the ringtone stream")
    wait_sounds(music, "untouched")
    phone.ok("answer " + uuid)
    phone.expect("audio-activated", uuid)
    wait_sounds(music, "ducked")
    wait_for(lambda: not ringtones(server), "the ringtone to stop")


def test_callkitd_killed_mid_call_restores_the_music(audio, start_speakerbox, streams):
    """callkitd dies with a call holding the session: its PipeWire client
    goes, and the module gives the music back its own volume."""
    server, daemon, desktop = audio
    music = streams(server, "Music")
    phone = start_speakerbox()
    uuid = ring(phone, desktop, "dave")
    phone.ok("answer " + uuid)
    phone.expect("audio-activated", uuid)
    wait_sounds(music, "ducked")

    assert daemon.stop(signal.SIGKILL) == -signal.SIGKILL
    wait_session(server, False)
    wait_sounds(music, "untouched")
    assert not [key for (_, key) in entries(server)
                if key.startswith("callkit.call.") or key == "callkit.daemon"]
