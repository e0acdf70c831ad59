#!/usr/bin/python3
"""A damaged or unreadable journal: the agent starts, says so, quarantines
what it cannot trust and keeps the damaged file aside untouched."""
import glob
import os
import unittest

import vfmigtest as vt

PF = "0000:3b:00.0"
UUID = "7e6c3b1e-58a8-4c4e-9a1b-1f0c0de00005"


class Journal(unittest.TestCase):
    def claimed_host(self):
        h = vt.Host(polkit=False, num_vfs={PF: 4})
        h.__enter__()
        self.addCleanup(h.__exit__, None, None, None)
        vfs = h.vf_addresses(PF)
        for vf in vfs[:2]:
            self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm5"))
        h.kill_agent()
        return h, vfs

    def test_survives_restart(self):
        h, vfs = self.claimed_host()
        h.start_agent()
        listed = h.list_vfs()
        self.assertEqual([listed[v][6] for v in vfs],
                         ["claimed", "claimed", "free", "free"])
        self.assertEqual(listed[vfs[0]][7], UUID)
        self.assertEqual(listed[vfs[0]][8], "vm5")

    def test_bit_flip_quarantines_that_record(self):
        h, vfs = self.claimed_host()
        text = open(h.journal_path).read()
        self.assertIn(vfs[1], text)
        # Change the owner name of one record without fixing its checksum.
        damaged = text.replace("vm5", "vm6", 1)
        self.assertNotEqual(damaged, text)
        with open(h.journal_path, "w") as f:
            f.write(damaged)
        h.start_agent()
        listed = h.list_vfs()
        states = [listed[v][6] for v in vfs]
        self.assertEqual(states.count("quarantined"), 1, states)
        self.assertEqual(states.count("claimed"), 1, states)
        aside = glob.glob(h.journal_path + ".damaged-*")
        self.assertEqual(len(aside), 1)
        self.assertEqual(open(aside[0]).read(), damaged)
        report = h.get_property(vt.ROOT_PATH, vt.MANAGER, "StartupReport")
        self.assertTrue(any("journal" in l for l in report), report)
        q = [v for v in vfs if listed[v][6] == "quarantined"][0]
        reason = h.get_property(vt.vf_path(q), vt.VF_IFACE, "QuarantineReason")
        self.assertIn("journal", reason)
        # The admin can look and put it back into service.
        self.assertIsNone(h.manager_error("Unquarantine", q))
        self.assertEqual(h.vf_state(q), "free")

    def test_garbage_quarantines_every_address_it_names(self):
        h, vfs = self.claimed_host()
        text = open(h.journal_path).read()
        garbage = "\x00\xff garbage " + text[len(text) // 3:]
        with open(h.journal_path, "w", errors="surrogateescape") as f:
            f.write(garbage)
        h.start_agent()
        listed = h.list_vfs()
        named = [v for v in vfs if v in garbage]
        self.assertTrue(named)
        for v in named:
            self.assertEqual(listed[v][6], "quarantined", v)
        self.assertEqual(len(glob.glob(h.journal_path + ".damaged-*")), 1)

    def test_unreadable_journal(self):
        h, vfs = self.claimed_host()
        os.unlink(h.journal_path)
        os.mkdir(h.journal_path)      # root reads anything; a directory it cannot
        h.start_agent()
        report = h.get_property(vt.ROOT_PATH, vt.MANAGER, "StartupReport")
        self.assertTrue(any("journal" in l for l in report), report)
        self.assertTrue(os.path.isdir(glob.glob(h.journal_path + ".damaged-*")[0]))
        # Nothing says who owns what: the VFs on a VFIO driver (the two
        # claimed ones, bound at claim) may be in running VMs.
        listed = h.list_vfs()
        self.assertEqual([listed[v][6] for v in vfs],
                         ["quarantined", "quarantined", "free", "free"])
        reason = h.get_property(vt.vf_path(vfs[0]), vt.VF_IFACE, "QuarantineReason")
        self.assertIn("journal", reason)
        # It still works and persists somewhere sane.
        self.assertIsNone(h.manager_error("Claim", vfs[3], UUID, "vm5"))
        h.restart_agent()
        self.assertEqual(h.vf_state(vfs[3]), "claimed")
        self.assertEqual(h.vf_state(vfs[0]), "quarantined")


if __name__ == "__main__":
    vt.main()
