# SPDX-License-Identifier: LGPL-2.1-or-later
"""The daemon's layers are checked, not hoped for: every file of daemon/
belongs to a layer of daemon/LAYERS, includes only headers of its own
layer (and component) or of the layers below, and no group of files
includes each other in a circle. In the spirit of Chromium's checkdeps and
GN's `gn check`."""

import re

import pytest

from harness import SOURCE_ROOT

DAEMON = SOURCE_ROOT / "daemon"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def parse_layers(text):
    """[(layer, component or None, [stems])], lowest layer first."""
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace():
            entries[-1][2].extend(line.split())
            continue
        head, _, stems = line.partition(":")
        words = head.split()
        entries.append((words[0], words[1] if len(words) > 1 else None, stems.split()))
    return entries


def load():
    entries = parse_layers((DAEMON / "LAYERS").read_text())
    order = []
    where = {}
    for layer, component, stems in entries:
        if layer not in order:
            order.append(layer)
        for stem in stems:
            assert stem not in where, "%s is listed twice in daemon/LAYERS" % stem
            where[stem] = (order.index(layer), layer, component)
    return order, where


def daemon_files():
    return sorted(p for p in DAEMON.iterdir() if p.suffix in (".c", ".cc", ".h"))


def includes_of(path):
    """The daemon headers a file includes, as stems."""
    return [name[:-2] for name in INCLUDE.findall(path.read_text())
            if name.endswith(".h") and (DAEMON / name).exists()]


def owner(stem):
    """A private header (foo-private.h) belongs to its object (foo): it
    is how the object's own files share its insides."""
    return stem[:-len("-private")] if stem.endswith("-private") else stem


def dependencies(where):
    """stem -> set of stems it includes (from its .c and .h)."""
    deps = {}
    for path in daemon_files():
        deps.setdefault(owner(path.stem), set()).update(
            owner(s) for s in includes_of(path) if owner(s) != owner(path.stem))
    return deps


def violations(where, deps):
    found = []
    for stem, targets in sorted(deps.items()):
        level, layer, component = where[stem]
        for target in sorted(targets):
            t_level, t_layer, t_component = where[target]
            if t_level > level:
                found.append("%s (%s) includes %s of the higher layer %s"
                             % (stem, layer, target, t_layer))
            elif t_level == level and component != t_component:
                found.append("%s (%s %s) includes %s of the front end %s"
                             % (stem, layer, component, target, t_component))
    return found


def cycles(deps):
    """Each include cycle once, as a list of stems."""
    found, state, stack = [], {}, []

    def visit(stem):
        state[stem] = "open"
        stack.append(stem)
        for target in sorted(deps.get(stem, ())):
            if state.get(target) == "open":
                found.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[stem] = "done"

    for stem in sorted(deps):
        if stem not in state:
            visit(stem)
    return found


def test_every_file_has_a_layer():
    order, where = load()
    assert order == ["support", "model", "registry", "session", "history", "frontend",
                     "daemon", "main"]
    stems = {p.stem for p in daemon_files()}
    assert not stems - set(where), "files without a layer: %s" % sorted(stems - set(where))
    assert not set(where) - stems, "listed but missing: %s" % sorted(set(where) - stems)


def test_includes_only_point_down():
    order, where = load()
    found = violations(where, dependencies(where))
    assert not found, "\n".join(found)


def test_no_include_cycles():
    order, where = load()
    found = cycles(dependencies(where))
    assert not found, "\n".join(" -> ".join(c) for c in found)


def test_front_ends_depend_on_the_registry_and_session_only():
    """The registry knows no front end: none of the registry's or the
    session's files include one."""
    order, where = load()
    deps = dependencies(where)
    for stem in ("ckd-registry", "ckd-session", "ckd-session-actions"):
        assert all(where[t][1] not in ("frontend", "daemon", "main") for t in deps[stem])


@pytest.mark.parametrize("case,expect", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b", "a"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
])
def test_cycle_detection_itself(case, expect):
    assert cycles(case) == expect


def test_violation_detection_itself():
    where = {"low": (0, "model", None), "high": (1, "frontend", "bus"),
             "other": (1, "frontend", "audio")}
    assert violations(where, {"low": {"high"}, "high": set(), "other": set()})
    assert violations(where, {"low": set(), "high": {"other"}, "other": set()})
    assert not violations(where, {"low": set(), "high": {"low"}, "other": {"low"}})
