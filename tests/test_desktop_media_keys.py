# SPDX-License-Identifier: LGPL-2.1-or-later
"""Headset buttons and media keys: while a call is live callkitd is the
MPRIS player org.mpris.MediaPlayer2.callkitd. playerctl (the consumer
GNOME's and KDE's media keys resemble) answers a ringing call with
play-pause, ends the active one with play-pause or pause (or, with
[MediaKeys] pause-mutes=true, mutes and unmutes it), and the player's
name goes when no call is left.
"""

import os
import subprocess

from gi.repository import GLib

from harness import ring, wait_until

PLAYER = "org.mpris.MediaPlayer2.callkitd"
PLAYER_PATH = "/org/mpris/MediaPlayer2"
PLAYER_IFACE = "org.mpris.MediaPlayer2.Player"
ROOT_IFACE = "org.mpris.MediaPlayer2"
ALICE = ("phone-number", "+4930123456")


def poll_until(condition, **kwargs):
    """wait_until for a condition read with synchronous D-Bus calls, which
    wake no main loop: poll."""
    __tracebackhide__ = True
    kwargs.setdefault("poll_interval", 0.02)
    return wait_until(condition, **kwargs)


def playerctl(*args):
    result = subprocess.run(["playerctl", "--player=callkitd"] + list(args),
                            env=dict(os.environ), capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def player_props(client, iface=PLAYER_IFACE):
    return client.call(PLAYER_PATH, "org.freedesktop.DBus.Properties",
                       "GetAll", GLib.Variant("(s)", (iface,)), dest=PLAYER)


def has_player(bus):
    return bus.get_name_owner(PLAYER) is not None


def write_conf(bus, text):
    path = bus.home / ".config" / "callkitd" / "callkitd.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def answer_with_key(provider, client, uuid):
    playerctl("play-pause")
    action = provider.wait_for_action("answer-call", uuid)
    provider.fulfill(action.id)
    client.wait_for_call_property(uuid, "State", "active")


def test_player_lives_with_the_calls(bus, callkitd, client, provider):
    assert "media-keys" in client.manager_property("Capabilities")
    assert not has_player(bus)
    uuid = ring(provider, client, remote_handle=ALICE,
                localized_caller_name="Ada")
    bus.wait_for_name_owner(PLAYER)
    assert bus.get_name_owner(PLAYER) == callkitd.unique_name
    props = player_props(client)
    assert props["PlaybackStatus"] == "Playing"
    assert props["CanPlay"] is True
    assert props["CanPause"] is False
    assert props["CanControl"] is True
    assert props["Metadata"]["xesam:title"] == "Ada"
    assert props["Metadata"]["xesam:artist"] == ["Test Phone"]
    assert props["Metadata"]["mpris:trackid"].endswith(uuid.replace("-", "_"))
    root = player_props(client, ROOT_IFACE)
    assert root["Identity"] == "Calls"
    assert root["CanRaise"] is True
    assert playerctl("status") == "Playing"
    provider.report_ended(uuid, "remote-ended")
    client.wait_for_call_removed(uuid)
    bus.wait_for_name_lost(PLAYER)


def test_play_pause_answers_then_hangs_up(bus, callkitd, client, provider):
    changes = []
    client.connection.signal_subscribe(
        None, "org.freedesktop.DBus.Properties", "PropertiesChanged",
        PLAYER_PATH, PLAYER_IFACE, 0,
        lambda c, s, p, i, m, params: changes.append(params.unpack()[1]))
    uuid = ring(provider, client, remote_handle=ALICE)
    bus.wait_for_name_owner(PLAYER)
    answer_with_key(provider, client, uuid)
    # The desktop hears that the key now hangs up.
    poll_until(lambda: any(c.get("CanPause") is True for c in changes))
    props = player_props(client)
    assert props["CanPause"] is True
    assert props["CanPlay"] is True
    playerctl("play-pause")
    action = provider.wait_for_action("end-call", uuid)
    provider.fulfill(action.id)
    client.wait_for_call_removed(uuid)
    assert client.known_call_properties(uuid)["EndedReason"] == "hung-up"
    bus.wait_for_name_lost(PLAYER)


def test_pause_on_a_ringing_call_does_nothing_stop_declines(
        bus, callkitd, client, provider):
    uuid = ring(provider, client, remote_handle=ALICE)
    bus.wait_for_name_owner(PLAYER)
    # As a consumer that ignores CanPause would send it.
    client.call(PLAYER_PATH, PLAYER_IFACE, "Pause", dest=PLAYER)
    client.sync()
    provider.assert_no_signal("PerformAction")
    playerctl("stop")
    action = provider.wait_for_action("end-call", uuid)
    provider.fulfill(action.id)
    client.wait_for_call_removed(uuid)
    assert client.known_call_properties(uuid)["EndedReason"] == "declined"


def test_second_ringing_call_is_answered_holding_the_first(
        bus, callkitd, client, provider):
    provider.auto_fulfill = True
    first = ring(provider, client, remote_handle=ALICE, supports_holding=True)
    bus.wait_for_name_owner(PLAYER)
    playerctl("play-pause")
    client.wait_for_call_property(first, "State", "active")
    second = ring(provider, client, remote_handle=("generic", "bob"))
    assert player_props(client)["Metadata"]["xesam:title"] == "bob"
    playerctl("play-pause")
    client.wait_for_call_property(second, "State", "active")
    client.wait_for_call_property(first, "State", "held")


def test_owner_vanishing_removes_the_player(bus, callkitd, client,
                                            make_client):
    app = make_client("doomed")
    provider = app.register_provider({})
    ring(provider, client)
    bus.wait_for_name_owner(PLAYER)
    app.close()
    bus.wait_for_name_lost(PLAYER)


def test_pause_mutes_when_set(bus, start_daemon, make_client):
    write_conf(bus, "[MediaKeys]\npause-mutes=true\n")
    start_daemon()
    client = make_client()
    provider = make_client("app").register_provider({})
    uuid = ring(provider, client, remote_handle=ALICE)
    bus.wait_for_name_owner(PLAYER)
    answer_with_key(provider, client, uuid)
    provider.auto_fulfill = True
    playerctl("pause")
    client.wait_for_call_property(uuid, "IsMuted", True)
    playerctl("play")
    client.wait_for_call_property(uuid, "IsMuted", False)
    playerctl("play-pause")
    client.wait_for_call_property(uuid, "IsMuted", True)
    playerctl("play-pause")
    client.wait_for_call_property(uuid, "IsMuted", False)
    assert client.get_call_properties(uuid)["State"] == "active"


def test_disabled_in_settings(bus, start_daemon, make_client):
    write_conf(bus, "[MediaKeys]\nenabled=false\n")
    start_daemon()
    client = make_client()
    assert "media-keys" not in client.manager_property("Capabilities")
    provider = make_client("app").register_provider({})
    ring(provider, client)
    client.sync()
    assert not has_player(bus)


def test_name_taken_by_another_process(bus, start_daemon, make_client):
    squatter = make_client("squatter")
    squatter.connection.call_sync(
        "org.freedesktop.DBus", "/org/freedesktop/DBus",
        "org.freedesktop.DBus", "RequestName",
        GLib.Variant("(su)", (PLAYER, 4)), None, 0, -1, None)
    daemon = start_daemon()
    client = make_client()
    provider = make_client("app").register_provider({})
    provider.auto_fulfill = True
    uuid = ring(provider, client)
    poll_until(lambda: "media-keys" not in client.manager_property("Capabilities"))
    assert "media keys do not reach calls" in daemon.log_text()
    # Calls work all the same.
    client.call_method(uuid, "Answer")
    client.wait_for_call_property(uuid, "State", "active")


def test_no_mpris_consumer(bus, callkitd, client, provider):
    """Nobody listens to the player: calls work as ever."""
    provider.auto_fulfill = True
    uuid = ring(provider, client)
    bus.wait_for_name_owner(PLAYER)
    client.call_method(uuid, "Answer")
    client.wait_for_call_property(uuid, "State", "active")
    client.call_method(uuid, "End")
    client.wait_for_call_removed(uuid)
    bus.wait_for_name_lost(PLAYER)


def test_open_uri_is_not_supported(bus, callkitd, client, provider):
    from harness import raises_dbus_error
    ring(provider, client)
    bus.wait_for_name_owner(PLAYER)
    with raises_dbus_error("org.freedesktop.DBus.Error.NotSupported"):
        client.call(PLAYER_PATH, PLAYER_IFACE, "OpenUri",
                    GLib.Variant("(s)", ("file:///x.ogg",)), dest=PLAYER)
