#!/usr/bin/python3
"""kill -9 of the agent while two owners race to claim the same VFs, then a
restart: the journal is intact, every claim a client was told succeeded is
still there, no VF is owned twice or lost."""
import glob
import os
import random
import signal
import threading
import time
import unittest

import vfmigtest as vt

PF = "0000:3b:00.0"
OWNERS = {"a": "00000000-0000-4000-8000-00000000000a",
          "b": "00000000-0000-4000-8000-00000000000b"}


class Claimer(threading.Thread):
    def __init__(self, h, owner, vfs):
        super().__init__(daemon=True)
        self.h, self.owner, self.vfs = h, owner, vfs
        self.succeeded = []

    def run(self):
        for vf in self.vfs:
            err = self.h.manager_error("Claim", vf, OWNERS[self.owner],
                                       f"vm-{self.owner}")
            if err is None:
                self.succeeded.append(vf)


class CrashSafety(unittest.TestCase):
    def check_round(self, h, seed):
        rnd = random.Random(seed)
        vfs = h.vf_addresses(PF)
        a = Claimer(h, "a", vfs)
        b = Claimer(h, "b", list(reversed(vfs)))
        a.start()
        b.start()
        time.sleep(rnd.uniform(0.02, 0.4))
        h.kill_agent(signal.SIGKILL)
        a.join(30)
        b.join(30)
        h.start_agent()

        self.assertEqual(glob.glob(h.journal_path + ".damaged-*"), [])
        report = h.get_property(vt.ROOT_PATH, vt.MANAGER, "StartupReport")
        self.assertFalse(any("damaged" in line for line in report), report)
        listed = h.list_vfs()
        self.assertEqual(set(listed), set(vfs), "a VF was lost")
        for owner, claimer in (("a", a), ("b", b)):
            for vf in claimer.succeeded:
                self.assertEqual(listed[vf][6], "claimed", (seed, vf))
                self.assertEqual(listed[vf][7], OWNERS[owner], (seed, vf))
        self.assertFalse([v for v, r in listed.items() if r[6] == "quarantined"])

        # Both owners retry everything: each VF ends with exactly one owner.
        for owner in ("a", "b"):
            for vf in vfs:
                h.manager_error("Claim", vf, OWNERS[owner], f"vm-{owner}")
        listed = h.list_vfs()
        for vf in vfs:
            self.assertEqual(listed[vf][6], "claimed")
            self.assertIn(listed[vf][7], OWNERS.values())
        for vf in vfs:
            self.assertIsNone(h.manager_error("Release", vf, ""))

    def test_kill_during_claims(self):
        with vt.Host(polkit=False, num_vfs={PF: 8}) as h:
            for seed in range(5):
                with self.subTest(seed=seed):
                    self.check_round(h, seed)
            leftovers = [f for f in os.listdir(h.state_dir)
                         if f != "pool.journal"]
            self.assertEqual(leftovers, [], "temporary journal files left")


if __name__ == "__main__":
    vt.main()
