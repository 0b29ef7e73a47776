# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers of the CallDirectory tests: replacing a list from a file or a
pipe (the descriptor passed with the call), the incremental methods,
Lookup, Lists, and the files under $XDG_DATA_HOME/callkitd/directory."""

import os
import struct

from gi.repository import Gio, GLib

from harness import BUS_NAME, DIRECTORY_IFACE, ROOT_PATH, vardict

HEADER = struct.Struct("=8sIIQQqQQQ")
MAGIC = b"CKDIRLST"


def directory_dir(bus):
    return bus.home / ".local" / "share" / "callkitd" / "directory"


def list_path(bus, app_id, kind):
    return directory_dir(bus) / ("%s.%s" % (app_id or "@user", kind))


def read_list_file(path):
    """The header and the entries of a list file: (header dict, {E.164: label})."""
    data = path.read_bytes()
    magic, version, kind, count, generation, updated_at, strings_size, checksum, _ = \
        HEADER.unpack_from(data)
    assert magic == MAGIC
    keys = struct.unpack_from("=%dQ" % count, data, HEADER.size)
    entries = {"+%d" % k: None for k in keys}
    if kind == 1:
        labels_at = HEADER.size + 8 * count
        offsets = struct.unpack_from("=%dI" % count, data, labels_at)
        strings_at = labels_at + ((4 * count + 7) & ~7)
        strings = data[strings_at:strings_at + strings_size]
        for k, o in zip(keys, offsets):
            entries["+%d" % k] = strings[o:strings.index(b"\0", o)].decode()
    return {"version": version, "kind": kind, "count": count, "generation": generation,
            "checksum": checksum}, entries


def write_config(bus, **keys):
    """callkitd.conf with a [Directory] group (read_timeout_seconds=1)."""
    conf = bus.home / ".config" / "callkitd" / "callkitd.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text("[Directory]\n" + "".join(
        "%s=%s\n" % (k.replace("_", "-"), v) for k, v in keys.items()))
    return conf


def replace_fd(client, kind, fd, timeout=60, **options):
    """Replace{Blocking,Identification}Entries with @fd; returns the count."""
    method = {"blocking": "ReplaceBlockingEntries",
              "identification": "ReplaceIdentificationEntries"}[kind]
    fds = Gio.UnixFDList.new_from_array([os.dup(fd)])
    try:
        reply, _ = client.connection.call_with_unix_fd_list_sync(
            BUS_NAME, ROOT_PATH, DIRECTORY_IFACE, method,
            GLib.Variant.new_tuple(GLib.Variant("h", 0), vardict(**options)),
            GLib.VariantType("(u)"), Gio.DBusCallFlags.NONE, timeout * 1000, fds, None)
    finally:
        # Our copy goes now, not when the list is collected: a writer
        # waits for every reader to close.
        for copy in fds.steal_fds():
            os.close(copy)
    return reply.unpack()[0]


def replace(client, kind, text, tmp_path=None, **options):
    """Replaces a list with @text (str or bytes), passed through a pipe
    written by a thread (so that texts of any size fit)."""
    import threading
    data = text.encode() if isinstance(text, str) else text
    r, w = os.pipe()

    def writer():
        try:
            os.write(w, data) if len(data) < 65536 else _write_all(w, data)
        except BrokenPipeError:
            pass
        finally:
            os.close(w)

    t = threading.Thread(target=writer)
    t.start()
    try:
        return replace_fd(client, kind, r, **options)
    finally:
        os.close(r)
        t.join()


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def add_blocking(client, numbers, **options):
    client.call(ROOT_PATH, DIRECTORY_IFACE, "AddBlockingEntries",
                GLib.Variant.new_tuple(GLib.Variant("as", numbers), vardict(**options)))


def remove_blocking(client, numbers, **options):
    client.call(ROOT_PATH, DIRECTORY_IFACE, "RemoveBlockingEntries",
                GLib.Variant.new_tuple(GLib.Variant("as", numbers), vardict(**options)))


def add_identification(client, entries, **options):
    client.call(ROOT_PATH, DIRECTORY_IFACE, "AddIdentificationEntries",
                GLib.Variant.new_tuple(GLib.Variant("a(ss)", entries), vardict(**options)))


def remove_identification(client, numbers, **options):
    client.call(ROOT_PATH, DIRECTORY_IFACE, "RemoveIdentificationEntries",
                GLib.Variant.new_tuple(GLib.Variant("as", numbers), vardict(**options)))


def remove_all(client, kind, **options):
    client.call(ROOT_PATH, DIRECTORY_IFACE, "RemoveAllEntries",
                GLib.Variant.new_tuple(GLib.Variant("s", kind), vardict(**options)))


def lookup(client, number, handle_type="phone-number"):
    return client.call(ROOT_PATH, DIRECTORY_IFACE, "Lookup",
                       GLib.Variant("(ss)", (handle_type, number)))


def lists(client):
    return client.get_property(ROOT_PATH, DIRECTORY_IFACE, "Lists")


def list_of(client, app_id, kind):
    found = [x for x in lists(client) if x["app_id"] == app_id and x["kind"] == kind]
    return found[0] if found else None
