#!/usr/bin/python3
"""Who may change what: the project's bus policy and polkit action, enforced
by a real dbus-daemon and a real polkitd."""
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
            for method, *args in calls:
                with self.subTest(method=method):
                    err = h.manager_error(method, *args, user=vt.UNPRIVILEGED)
                    self.assertIsNotNone(err, f"{method} was allowed")
                    self.assertEqual(err[0], "org.vfmig.Agent1.Error.AccessDenied", err)
            err = h.error_name(vt.vf_path(vf), vt.VF_IFACE, "Claim", UUID, "vm1",
                               user=vt.UNPRIVILEGED)
            self.assertEqual(err[0], "org.vfmig.Agent1.Error.AccessDenied", err)
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
            h.write_sysfs("bus/pci/devices/0000:3b:00.0/sriov_numvfs", "0")
            h.wait_until(lambda: h.count_virtfn("0000:3b:00.0") == 0, "0 VFs")
            r = h.run(h.agent_argv(), timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(vt.BUS_NAME, r.stdout + r.stderr)
            self.assertEqual(h.count_virtfn("0000:3b:00.0"), 0)


if __name__ == "__main__":
    vt.main()
