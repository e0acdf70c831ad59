#!/usr/bin/python3
"""Agents killed (SIGKILL) in the middle of a migration and started again.
The destination's: its reservation and the unfinished Migration survive in
its journal, it reconnects to libvirtd, and the migration, let go on,
completes consistently on both sides. The source's: the guest's VF stays
its own and is released once the migration is over. And the destination's
agent down while the migration is aborted: its hooks cannot reach it, so
its reconciliation at start-up must free the VF of a domain that is not
running there."""
import signal

import e2etest as e2e


class AgentRestart(e2e.PairTest):
    def test_kill_destination_agent_mid_migration(self):
        vf = self.a_vfs[0]
        dom = self.start_domain("kill1", [vf], dirty=True)
        self.wait_owned(self.a, [vf], dom)
        self.assertEqual(self.a.virsh("migrate-setspeed", "kill1", "1").returncode, 0)
        mig = self.pair.migrate_async(self.a, self.b, "kill1")
        try:
            # Not earlier: a hook that cannot reach the agent fails the
            # migration, which is not what this test is about.
            self.pair.wait_transfer(self.a, "kill1")
            inc = self.b.wait_migration(dom, "incoming", "transferring")
            [(_, src, dst)] = inc["Devices"]
            self.assertEqual(src, vf)
            self.assertTrue(self.b.owned_by(dst, dom, e2e.INCOMING_STATES))
            held = self.b.vf_info(dst)

            self.b.kill_agent(signal.SIGKILL)
            self.b.start_agent()
            self.b.wait_agent_connected()

            # What the journal kept: the reservation (a claim by now), the
            # Migration.
            self.assertEqual(self.b.vf_info(dst), held)
            again = self.b.migration_of(dom, "incoming")
            self.assertIsNotNone(again, "the Migration did not survive")
            self.assertEqual(again["id"], inc["Id"])
            self.assertNotIn(again["phase"], e2e.FINAL_PHASES)

            r = self.a.virsh("migrate-setspeed", "kill1", "100000")
            self.assertEqual(r.returncode, 0, r.stderr)
            out, err = mig.communicate(timeout=180)
        finally:
            if mig.poll() is None:
                mig.kill()
                mig.wait()
        self.assertEqual(mig.returncode, 0, err)

        self.assertEqual(self.b.domstate("kill1"), "running")
        self.assertEqual(e2e.hostdev_addresses(self.b.dumpxml("kill1")), [dst])
        self.wait_owned(self.b, [dst], dom, ("assigned",))
        done = self.b.wait_migration(dom, "incoming", "completed")
        self.assertEqual(done["Id"], inc["Id"])
        self.wait_free(self.a, [vf])
        self.b.virsh("destroy", "kill1")
        self.wait_free(self.b, [dst])


    def throttled(self, name, vf):
        dom = self.start_domain(name, [vf], dirty=True)
        self.wait_owned(self.a, [vf], dom)
        r = self.a.virsh("migrate-setspeed", name, "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        mig = self.pair.migrate_async(self.a, self.b, name)
        self.pair.wait_transfer(self.a, name)
        return dom, mig

    @staticmethod
    def finish(mig, timeout=180):
        try:
            return mig.communicate(timeout=timeout)
        finally:
            if mig.poll() is None:
                mig.kill()
                mig.wait()

    def test_kill_source_agent_mid_migration(self):
        vf = self.a_vfs[1]
        dom, mig = self.throttled("kill2", vf)
        try:
            inc = self.b.wait_migration(dom, "incoming", "transferring")
            [(_, _, dst)] = inc["Devices"]
            held = self.a.vf_info(vf)
            self.a.kill_agent(signal.SIGKILL)
            self.a.start_agent()
            self.a.wait_agent_connected()
            self.assertEqual(self.a.vf_info(vf), held)
            r = self.a.virsh("migrate-setspeed", "kill2", "100000")
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            _, err = self.finish(mig)
        self.assertEqual(mig.returncode, 0, err)
        self.wait_owned(self.b, [dst], dom, ("assigned",))
        self.b.wait_migration(dom, "incoming", "completed")
        self.wait_free(self.a, [vf])
        self.b.virsh("destroy", "kill2")
        self.wait_free(self.b, [dst])

    def test_abort_while_destination_agent_down(self):
        vf = self.a_vfs[2]
        dom, mig = self.throttled("kill3", vf)
        try:
            inc = self.b.wait_migration(dom, "incoming", "transferring")
            [(_, _, dst)] = inc["Devices"]
            self.assertTrue(self.b.owned_by(dst, dom, e2e.INCOMING_STATES))
            self.b.kill_agent(signal.SIGKILL)
            r = self.a.virsh("domjobabort", "kill3")
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            _, err = self.finish(mig, timeout=120)
        self.assertNotEqual(mig.returncode, 0)
        self.assertIn("canceled by client", err)
        e2e.wait_for(lambda: "kill3" not in self.b.domains(),
                     "the incoming domain gone from hostb")

        self.b.start_agent()
        self.b.wait_agent_connected()
        self.wait_free(self.b, [dst])
        self.assert_nothing_reserved(self.b)
        self.b.wait_migration(dom, "incoming", "failed")
        self.assertEqual(self.a.domstate("kill3"), "running")
        self.assertTrue(self.a.owned_by(vf, dom))
        self.a.virsh("destroy", "kill3")
        self.wait_free(self.a, [vf])


if __name__ == "__main__":
    e2e.main()
