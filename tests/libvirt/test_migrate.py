#!/usr/bin/python3
"""An accepted live migration of a domain with two managed VFs: the
destination reserves compatible VFs, rewrites every hostdev to them (the
hosts' VFs have different addresses, so nothing passes unrewritten), the
reservations become assignments, Migration objects on both hosts reach
completed, and the source's VFs go back to the pool after
`release end migrated`. Then back again."""

import e2etest as e2e


class Migrate(e2e.PairTest):
    def check_signals(self, signals, obj, role):
        """PhaseChanged on the object for every phase change, in order,
        each starting where the previous one ended."""
        changes = e2e.phase_changes(signals, obj)
        self.assertTrue(changes, f"no PhaseChanged from {obj}: {signals}")
        want = (["prepared", "transferring", "completed"]
                if role == "incoming" else ["completed"])
        news = [new for _, new in changes]
        self.assertEqual([p for p in news if p in want], want, changes)
        self.assertEqual(news[-1], "completed")
        for (_, new), (old, _) in zip(changes, changes[1:]):
            self.assertEqual(old, new, changes)

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
        return dst_vfs, inc, out

    def migrate_and_check(self, src, dst, src_vfs, dom, *extra):
        resets = {vf: src.resets(vf) for vf in src_vfs}
        src_sig, dst_sig = src.monitor_signals(), dst.monitor_signals()
        try:
            r = self.pair.migrate(src, dst, "mig1", *extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(dst.domstate("mig1"), "running")
            dst_vfs, inc, out = self.check_migration(src, dst, src_vfs, dom)
        finally:
            src_signals, dst_signals = src_sig.stop(), dst_sig.stop()
        inc_obj = dst.migration_of(dom, "incoming")["object"]
        out_obj = src.migration_of(dom, "outgoing")["object"]
        self.check_signals(dst_signals, inc_obj, "incoming")
        self.check_signals(src_signals, out_obj, "outgoing")
        added = [a for p, m, a in dst_signals
                 if m == "org.vfmig.Agent1.Manager.MigrationAdded"]
        self.assertTrue(any(inc_obj in a for a in added), dst_signals)
        # Released VFs got a function reset before going back to the pool.
        for vf in src_vfs:
            self.assertGreater(src.resets(vf), resets[vf], vf)
        return dst_vfs

    def test_there_and_back(self):
        vfs = self.a_vfs[:2]
        dom = self.start_domain("mig1", vfs)
        self.wait_owned(self.a, vfs, dom)
        b_vfs = self.migrate_and_check(self.a, self.b, vfs, dom)
        self.migrate_and_check(self.b, self.a, b_vfs, dom, "--p2p")
        self.a.virsh("destroy", "mig1")

    def test_orchestrator_choice_kept(self):
        """An orchestrator already rewrote the hostdev to a usable VF of
        the destination (virsh migrate --xml): the hook keeps it."""
        vf = self.a_vfs[2]
        dom = self.start_domain("orch1", [vf])
        self.wait_owned(self.a, [vf], dom)
        e2e.wait_for(lambda: e2e.vfmig_metadata(self.a.dumpxml("orch1")),
                     "metadata of orch1")
        want = self.b_vfs[3]
        r = self.a.virsh("dumpxml", "--migratable", "orch1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count(e2e.address_xml(vf)), 1, r.stdout)
        xml = r.stdout.replace(e2e.address_xml(vf), e2e.address_xml(want))
        path = f"{self.pair.dir}/orch1-dest.xml"
        with open(path, "w") as f:
            f.write(xml)
        r = self.pair.migrate(self.a, self.b, "orch1", "--xml", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(e2e.hostdev_addresses(self.b.dumpxml("orch1")), [want])
        self.wait_owned(self.b, [want], dom, ("assigned",))
        inc = self.b.wait_migration(dom, "incoming", "completed")
        self.assertEqual([d for _, _, d in inc["Devices"]], [want])
        self.wait_free(self.a, [vf])
        self.b.virsh("destroy", "orch1")
        self.wait_free(self.b, [want])


if __name__ == "__main__":
    e2e.main()
