#!/usr/bin/python3
"""The running service against the introspection XML in dbus/, and the
object tree: one object per PF and per VF, readable by anyone."""
import os
import xml.etree.ElementTree as ET
import unittest

import vfmigtest as vt

IFACES = {
    vt.MANAGER: "org.vfmig.Agent1.Manager.xml",
    vt.PF_IFACE: "org.vfmig.Agent1.PhysicalFunction.xml",
    vt.VF_IFACE: "org.vfmig.Agent1.VirtualFunction.xml",
}


def members(xml_text, iface):
    """{kind/name: signature} of one interface in introspection XML."""
    root = ET.fromstring(xml_text)
    node = root if root.tag == "interface" else root.find(
        f"interface[@name='{iface}']")
    assert node is not None, f"{iface} missing"
    out = {}
    for el in node:
        name = el.get("name")
        if el.tag == "method":
            ins = "".join(a.get("type") for a in el.findall("arg")
                          if a.get("direction", "in") == "in")
            outs = "".join(a.get("type") for a in el.findall("arg")
                           if a.get("direction") == "out")
            out[f"method/{name}"] = f"{ins}->{outs}"
        elif el.tag == "signal":
            out[f"signal/{name}"] = "".join(a.get("type") for a in el.findall("arg"))
        elif el.tag == "property":
            out[f"property/{name}"] = f"{el.get('type')} {el.get('access')}"
    return out


class DbusApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.h = vt.Host(num_vfs={"0000:3b:00.0": 4, "0000:af:00.0": 2})
        cls.h.__enter__()
        cls.vf = cls.h.vf_addresses("0000:3b:00.0")[0]

    @classmethod
    def tearDownClass(cls):
        cls.h.__exit__(None, None, None)

    def introspect(self, path):
        r = self.h.busctl("introspect", "--xml-interface", vt.BUS_NAME, path)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_interfaces_match_xml(self):
        paths = {vt.MANAGER: vt.ROOT_PATH,
                 vt.PF_IFACE: vt.pf_path("0000:3b:00.0"),
                 vt.VF_IFACE: vt.vf_path(self.vf)}
        for iface, fname in IFACES.items():
            with self.subTest(iface=iface):
                with open(os.path.join(vt.SRCDIR, "dbus", fname)) as f:
                    want = members(f.read(), iface)
                got = members(self.introspect(paths[iface]), iface)
                self.assertEqual(got, want)

    def test_tree_has_every_pf_and_vf(self):
        r = self.h.busctl("tree", "--list", vt.BUS_NAME)
        self.assertEqual(r.returncode, 0, r.stderr)
        paths = set(r.stdout.split())
        for pf in ("0000:3b:00.0", "0000:5e:00.0", "0000:af:00.0"):
            self.assertIn(vt.pf_path(pf), paths)
        vfs = self.h.vf_addresses("0000:3b:00.0") + self.h.vf_addresses("0000:af:00.0")
        self.assertEqual(len(vfs), 6)
        for vf in vfs:
            self.assertIn(vt.vf_path(vf), paths)
        self.assertEqual(len([p for p in paths if "/vf/" in p]), 6)

    def test_list_matches_sysfs(self):
        vfs = self.h.list_vfs()
        self.assertEqual(set(vfs), set(self.h.vf_addresses("0000:3b:00.0") +
                                       self.h.vf_addresses("0000:af:00.0")))
        row = vfs[self.vf]
        self.assertEqual(row[1], vt.vf_path(self.vf))
        self.assertEqual(row[2], "0000:3b:00.0")
        self.assertEqual(row[3], 0)
        self.assertEqual(row[6], "free")
        ok, data = self.h.manager("ListPhysicalFunctions")
        self.assertTrue(ok, data)
        pfs = {r[0]: r for r in data[0]}
        self.assertEqual(pfs["0000:af:00.0"][2], "blk")
        self.assertEqual(pfs["0000:3b:00.0"][2], "net")
        self.assertEqual(pfs["0000:3b:00.0"][6:], [8, 4])

    def test_properties_readable_by_unprivileged_user(self):
        self.assertEqual(
            self.h.get_property(vt.vf_path(self.vf), vt.VF_IFACE, "State",
                                user=vt.UNPRIVILEGED), "free")
        self.assertEqual(
            self.h.get_property(vt.pf_path("0000:af:00.0"), vt.PF_IFACE,
                                "Type", user=vt.UNPRIVILEGED), "blk")
        self.assertEqual(len(self.h.list_vfs(user=vt.UNPRIVILEGED)), 6)

    def test_vf_properties_follow_sysfs(self):
        p = vt.vf_path(self.vf)
        self.assertEqual(self.h.get_property(p, vt.VF_IFACE, "Index"), 0)
        self.assertEqual(self.h.get_property(p, vt.VF_IFACE, "PhysicalFunctionAddress"),
                         "0000:3b:00.0")
        self.assertEqual(self.h.get_property(p, vt.VF_IFACE, "PhysicalFunction"),
                         vt.pf_path("0000:3b:00.0"))
        group = os.path.basename(os.readlink(self.h.sysfs_path(
            f"bus/pci/devices/{self.vf}/iommu_group")))
        self.assertEqual(self.h.get_property(p, vt.VF_IFACE, "IommuGroup"), int(group))

    def test_unknown_objects_and_devices(self):
        ok, err = self.h.manager("GetVirtualFunction", "s", "0000:99:00.1")
        self.assertFalse(ok)
        self.assertIn("0000:99:00.1", err)
        ok, err = self.h.manager("GetVirtualFunction", "s", "0000:3b:00.0")
        self.assertFalse(ok)
        self.assertIn("0000:3b:00.0", err)
        ok, err = self.h.manager("GetPhysicalFunction", "s", "not-an-address")
        self.assertFalse(ok)
        r = self.h.busctl("get-property", vt.BUS_NAME,
                          vt.vf_path("0000:99:00.1"), vt.VF_IFACE, "State")
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    vt.main()
