#!/usr/bin/python3
"""Profiles published into the live domain XML on start (by the agent's
libvirt monitor, not by the hook) and carried to the destination by a
migration, rewritten to the destination's VF; a destroyed domain's VF goes
back to the pool."""

import e2etest as e2e


class Metadata(e2e.PairTest):
    def test_published_and_migrated(self):
        vf = self.a_vfs[0]
        dom = self.start_domain("meta1", [vf])
        self.wait_owned(self.a, [vf], dom)
        # libvirt validated the VF on a VFIO driver: the agent bound it.
        self.assertEqual(self.a.driver_of(vf), e2e.VFIO_DRIVER)

        meta = e2e.wait_for(lambda: e2e.vfmig_metadata(self.a.dumpxml("meta1")),
                            "vfmig metadata in hosta's live XML")
        self.assertEqual([addr for _, addr in meta], [vf])
        # Read from the variant driver's sysfs profile (tests/fakehost's
        # vfmig/ of a VF on vfmig_virtio_pci): a virtio-net VF.
        [(_, _, prof)] = e2e.vfmig_metadata_profiles(self.a.dumpxml("meta1"))
        self.assertEqual(prof.get("type"), "net")
        self.assertEqual(prof.get("source"), "variant")
        self.assertEqual(int(prof.get("features"), 16), e2e.NET_FEATURES)
        # The same text the agent answers on D-Bus, by name and by uuid.
        for key in ("meta1", dom):
            ok, data = self.a.manager("GetDomainProfile", "s", key)
            self.assertTrue(ok, data)
            self.assertIn(f'address="{vf}"', data[0])
            self.assertIn(e2e.VFMIG_NS, data[0])

        r = self.pair.migrate(self.a, self.b, "meta1")
        self.assertEqual(r.returncode, 0, r.stderr)
        xml = self.b.dumpxml("meta1")
        [dst] = e2e.hostdev_addresses(xml)
        self.assertIn(dst, self.b_vfs)
        meta_b = e2e.vfmig_metadata(xml)
        self.assertIsNotNone(meta_b, "no vfmig metadata on hostb")
        self.assertEqual([addr for _, addr in meta_b], [dst])
        self.wait_owned(self.b, [dst], dom, ("assigned",))

        r = self.b.virsh("destroy", "meta1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_free(self.b, [dst])
        self.wait_free(self.a, [vf])

    def test_domain_without_vf_untouched(self):
        """No managed VF: started and migrated, no metadata, no Migration."""
        r, dom = self.pair.create(self.a, "plain1", [])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.pair.wait_guest_up(self.a, "plain1")
        r = self.pair.migrate(self.a, self.b, "plain1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNone(e2e.vfmig_metadata(self.b.dumpxml("plain1")))
        for h in (self.a, self.b):
            self.assertEqual([m for m in h.migrations() if m["uuid"] == dom], [])
        self.b.virsh("destroy", "plain1")


if __name__ == "__main__":
    e2e.main()
