# SPDX-License-Identifier: LGPL-2.1-or-later
"""Notifications in the user's language, from the catalogs built in po/."""

import os

import pytest

import harness
from harness import ring
from test_notifications import (PROVIDER_CONFIG, server, without_duration,  # noqa: F401
                                start_server, wait_for_capability)


def locale_dir():
    """Where the build put <lang>/LC_MESSAGES/callkitd.mo."""
    path = os.environ.get("CALLKITD_LOCALEDIR")
    return path or str(harness.SOURCE_ROOT / "build" / "po")


@pytest.fixture
def start_localized(start_server, start_daemon, make_client):
    """Factory: callkitd in ``language``, with a provider once it knows
    the server; returns (client, provider)."""
    path = locale_dir()
    if not os.path.exists(os.path.join(path, "de", "LC_MESSAGES",
                                       "callkitd.mo")):
        pytest.fail("no German catalog in %s: build the project first, or "
                    "set CALLKITD_LOCALEDIR (meson test does)" % path)

    def start(language):
        start_server()
        # LANGUAGE applies to any locale but C; C.UTF-8 is always there.
        start_daemon(env={"LC_ALL": "C.UTF-8", "LANGUAGE": language,
                          "CALLKITD_LOCALEDIR": path})
        client = make_client("client")
        wait_for_capability(client)
        return client, make_client("app").register_provider(PROVIDER_CONFIG)

    return start


@pytest.mark.parametrize("language,texts", [
    ("de", ("Eingehender Videoanruf", "Unbekannter Anrufer\nSpeakerbox",
            ["default", "Anzeigen", "answer", "Annehmen",
             "decline", "Ablehnen"],
            "Verpasster Videoanruf von Unbekannter Anrufer",
            ["dismiss", "Verwerfen"])),
    ("fr", ("Appel vidéo entrant", "Appelant inconnu\nSpeakerbox",
            ["default", "Afficher", "answer", "Répondre",
             "decline", "Refuser"],
            "Appel vidéo manqué de Appelant inconnu",
            ["dismiss", "Ignorer"])),
    # No catalog: the original texts.
    ("eo", ("Incoming video call", "Unknown caller\nSpeakerbox",
            ["default", "Show", "answer", "Answer", "decline", "Decline"],
            "Missed video call from Unknown caller",
            ["dismiss", "Dismiss"])),
])
def test_ringing_and_missed_in_the_users_language(start_localized, server,
                                                  language, texts):
    summary, body, actions, missed_summary, missed_actions = texts
    client, phone = start_localized(language)
    call = ring(phone, client, has_video=True)
    ringing = server.wait_for_notify("call.incoming")
    assert (ringing[3], ringing[4], ringing[5]) == (summary, body, actions)

    phone.report_ended(call, "remote-ended")
    missed = server.wait_for_notify("call.unanswered")
    assert (missed[3], missed[5]) == (missed_summary, missed_actions)


def test_ongoing_in_german(start_localized, server):
    client, phone = start_localized("de")
    phone.auto_fulfill = True
    call = ring(phone, client, localized_caller_name="Alice",
                supports_holding=True)
    client.call_method(call, "Answer")
    client.call_method(call, "SetMuted", ("(b)", (True,)))
    client.call_method(call, "SetHeld", ("(b)", (True,)))
    ongoing = harness.wait_until(
        lambda: next((n for n in server.notifies("call")
                      if n[3] == "Anruf gehalten"), None),
        message="the ongoing call's notification, on hold")
    assert without_duration(ongoing[4]) == "Alice\nSpeakerbox\nStummgeschaltet"
    assert ongoing[5] == ["default", "Anzeigen", "hang-up", "Auflegen",
                          "unmute", "Stummschaltung aufheben",
                          "resume", "Fortsetzen"]
