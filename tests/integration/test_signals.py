#!/usr/bin/python3
"""Signals a client can follow: state changes, objects coming and going,
PropertiesChanged on mutable properties."""
import os
import re
import signal
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ET

import vfmigtest as vt

sys.path.insert(0, os.path.join(vt.SRCDIR, "tests/fakehost"))
import fakehost  # noqa: E402

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
                # After the claim, a later state change brings it back to free
                # (the monitor may not have written it yet: wait for it).
                def after_claim():
                    return mon.text(want).split(f"'free', 'claimed', '{UUID}'", 1)[1]
                h.wait_until(lambda: re.search(r"VirtualFunctionStateChanged.*'free'",
                                               after_claim()),
                             "the state change back to free", timeout=10)
                self.assertIsNone(h.manager_error("Provision", PF, 0))
                text = mon.text(["VirtualFunctionRemoved"])
                self.assertIn("VirtualFunctionRemoved", text)
            finally:
                mon.stop()


def changing_properties(xml_name, iface):
    """Properties the introspection XML says emit PropertiesChanged with
    their value (the D-Bus default when not annotated)."""
    root = ET.parse(os.path.join(vt.SRCDIR, "dbus", xml_name)).getroot()
    out = set()
    for prop in root.find(f"interface[@name='{iface}']").findall("property"):
        ann = prop.find("annotation[@name='org.freedesktop.DBus.Property.EmitsChangedSignal']")
        if ann is None or ann.get("value") == "true":
            out.add(prop.get("name"))
    return out


class PoolOnlyObjects(unittest.TestCase):
    """A claimed VF that the host loses stays an object (quarantined) as
    long as the pool remembers it: Added/Removed follow the object, not the
    host device, and its PropertiesChanged covers what losing (or getting
    back) the device changes."""

    def test_vanished_claimed_vf(self):
        with vt.Host(polkit=False, num_vfs={PF: 2}) as h:
            vf = h.vf_addresses(PF)[1]
            path = vt.vf_path(vf)
            self.assertIsNone(h.manager_error("Claim", vf, UUID, "vm6"))
            mon = Monitor(h)
            try:
                def lines():
                    with open(mon.path) as f:
                        return f.read().splitlines()

                def added_removed():
                    return [l for l in lines()
                            if re.search(r"VirtualFunction(Added|Removed) \('" + re.escape(vf), l)]

                def vf_props_changed():
                    return [l for l in lines()
                            if l.startswith(path + ":") and "PropertiesChanged" in l]

                # 1. The device vanishes: the object stays, quarantined.
                subprocess.run([os.path.join(vt.SRCDIR, "tests/fakehost/fakehost-remove"),
                                "--root", h.root, vf], check=True)
                ok, out = h.manager("Rescan")
                self.assertTrue(ok, out)
                mon.text([f"'{vf}', objectpath '{path}', 'claimed', 'quarantined'"])
                self.assertEqual(h.vf_state(vf), "quarantined")
                self.assertEqual(h.get_property(path, vt.VF_IFACE, "PhysicalFunction"), "/")
                self.assertEqual(added_removed(), [])
                gone = [l for l in vf_props_changed() if "'PhysicalFunction': <objectpath '/'>" in l]
                self.assertTrue(gone, "no PropertiesChanged for the lost device\n" + "\n".join(lines()))
                want = changing_properties("org.vfmig.Agent1.VirtualFunction.xml", vt.VF_IFACE)
                self.assertIn("PhysicalFunctionAddress", want)
                for l in vf_props_changed():
                    got = set(re.findall(r"'(\w+)': <", l))
                    self.assertEqual(got, want, l)

                # 2. It comes back while the pool still holds it: no Added.
                n = len(vf_props_changed())
                fakehost.Tree(h.root).set_num_vfs_now(PF, 2)
                ok, out = h.manager("Rescan")
                self.assertTrue(ok, out)
                pf_obj = vt.pf_path(PF)
                h.wait_until(lambda: any(f"'PhysicalFunction': <objectpath '{pf_obj}'>" in l
                                         for l in vf_props_changed()[n:]),
                             "PropertiesChanged for the returned VF")
                self.assertEqual(h.vf_state(vf), "quarantined")
                self.assertEqual(added_removed(), [])

                # 3. Gone again, then cleared: now the object goes, with
                # Removed after its last state change.
                subprocess.run([os.path.join(vt.SRCDIR, "tests/fakehost/fakehost-remove"),
                                "--root", h.root, vf], check=True)
                ok, out = h.manager("Rescan")
                self.assertTrue(ok, out)
                self.assertEqual(added_removed(), [])
                self.assertIsNone(h.manager_error("Unquarantine", vf))
                text = mon.text([f"VirtualFunctionRemoved ('{vf}'"])
                self.assertEqual(len(added_removed()), 1, text)
                self.assertIn(f"VirtualFunctionRemoved ('{vf}', objectpath '{path}')",
                              added_removed()[0])
                last_state = text.rindex(f"'{vf}', objectpath '{path}', 'quarantined', 'free'")
                self.assertLess(last_state, text.index(f"VirtualFunctionRemoved ('{vf}'"))
                r = h.busctl("get-property", vt.BUS_NAME, path, vt.VF_IFACE, "State")
                self.assertNotEqual(r.returncode, 0, "object still there")
            finally:
                mon.stop()


if __name__ == "__main__":
    vt.main()
