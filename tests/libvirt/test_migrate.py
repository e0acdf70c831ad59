#!/usr/bin/python3
"""An accepted live migration of a domain with two managed VFs: the
destination reserves compatible VFs, rewrites every hostdev to them (the
hosts' VFs have different addresses, so nothing passes unrewritten), the
reservations become assignments, Migration objects on both hosts reach
completed, and the source's VFs go back to the pool after
`release end migrated`. Then back again."""

import e2etest as e2e


class Migrate(e2e.PairTest):
    def check_migration(self, src, dst, src_vfs, dom):
        xml = dst.dumpxml("mig1")
        dst_vfs = e2e.hostdev_addresses(xml)
        self.assertEqual(len(dst_vfs), 2)
        self.assertEqual(len(set(dst_vfs)), 2)
        self.assertTrue(set(dst_vfs) <= set(dst.vf_addresses(
            dst.pfs[0].split(",")[0])), dst_vfs)
        self.assertEqual(sorted(a for _, a in e2e.vfmig_metadata(xml)),
                         sorted(dst_vfs))
        self.wait_owned(dst, dst_vfs, dom, ("assigned",))
        for vf in dst_vfs:
            self.assertEqual(dst.driver_of(vf), e2e.VFIO_DRIVER)

        inc = dst.wait_migration(dom, "incoming", "completed")
        self.assertEqual(inc["DomainName"], "mig1")
        self.assertEqual(inc["Error"], "")
        self.assertGreater(inc["Finished"], 0)
        self.assertEqual(sorted(s for _, s, _ in inc["Devices"]), sorted(src_vfs))
        self.assertEqual(sorted(d for _, _, d in inc["Devices"]), sorted(dst_vfs))
        phases = dict(inc["PhaseTimes"])
        for p in ("preparing", "prepared", "transferring", "completed"):
            self.assertGreater(phases.get(p, 0), 0, f"phase {p}: {phases}")
        self.assertLessEqual(phases["preparing"], phases["completed"])

        out = src.wait_migration(dom, "outgoing", "completed")
        self.assertEqual(out["Error"], "")
        self.assertEqual(sorted(s for _, s, _ in out["Devices"]), sorted(src_vfs))
        self.wait_free(src, src_vfs)
        self.assertNotIn("mig1", src.domains())
        return dst_vfs

    def test_there_and_back(self):
        vfs = self.a_vfs[:2]
        dom = self.start_domain("mig1", vfs)
        self.wait_owned(self.a, vfs, dom)
        r = self.pair.migrate(self.a, self.b, "mig1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.b.domstate("mig1"), "running")
        b_vfs = self.check_migration(self.a, self.b, vfs, dom)

        r = self.pair.migrate(self.b, self.a, "mig1", "--p2p")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.a.domstate("mig1"), "running")
        self.check_migration(self.b, self.a, b_vfs, dom)
        self.a.virsh("destroy", "mig1")


if __name__ == "__main__":
    e2e.main()
