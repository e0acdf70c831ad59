#!/usr/bin/python3
"""Changes made behind the agent's back are noticed: on Rescan, and by the
periodic reconciliation when nobody asks."""
import os
import subprocess
import unittest

import vfmigtest as vt

PF = "0000:3b:00.0"
UUID = "7e6c3b1e-58a8-4c4e-9a1b-1f0c0de00006"


class BehindTheBack(unittest.TestCase):
    def test_numvfs_by_hand_then_rescan(self):
        # A long interval so that only Rescan can explain what we see.
        with vt.Host(polkit=False, config="[agent]\nreconcile-interval-sec=3600\n") as h:
            self.assertEqual(h.list_vfs(), {})
            h.set_numvfs_by_hand(PF, 3)
            ok, findings = h.manager("Rescan")
            self.assertTrue(ok, findings)
            self.assertEqual(set(h.list_vfs()), set(h.vf_addresses(PF)))
            self.assertEqual(h.get_property(vt.pf_path(PF), vt.PF_IFACE, "NumVFs"), 3)

    def test_driver_unbound_under_a_claim_is_quarantined(self):
        with vt.Host(polkit=False, num_vfs={PF: 2},
                     config="[agent]\nreconcile-interval-sec=3600\n") as h:
            vf = h.vf_addresses(PF)[0]
            self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm6"))
            self.assertEqual(h.driver_of(vf), "vfmig_virtio_pci")
            h.write_sysfs("bus/pci/drivers/vfmig_virtio_pci/unbind", vf)
            h.wait_until(lambda: h.driver_of(vf) is None, "unbind")
            ok, findings = h.manager("Rescan")
            self.assertTrue(ok)
            self.assertTrue(any(vf in f for f in findings[0]), findings)
            self.assertEqual(h.vf_state(vf), "quarantined")
            reason = h.get_property(vt.vf_path(vf), vt.VF_IFACE, "QuarantineReason")
            self.assertIn("driver", reason)

    def test_hot_removed_vf_is_quarantined_not_dropped(self):
        with vt.Host(polkit=False, num_vfs={PF: 2},
                     config="[agent]\nreconcile-interval-sec=1\n") as h:
            vf = h.vf_addresses(PF)[1]
            self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm6"))
            subprocess.run([os.path.join(vt.SRCDIR, "tests/fakehost/fakehost-remove"),
                            "--root", h.root, vf], check=True)
            # No Rescan: the periodic reconciliation must find it.
            h.wait_until(lambda: self._state_in_list(h, vf) == "quarantined",
                         "periodic reconciliation", timeout=15)
            journal = open(h.journal_path).read()
            self.assertIn(vf, journal)

    @staticmethod
    def _state_in_list(h, vf):
        row = h.list_vfs().get(vf)
        return row[6] if row else None


if __name__ == "__main__":
    vt.main()
