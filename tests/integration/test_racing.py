#!/usr/bin/python3
"""Racing requests: many owners claim one VF at once, exactly one wins and
the rest are told who holds it; Provision racing a Claim on the same PF
never leaves a claimed VF removed."""
import threading
import unittest

import vfmigtest as vt

PF = "0000:3b:00.0"


def uuid(i):
    return f"00000000-0000-4000-8000-{i:012x}"


class Racing(unittest.TestCase):
    def test_one_winner(self):
        with vt.Host(polkit=False, num_vfs={PF: 1}) as h:
            vf = h.vf_addresses(PF)[0]
            results = {}

            def claim(i):
                results[i] = h.manager_error("Claim", vf, uuid(i), f"vm{i}")

            threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            winners = [i for i, e in results.items() if e is None]
            self.assertEqual(len(winners), 1, results)
            for i, e in results.items():
                if e is not None:
                    self.assertEqual(e[0], "org.vfmig.Agent1.Error.Busy", e)
                    self.assertIn(vf, e[1])
            self.assertEqual(h.list_vfs()[vf][7], uuid(winners[0]))

    def test_provision_racing_claim(self):
        with vt.Host(polkit=False, num_vfs={PF: 2}) as h:
            vf = h.vf_addresses(PF)[0]
            out = {}
            t1 = threading.Thread(target=lambda: out.setdefault(
                "claim", h.manager_error("Claim", vf, uuid(1), "vm1")))
            t2 = threading.Thread(target=lambda: out.setdefault(
                "prov", h.manager_error("Provision", PF, 0)))
            t1.start()
            t2.start()
            t1.join(60)
            t2.join(60)
            # Either order is fine; both succeeding is not.
            self.assertFalse(out["claim"] is None and out["prov"] is None, out)
            if out["claim"] is None:
                self.assertEqual(h.vf_state(vf), "claimed")
                self.assertEqual(h.count_virtfn(PF), 2)
            else:
                self.assertEqual(h.count_virtfn(PF), 0)


if __name__ == "__main__":
    vt.main()
