#!/usr/bin/python3
"""The service manager's view: READY=1 once the name is owned, STATUS=,
watchdog pings at the requested interval, clean exit on SIGTERM."""
import os
import signal
import unittest

import vfmigtest as vt


class Notify(unittest.TestCase):
    def test_ready_status_watchdog(self):
        with vt.Host(polkit=False, start_agent=False) as h:
            agent = h.start_agent(wait=False, env_extra={
                "WATCHDOG_USEC": "400000"})
            os.environ.pop("WATCHDOG_PID", None)
            ready = h.notify.wait_for("READY", proc=agent)
            self.assertEqual(ready["READY"], "1")
            self.assertIn(vt.BUS_NAME, h.list_names())
            h.notify.wait_for("STATUS", proc=agent)
            # At least two pings within a few intervals.
            h.notify.wait_for("WATCHDOG", proc=agent, timeout=5)
            n = sum(1 for m in h.notify.messages if "WATCHDOG" in m)
            h.notify.messages = [m for m in h.notify.messages if "WATCHDOG" not in m]
            h.notify.wait_for("WATCHDOG", proc=agent, timeout=5)
            self.assertGreaterEqual(n, 1)
            self.assertEqual(agent.stop(signal.SIGTERM), 0)
            h.procs.remove(agent)


if __name__ == "__main__":
    vt.main()
