#!/usr/bin/python3
"""Provisioning and binding through the bus, and every refusal leaving the
host and the pool exactly as they were."""
import os
import unittest

import vfmigtest as vt

PF = "0000:3b:00.0"
BLK = "0000:af:00.0"
UUID = "7e6c3b1e-58a8-4c4e-9a1b-1f0c0de00002"
E = "org.vfmig.Agent1.Error."


class Provisioning(unittest.TestCase):
    def setUp(self):
        self.h = vt.Host(polkit=False)
        self.h.__enter__()

    def tearDown(self):
        self.h.__exit__(None, None, None)

    def snapshot(self):
        """What must not change on a refusal: sysfs and the pool."""
        h = self.h
        state = {}
        for pf in (PF, "0000:5e:00.0", BLK):
            state[pf] = h.read_sysfs(f"bus/pci/devices/{pf}/sriov_numvfs")
            for vf in h.vf_addresses(pf):
                state[vf] = (h.driver_of(vf),
                             h.read_sysfs(f"bus/pci/devices/{vf}/driver_override"))
        journal = None
        if os.path.exists(h.journal_path):
            with open(h.journal_path) as f:
                journal = f.read()
        return state, h.list_vfs(), journal

    def test_provision_creates_and_removes_vf_objects(self):
        h = self.h
        self.assertIsNone(h.manager_error("Provision", PF, 4))
        self.assertEqual(h.count_virtfn(PF), 4)
        vfs = h.vf_addresses(PF)
        self.assertEqual(set(h.list_vfs()), set(vfs))
        self.assertEqual(h.get_property(vt.pf_path(PF), vt.PF_IFACE, "NumVFs"), 4)
        self.assertEqual(sorted(h.get_property(vt.pf_path(PF), vt.PF_IFACE,
                                               "VirtualFunctions")),
                         sorted(vt.vf_path(v) for v in vfs))
        # Same count again: nothing to do, still fine.
        self.assertIsNone(h.manager_error("Provision", PF, 4))
        # Change between two non-zero counts (the kernel needs 0 in between).
        self.assertIsNone(h.manager_error("Provision", PF, 2))
        self.assertEqual(h.count_virtfn(PF), 2)
        self.assertEqual(len(h.list_vfs()), 2)
        self.assertIsNone(h.manager_error("Provision", PF, 0))
        self.assertEqual(h.list_vfs(), {})

    def test_provision_refusals_change_nothing(self):
        h = self.h
        self.assertIsNone(h.manager_error("Provision", PF, 2))
        vf = h.vf_addresses(PF)[0]
        self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm2"))
        before = self.snapshot()
        cases = [
            (("Provision", PF, 4), E + "Busy", vf),
            (("Provision", PF, 0), E + "Busy", vf),
            (("Provision", "0000:5e:00.0", 9), E + "OutOfRange", "0000:5e:00.0"),
            (("Provision", "0000:5e:00.0", 4096), E + "OutOfRange", "0000:5e:00.0"),
            (("Provision", "0000:77:00.0", 1), E + "NoSuchDevice", "0000:77:00.0"),
            (("Provision", "zz:00.0", 1), E + "InvalidArgument", "zz:00.0"),
            (("Provision", "", 1), E + "InvalidArgument", ""),
            (("Provision", vf, 1), E + "NotAPf", vf),
        ]
        for args, name, device in cases:
            with self.subTest(args=args):
                err = h.manager_error(*args)
                self.assertIsNotNone(err)
                self.assertEqual(err[0], name, err)
                self.assertIn(device, err[1])
                self.assertEqual(self.snapshot(), before)

    def test_bind_and_unbind(self):
        h = self.h
        self.assertIsNone(h.manager_error("Provision", PF, 2))
        vf = h.vf_addresses(PF)[0]
        self.assertIsNone(h.manager_error("Bind", vf, ""))
        self.assertEqual(h.driver_of(vf), "vfmig_virtio_pci")
        self.assertEqual(h.get_property(vt.vf_path(vf), vt.VF_IFACE, "Driver"),
                         "vfmig_virtio_pci")
        self.assertIsNone(h.manager_error("Bind", vf, "vfio-pci"))
        self.assertEqual(h.driver_of(vf), "vfio-pci")
        self.assertEqual(h.read_sysfs(f"bus/pci/devices/{vf}/driver_override"),
                         "vfio-pci")
        self.assertIsNone(h.manager_error("Unbind", vf))
        self.assertIsNone(h.driver_of(vf))
        self.assertEqual(h.get_property(vt.vf_path(vf), vt.VF_IFACE, "Driver"), "")

    def test_bind_refusals_change_nothing(self):
        h = self.h
        self.assertIsNone(h.manager_error("Provision", PF, 2))
        vf, vf2 = h.vf_addresses(PF)
        self.assertIsNone(h.manager_error("Claim", vf2, UUID, "vm2"))
        before = self.snapshot()
        cases = [
            (("Bind", vf, "e1000e"), E + "UnknownDriver", vf),
            (("Bind", vf, "../../evil"), E + "UnknownDriver", vf),
            (("Bind", PF, "vfio-pci"), E + "NotAVf", PF),
            (("Bind", "0000:3b:1f.7", "vfio-pci"), E + "NoSuchDevice", "0000:3b:1f.7"),
            (("Bind", "0000:3b:00.8", "vfio-pci"), E + "InvalidArgument", "0000:3b:00.8"),
            (("Unbind", vf2), E + "Busy", vf2),
            (("Bind", vf2, "vfio-pci"), E + "Busy", vf2),
            (("Claim", vf, "not-a-uuid", "vm"), E + "InvalidArgument", "not-a-uuid"),
            (("Claim", PF, UUID, "vm"), E + "NotAVf", PF),
            (("Claim", vf2, UUID.replace("2", "3"), "other"), E + "Busy", vf2),
            (("Assign", vf, UUID), E + "InvalidState", vf),
            (("Release", vf2, UUID.replace("2", "3")), E + "NotOwner", vf2),
        ]
        for args, name, device in cases:
            with self.subTest(args=args):
                err = h.manager_error(*args)
                self.assertIsNotNone(err)
                self.assertEqual(err[0], name, err)
                self.assertIn(device, err[1])
                self.assertEqual(self.snapshot(), before)

    def test_driver_not_loaded(self):
        with vt.Host(polkit=False, mkfakehost_args=["--no-variant-driver"],
                     num_vfs={PF: 1}) as h:
            vf = h.vf_addresses(PF)[0]
            err = h.manager_error("Bind", vf, "vfmig_virtio_pci")
            self.assertEqual(err[0], E + "DriverNotLoaded", err)
            self.assertIn("vfmig_virtio_pci", err[1])
            self.assertIsNone(h.manager_error("Bind", vf, "vfio-pci"))

    def test_claim_release_cycle_and_signals(self):
        h = self.h
        self.assertIsNone(h.manager_error("Provision", BLK, 1))
        vf = h.vf_addresses(BLK)[0]
        self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm2"))
        self.assertEqual(h.vf_state(vf), "claimed")
        self.assertEqual(h.driver_of(vf), "vfmig_virtio_pci")  # bind-on-claim
        p = vt.vf_path(vf)
        self.assertEqual(h.get_property(p, vt.VF_IFACE, "OwnerUUID"), UUID)
        self.assertEqual(h.get_property(p, vt.VF_IFACE, "OwnerName"), "vm2")
        # Idempotent for the same owner (hooks are retried).
        self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm2"))
        self.assertIsNone(h.manager_error("Assign", vf, UUID))
        self.assertEqual(h.vf_state(vf), "assigned")
        self.assertIsNone(h.manager_error("Release", vf, UUID))
        self.assertEqual(h.vf_state(vf), "free")
        self.assertEqual(h.get_property(p, vt.VF_IFACE, "OwnerUUID"), "")
        # Releasing a free VF again is a no-op (hooks repeat themselves).
        self.assertIsNone(h.manager_error("Release", vf, UUID))
        self.assertEqual(h.vf_state(vf), "free")

    def resets(self, vf):
        """The fake kernel's record of the resets done to vf (one line
        each, naming the driver bound at the time)."""
        path = os.path.join(self.h.root, ".fakehost", "resets", vf)
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return f.read().splitlines()

    def test_release_resets_the_vf(self):
        """A VF leaving a VM is reset once, on its policy VFIO driver,
        before it is free for the next one."""
        h = self.h
        self.assertIsNone(h.manager_error("Provision", PF, 2))
        vf = h.vf_addresses(PF)[0]
        self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm2"))
        self.assertEqual(self.resets(vf), [])
        self.assertIsNone(h.manager_error("Release", vf, UUID))
        self.assertEqual(h.vf_state(vf), "free")
        h.wait_until(lambda: self.resets(vf), f"a reset of {vf}")
        self.assertEqual(self.resets(vf), ["driver=vfmig_virtio_pci"])
        self.assertEqual(h.driver_of(vf), "vfmig_virtio_pci")
        # A repeated release of a free VF does not reset it again, and the
        # neighbour was never touched.
        self.assertIsNone(h.manager_error("Release", vf, UUID))
        self.assertEqual(self.resets(vf), ["driver=vfmig_virtio_pci"])
        self.assertEqual(self.resets(h.vf_addresses(PF)[1]), [])

    def test_release_without_reset_quarantines(self):
        """A VF the kernel cannot reset must not go to another VM
        silently: the release quarantines it, naming the VF and why."""
        with vt.Host(polkit=False, pfs=[PF + ",reset=none"],
                     num_vfs={PF: 1}) as h:
            vf = h.vf_addresses(PF)[0]
            self.assertFalse(os.path.exists(
                h.sysfs_path(f"bus/pci/devices/{vf}/reset")))
            self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm2"))
            err = h.manager_error("Release", vf, UUID)
            self.assertIsNotNone(err)
            self.assertIn(vf, err[1])
            self.assertIn("quarantined", err[1])
            self.assertEqual(h.vf_state(vf), "quarantined")
            reason = h.get_property(vt.vf_path(vf), vt.VF_IFACE,
                                    "QuarantineReason")
            self.assertIn(vf, reason)
            self.assertIn("reset", reason)
            # Not handed out again until an administrator clears it.
            err = h.manager_error("Claim", vf, UUID, "vm2")
            self.assertEqual(err[0], E + "Quarantined", err)

    def driver_state(self):
        """Drivers, overrides and the pool as the bus shows them (the
        journal itself is replaced by a directory in these tests)."""
        h = self.h
        state = {}
        for vf in h.vf_addresses(PF):
            state[vf] = (h.driver_of(vf),
                         h.read_sysfs(f"bus/pci/devices/{vf}/driver_override"))
        return state, h.list_vfs()

    def test_failed_take_puts_the_driver_back(self):
        """bind-on-claim moves the VF, then the journal cannot be saved:
        the reply says "nothing changed", so the VF must be back on its
        old driver (and override) and free."""
        h = self.h
        self.assertIsNone(h.manager_error("Provision", PF, 2))
        vf = h.vf_addresses(PF)[0]
        self.assertEqual(h.driver_of(vf), "virtio-pci")
        before = self.driver_state()
        jp = h.journal_path
        if os.path.exists(jp):
            os.unlink(jp)
        os.makedirs(os.path.join(jp, "x"))
        for args in (("Claim", vf, UUID, "vm2"), ("Reserve", vf, UUID, "vm2", 60)):
            with self.subTest(method=args[0]):
                err = h.manager_error(*args)
                self.assertIsNotNone(err)
                self.assertEqual(err[0], E + "IO", err)
                self.assertIn("nothing changed", err[1])
                self.assertEqual(h.driver_of(vf), "virtio-pci")
                self.assertEqual(h.vf_state(vf), "free")
                self.assertEqual(self.driver_state(), before)
        # Once the journal can be written again, the claim goes through.
        os.rmdir(os.path.join(jp, "x"))
        os.rmdir(jp)
        self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm2"))
        self.assertEqual(h.driver_of(vf), "vfmig_virtio_pci")
        self.assertEqual(h.vf_state(vf), "claimed")

    def test_claim_of_own_reservation_drops_the_lease(self):
        """The reserving domain claims its VF: it is claimed, with no lease
        left that could free it under the VM."""
        h = self.h
        self.assertIsNone(h.manager_error("Provision", PF, 1))
        vf = h.vf_addresses(PF)[0]
        p = vt.vf_path(vf)
        self.assertIsNone(h.manager_error("Reserve", vf, UUID, "vm2", 600))
        self.assertEqual(h.vf_state(vf), "reserved")
        self.assertNotEqual(h.get_property(p, vt.VF_IFACE, "LeaseUntil"), 0)
        self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm2"))
        self.assertEqual(h.vf_state(vf), "claimed")
        self.assertEqual(h.get_property(p, vt.VF_IFACE, "LeaseUntil"), 0)
        # Also after a restart (the journal holds the claim, not the lease).
        h.restart_agent()
        self.assertEqual(h.vf_state(vf), "claimed")
        self.assertEqual(h.get_property(p, vt.VF_IFACE, "LeaseUntil"), 0)
        # Another owner's reservation stays theirs.
        other = UUID.replace("2", "3")
        self.assertIsNone(h.manager_error("Release", vf, UUID))
        self.assertIsNone(h.manager_error("Reserve", vf, other, "vm3", 600))
        err = h.manager_error("Claim", vf, UUID, "vm2")
        self.assertEqual(err[0], E + "Busy", err)
        self.assertEqual(h.vf_state(vf), "reserved")

    def test_provision_refuses_quarantined_vf(self):
        """A quarantined VF may belong to a running VM: no numvfs change of
        its PF may destroy it; the error names the VF and the reason."""
        h = self.h
        self.assertIsNone(h.manager_error("Provision", PF, 2))
        vf = h.vf_addresses(PF)[0]
        self.assertIsNone(h.manager_error("Bind", vf, "vfio-pci"))
        with open(h.journal_path, "w") as f:
            f.write("garbage\n")
        h.restart_agent()
        self.assertEqual(h.vf_state(vf), "quarantined")
        reason = h.get_property(vt.vf_path(vf), vt.VF_IFACE, "QuarantineReason")
        self.assertIn("journal", reason)
        before = self.snapshot()
        for n in (0, 1, 4):
            with self.subTest(num_vfs=n):
                err = h.manager_error("Provision", PF, n)
                self.assertIsNotNone(err)
                self.assertEqual(err[0], E + "Quarantined", err)
                self.assertIn(vf, err[1])
                self.assertIn(reason, err[1])
                self.assertEqual(h.count_virtfn(PF), 2)
                self.assertEqual(self.snapshot(), before)
        # The administrator clears it: now the PF may change.
        self.assertIsNone(h.manager_error("Unquarantine", vf))
        self.assertIsNone(h.manager_error("Provision", PF, 0))
        self.assertEqual(h.count_virtfn(PF), 0)


if __name__ == "__main__":
    vt.main()
