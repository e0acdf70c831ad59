#!/usr/bin/python3
"""libvirtd restarted under the agent while a guest runs: the guest keeps
its VF (the `reconnect` hook and the agent's reconciliation agree), the
agent reconnects on its own (seen from libvirtd's side, and by a domain
started afterwards getting its metadata, which only the monitor publishes),
and a migration afterwards behaves as usual."""

import e2etest as e2e


class LibvirtdRestart(e2e.PairTest):
    def test_restart_under_agent(self):
        vf0, vf1 = self.a_vfs[:2]
        dom = self.start_domain("lvr1", [vf0])
        self.wait_owned(self.a, [vf0], dom)
        e2e.wait_for(lambda: e2e.vfmig_metadata(self.a.dumpxml("lvr1")),
                     "metadata of lvr1")
        agent_pid = self.a.agent.pid

        self.a.restart_libvirtd()
        self.assertTrue(self.a.agent.alive(), "vfmigd died with libvirtd")
        self.assertEqual(self.a.agent.pid, agent_pid)
        self.a.wait_agent_connected(timeout=60)

        # libvirtd ran the hook for the guest it found running again.
        with open(f"{self.a.dir}/log/libvirtd.log", errors="replace") as f:
            self.assertIn("id=lvr1 op=reconnect subop=begin", f.read())
        self.assertEqual(self.a.domstate("lvr1"), "running")
        self.assertTrue(self.a.owned_by(vf0, dom), self.a.vf_info(vf0))
        self.assertEqual(e2e.hostdev_addresses(self.a.dumpxml("lvr1")), [vf0])
        self.assertEqual([a for _, a in e2e.vfmig_metadata(self.a.dumpxml("lvr1"))],
                         [vf0])

        dom2 = self.start_domain("lvr2", [vf1])
        self.wait_owned(self.a, [vf1], dom2)
        meta = e2e.wait_for(lambda: e2e.vfmig_metadata(self.a.dumpxml("lvr2")),
                            "metadata of lvr2, started after the restart")
        self.assertEqual([a for _, a in meta], [vf1])

        r = self.pair.migrate(self.a, self.b, "lvr1")
        self.assertEqual(r.returncode, 0, r.stderr)
        [dst] = e2e.hostdev_addresses(self.b.dumpxml("lvr1"))
        self.wait_owned(self.b, [dst], dom, ("assigned",))
        self.a.wait_migration(dom, "outgoing", "completed")
        self.wait_free(self.a, [vf0])
        self.assertTrue(self.a.owned_by(vf1, dom2))
        for name, h in (("lvr1", self.b), ("lvr2", self.a)):
            h.virsh("destroy", name)


if __name__ == "__main__":
    e2e.main()
