#!/usr/bin/python3
"""The config's desired state is applied at start and on Apply, idempotently,
and Apply reports what it changed."""
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
            h.write_sysfs("bus/pci/devices/0000:3b:00.0/sriov_numvfs", "0")
            h.wait_until(lambda: h.count_virtfn("0000:3b:00.0") == 0, "0 VFs")
            ok, data = h.manager("Apply")
            self.assertTrue(ok, data)
            self.assertTrue(any("0000:3b:00.0" in c for c in data[0]), data)
            self.assertEqual(h.count_virtfn("0000:3b:00.0"), 3)
            ok, data = h.manager("Apply")
            self.assertEqual(data[0], [])

    def test_bad_config_refuses_to_start(self):
        with vt.Host(polkit=False, start_agent=False,
                     config="[agent]\nreservation-lease-sec=soon\n") as h:
            r = h.run(h.agent_argv(), timeout=30)
            self.assertNotEqual(r.returncode, 0)
            out = r.stdout + r.stderr
            self.assertIn("reservation-lease-sec", out)
            self.assertEqual(h.count_virtfn("0000:3b:00.0"), 0)


if __name__ == "__main__":
    vt.main()
