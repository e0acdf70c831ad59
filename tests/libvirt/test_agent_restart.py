#!/usr/bin/python3
"""The destination's agent killed (SIGKILL) in the middle of a migration
and started again: the reservation and the unfinished Migration survive in
its journal, the agent reconnects to libvirtd, and when the migration is let
go on it completes consistently on both sides."""
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


if __name__ == "__main__":
    e2e.main()
