#!/usr/bin/python3
"""Signals a client can follow: state changes, objects coming and going,
PropertiesChanged on mutable properties."""
import os
import signal
import subprocess
import time
import unittest

import vfmigtest as vt

PF = "0000:3b:00.0"
UUID = "7e6c3b1e-58a8-4c4e-9a1b-1f0c0de00004"


class Monitor:
    """gdbus monitor on the service, read after the fact."""

    def __init__(self, h):
        self.path = os.path.join(h.dir, "monitor.log")
        self.f = open(self.path, "w")
        self.p = subprocess.Popen(["gdbus", "monitor", "--address", h.address,
                                   "--dest", vt.BUS_NAME],
                                  stdout=self.f, stderr=subprocess.STDOUT)
        h.wait_until(lambda: "Monitoring signals" in open(self.path).read(),
                     "gdbus monitor")

    def text(self, want, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            t = open(self.path).read()
            if all(w in t for w in want):
                return t
            time.sleep(0.05)
        return open(self.path).read()

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(10)
        self.f.close()


class Signals(unittest.TestCase):
    def test_signals(self):
        with vt.Host(polkit=False) as h:
            mon = Monitor(h)
            try:
                self.assertIsNone(h.manager_error("Provision", PF, 2))
                vf = h.vf_addresses(PF)[0]
                self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm4"))
                self.assertIsNone(h.manager_error("Release", vf, UUID))
                path = vt.vf_path(vf)
                want = ["VirtualFunctionAdded", "VirtualFunctionStateChanged",
                        f"'{vf}', objectpath '{path}', 'free', 'claimed', '{UUID}'",
                        "org.freedesktop.DBus.Properties.PropertiesChanged",
                        "NumVFs"]
                text = mon.text(want)
                for w in want:
                    self.assertIn(w, text)
                # After the claim, a later state change brings it back to free.
                after_claim = text.split(f"'free', 'claimed', '{UUID}'", 1)[1]
                self.assertRegex(after_claim, r"VirtualFunctionStateChanged.*'free'")
                self.assertIsNone(h.manager_error("Provision", PF, 0))
                text = mon.text(["VirtualFunctionRemoved"])
                self.assertIn("VirtualFunctionRemoved", text)
            finally:
                mon.stop()


if __name__ == "__main__":
    vt.main()
