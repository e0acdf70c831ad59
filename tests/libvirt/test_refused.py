#!/usr/bin/python3
"""A migration refused for incompatibility: hostb's VFs are virtio-blk
(1af4:1042) where the guest's is virtio-net (1af4:1041). The destination's
migrate hook refuses before any state moves: virsh shows the device and
every reason, the guest keeps running on hosta with its VF, and nothing is
reserved on hostb. The same answer comes from CheckIncoming ahead of time."""

import e2etest as e2e


class Refused(e2e.PairTest):
    B_PFS = [f"{e2e.PF_B},type=blk,total=4,num=4"]

    def test_check_incoming_ahead(self):
        vf = self.a_vfs[1]
        dom = self.start_domain("ref0", [vf])
        self.wait_owned(self.a, [vf], dom)
        e2e.wait_for(lambda: e2e.vfmig_metadata(self.a.dumpxml("ref0")),
                     "metadata on hosta")
        xml = self.a.dumpxml("ref0")
        ok, data = self.b.manager("CheckIncoming", "s", xml)
        self.assertTrue(ok, data)
        compatible, lines = data
        self.assertFalse(compatible)
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("type differs: source net, destination blk", lines[0])
        # Nothing changes for a check.
        self.assert_nothing_reserved(self.b)
        self.a.virsh("destroy", "ref0")
        self.wait_free(self.a, [vf])

    def test_refused(self):
        vf = self.a_vfs[0]
        dom = self.start_domain("ref1", [vf])
        self.wait_owned(self.a, [vf], dom)
        before = {m["id"] for m in self.b.migrations()}
        drivers = {v: self.b.driver_of(v) for v in self.b_vfs}

        r = self.pair.migrate(self.a, self.b, "ref1")
        self.assertNotEqual(r.returncode, 0, "the migration was not refused")
        err = r.stderr
        # The device, named, with every reason (type and PCI id both differ).
        self.assertTrue(vf in err or "hostdev0" in err, err)
        self.assertIn("type differs: source net, destination blk", err)
        self.assertIn("PCI id differs: source 1af4:1041, destination 1af4:1042", err)

        self.assertEqual(self.a.domstate("ref1"), "running")
        self.assertEqual(e2e.hostdev_addresses(self.a.dumpxml("ref1")), [vf])
        self.assertTrue(self.a.owned_by(vf, dom))
        self.assertNotIn("ref1", self.b.domains())
        self.assert_nothing_reserved(self.b)
        self.assertEqual({v: self.b.driver_of(v) for v in self.b_vfs}, drivers,
                         "hostb's VFs were rebound for a refused migration")
        # The refusal is on record on hostb, as refused, with the reasons.
        new = [m for m in self.b.migrations()
               if m["id"] not in before and m["uuid"] == dom]
        self.assertEqual([m["phase"] for m in new], ["refused"])
        props = self.b.migration_props(new[0]["object"])
        self.assertIn("type differs", props["Error"])
        out = self.a.migration_of(dom, "outgoing")
        if out is not None:  # the source may not have seen it start at all
            self.assertNotEqual(out["phase"], "completed")
        self.a.virsh("destroy", "ref1")
        self.wait_free(self.a, [vf])



class RefusedFeatures(e2e.PairTest):
    """hostb's VFs are virtio-net too, but its variant driver does not offer
    MQ, which the source's VF offers (no guest driver negotiated anything,
    so every offered bit counts): refused, naming the missing bit."""
    B_PFS = [f"{e2e.PF_B},type=net,total=4,num=4,features="
             f"{e2e.NET_FEATURES & ~e2e.VIRTIO_NET_F_MQ:x}"]

    def test_missing_feature_refused(self):
        vf = self.a_vfs[0]
        dom = self.start_domain("feat1", [vf])
        self.wait_owned(self.a, [vf], dom)
        e2e.wait_for(lambda: e2e.vfmig_metadata(self.a.dumpxml("feat1")),
                     "metadata on hosta")
        r = self.pair.migrate(self.a, self.b, "feat1")
        self.assertNotEqual(r.returncode, 0, "the migration was not refused")
        self.assertTrue(vf in r.stderr or "hostdev0" in r.stderr, r.stderr)
        self.assertIn("destination lacks", r.stderr)
        self.assertIn(f"0x{e2e.VIRTIO_NET_F_MQ:016x}", r.stderr)
        self.assertNotIn("type differs", r.stderr)
        self.assertEqual(self.a.domstate("feat1"), "running")
        self.assertTrue(self.a.owned_by(vf, dom))
        self.assertNotIn("feat1", self.b.domains())
        self.assert_nothing_reserved(self.b)
        self.a.virsh("destroy", "feat1")
        self.wait_free(self.a, [vf])


if __name__ == "__main__":
    e2e.main()
