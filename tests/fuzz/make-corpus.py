#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the hand-made seeds of the fuzz targets whose input is binary
(serialized GVariants) into corpus/NAME/seed-*, from the GVariant texts
below. Run it after changing a seed; the files it writes are committed.
Inputs found by fuzzing (crash-*, regression-*) are kept as they are."""

import os
import sys

from gi.repository import GLib

HERE = os.path.dirname(os.path.abspath(__file__))
UUID = "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a00%d"


def gv(type_string, text):
    return GLib.Variant.parse(GLib.VariantType.new(type_string), text, None, None)


def data(variant):
    return variant.get_data_as_bytes().get_data()


CALL_UPDATES = {
    "empty": "@a{sv} {}",
    "phone": "{'remote_handle': <('phone-number', '+4930123456')>, "
             "'localized_caller_name': <'Ada Lovelace'>}",
    "unknown-caller": "{'remote_handle': <('', '')>}",
    "capabilities": "{'supports_holding': <false>, 'supports_grouping': <true>, "
                    "'supports_ungrouping': <true>, 'supports_dtmf': <false>, "
                    "'has_video': <true>}",
    "email": "{'remote_handle': <('email-address', 'ada@example.org')>, "
             "'localized_caller_name': <'Ädä 👩‍💻'>}",
    "wrong-type": "{'has_video': <'yes'>}",
    "unknown-key": "{'ringtone': <'x'>}",
}

PROVIDER_CONFIGS = {
    "empty": "@a{sv} {}",
    "full": "{'localized_name': <'Speakerbox'>, 'icon_name': <'call-start'>, "
            "'ringtone': <'/usr/share/sounds/freedesktop/stereo/phone-incoming-call.oga'>, "
            "'desktop_entry': <'org.example.Speakerbox'>, "
            "'maximum_call_groups': <uint32 2>, 'maximum_calls_per_call_group': <uint32 5>, "
            "'supported_handle_types': <['phone-number', 'generic']>, "
            "'supports_video': <true>, 'includes_calls_in_recents': <false>, "
            "'action_timeout_ms': <uint32 5000>, 'ringing_timeout_ms': <uint32 60000>}",
    "theme-ringtone": "{'ringtone': <'phone-incoming-call'>}",
    "bounds": "{'maximum_call_groups': <uint32 16>, 'action_timeout_ms': <uint32 100>, "
              "'ringing_timeout_ms': <uint32 3600000>}",
    "out-of-bounds": "{'maximum_call_groups': <uint32 0>}",
    "duplicate-handle-type": "{'supported_handle_types': <['generic', 'generic']>}",
    "relative-ringtone": "{'ringtone': <'sounds/ring.oga'>}",
}

PUSH_METADATA = {
    "full": "{'push_id': <'p1'>, 'sent_at': <int64 1700000000000000>, "
            "'expires_at': <int64 1700000060000000>, "
            "'call_uuid': <'6F1D2C3B-0000-4000-8000-00000000ABCD'>, "
            "'remote_handle': <('phone-number', '+4930123')>, "
            "'localized_caller_name': <'Ada'>}",
    "empty": "@a{sv} {}",
    "id-only": "{'push_id': <'p2'>}",
    "bad-uuid": "{'call_uuid': <'not-a-uuid'>}",
    "negative-time": "{'sent_at': <int64 -1>}",
}


def actions(*dicts):
    return "@aa{sv} [" + ", ".join(dicts) + "]"


def act(kind, call, extra=""):
    return "{'type': <'%s'>, 'call': <'%s'>%s}" % (kind, UUID % call, extra)


# Transaction seeds: provider byte, number of calls, a byte per call
# (bit 0 provider, bits 1-2 ringing/dialing/active/held, bits 3-6
# holding/grouping/ungrouping/dtmf, bit 7 muted), a group byte per call,
# then the actions.
RINGING, DIALING, ACTIVE, HELD = 0 << 1, 1 << 1, 2 << 1, 3 << 1
CAN_ALL = 0x78
TRANSACTIONS = {
    "answer": (bytes([0x11, 1, RINGING | CAN_ALL, 0xff]), actions(act("answer-call", 1))),
    "hold-and-answer": (bytes([0x11, 2, ACTIVE | CAN_ALL, RINGING | CAN_ALL, 0xff, 0xff]),
                        actions(act("answer-call", 2))),
    "end-and-answer": (bytes([0x11, 2, ACTIVE, RINGING, 0xff, 0xff]),
                       actions(act("end-call", 1), act("answer-call", 2))),
    "start-call": (bytes([0x20, 0]),
                   actions(act("start-call", 9, ", 'handle': <('phone-number', '+4930')>, "
                               "'video': <false>, 'contact_identifier': <'ada'>, "
                               "'provider': <objectpath '/io/github/callkitd/CallKit1/provider/2'>"))),
    "merge": (bytes([0x55, 3, ACTIVE | CAN_ALL, HELD | CAN_ALL, ACTIVE | CAN_ALL, 0xff, 0xff, 0xff]),
              actions(act("set-group", 1, ", 'group_with': <'%s'>" % (UUID % 2)))),
    "ungroup": (bytes([0x55, 2, ACTIVE | CAN_ALL, ACTIVE | CAN_ALL, 1, 0xff]),
                actions(act("set-group", 1, ", 'group_with': <''>"))),
    "held-muted-dtmf": (bytes([0x11, 2, ACTIVE | CAN_ALL, HELD | CAN_ALL, 0xff, 0xff]),
                        actions(act("set-held", 1, ", 'on_hold': <true>"),
                                act("set-held", 2, ", 'on_hold': <false>"),
                                act("set-muted", 2, ", 'muted': <true>"),
                                act("play-dtmf", 2, ", 'digits': <'12#*a'>, "
                                    "'dtmf_type': <'single-tone'>"))),
    "second-provider": (bytes([0x01, 3, ACTIVE | 1 | CAN_ALL, RINGING | 1, DIALING, 0xff, 0xff, 0xff]),
                        actions(act("answer-call", 2))),
}

# Session seeds: steps of fuzz-session.c (opcode, argument bytes, and a
# length-prefixed serialized dictionary where the step takes one).
def blob(type_string, text):
    b = data(gv(type_string, text))
    assert len(b) < 256, text
    return bytes([len(b)]) + b


def register(owner, slot, config="@a{sv} {}"):
    return bytes([0, owner, slot]) + blob("a{sv}", config)


def incoming(slot, uuid, update="{'remote_handle': <('phone-number', '+4930')>}"):
    return bytes([2, slot, uuid]) + blob("a{sv}", update)


def request(who, *dicts):
    return bytes([7, who]) + blob("aa{sv}", actions(*dicts))


def fulfill(which, slot):
    return bytes([8, which, slot]) + blob("a{sv}", "@a{sv} {}")


def fail(which, slot):
    return bytes([9, which, slot, 0])


NEW_CALL = "0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a00%d"
SESSION = {
    "answer-and-hang-up": register(0, 0) + incoming(0, 0)
    + request(0, act("answer-call", 1)) + fulfill(0, 0)
    + request(200, act("end-call", 1)) + fulfill(1, 0),
    "hold-and-answer": register(0, 0, "{'maximum_call_groups': <uint32 2>}")
    + incoming(0, 0) + request(0, act("answer-call", 1)) + fulfill(0, 0)
    + incoming(0, 1) + request(0, act("answer-call", 2)) + fulfill(1, 0) + fulfill(2, 0),
    "start-call-connects": register(1, 1)
    + request(65, act("start-call", 3, ", 'handle': <('generic', 'bob')>")) + fulfill(0, 1)
    + bytes([5, 1, 2, 3]) + bytes([6, 1, 2, 3]) + bytes([4, 1, 2, 1, 3]),
    "conference": register(0, 0, "{'maximum_calls_per_call_group': <uint32 3>}")
    + incoming(0, 0, "{'supports_grouping': <true>, 'supports_ungrouping': <true>}")
    + incoming(0, 1, "{'supports_grouping': <true>, 'supports_ungrouping': <true>}")
    + request(0, act("answer-call", 1)) + fulfill(0, 0)
    + request(0, act("answer-call", 2)) + fulfill(1, 0) + fulfill(2, 0)
    + request(0, act("set-group", 1, ", 'group_with': <'%s'>" % (UUID % 2))) + fulfill(3, 0)
    + request(0, act("set-group", 2, ", 'group_with': <''>")) + fail(4, 0),
    "sandboxed-and-vanish": register(2, 2) + incoming(2, 0) + bytes([13, 0x82])
    + request(66, act("end-call", 1)) + bytes([12, 2]) + bytes([15]),
    "dtmf-queue": register(0, 0) + incoming(0, 0) + request(0, act("answer-call", 1))
    + fulfill(0, 0) + request(0, act("play-dtmf", 1, ", 'digits': <'1'>"))
    + request(0, act("play-dtmf", 1, ", 'digits': <'2'>")) + fulfill(1, 0) + bytes([10, 0]),
    # The filter keeps a call from the user (do not disturb), then lets
    # the next one ring.
    "do-not-disturb": register(0, 0) + bytes([14, 0x0a]) + incoming(0, 0)
    + bytes([14, 0x02]) + incoming(0, 1) + request(0, act("answer-call", 2)) + fulfill(0, 0),
    "filtered-and-refused": register(0, 0) + bytes([14, 0, 0, 3]) + blob("a{sv}", "@a{sv} {}")
    + bytes([14, 1, 4]) + incoming(0, 4) + bytes([3, 0, 0]) + blob("a{sv}", "{'has_video': <true>}")
    + bytes([1, 0]) + blob("a{sv}", "{'localized_name': <'Renamed'>}") + bytes([11, 0]),
}


# sdbus-gvariant seeds: 0, a type string, NUL and a serialized GVariant
# (appended and read back); or 1, a D-Bus signature, NUL and the values
# as a peer appends them (see fuzz-sdbus-gvariant.c).
SDBUS_ROUND_TRIP = {
    "vardict": ("a{sv}", "{'remote_handle': <('phone-number', '+4930')>, 'n': <uint32 5>, "
                         "'strv': <['a', 'b']>, 'nested': <<int64 -1>>, 'path': <objectpath '/a/b'>, "
                         "'sig': <signature 'a{sv}'>, 'd': <2.5>}"),
    "actions": ("aa{sv}", actions(act("answer-call", 1), act("set-held", 2, ", 'on_hold': <true>"))),
    "basics": ("(ybnqiuxtdsog)", "(byte 1, true, int16 -2, uint16 3, -4, uint32 5, int64 -6, "
                                 "uint64 7, 8.5, 's', objectpath '/', signature 'i')"),
    "maybe": ("ms", "just 'x'"),
}
SDBUS_FROM_PEER = {
    "vardict": b"a{sv}\x00\x02key\x00s\x00hello\x00k2\x00(ib)\x00"
               b"\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00",
    "signature-value": b"v\x00g\x00a{sv}\x00",
    "object-path": b"(oh)\x00/org/example/Peer\x00",
    "nested-variants": b"v\x00v\x00v\x00as\x00\x02one\x00two\x00",
    "handle-vardict": b"a{sv}\x00\x01remote_handle\x00(ss)\x00generic\x00bob\x00",
}


# history-db seeds: rows of 17 columns, each a type byte (0 integer,
# 1 real, 2 text, 3 blob) and its value (see fuzz-history-db.c).
def integer(n):
    return bytes([0]) + n.to_bytes(8, "little", signed=True)


def text(b):
    return bytes([2, len(b)]) + b


def blob_value(b):
    return bytes([3, len(b)]) + b


def row(call=b"0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a001", name=b"Ada", handle_type=b"phone-number",
        reason=b"remote-ended", filtered=b"none", started=1700000000000000, missed=0):
    return (text(call) + text(b"org.example.Phone") + text(b"Phone") + text(handle_type)
            + text(b"+4930123") + text(name) + integer(0) + integer(0) + integer(started)
            + integer(started + 1000000) + integer(started + 60000000) + text(reason)
            + integer(missed) + integer(0) + text(filtered) + text(b"call-start")
            + text(b"org.example.Phone"))


HISTORY_ROWS = {
    "one-call": row(),
    "missed-and-blocked": row(reason=b"unanswered", missed=1)
    + row(call=b"0b4bb8b6-7f0c-4d7e-9d6b-4f1c55d0a002", filtered=b"block-list", missed=1),
    "latin1-name": row(name=b"Zo\xeb"),
    "unknown-enums": row(handle_type=b"fax", reason=b"exploded", filtered=b"maybe"),
    "numbers-for-text": (integer(7) + integer(8) + bytes([1]) + (9).to_bytes(8, "little")
                         + integer(1) + integer(2) + integer(3) + text(b"yes") + text(b"no")
                         + text(b"soon") + blob_value(b"\x00\x01") + text(b"later")
                         + integer(4) + text(b"1") + text(b"0") + integer(5) + integer(6)
                         + blob_value(b"\xff")),
}


def write(target, name, blob):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "seed-" + name), "wb") as f:
        f.write(blob)


def main():
    for name, text in CALL_UPDATES.items():
        write("call-update", name, data(gv("a{sv}", text)))
    for name, text in PROVIDER_CONFIGS.items():
        write("provider-config", name, data(gv("a{sv}", text)))
    for name, text in PUSH_METADATA.items():
        # The first byte is the context of the decision.
        for context in (0x00, 0x24):
            write("push-metadata", "%s-%02x" % (name, context),
                  bytes([context]) + data(gv("a{sv}", text)))
    for name, (world, text) in TRANSACTIONS.items():
        write("transaction", name, world + data(gv("aa{sv}", text)))
    for name, (type_string, text) in SDBUS_ROUND_TRIP.items():
        write("sdbus-gvariant", "round-trip-" + name,
              b"\x00" + type_string.encode() + b"\x00" + data(gv(type_string, text)))
    for name, blob_ in SDBUS_FROM_PEER.items():
        write("sdbus-gvariant", "from-peer-" + name, b"\x01" + blob_)
    for name, rows in HISTORY_ROWS.items():
        write("history-db", name, rows)
    for name, steps in SESSION.items():
        write("session", name, steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
