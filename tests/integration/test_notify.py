#!/usr/bin/python3
"""The service manager's view: READY=1 once the name is owned, STATUS=,
watchdog pings at the requested interval, clean exit on SIGTERM."""
import signal
import time
import unittest

import vfmigtest as vt


class Notify(unittest.TestCase):
    def test_ready_status_watchdog(self):
        with vt.Host(polkit=False, start_agent=False) as h:
            agent = h.start_agent(wait=False, env_extra={
                "WATCHDOG_USEC": "400000"})
            ready = h.notify.wait_for("READY", proc=agent)
            self.assertEqual(ready["READY"], "1")
            self.assertIn(vt.BUS_NAME, h.list_names())
            h.notify.wait_for("STATUS", proc=agent)
            # Pings keep coming at the requested interval.
            h.notify.forget("WATCHDOG")
            h.notify.wait_for("WATCHDOG", proc=agent, timeout=5)
            h.notify.forget("WATCHDOG")
            h.notify.wait_for("WATCHDOG", proc=agent, timeout=5)
            self.assertEqual(agent.stop(signal.SIGTERM), 0)
            h.procs.remove(agent)

    def test_watchdog_fed_during_long_sysfs_waits(self):
        """A bind whose probe never succeeds keeps the single-threaded
        agent in a bounded 5 s wait; the watchdog must not starve."""
        pf = "0000:3b:00.0"
        with vt.Host(polkit=False, start_agent=False, num_vfs={pf: 1},
                     mkfakehost_args=["--failing-driver", "vfio-pci"]) as h:
            agent = h.start_agent(env_extra={"WATCHDOG_USEC": "1000000"})
            vf = h.vf_addresses(pf)[0]
            t0 = time.monotonic()
            err = h.manager_error("Bind", vf, "vfio-pci")
            t1 = time.monotonic()
            self.assertIsNotNone(err)
            self.assertIn(vf, err[1])
            self.assertGreater(t1 - t0, 3.0, "the bind should have waited")
            times = [t0] + [m["_t"] for m in h.notify.received("WATCHDOG")
                            if t0 <= m["_t"] <= t1] + [t1]
            gaps = [b - a for a, b in zip(times, times[1:])]
            self.assertLess(max(gaps), 1.0, gaps)
            self.assertTrue(agent.alive())


if __name__ == "__main__":
    vt.main()
