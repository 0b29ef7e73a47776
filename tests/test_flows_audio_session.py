# SPDX-License-Identifier: LGPL-2.1-or-later
"""The audio session follows the one active call (DESIGN.md, lesson 2):
a provider gets DidActivateAudioSession when its call becomes the active
one, DidDeactivateAudioSession when it is held or ends, and
AudioSessionActive tells the same. The iOS bug to avoid: A held to answer
B, B ended remotely, A resumed — and A never gets its audio back.

These are the call-model side of the audio policy; PipeWire is not needed.
"""

from harness import PROVIDER_IFACE, wait_until
from test_flows_support import (  # noqa: F401 - fixtures
    action, active_call, new_uuid, ring, shell, spy, transact)

HANDLE_A = ("phone-number", "+4930111")
HANDLE_B = ("phone-number", "+4930222")


def audio_signals(provider):
    return [(s.name, sorted(s.args[0].get("calls", [])))
            for s in provider.signals
            if s.name in ("DidActivateAudioSession", "DidDeactivateAudioSession")]


def wait_audio(provider, expected):
    """Wait until the provider's audio-session signals so far are exactly
    ``expected``: a list of ("activate" | "deactivate", [calls])."""
    __tracebackhide__ = True
    want = [("DidActivateAudioSession" if what == "activate"
             else "DidDeactivateAudioSession", sorted(calls))
            for what, calls in expected]
    wait_until(lambda: audio_signals(provider) == want,
               message=lambda: "audio session signals %r on %s (got %r)" % (
                   want, provider.path, audio_signals(provider)))
    provider.client.sync()
    assert audio_signals(provider) == want


def audio_active(shell, provider):
    return shell.get_property(provider.path, PROVIDER_IFACE, "AudioSessionActive")


def wait_audio_active(shell, provider, value):
    __tracebackhide__ = True
    wait_until(lambda: any(c.get("AudioSessionActive") == value
                           for c in shell.log.provider_property_changes(provider.path)[-1:]),
               message="AudioSessionActive == %r on %s" % (value, provider.path))
    assert audio_active(shell, provider) is value


def test_answered_call_gets_the_audio_session(provider, shell, spy):
    a = ring(provider, remote_handle=HANDLE_A)
    shell.sync()
    assert audio_active(shell, provider) is False
    assert audio_signals(provider) == []  # ringing: no call audio yet
    transact(shell, [(provider, action("answer-call", a))])
    wait_audio(provider, [("activate", [a])])
    wait_audio_active(shell, provider, True)

    provider.report_ended(a, "remote-ended")
    wait_audio(provider, [("activate", [a]), ("deactivate", [a])])
    wait_audio_active(shell, provider, False)
    spy.log.assert_nothing_private()


def test_hold_answer_remote_end_resume_across_providers(app, make_client, shell):
    """Lesson 2: resuming A activates A's audio session again."""
    pa = app.register_provider({"localized_name": "A"})
    pb = make_client("other-app").register_provider({"localized_name": "B"})
    a = active_call(shell, pa, remote_handle=HANDLE_A)
    wait_audio(pa, [("activate", [a])])

    b = ring(pb, remote_handle=HANDLE_B)
    transact(shell, [(pa, action("set-held", a, on_hold=True)),
                     (pb, action("answer-call", b))])
    wait_audio(pa, [("activate", [a]), ("deactivate", [a])])
    wait_audio(pb, [("activate", [b])])
    wait_audio_active(shell, pa, False)
    wait_audio_active(shell, pb, True)

    pb.report_ended(b, "remote-ended")
    wait_audio(pb, [("activate", [b]), ("deactivate", [b])])
    wait_audio_active(shell, pb, False)
    # A is still held: no audio for it yet.
    assert audio_signals(pa) == [("DidActivateAudioSession", [a]),
                                 ("DidDeactivateAudioSession", [a])]

    transact(shell, [(pa, action("set-held", a, on_hold=False))])
    wait_audio(pa, [("activate", [a]), ("deactivate", [a]), ("activate", [a])])
    wait_audio_active(shell, pa, True)


def test_audio_session_released_when_owner_resets(provider, shell):
    a = active_call(shell, provider, remote_handle=HANDLE_A)
    wait_audio(provider, [("activate", [a])])
    provider.reset()
    provider.wait_for_signal("DidReset")
    wait_audio(provider, [("activate", [a]), ("deactivate", [a])])
    wait_audio_active(shell, provider, False)


def test_outgoing_call_has_audio_once_connected(app, provider, shell):
    uuid = new_uuid()
    transact(app, [(provider, action("start-call", uuid, handle=HANDLE_A))])
    provider.report_outgoing_connected(uuid)
    shell.log.wait_call_property(uuid, "State", "active")
    wait_audio(provider, [("activate", [uuid])])
    wait_audio_active(shell, provider, True)


def last_audio_signal(provider):
    signals = audio_signals(provider)
    return signals[-1] if signals else None


def test_hold_answer_remote_end_resume_in_one_provider(provider, shell):
    """Lesson 2 with both calls in one app: the app keeps the session while
    B replaces A, loses it when B ends with A still held, and gets it back
    for A when A is resumed."""
    a = active_call(shell, provider, remote_handle=HANDLE_A)
    wait_audio(provider, [("activate", [a])])
    b = ring(provider, remote_handle=HANDLE_B)
    transact(shell, [(provider, action("set-held", a, on_hold=True)),
                     (provider, action("answer-call", b))])
    shell.log.wait_call_property(b, "State", "active")
    shell.sync()
    assert audio_active(shell, provider) is True
    assert last_audio_signal(provider)[0] == "DidActivateAudioSession"

    provider.report_ended(b, "remote-ended")
    wait_until(lambda: last_audio_signal(provider)
               == ("DidDeactivateAudioSession", [b]),
               message=lambda: "DidDeactivateAudioSession for B (got %r)"
               % audio_signals(provider))
    wait_audio_active(shell, provider, False)

    transact(shell, [(provider, action("set-held", a, on_hold=False))])
    wait_until(lambda: last_audio_signal(provider)
               == ("DidActivateAudioSession", [a]),
               message=lambda: "DidActivateAudioSession for A (got %r)"
               % audio_signals(provider))
    wait_audio_active(shell, provider, True)


def test_audio_session_follows_a_merged_group(provider, shell):
    """A group is one active unit: holding it releases the session,
    resuming it gives it back for every member."""
    grouping = {"supports_grouping": True}
    a = active_call(shell, provider, remote_handle=HANDLE_A, **grouping)
    b = ring(provider, remote_handle=HANDLE_B, **grouping)
    transact(shell, [(provider, action("set-held", a, on_hold=True)),
                     (provider, action("answer-call", b))])
    transact(shell, [(provider, action("set-group", a, group_with=b))])
    shell.log.wait_call_property(a, "State", "active")
    transact(shell, [(provider, action("set-held", b, on_hold=True))])
    shell.log.wait_call_property(a, "State", "held")
    wait_until(lambda: last_audio_signal(provider)
               == ("DidDeactivateAudioSession", sorted([a, b])),
               message=lambda: "DidDeactivateAudioSession for the group (got %r)"
               % audio_signals(provider))
    wait_audio_active(shell, provider, False)
    transact(shell, [(provider, action("set-held", a, on_hold=False))])
    wait_until(lambda: last_audio_signal(provider)
               == ("DidActivateAudioSession", sorted([a, b])),
               message=lambda: "DidActivateAudioSession for the group (got %r)"
               % audio_signals(provider))
    wait_audio_active(shell, provider, True)
