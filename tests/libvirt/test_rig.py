#!/usr/bin/python3
"""The rig itself, without vfmig: libvirtd really checks the fake VFs, a
domain with an unmanaged hostdev starts, boots and live-migrates between the
two hosts, and an aborted migration leaves the source running. If this
fails, the other tests of the suite cannot mean anything."""
import unittest

import e2etest as e2e

PF = "0000:00:04.0"


class Rig(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        spec = f"{PF},type=net,total=4,num=4,autoprobe=0"
        cls.pair = e2e.Pair([spec], [spec], hook=False, agent=False)
        cls.pair.__enter__()
        cls.a, cls.b = cls.pair.a, cls.pair.b
        cls.vfs = cls.a.vf_addresses(PF)
        for h in (cls.a, cls.b):
            for vf in cls.vfs[:2]:
                cls.bind(h, vf, "vfio-pci")

    @classmethod
    def tearDownClass(cls):
        cls.pair.__exit__(None, None, None)

    def run(self, result=None):
        # Logs of both hosts for any failing test, not only at set-up.
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            self.pair.dump_logs()
        return out

    @staticmethod
    def bind(h, vf, driver):
        """What an admin does by hand: driver_override, then probe."""
        h.write_sysfs(f"bus/pci/devices/{vf}/driver_override", driver)
        h.write_sysfs("bus/pci/drivers_probe", vf)
        h.wait_until(lambda: h.driver_of(vf) == driver, f"{vf} on {driver}")

    def test_1_vf_off_vfio_refused(self):
        vf = self.vfs[3]
        self.assertIsNone(self.a.driver_of(vf))
        r, _ = self.pair.create(self.a, "offvfio", [vf])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"Unmanaged PCI device {vf} must be manually detached",
                      r.stderr)
        self.assertNotIn("offvfio", self.a.domains())

    def test_2_start_and_migrate(self):
        vf = self.vfs[0]
        r, _ = self.pair.create(self.a, "rig1", [vf])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.pair.wait_guest_up(self.a, "rig1")
        self.assertIn('qemu-novfio: left out -device {"driver":"vfio-pci",'
                      f'"host":"{vf}"', self.a.qemu_log("rig1"))
        self.assertEqual(e2e.hostdev_addresses(self.a.dumpxml("rig1")), [vf])
        r = self.pair.migrate(self.a, self.b, "rig1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.b.domstate("rig1"), "running")
        self.assertNotIn("rig1", self.a.domains())
        self.assertEqual(e2e.hostdev_addresses(self.b.dumpxml("rig1")), [vf])
        self.assertIn('"host":"%s"' % vf, self.b.qemu_log("rig1"))
        self.b.virsh("destroy", "rig1")

    def test_3_abort(self):
        vf = self.vfs[1]
        r, _ = self.pair.create(self.a, "rig2", [vf], dirty=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.pair.wait_guest_up(self.a, "rig2")
        self.assertEqual(self.a.virsh("migrate-setspeed", "rig2", "1").returncode, 0)
        mig = self.pair.migrate_async(self.a, self.b, "rig2")
        try:
            self.pair.wait_transfer(self.a, "rig2")
            self.assertEqual(self.b.domstate("rig2"), "paused")
            self.assertEqual(self.a.virsh("domjobabort", "rig2").returncode, 0)
            _, err = mig.communicate(timeout=60)
        finally:
            if mig.poll() is None:
                mig.kill()
        self.assertNotEqual(mig.returncode, 0)
        self.assertIn("canceled by client", err)
        self.assertEqual(self.a.domstate("rig2"), "running")
        e2e.wait_for(lambda: "rig2" not in self.b.domains(),
                     "the incoming domain gone from hostb")
        self.a.virsh("destroy", "rig2")


if __name__ == "__main__":
    e2e.main()
