#!/usr/bin/python3
"""The config's desired state is applied at start and on Apply, idempotently,
and Apply reports what it changed."""
import signal
import unittest

import vfmigtest as vt

CONFIG = """[agent]
default-driver=vfmig_virtio_pci
reconcile-interval-sec=3600

[pf 0000:3b:00.0]
num-vfs=3

[pf 0000:af:00.0]
num-vfs=2
driver=vfio-pci
"""


NEW_PF = "[pf 0000:5e:00.0]\n"


class Apply(unittest.TestCase):
    def test_converges_at_start_and_apply_is_idempotent(self):
        with vt.Host(polkit=False, config=CONFIG) as h:
            self.assertEqual(h.count_virtfn("0000:3b:00.0"), 3)
            self.assertEqual(h.count_virtfn("0000:af:00.0"), 2)
            self.assertEqual(h.count_virtfn("0000:5e:00.0"), 0)
            for vf in h.vf_addresses("0000:3b:00.0"):
                self.assertEqual(h.driver_of(vf), "vfmig_virtio_pci")
            for vf in h.vf_addresses("0000:af:00.0"):
                self.assertEqual(h.driver_of(vf), "vfio-pci")
            report = h.get_property(vt.ROOT_PATH, vt.MANAGER, "StartupReport")
            self.assertTrue(any("0000:3b:00.0" in l and "Applied" in l for l in report),
                            report)
            ok, data = h.manager("Apply")
            self.assertTrue(ok, data)
            self.assertEqual(data[0], [])

            # Someone lowers numvfs by hand: Apply puts it back and says so.
            h.set_numvfs_by_hand("0000:3b:00.0", 0)
            ok, data = h.manager("Apply")
            self.assertTrue(ok, data)
            self.assertTrue(any("0000:3b:00.0" in c for c in data[0]), data)
            self.assertEqual(h.count_virtfn("0000:3b:00.0"), 3)
            ok, data = h.manager("Apply")
            self.assertEqual(data[0], [])

    def test_apply_and_sighup_reread_the_config(self):
        with vt.Host(polkit=False, config=CONFIG) as h:
            self.assertEqual(h.count_virtfn("0000:5e:00.0"), 0)
            # The admin names another PF, then asks for Apply.
            with open(h.config_path, "a") as f:
                f.write("\n" + NEW_PF + "num-vfs=2\n")
            ok, data = h.manager("Apply")
            self.assertTrue(ok, data)
            self.assertTrue(any("0000:5e:00.0" in c for c in data[0]), data)
            self.assertEqual(h.count_virtfn("0000:5e:00.0"), 2)

            # A broken file: refused, named, and nothing changes.
            with open(h.config_path) as f:
                good = f.read()
            with open(h.config_path, "w") as f:
                f.write(good.replace(NEW_PF + "num-vfs=2\n", NEW_PF + "num-vfs=two\n"))
            err = h.manager_error("Apply")
            self.assertIsNotNone(err)
            self.assertEqual(err[0], "org.vfmig.Agent1.Error.InvalidArgument", err)
            self.assertIn(h.config_path, err[1])
            self.assertIn("num-vfs", err[1])
            self.assertEqual(h.count_virtfn("0000:5e:00.0"), 2)

            # systemctl reload: SIGHUP re-reads and converges too.
            with open(h.config_path, "w") as f:
                f.write(good.replace(NEW_PF + "num-vfs=2\n", NEW_PF + "num-vfs=1\n"))
            h.agent.p.send_signal(signal.SIGHUP)
            h.wait_until(lambda: h.count_virtfn("0000:5e:00.0") == 1, "reload")
            self.assertTrue(h.agent.alive())

    def test_bad_config_refuses_to_start(self):
        with vt.Host(polkit=False, start_agent=False,
                     config="[agent]\nreservation-lease-sec=soon\n") as h:
            r = h.run(h.agent_argv(), timeout=30)
            self.assertNotEqual(r.returncode, 0)
            out = r.stdout + r.stderr
            self.assertIn("reservation-lease-sec", out)
            self.assertEqual(h.count_virtfn("0000:3b:00.0"), 0)

    def test_apply_keeps_quarantined_vfs(self):
        """The start-up Apply lowers numvfs only when no VF of the PF is
        quarantined: such a VF may belong to a running VM."""
        pf = "0000:3b:00.0"
        with vt.Host(polkit=False, num_vfs={pf: 2}) as h:
            vf = h.vf_addresses(pf)[1]
            self.assertIsNone(h.manager_error("Bind", vf, "vfio-pci"))
            with open(h.config_path, "w") as f:
                f.write(f"[pf {pf}]\nnum-vfs=1\n")
            with open(h.journal_path, "w") as f:
                f.write("garbage\n")
            h.restart_agent()
            self.assertEqual(h.count_virtfn(pf), 2)
            self.assertEqual(h.vf_state(vf), "quarantined")
            self.assertEqual(h.driver_of(vf), "vfio-pci")
            report = h.get_property(vt.ROOT_PATH, vt.MANAGER, "StartupReport")
            self.assertTrue(any("not changing VFs from 2 to 1" in l and vf in l and
                                "quarantined" in l for l in report), report)
            # Apply on demand refuses the same way and says so.
            ok, data = h.manager("Apply")
            self.assertTrue(ok, data)
            self.assertTrue(any(pf in c and vf in c and "quarantined" in c
                                for c in data[0]), data)
            self.assertEqual(h.count_virtfn(pf), 2)
            # Cleared by the administrator: Apply converges.
            self.assertIsNone(h.manager_error("Unquarantine", vf))
            ok, data = h.manager("Apply")
            self.assertTrue(ok, data)
            self.assertEqual(h.count_virtfn(pf), 1)


if __name__ == "__main__":
    vt.main()
