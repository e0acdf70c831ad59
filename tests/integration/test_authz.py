#!/usr/bin/python3
"""Who may change what: the project's bus policy and polkit action, enforced
by a real dbus-daemon and a real polkitd."""
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import vfmigtest as vt

UUID = "7e6c3b1e-58a8-4c4e-9a1b-1f0c0de00001"
ALLOW_NOBODY = """
polkit.addRule(function(action, subject) {
    if (action.id == "org.vfmig.manage" && subject.user == "nobody" &&
        action.lookup("operation") == "Claim")
        return polkit.Result.YES;
});
"""
DENY_NOBODY = """
polkit.addRule(function(action, subject) {
    if (action.id == "org.vfmig.manage" && subject.user == "nobody")
        return polkit.Result.NO;
});
"""
# Grants Claim to nobody, but only after 3 s; "asked" shows polkit got there.
SLOW_YES = """
polkit.addRule(function(action, subject) {
    if (action.id == "org.vfmig.manage" && subject.user == "nobody" &&
        action.lookup("operation") == "Claim") {
        polkit.spawn(["/usr/bin/touch", "@DIR@/asked"]);
        polkit.spawn(["/bin/sleep", "3"]);
        return polkit.Result.YES;
    }
});
"""
INTERACTIVE_REQUIRED = "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"
ACCESS_DENIED = "org.vfmig.Agent1.Error.AccessDenied"
INVALID_ARGUMENT = "org.vfmig.Agent1.Error.InvalidArgument"


class Authorization(unittest.TestCase):
    def test_unprivileged_mutations_denied_and_nothing_changes(self):
        with vt.Host(num_vfs={"0000:3b:00.0": 2}) as h:
            vf = h.vf_addresses("0000:3b:00.0")[0]
            before = h.list_vfs()
            calls = [
                ("Claim", vf, UUID, "vm1"),
                ("Reserve", vf, UUID, "vm1", 60),
                ("Assign", vf, UUID),
                ("Bind", vf, "vfio-pci"),
                ("Unbind", vf),
                ("Release", vf, ""),
                ("Unquarantine", vf),
                ("Provision", "0000:3b:00.0", 4),
                ("Apply",),
                ("Rescan",),
            ]
            # The action is auth_admin for callers outside an active
            # session: polkit answers "challenge", and as gdbus does not
            # allow interactive authorization, that is the error.
            for method, *args in calls:
                with self.subTest(method=method):
                    err = h.manager_error(method, *args, user=vt.UNPRIVILEGED)
                    self.assertIsNotNone(err, f"{method} was allowed")
                    self.assertEqual(err[0], INTERACTIVE_REQUIRED, err)
            err = h.error_name(vt.vf_path(vf), vt.VF_IFACE, "Claim", UUID, "vm1",
                               user=vt.UNPRIVILEGED)
            self.assertEqual(err[0], INTERACTIVE_REQUIRED, err)
            self.assertEqual(h.list_vfs(), before)
            self.assertEqual(h.count_virtfn("0000:3b:00.0"), 2)

    def test_root_passes_without_polkit(self):
        with vt.Host(num_vfs={"0000:3b:00.0": 2}, polkit=False) as h:
            vf = h.vf_addresses("0000:3b:00.0")[0]
            ok, err = h.manager("Claim", "sss", vf, UUID, "vm1")
            self.assertTrue(ok, err)
            self.assertEqual(h.vf_state(vf), "claimed")
            # Without polkitd on the bus, anybody else is refused (fail closed).
            err = h.manager_error("Release", vf, "", user=vt.UNPRIVILEGED)
            self.assertEqual(err[0], "org.vfmig.Agent1.Error.AccessDenied", err)
            self.assertEqual(h.vf_state(vf), "claimed")

    def test_polkit_rule_is_consulted(self):
        with vt.Host(num_vfs={"0000:3b:00.0": 2},
                     polkit_rules={"50-test.rules": ALLOW_NOBODY}) as h:
            vf = h.vf_addresses("0000:3b:00.0")[0]
            ok, err = h.manager("Claim", "sss", vf, UUID, "vm1", user=vt.UNPRIVILEGED)
            self.assertTrue(ok, err)
            self.assertEqual(h.vf_state(vf), "claimed")
            # The rule grants Claim only: Release is still refused.
            ok, err = h.manager("Release", "ss", vf, UUID, user=vt.UNPRIVILEGED)
            self.assertFalse(ok)
            self.assertEqual(h.vf_state(vf), "claimed")

    def test_interactive_authorization_flag(self):
        with vt.Host(num_vfs={"0000:3b:00.0": 2}) as h:
            vf = h.vf_addresses("0000:3b:00.0")[0]
            # Without the flag: polkit must not interact, and says so.
            err = h.manager_error("Claim", vf, UUID, "vm1", user=vt.UNPRIVILEGED)
            self.assertEqual(err[0], INTERACTIVE_REQUIRED, err)
            # With it: polkit may interact, finds no authentication agent,
            # and the answer is a plain no.
            r = h.run(["gdbus", "call", "--interactive", "--address", h.address,
                       "--dest", vt.BUS_NAME, "--object-path", vt.ROOT_PATH,
                       "--method", vt.MANAGER + ".Claim", vf, UUID, "vm1"],
                      user=vt.UNPRIVILEGED)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(f"GDBus.Error:{ACCESS_DENIED}:", r.stderr)
            # vfmigctl (no tty: no interaction) maps the error to exit 4.
            r = h.ctl("claim", vf, UUID, "vm1", user=vt.UNPRIVILEGED)
            self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
            self.assertIn("interactive authorization", r.stderr)
            self.assertEqual(h.vf_state(vf), "free")

    def test_plain_no_is_access_denied(self):
        # A rule that says no is no challenge: AccessDenied, flag or not.
        with vt.Host(num_vfs={"0000:3b:00.0": 2},
                     polkit_rules={"50-deny.rules": DENY_NOBODY}) as h:
            vf = h.vf_addresses("0000:3b:00.0")[0]
            err = h.manager_error("Claim", vf, UUID, "vm1", user=vt.UNPRIVILEGED)
            self.assertEqual(err[0], ACCESS_DENIED, err)
            self.assertEqual(h.vf_state(vf), "free")

    def test_call_of_a_caller_that_left_is_dropped(self):
        mark = tempfile.mkdtemp(prefix="vfmig-it-mark-")
        os.chmod(mark, 0o777)   # polkitd's user runs the rule's touch
        asked = os.path.join(mark, "asked")
        rules = {"50-slow.rules": SLOW_YES.replace("@DIR@", mark)}
        try:
            with vt.Host(num_vfs={"0000:3b:00.0": 2}, polkit_rules=rules) as h:
                vf = h.vf_addresses("0000:3b:00.0")
                log = os.path.join(h.logdir, "vfmigd.log")

                def claim(address):
                    argv = ["gdbus", "call", "--address", h.address, "--dest", vt.BUS_NAME,
                            "--object-path", vt.ROOT_PATH, "--method", vt.MANAGER + ".Claim",
                            address, UUID, "vm1"]
                    return subprocess.Popen(h._as_user(argv, vt.UNPRIVILEGED),
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            text=True)

                def log_text():
                    with open(log) as f:
                        return f.read()

                # The caller leaves while polkit thinks: nothing happens.
                p = claim(vf[0])
                h.wait_until(lambda: os.path.exists(asked), "polkit consulted")
                p.kill()
                p.communicate()
                time.sleep(4)   # past polkit's yes
                self.assertEqual(h.vf_state(vf[0]), "free")
                self.assertRegex(log_text(),
                                 rf"Claim {vf[0]} dropped: the caller :[0-9.]+ left the bus")
                self.assertNotIn(f"Claim {vf[0]} done", log_text())
                # Control: a caller that waits gets the same slow yes.
                os.unlink(asked)
                p = claim(vf[1])
                out, err = p.communicate(timeout=30)
                self.assertEqual(p.returncode, 0, err)
                self.assertTrue(os.path.exists(asked))
                self.assertEqual(h.vf_state(vf[1]), "claimed")
        finally:
            shutil.rmtree(mark, ignore_errors=True)

    def test_stopping_agent_answers_waiting_callers(self):
        mark = tempfile.mkdtemp(prefix="vfmig-it-mark-")
        os.chmod(mark, 0o777)
        asked = os.path.join(mark, "asked")
        rules = {"50-slow.rules": SLOW_YES.replace("@DIR@", mark)}
        try:
            with vt.Host(num_vfs={"0000:3b:00.0": 1}, polkit_rules=rules) as h:
                vf = h.vf_addresses("0000:3b:00.0")[0]
                argv = ["gdbus", "call", "--address", h.address, "--dest", vt.BUS_NAME,
                        "--object-path", vt.ROOT_PATH, "--method", vt.MANAGER + ".Claim",
                        vf, UUID, "vm1"]
                p = subprocess.Popen(h._as_user(argv, vt.UNPRIVILEGED),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
                h.wait_until(lambda: os.path.exists(asked), "polkit consulted")
                h.kill_agent(signal.SIGTERM)
                out, err = p.communicate(timeout=30)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("org.vfmig.Agent1.Error.Failed", err)
                self.assertIn("stopping", err)
                self.assertIn(vf, err)
        finally:
            shutil.rmtree(mark, ignore_errors=True)

    def test_owner_name_checked_before_polkit(self):
        with vt.Host(num_vfs={"0000:3b:00.0": 2}) as h:
            vf = h.vf_addresses("0000:3b:00.0")[0]
            for user in (vt.UNPRIVILEGED, None):
                with self.subTest(user=user):
                    err = h.manager_error("Claim", vf, UUID, "n" * 2000, user=user)
                    self.assertEqual(err[0], INVALID_ARGUMENT, err)
                    self.assertIn(vf, err[1])
                    self.assertIn("owner name", err[1])
                    err = h.manager_error("Reserve", vf, UUID, "n" * 1025, 60, user=user)
                    self.assertEqual(err[0], INVALID_ARGUMENT, err)
                    err = h.error_name(vt.vf_path(vf), vt.VF_IFACE, "Claim", UUID,
                                       "n" * 2000, user=user)
                    self.assertEqual(err[0], INVALID_ARGUMENT, err)
                    # Control characters (busctl passes them verbatim).
                    r = h.busctl("call", vt.BUS_NAME, vt.ROOT_PATH, vt.MANAGER, "Claim",
                                 "sss", vf, UUID, "vm\x01\n1", user=user)
                    self.assertNotEqual(r.returncode, 0)
                    self.assertIn("control characters", r.stderr)
            # The longest allowed name passes the check and goes to polkit.
            err = h.manager_error("Claim", vf, UUID, "n" * 1024, user=vt.UNPRIVILEGED)
            self.assertEqual(err[0], INTERACTIVE_REQUIRED, err)
            self.assertEqual(h.vf_state(vf), "free")

    def test_only_root_may_own_the_name(self):
        with vt.Host(start_agent=False, polkit=False) as h:
            def request_name(user):
                return h.run(["gdbus", "call", "--address", h.address,
                              "--dest", "org.freedesktop.DBus",
                              "--object-path", "/org/freedesktop/DBus",
                              "--method", "org.freedesktop.DBus.RequestName",
                              vt.BUS_NAME, "0"], user=user)
            r = request_name(vt.UNPRIVILEGED)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("not allowed to own", r.stderr)
            r = request_name(None)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("(uint32 1,)", r.stdout)   # primary owner

    def test_second_agent_refuses_to_start_and_changes_nothing(self):
        config = "[pf 0000:3b:00.0]\nnum-vfs=2\n"
        with vt.Host(polkit=False, config=config) as h:
            self.assertEqual(h.count_virtfn("0000:3b:00.0"), 2)
            # Behind the first agent's back; a second agent must not "fix" it.
            h.set_numvfs_by_hand("0000:3b:00.0", 0)
            r = h.run(h.agent_argv(), timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(vt.BUS_NAME, r.stdout + r.stderr)
            self.assertEqual(h.count_virtfn("0000:3b:00.0"), 0)


if __name__ == "__main__":
    vt.main()
