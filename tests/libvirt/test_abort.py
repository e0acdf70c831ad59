#!/usr/bin/python3
"""An aborted migration: throttled (migrate-setspeed 1 MiB/s, a guest that
keeps dirtying memory) so it is still in flight when `virsh domjobabort`
cancels it on the source. The destination's reservation is released, its
Migration ends failed, the guest runs on with its VF on the source."""

import e2etest as e2e


class Abort(e2e.PairTest):
    def test_domjobabort(self):
        vf = self.a_vfs[0]
        dom = self.start_domain("abort1", [vf], dirty=True)
        self.wait_owned(self.a, [vf], dom)
        self.assertEqual(self.a.virsh("migrate-setspeed", "abort1", "1").returncode, 0)
        mig = self.pair.migrate_async(self.a, self.b, "abort1")
        try:
            self.pair.wait_transfer(self.a, "abort1")
            inc = self.b.wait_migration(dom, "incoming", "transferring")
            [(_, src, dst)] = inc["Devices"]
            self.assertEqual(src, vf)
            self.assertIn(dst, self.b_vfs)
            self.assertTrue(self.b.owned_by(dst, dom, e2e.INCOMING_STATES),
                            self.b.vf_info(dst))
            # Still in flight: the guest is paused on hostb, running on hosta.
            self.assertEqual(self.b.domstate("abort1"), "paused")
            r = self.a.virsh("domjobabort", "abort1")
            self.assertEqual(r.returncode, 0, r.stderr)
            _, err = mig.communicate(timeout=120)
        finally:
            if mig.poll() is None:
                mig.kill()
                mig.wait()
        self.assertNotEqual(mig.returncode, 0)
        self.assertIn("canceled by client", err)

        self.assertEqual(self.a.domstate("abort1"), "running")
        self.assertEqual(e2e.hostdev_addresses(self.a.dumpxml("abort1")), [vf])
        self.assertTrue(self.a.owned_by(vf, dom))
        e2e.wait_for(lambda: "abort1" not in self.b.domains(),
                     "the incoming domain gone from hostb")
        self.wait_free(self.b, [dst])
        self.assert_nothing_reserved(self.b)
        failed = self.b.wait_migration(dom, "incoming", "failed")
        self.assertNotEqual(failed["Error"], "")
        out = self.a.migration_of(dom, "outgoing")
        if out is not None:  # only if the source saw the transfer begin
            self.assertEqual(self.a.wait_migration(dom, "outgoing", "failed")
                             ["Phase"], "failed")

        # The VF is still the guest's: a second, unthrottled try succeeds.
        self.assertEqual(self.a.virsh("migrate-setspeed", "abort1", "100000").returncode, 0)
        r = self.pair.migrate(self.a, self.b, "abort1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.b.wait_migration(dom, "incoming", "completed")
        self.wait_free(self.a, [vf])
        self.b.virsh("destroy", "abort1")


if __name__ == "__main__":
    e2e.main()
