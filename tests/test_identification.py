# SPDX-License-Identifier: LGPL-2.1-or-later
"""Caller identification: lookup services registered with the
CallDirectory (real services on their own connections), the deadline
before a call rings, late answers, the cache, the counters, and the
merged Call.Identity with its precedence, shown in the notification
(python-dbusmock's notification server) and the history."""

import os
import struct
import subprocess
import zlib

import pytest
from gi.repository import GLib

import harness
from harness import (DIRECTORY_IFACE, HISTORY_IFACE, ROOT_PATH,
                     call_path, raises_dbus_error, ring, vardict,
                     wait_until)
from identification_harness import (LookupService, service_stats, stats,
                                    write_identification_conf)
from test_notifications import CAPABILITIES, NotificationServer, wait_for_capability

PIZZA = "+15551230001"
BOB = "+15551230002"
NOBODY = "+15551230009"
SERVICE_A = "org.example.LookupA"
SERVICE_B = "org.example.LookupB"


_server = None


@pytest.fixture
def server(make_client):
    global _server
    _server = NotificationServer(make_client("observer"))
    yield _server
    _server = None


@pytest.fixture
def callkitd(request, bus, server, dbusmock_template, start_daemon):
    """callkitd with a notification server, and the [Identification] keys
    of @pytest.mark.identification_conf (by default a deadline long enough
    for answers given at once to come before it on a loaded machine: the
    tests of the deadline set a short one)."""
    marker = request.node.get_closest_marker("identification_conf")
    keys = {"deadline_ms": 5000}
    keys.update(marker.kwargs if marker is not None else {})
    write_identification_conf(bus, **keys)
    dbusmock_template("notification_daemon", CAPABILITIES)
    return start_daemon()


@pytest.fixture
def phone(app, client):
    wait_for_capability(client)
    return app.register_provider({"localized_name": "Phone"})


@pytest.fixture
def service(callkitd, make_client):
    """Service A, registered, answering at once."""
    return LookupService(make_client("service-a"), SERVICE_A, {
        PIZZA: {"name": "Pizza Place", "label": "Business"},
    }).register()


def ring_from(phone, client, number, identified=True, **update):
    """Report an incoming call from ``number``. ``identified``: and wait
    until its ringing notification is shown, which callkitd does once
    every service asked has answered (or the deadline passed): the call
    is on the bus at once, so its Identity read before that may lack the
    services' answers."""
    shown = len(_server.notifies("call.incoming", fresh=True))
    uuid = ring(phone, client, remote_handle=("phone-number", number), **update)
    if identified:
        _server.wait_for_notify("call.incoming", count=shown + 1, fresh=True)
    return uuid


def identity(client, uuid):
    return client.get_property(call_path(uuid), BUS_CALL_IFACE, "Identity")


BUS_CALL_IFACE = "io.github.callkitd.CallKit1.Call"


def caller_line(notify):
    """Who calls, as a ringing call's notification says it: the body's
    first line (its summary is "Incoming call")."""
    return notify[4].split("\n")[0]


def ringing_notifies(server):
    return server.notifies("call.incoming")


# -- answers and precedence ---------------------------------------------------


def test_service_answer_is_in_the_first_notification(client, phone, service, server):
    uuid = ring_from(phone, client, PIZZA)
    first = server.wait_for_notify("call.incoming")
    assert first[3] == "Incoming call"
    assert caller_line(first) == "Pizza Place"
    assert "Business" in first[4]
    assert identity(client, uuid) == {
        "name": "Pizza Place", "label": "Business",
        "sources": {"name": "service:" + SERVICE_A, "label": "service:" + SERVICE_A}}
    assert service.lookups() == [("phone-number", PIZZA, {"provider_name": "Phone"})]


def test_provider_wins_field_by_field_and_updates_only_what_it_sends(
        client, phone, service):
    uuid = ring_from(phone, client, PIZZA, localized_caller_name="Alice")
    assert identity(client, uuid) == {
        "name": "Alice", "label": "Business",
        "sources": {"name": "provider", "label": "service:" + SERVICE_A}}
    phone.report_updated(uuid, caller_label="Friend")
    client.wait_for_call_property(uuid, "Identity", {
        "name": "Alice", "label": "Friend",
        "sources": {"name": "provider", "label": "provider"}})
    # An empty name from the provider gives the field back to the service.
    phone.report_updated(uuid, localized_caller_name="")
    client.wait_for_call_property(uuid, "Identity", {
        "name": "Pizza Place", "label": "Friend",
        "sources": {"name": "service:" + SERVICE_A, "label": "provider"}})


def test_the_service_registered_first_wins_among_services(client, phone, make_client):
    a = LookupService(make_client("a"), SERVICE_A, {PIZZA: {"name": "A's name"}}).register()
    b = LookupService(make_client("b"), SERVICE_B, {
        PIZZA: {"name": "B's name", "label": "B's label", "suspected_spam": True},
    }).register()
    uuid = ring_from(phone, client, PIZZA)
    assert identity(client, uuid) == {
        "name": "A's name", "label": "B's label", "suspected_spam": True,
        "sources": {"name": "service:" + SERVICE_A, "label": "service:" + SERVICE_B,
                    "suspected_spam": "service:" + SERVICE_B}}
    assert len(a.lookups()) == len(b.lookups()) == 1


def test_suspected_spam_is_marked_in_the_notification(client, phone, make_client, server):
    LookupService(make_client("spam"), SERVICE_A, {
        NOBODY: {"label": "Telemarketer", "suspected_spam": True}}).register()
    ring_from(phone, client, NOBODY)
    notify = server.wait_for_notify("call.incoming")
    assert notify[3] == "Suspected spam call"
    assert caller_line(notify) == NOBODY
    assert "Telemarketer" in notify[4]


def test_a_provider_that_says_all_is_not_looked_up(client, phone, service):
    ring_from(phone, client, PIZZA, localized_caller_name="Alice", caller_label="Work",
              suspected_spam=False)
    # The service is asked for a caller the provider left a field open for.
    ring_from(phone, client, BOB, localized_caller_name="Bob")
    service.wait_for_lookup()
    assert [handle for _, handle, _ in service.lookups()] == [BOB]
    assert stats(client)["skipped"] == 1


def test_unknown_callers_are_not_looked_up(client, phone, service, server):
    uuid = ring(phone, client)
    ring_from(phone, client, BOB)
    service.wait_for_lookup()
    assert [handle for _, handle, _ in service.lookups()] == [BOB]
    assert stats(client)["anonymous"] == 1
    assert identity(client, uuid) == {"sources": {}}


def test_the_history_keeps_the_merged_name(client, phone, service):
    uuid = ring_from(phone, client, PIZZA)
    phone.report_ended(uuid, "remote-ended")
    client.wait_for_call_removed(uuid)
    entries = wait_until(lambda: client.call(
        ROOT_PATH, HISTORY_IFACE, "GetEntries",
        GLib.Variant.new_tuple(vardict())) or None)
    assert entries[0]["localized_caller_name"] == "Pizza Place"


# -- the deadline and late answers --------------------------------------------


@pytest.mark.identification_conf(deadline_ms=100)
def test_a_hanging_service_holds_ringing_to_the_deadline_only(
        client, phone, service, server):
    service.hold = True
    uuid = ring_from(phone, client, PIZZA, identified=False)
    service.wait_for_pending()
    first = server.wait_for_notify("call.incoming")
    # Shown while the service still had not answered.
    assert len(service.pending) == 1
    assert caller_line(first) == PIZZA
    assert identity(client, uuid) == {"sources": {}}

    service.answer_pending()
    client.wait_for_call_property(uuid, "Identity", {
        "name": "Pizza Place", "label": "Business",
        "sources": {"name": "service:" + SERVICE_A, "label": "service:" + SERVICE_A}})
    update = server.wait_for_notify("call.incoming", count=2)
    assert update[1] == server.notification_id(first)
    assert caller_line(update) == "Pizza Place"
    counters = service_stats(client, SERVICE_A)
    assert (counters["lookups"], counters["answers"], counters["late"]) == (1, 1, 1)


@pytest.mark.identification_conf(deadline_ms=100)
def test_a_service_that_crashes_mid_lookup_is_skipped(client, phone, service, server):
    service.hold = True
    uuid = ring_from(phone, client, PIZZA, identified=False)
    service.wait_for_pending()
    service.client.close()
    first = server.wait_for_notify("call.incoming")
    assert caller_line(first) == PIZZA
    wait_until(lambda: service_stats(client, SERVICE_A) is None,
               message="the service that left the bus is unregistered")
    assert stats(client)["failures"] == 1
    assert identity(client, uuid) == {"sources": {}}


def test_garbage_is_skipped(client, phone, make_client, server):
    LookupService(make_client("garbage"), SERVICE_A, {
        PIZZA: GLib.Variant("(a{sv})", ({"name": GLib.Variant("u", 7)},)),
    }).register()
    uuid = ring_from(phone, client, PIZZA)
    assert caller_line(server.wait_for_notify("call.incoming")) == PIZZA
    assert identity(client, uuid) == {"sources": {}}
    assert service_stats(client, SERVICE_A)["failures"] == 1


# -- the cache ------------------------------------------------------------------


def test_a_cached_answer_makes_no_call(client, phone, service):
    first = ring_from(phone, client, PIZZA)
    second = ring_from(phone, client, PIZZA)
    assert identity(client, second) == identity(client, first)
    assert len(service.lookups()) == 1
    counters = service_stats(client, SERVICE_A)
    assert (counters["lookups"], counters["hits"], counters["cache_entries"]) == (1, 1, 1)


def test_negative_answers_are_cached(client, phone, service):
    ring_from(phone, client, NOBODY)
    uuid = ring_from(phone, client, NOBODY)
    assert identity(client, uuid) == {"sources": {}}
    assert len(service.lookups(NOBODY)) == 1
    assert service_stats(client, SERVICE_A)["hits"] == 1


def test_an_answer_with_cache_seconds_0_is_not_kept(client, phone, make_client):
    service = LookupService(make_client("nocache"), SERVICE_A, {
        PIZZA: {"name": "Pizza Place", "cache_seconds": 0}}).register()
    ring_from(phone, client, PIZZA)
    ring_from(phone, client, PIZZA)
    assert len(service.lookups()) == 2


def test_registering_again_clears_the_cache(client, phone, service):
    ring_from(phone, client, PIZZA)
    service.answers[PIZZA] = {"name": "Pizza Palace"}
    service.register()
    uuid = ring_from(phone, client, PIZZA)
    assert identity(client, uuid)["name"] == "Pizza Palace"
    assert len(service.lookups()) == 2


# -- registration -----------------------------------------------------------------


def test_registration_errors(client, callkitd):
    def register(options):
        client.call(ROOT_PATH, DIRECTORY_IFACE, "RegisterIdentificationService",
                    GLib.Variant.new_tuple(GLib.Variant("o", "/x"), vardict(options)))

    with raises_dbus_error("InvalidArgument", match="app_id"):
        register({})
    with raises_dbus_error("InvalidArgument", match="not an app id"):
        register({"app_id": "not an id"})
    with raises_dbus_error("InvalidArgument", match="cache_seconds"):
        register({"app_id": SERVICE_A, "cache_seconds": ("u", 86401)})
    with raises_dbus_error("InvalidArgument", match="no identification"):
        client.call(ROOT_PATH, DIRECTORY_IFACE, "UnregisterIdentificationService",
                    GLib.Variant("(o)", ("/x",)))
    assert stats(client)["services"] == []


def test_an_unregistered_service_is_asked_no_more(client, phone, service):
    service.client.call(ROOT_PATH, DIRECTORY_IFACE, "UnregisterIdentificationService",
                        GLib.Variant("(o)", (service.path,)))
    ring_from(phone, client, PIZZA)
    client.sync()
    assert service.lookups() == []
    assert stats(client)["services"] == []


def test_callctl_identity_stats(client, phone, service, run_callctl):
    ring_from(phone, client, PIZZA)
    ring_from(phone, client, PIZZA)
    out = run_callctl("identity", "stats").stdout
    assert SERVICE_A in out
    assert "lookups 1" in out and "hits 1" in out


# -- libcallkit: the example service ------------------------------------------------


@pytest.fixture
def label_service(callkitd, client, tmp_path):
    """clients/examples/label-service (libcallkit's CkIdentificationService)
    with a file of labels, registered."""
    path = os.environ.get("LABEL_SERVICE")
    if not path:
        pytest.skip("label-service not built: meson test sets LABEL_SERVICE")
    labels = tmp_path / "labels"
    labels.write_text("# number<TAB>label\n%s\tPizza Place\n%s\tspam\n" % (PIZZA, BOB))
    process = subprocess.Popen([path, str(labels)], stdout=subprocess.DEVNULL,
                               preexec_fn=harness.die_with_test)
    wait_until(lambda: service_stats(client, "org.example.LabelService") is not None,
               message="label-service registered")
    yield process
    process.terminate()
    process.wait()


def test_the_libcallkit_example_service_labels_numbers(client, phone, label_service):
    uuid = ring_from(phone, client, PIZZA)
    origin = "service:org.example.LabelService"
    assert identity(client, uuid) == {"label": "Pizza Place", "sources": {"label": origin}}
    uuid = ring_from(phone, client, BOB)
    assert identity(client, uuid) == {"suspected_spam": True,
                                      "sources": {"suspected_spam": origin}}
    ring_from(phone, client, PIZZA)
    counters = service_stats(client, "org.example.LabelService")
    assert (counters["lookups"], counters["hits"], counters["cache_seconds"]) == (2, 1, 600)


# -- pictures -----------------------------------------------------------------------


def png(width, height):
    """A valid PNG of one grey colour."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
       b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def png_size(path):
    data = open(path, "rb").read(24)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_a_picture_is_checked_scaled_and_shown(client, phone, make_client, server, bus):
    LookupService(make_client("pictures"), SERVICE_A, {
        PIZZA: {"name": "Pizza Place", "image_data": ("ay", png(300, 200))}}).register()
    uuid = ring_from(phone, client, PIZZA)
    got = identity(client, uuid)
    assert got["sources"]["image_path"] == "service:" + SERVICE_A
    stored = got["image_path"]
    assert stored.startswith(bus.env["XDG_RUNTIME_DIR"])
    assert png_size(stored) == (128, 85)
    hints = server.wait_for_notify("call.incoming")[6]
    assert hints["image-path"] == GLib.filename_to_uri(stored, None)


@pytest.mark.parametrize("picture,reason", [
    ({"image_data": ("ay", png(4097, 2))}, "more than 4096 on a side"),
    ({"image_data": ("ay", GIF)}, "neither PNG nor JPEG"),
    ({"image_data": ("ay", b"not a picture at all")}, "cannot be decoded"),
    ({"image_path": "relative.png"}, "not an absolute path"),
    ({"image_path": "BIG"}, "at most 1048576 bytes"),
], ids=["too-large", "gif", "garbage", "relative-path", "too-many-bytes"])
def test_a_picture_that_does_not_qualify_is_dropped_with_a_reason(
        client, phone, make_client, callkitd, tmp_path, picture, reason):
    if picture.get("image_path") == "BIG":
        big = tmp_path / "big.png"
        big.write_bytes(png(16, 16) + b"\x00" * (1024 * 1024))
        picture = {"image_path": str(big)}
    LookupService(make_client("pictures"), SERVICE_A, {
        PIZZA: dict(name="Pizza Place", **picture)}).register()
    uuid = ring_from(phone, client, PIZZA)
    assert identity(client, uuid) == {"name": "Pizza Place",
                                      "sources": {"name": "service:" + SERVICE_A}}
    wait_until(lambda: "picture dropped: " in callkitd.log_text()
               and reason in callkitd.log_text(),
               message=lambda: "the log says why the picture was dropped (%s)" % reason)


def test_callctl_list_shows_the_merged_name(client, phone, service, run_callctl):
    ring_from(phone, client, PIZZA)
    out = run_callctl("list", "--no-legend").stdout
    assert PIZZA in out and "Pizza Place" in out


# -- identification lists of the call directory ---------------------------------

def add_labels(client, entries, app_id=None):
    options = vardict(app_id=app_id) if app_id else vardict()
    client.call(ROOT_PATH, DIRECTORY_IFACE, "AddIdentificationEntries",
                GLib.Variant.new_tuple(GLib.Variant("a(ss)", entries), options))


def test_a_list_label_is_below_the_provider_and_above_services(client, phone, service):
    add_labels(client, [(PIZZA, "Listed pizza")], app_id="org.example.Lists")
    uuid = ring_from(phone, client, PIZZA)
    # The list's label wins over the service's; the service still names.
    assert identity(client, uuid) == {
        "name": "Pizza Place", "label": "Listed pizza",
        "sources": {"name": "service:" + SERVICE_A, "label": "list:org.example.Lists"}}
    # The provider's own label wins over the list's.
    uuid = ring_from(phone, client, PIZZA, caller_label="Provider's label")
    assert identity(client, uuid)["sources"]["label"] == "provider"
    assert identity(client, uuid)["label"] == "Provider's label"


def test_the_users_own_list_is_above_the_apps_lists(client, phone, service):
    add_labels(client, [(BOB, "App's label")], app_id="org.example.Lists")
    uuid = ring_from(phone, client, BOB)
    assert identity(client, uuid)["sources"] == {"label": "list:org.example.Lists"}
    # The user's own entry (callctl's list) is one of the user's entries.
    add_labels(client, [(BOB, "My plumber")])
    uuid = ring_from(phone, client, BOB)
    assert identity(client, uuid) == {"label": "My plumber",
                                      "sources": {"label": "user-list"}}


def test_a_caller_the_provider_and_lists_identify_wholly_is_not_looked_up(
        client, phone, service):
    add_labels(client, [(BOB, "Listed")], app_id="org.example.Lists")
    ring_from(phone, client, BOB, localized_caller_name="Bob", suspected_spam=False)
    ring_from(phone, client, PIZZA, localized_caller_name="Alice")
    service.wait_for_lookup()
    assert [handle for _, handle, _ in service.lookups()] == [PIZZA]
    assert stats(client)["skipped"] == 1
