# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real GNOME Shell, headless, as the notification server of a test.

GNOME Shell 43 runs as a headless Wayland compositor with a virtual
monitor (no GPU, no display, no seat): ready in about a second. Its
notification service (org.gnome.Shell.Notifications, a gjs helper that
owns org.freedesktop.Notifications) is activated from the private session
bus's own service directory, so nothing else on the machine is.

Scripting the shell (looking at its banners, clicking, taking screenshots)
needs its unsafe mode, which lets org.gnome.Shell.Eval run JavaScript. An
extension written into the test's own XDG_DATA_HOME turns it on: it exists
only in the test's private session and dies with it.

The shell needs a system bus (an empty one: no logind, so it uses its
fallbacks) and these: XDG_SESSION_TYPE=wayland, GSETTINGS_BACKEND=memory
(the user's settings stay untouched), LIBGL_ALWAYS_SOFTWARE=1,
NO_AT_BRIDGE=1, no DISPLAY or WAYLAND_DISPLAY."""

import json
import os
import shutil
import subprocess

from gi.repository import Gio, GLib

import harness
from harness import scaled, wait_until

GNOME_SHELL = shutil.which("gnome-shell")
GJS = shutil.which("gjs")
NOTIFICATIONS_SERVICE = "/usr/share/dbus-1/services/org.gnome.Shell.Notifications.service"
MISSING = [what for what, there in (
    ("gnome-shell", GNOME_SHELL), ("gjs", GJS),
    ("org.gnome.Shell.Notifications", os.path.exists(NOTIFICATIONS_SERVICE)))
    if not there]
SKIP_REASON = ("SKIP: needs GNOME Shell 43 (apt-get install --no-install-recommends "
               "gnome-shell mutter gjs); missing: %s" % ", ".join(MISSING))

SHELL_NAME = "org.gnome.Shell"
SHELL_PATH = "/org/gnome/Shell"
WIDTH, HEIGHT = 1280, 800

EXTENSION_UUID = "unsafe-mode@tests.callkitd.github.io"
EXTENSION_METADATA = {
    "uuid": EXTENSION_UUID,
    "name": "callkitd tests: unsafe mode",
    "description": "Lets the tests script this private shell (Eval).",
    "shell-version": ["43"],
    # Kept in the lock screen's mode too, for the tests of what it shows.
    "session-modes": ["user", "unlock-dialog"],
}
EXTENSION_JS = """\
/* Enabled only in a test's private session: lets Eval script the shell. */
function init() {
    return {
        enable() { global.context.unsafe_mode = true; },
        disable() { global.context.unsafe_mode = false; },
    };
}
"""

# The banner on screen, as JSON: its title, body, buttons (label and
# centre on the stage) and whether it is our notification's.
BANNER_JS = """
(() => {
    const Main = imports.ui.main;
    const tray = Main.messageTray;
    const banner = tray._banner;
    if (!banner || tray._notificationState === 0 /* HIDDEN */)
        return JSON.stringify(null);
    const n = banner.notification;
    const buttons = [];
    if (banner._buttonBox) {
        for (const b of banner._buttonBox.get_children()) {
            const [x, y] = b.get_transformed_position();
            const [w, h] = b.get_transformed_size();
            // Mapped, laid out, and no longer growing into place.
            const parent = banner._actionBin;
            buttons.push({label: b.label, x: x + w / 2, y: y + h / 2,
                          mapped: b.mapped && parent.scale_y === 1 &&
                                  !parent.get_transition('scale-y')});
        }
    }
    const [bx, by] = tray._bannerBin.get_transformed_position();
    const [bw, bh] = tray._bannerBin.get_transformed_size();
    return JSON.stringify({
        x: bx + bw / 2, y: by + Math.min(bh / 2, 30),
        title: n.title, body: n.bannerBodyText, urgency: n.urgency,
        source: n.source.title, state: tray._notificationState,
        settled: tray._notificationState === 2 /* SHOWN */,
        expanded: banner.expanded, buttons,
    });
})()
"""

# Every notification the shell holds (banner or message list).
NOTIFICATIONS_JS = """
(() => {
    const Main = imports.ui.main;
    const out = [];
    for (const s of Main.messageTray.getSources())
        for (const n of s.notifications)
            out.push({title: n.title, body: n.bannerBodyText,
                      urgency: n.urgency, source: s.title,
                      privacy: n.privacyScope});
    return JSON.stringify(out);
})()
"""

# What the lock screen shows of the notifications: GNOME Shell's own
# NotificationsBox (the one its unlock dialog holds), made for the
# notifications there now. Locking for real needs GDM and logind.
LOCK_SCREEN_JS = """
(() => {
    const {NotificationsBox} = imports.ui.unlockDialog;
    const box = new NotificationsBox();
    const sources = [];
    for (const source of box._notificationBox.get_children()) {
        const texts = [];
        const walk = actor => {
            if (actor.visible && actor instanceof imports.gi.St.Label)
                texts.push(actor.clutter_text.text);
            for (const child of actor.get_children())
                walk(child);
        };
        walk(source);
        sources.push({texts, visible: source.visible,
                      critical: source.has_style_class_name('critical')});
    }
    box.destroy();
    return JSON.stringify(sources);
})()
"""

# A virtual pointer, kept in the shell between calls: moves to (x, y) and,
# with click, presses and releases the primary button there.
POINTER_JS = """
(() => {
    const Clutter = imports.gi.Clutter;
    const GLib = imports.gi.GLib;
    if (!global._ckdTestPointer) {
        const seat = Clutter.get_default_backend().get_default_seat();
        global._ckdTestPointer =
            seat.create_virtual_device(Clutter.InputDeviceType.POINTER_DEVICE);
    }
    const pointer = global._ckdTestPointer;
    const now = () => GLib.get_monotonic_time();
    pointer.notify_absolute_motion(now(), %(x)f, %(y)f);
    if (%(click)s) {
        pointer.notify_button(now(), Clutter.BUTTON_PRIMARY, Clutter.ButtonState.PRESSED);
        pointer.notify_button(now(), Clutter.BUTTON_PRIMARY, Clutter.ButtonState.RELEASED);
    }
    return 'ok';
})()
"""


class GnomeShell:
    """A running headless GNOME Shell on the test's private buses."""

    def __init__(self, bus, system_bus, base_dir):
        self.bus = bus
        self.system_bus = system_bus
        self.base_dir = base_dir
        self.log_path = base_dir / "gnome-shell.log"
        self.proc = None
        self.env = None

    def start(self):
        env = dict(os.environ)
        env.update(self.bus.env)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = self.system_bus.address
        for name in ("DISPLAY", "WAYLAND_DISPLAY"):
            env.pop(name, None)
        env.update({
            "XDG_SESSION_TYPE": "wayland",
            "GSETTINGS_BACKEND": "memory",
            "LIBGL_ALWAYS_SOFTWARE": "1",
            "NO_AT_BRIDGE": "1",
        })
        data_home = self.bus.home / ".local" / "share"
        extension = data_home / "gnome-shell" / "extensions" / EXTENSION_UUID
        extension.mkdir(parents=True, exist_ok=True)
        (extension / "metadata.json").write_text(json.dumps(EXTENSION_METADATA))
        (extension / "extension.js").write_text(EXTENSION_JS)
        # Without it a "Screen Lock disabled" banner comes first and, as a
        # headless user never stops being idle, stays.
        (data_home / "gnome-shell" / "lock-warning-shown").touch()
        # The notification helper, activated by the shell on this bus only.
        self.bus.add_service("org.gnome.Shell.Notifications",
                             [GJS, "/usr/share/gnome-shell/org.gnome.Shell.Notifications"],
                             env={k: env[k] for k in (
                                 "DBUS_SYSTEM_BUS_ADDRESS", "GSETTINGS_BACKEND",
                                 "XDG_SESSION_TYPE", "NO_AT_BRIDGE")})
        self.env = env
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                [GNOME_SHELL, "--headless", "--wayland", "--no-x11",
                 "--virtual-monitor", "%dx%d" % (WIDTH, HEIGHT)],
                env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=harness.die_with_test)
        finally:
            log.close()
        self.bus.wait_for_name_owner(SHELL_NAME, timeout=60, process=self.proc)
        self.bus.wait_for_name_owner("org.freedesktop.Notifications", timeout=60,
                                     process=self.proc)
        self._call("org.gnome.Shell.Extensions", "EnableExtension",
                   GLib.Variant("(s)", (EXTENSION_UUID,)))
        wait_until(self._eval_works, timeout=30, poll_interval=0.1,
                   message=lambda: "the shell's unsafe mode (log: %s)" % self.log_text())
        # What the shell says when it starts (as root: "Logged in as a
        # privileged user") would stay on top: headless, the user never
        # stops being idle, so banners never time out.
        wait_until(lambda: self.eval("imports.ui.main.layoutManager._startingUp") == "false",
                   timeout=60, poll_interval=0.1, message="the shell's start-up")
        self.eval("imports.ui.main.messageTray.getSources().forEach(s => s.destroy()); 'ok'")
        # The shell starts in the overview; the desktop is what users see.
        self.eval("imports.ui.main.overview.hide(); 'ok'")
        wait_until(lambda: self.eval(
            "imports.ui.main.overview.visible || "
            "imports.ui.main.overview.animationInProgress") == "false",
            timeout=30, poll_interval=0.1, message="the overview to close")
        wait_until(lambda: self.banner() is None, timeout=30, poll_interval=0.1,
                   message=lambda: "no banner (showing: %s)" % self.banner())
        return self

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=scaled(20))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _call(self, iface, method, args, path=SHELL_PATH, timeout=20):
        reply = self.bus.connection.call_sync(
            SHELL_NAME, path, iface, method, args, None,
            Gio.DBusCallFlags.NONE, int(scaled(timeout) * 1000), None)
        return reply.unpack()

    def _eval_works(self):
        ok, _ = self._call(SHELL_NAME, "Eval", GLib.Variant("(s)", ("1",)))
        return ok

    def eval(self, script):
        """The result of ``script`` (a JavaScript expression) in the shell,
        as the string Eval returns; fails on an exception in it."""
        __tracebackhide__ = True
        ok, result = self._call(SHELL_NAME, "Eval", GLib.Variant("(s)", (script,)))
        assert ok, "Eval failed: %s" % result
        return result

    def eval_json(self, script):
        # Eval returns JSON.stringify() of a string: a JSON string.
        return json.loads(json.loads(self.eval(script)))

    def banner(self):
        """The banner on screen as a dict (title, body, buttons...), or
        None."""
        return self.eval_json(BANNER_JS)

    def notifications(self):
        return self.eval_json(NOTIFICATIONS_JS)

    def wait_for_banner(self, title, expanded=False):
        """The banner titled ``title`` once it is fully shown (and, with
        ``expanded``, with its buttons)."""
        __tracebackhide__ = True

        def shown():
            banner = self.banner()
            # (Not yet laid out: no position.)
            if banner and banner["title"] == title and banner["settled"] \
                    and banner["x"] is not None \
                    and (not expanded or (banner["expanded"] and all(
                        b["mapped"] and b["x"] is not None
                        for b in banner["buttons"]))):
                return banner
            return None
        return wait_until(shown, timeout=30, poll_interval=0.1,
                          message=lambda: "a banner %r (showing: %s)"
                          % (title, self.banner()))

    def pointer(self, x, y, click=False):
        self.eval(POINTER_JS % {"x": x, "y": y, "click": "true" if click else "false"})

    def hover(self, banner):
        """Moves the pointer onto ``banner``, which expands it (its buttons
        show), as a user would; returns it expanded."""
        __tracebackhide__ = True
        # Away first: a banner that appears under the pointer expands
        # only once the pointer left it and came back.
        self.pointer(banner["x"], 700)
        self.pointer(banner["x"], banner["y"])
        return self.wait_for_banner(banner["title"], expanded=True)

    def click(self, banner, label):
        """Clicks the button ``label`` of ``banner`` with a virtual
        pointer, as a user would."""
        __tracebackhide__ = True
        button = next((b for b in banner["buttons"] if b["label"] == label), None)
        assert button and button["mapped"], "no button %r in %s" % (label, banner)
        self.pointer(button["x"], button["y"], click=True)

    def lock_screen(self):
        """What the lock screen would show: for each app (source), its
        visible texts and whether it is marked critical."""
        return self.eval_json(LOCK_SCREEN_JS)

    def screenshot(self, path):
        """A PNG of the whole screen."""
        __tracebackhide__ = True
        ok, written = self._call("org.gnome.Shell.Screenshot", "Screenshot",
                                 GLib.Variant("(bbs)", (False, False, str(path))),
                                 path="/org/gnome/Shell/Screenshot")
        assert ok, "Screenshot failed"
        return written
