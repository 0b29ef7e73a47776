# SPDX-License-Identifier: LGPL-2.1-or-later
"""A kill at any instant leaves each call directory list wholly old or
wholly new. Replaces (of thousands of numbers) and incremental changes of
a blocking and an identification list are under way while callkitd is
SIGKILLed at a random moment, CKD_DIRECTORY_CRASH_ROUNDS times (default
100). After each kill a new callkitd starts on the same files: every list
must load (state "ok": its checksum holds), hold exactly the entries of
the list before the change or after it (after it when the change had
been acknowledged), and Lookup must agree with that reference.
CKD_DIRECTORY_CRASH_SEED replays a run (the seed is in every failure
message)."""

import os
import random
import signal
import tempfile
import threading

from gi.repository import GLib

from directory_harness import list_of, list_path, lookup, read_list_file, replace_fd
from harness import BUS_NAME, DIRECTORY_IFACE, ROOT_PATH, vardict

ROUNDS = int(os.environ.get("CKD_DIRECTORY_CRASH_ROUNDS", "100"))
APP = "org.example.Spam"
UNIVERSE = 200000


def number(i):
    return "+1555%07d" % i


def random_numbers(rng, n):
    return [number(i) for i in rng.sample(range(UNIVERSE), n)]


def plan(rng, kind, reference):
    """A change of @kind's list: (method, args, its reference afterwards)."""
    op = rng.choice(["replace", "replace", "add", "remove"])
    if op == "replace":
        numbers = random_numbers(rng, rng.randrange(1000, 40000))
        new = {n: ("L%d" % (int(n[-2:]) % 7) if kind == "identification" else None)
               for n in numbers}
        return "replace", new, new
    numbers = random_numbers(rng, rng.randrange(1, 500))
    new = dict(reference)
    if op == "add":
        for n in numbers:
            new[n] = "A%d" % (int(n[-2:]) % 5) if kind == "identification" else None
        return "add", numbers, new
    for n in numbers + rng.sample(sorted(reference), min(len(reference), 100)):
        new.pop(n, None)
    return "remove", [n for n in reference if n not in new] + numbers, new


def run_change(client, kind, op, payload, done):
    """Runs in a thread: the change, as an app would send it; done["ok"]
    once callkitd acknowledged it."""
    try:
        if op == "replace":
            with tempfile.TemporaryFile() as f:
                if kind == "identification":
                    f.write("".join("%s\t%s\n" % kv for kv in payload.items()).encode())
                else:
                    f.write("".join("%s\n" % n for n in payload).encode())
                f.seek(0)
                replace_fd(client, kind, f.fileno(), app_id=APP)
        else:
            method = {"add": "Add", "remove": "Remove"}[op] + (
                "BlockingEntries" if kind == "blocking" else "IdentificationEntries")
            if op == "add" and kind == "identification":
                arg = GLib.Variant("a(ss)", [(n, "A%d" % (int(n[-2:]) % 5)) for n in payload])
            else:
                arg = GLib.Variant("as", payload)
            client.connection.call_sync(
                BUS_NAME, ROOT_PATH, DIRECTORY_IFACE, method,
                GLib.Variant.new_tuple(arg, vardict(app_id=APP)), None, 0, 20000, None)
        done["ok"] = True
    except GLib.Error as e:
        done["error"] = e


def stored(bus, kind):
    path = list_path(bus, APP, kind)
    if not path.exists():
        return {}
    return read_list_file(path)[1]


def test_kill_at_random_moments(start_daemon, make_client, bus):
    seed = int(os.environ.get("CKD_DIRECTORY_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    references = {"blocking": {}, "identification": {}}
    daemon = start_daemon(verbose=False)
    client = make_client("app 0")
    outcomes = {"old": 0, "new": 0}
    for round_ in range(ROUNDS):
        where = "seed %d, round %d" % (seed, round_)
        kind = rng.choice(["blocking", "identification"])
        op, payload, new = plan(rng, kind, references[kind])
        done = {}
        thread = threading.Thread(target=run_change, args=(client, kind, op, payload, done))
        thread.start()
        # Somewhere in the read, the sort, the write, the rename, or after.
        thread.join(timeout=rng.uniform(0, 0.12))
        os.kill(daemon.pid, signal.SIGKILL)
        assert daemon.stop(signal.SIGKILL) == -signal.SIGKILL, where
        thread.join()
        client.close()

        daemon = start_daemon(verbose=False)
        client = make_client("app %d" % (round_ + 1))
        old = references[kind]
        got = stored(bus, kind)
        assert got in (old, new), "%s: the %s list is neither old nor new" % (where, kind)
        if done.get("ok"):
            assert got == new, "%s: an acknowledged change was lost" % where
        outcomes["new" if got == new and new != old else "old"] += 1
        references[kind] = got
        for k in ("blocking", "identification"):
            entry = list_of(client, APP, k)
            if entry is not None:
                assert entry["state"] == "ok", "%s: the %s list is %s" % (where, k, entry)
                assert entry["count"] == len(references[k]), where
        # Lookups agree with the reference, for numbers on it and off it.
        sample = rng.sample(sorted(set(old) | set(new)), min(20, len(set(old) | set(new))))
        for n in sample + [number(UNIVERSE + 1)]:
            result = lookup(client, n)
            assert result["blocked"] == (n in references["blocking"]), (where, n)
            assert result["label"] == (references["identification"].get(n) or ""), (where, n)
    # Both sides of the kill were seen: the test can tell them apart.
    print("outcomes over %d rounds (seed %d): %s" % (ROUNDS, seed, outcomes))
    if ROUNDS >= 50:
        assert outcomes["old"] > 0 and outcomes["new"] > 0, outcomes
    # No leftover of a write that was cut short once callkitd started.
    leftovers = [p.name for p in list_path(bus, APP, "blocking").parent.iterdir()
                 if not p.name.endswith((".blocking", ".identification"))]
    assert leftovers == []
