#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vfmigctl against a running vfmigd on a fake host (the lead's harness,
tests/integration/vfmigtest.py): its output matches what the agent says
over D-Bus, its exit codes follow vfmigctl(8), and a refused command
changes nothing."""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import vfmigtest as vt  # noqa: E402

PF = "0000:3b:00.0"
PF2 = "0000:5e:00.0"
BLK = "0000:af:00.0"
UUID = "3d0f4f6e-1f7a-4b35-9c59-6a1f7e0c0a01"
UUID2 = "3d0f4f6e-1f7a-4b35-9c59-6a1f7e0c0a02"

OK, FAILURE, USAGE, UNREACHABLE, DENIED, NO_DEVICE = 0, 1, 2, 3, 4, 5


class CtlCase(unittest.TestCase):
    polkit = False
    config = ""

    def setUp(self):
        self.h = vt.Host(polkit=self.polkit, config=self.config, num_vfs={PF: 4})
        self.h.__enter__()
        self.vfs = self.h.vf_addresses(PF)

    def tearDown(self):
        self.h.__exit__(None, None, None)

    def ctl(self, *args, rc=OK, user=None):
        r = self.h.ctl(*args, user=user)
        self.assertEqual(r.returncode, rc,
                         f"vfmigctl {' '.join(args)}: rc {r.returncode}\n"
                         f"stdout: {r.stdout}\nstderr: {r.stderr}")
        if rc == OK:
            self.assertEqual(r.stderr, "")
        return r

    def error_line(self, r, verb, device):
        """One line on stderr, "vfmigctl: VERB DEVICE: message", nothing on stdout."""
        self.assertEqual(r.stdout, "")
        lines = r.stderr.splitlines()
        prefix = f"vfmigctl: {verb} {device}: " if device else f"vfmigctl: {verb}: "
        self.assertTrue(lines and lines[0].startswith(prefix), r.stderr)
        self.assertGreater(len(lines[0]), len(prefix), "empty message")
        return lines[0][len(prefix):]

    def snapshot(self):
        """What a refused command must leave alone: sysfs and the pool."""
        h = self.h
        state = {}
        for pf in (PF, PF2, BLK):
            state[pf] = h.read_sysfs(f"bus/pci/devices/{pf}/sriov_numvfs")
            for vf in h.vf_addresses(pf):
                state[vf] = (h.driver_of(vf),
                             h.read_sysfs(f"bus/pci/devices/{vf}/driver_override"))
        return state, h.list_vfs()

    def list_json(self):
        return json.loads(self.ctl("list", "--json").stdout)


class Output(CtlCase):
    def test_list_json_matches_the_bus(self):
        h = self.h
        self.ctl("claim", self.vfs[0], UUID, "vm-one")
        self.ctl("reserve", self.vfs[1], UUID2, "--lease", "600")
        data = self.list_json()
        self.assertEqual(list(data), ["pfs"])
        ok, pfs = h.manager("ListPhysicalFunctions")
        self.assertTrue(ok, pfs)
        bus_pfs = {row[0]: row for row in pfs[0]}
        bus_vfs = h.list_vfs()
        self.assertEqual([p["address"] for p in data["pfs"]], sorted(bus_pfs))
        seen = set()
        for p in data["pfs"]:
            self.assertEqual(set(p), {"address", "type", "total_vfs", "num_vfs", "driver", "vfs"})
            addr, _obj, typ, driver, _ven, _dev, total, num = bus_pfs[p["address"]]
            self.assertEqual((p["type"], p["total_vfs"], p["num_vfs"], p["driver"]),
                             (typ, total, num, driver or None))
            self.assertEqual([v["index"] for v in p["vfs"]], sorted(v["index"] for v in p["vfs"]))
            for v in p["vfs"]:
                self.assertEqual(set(v), {"address", "index", "driver", "state", "owner"})
                (vaddr, _o, pf_addr, index, vdriver, _ovr, state, uuid, name) = bus_vfs[v["address"]]
                self.assertEqual(pf_addr, p["address"])
                self.assertEqual((v["index"], v["driver"], v["state"]),
                                 (index, vdriver or None, state))
                if uuid:
                    self.assertEqual(v["owner"], {"uuid": uuid, "name": name or None})
                else:
                    self.assertIsNone(v["owner"])
                seen.add(v["address"])
        self.assertEqual(seen, set(bus_vfs))
        by_addr = {v["address"]: v for p in data["pfs"] for v in p["vfs"]}
        self.assertEqual(by_addr[self.vfs[0]]["state"], "claimed")
        self.assertEqual(by_addr[self.vfs[0]]["owner"], {"uuid": UUID, "name": "vm-one"})
        self.assertEqual(by_addr[self.vfs[1]]["state"], "reserved")
        self.assertEqual(by_addr[self.vfs[1]]["owner"], {"uuid": UUID2, "name": None})
        self.assertIsNone(by_addr[self.vfs[2]]["owner"])

    def test_list_table_is_aligned(self):
        self.ctl("claim", self.vfs[2], UUID, "a-rather-long-domain-name-for-the-owner-column")
        text = self.ctl("list").stdout
        pf_part, vf_part = text.split("\n\n")
        right_aligned = {"VFS", "TOTAL", "INDEX"}
        for part, header in ((pf_part, "PF"), (vf_part, "VF")):
            lines = part.rstrip("\n").split("\n")
            self.assertTrue(lines[0].startswith(header + " "), lines[0])
            heads = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", lines[0])]
            for line in lines[1:]:
                self.assertFalse(line.endswith(" "), repr(line))
                # No cell is empty ("-" stands in), so cells split on 2+ blanks.
                cells = [(m.group(), m.start(), m.end())
                         for m in re.finditer(r"\S+(?: \S+)*", line)]
                self.assertEqual(len(cells), len(heads), repr(line))
                for (name, hs, he), (_text, cs, ce) in zip(heads, cells):
                    if name in right_aligned:
                        self.assertEqual(ce, he, f"{name} in {line!r}")
                    else:
                        self.assertEqual(cs, hs, f"{name} in {line!r}")
        for vf in self.vfs:
            self.assertIn(vf, vf_part)
        self.assertIn(f"a-rather-long-domain-name-for-the-owner-column ({UUID})", vf_part)

    def test_show_matches_properties(self):
        h = self.h
        vf = self.vfs[0]
        self.ctl("claim", vf, UUID, "vm-one")
        data = json.loads(self.ctl("show", vf, "--json").stdout)
        for prop, key in (("Address", "address"), ("Index", "index"),
                          ("PhysicalFunctionAddress", "physical_function_address"),
                          ("State", "state"), ("OwnerUUID", "owner_uuid"),
                          ("OwnerName", "owner_name"), ("Driver", "driver"),
                          ("IommuGroup", "iommu_group"), ("VendorId", "vendor_id"),
                          ("Since", "since"), ("LeaseUntil", "lease_until")):
            self.assertEqual(data[key], h.get_property(vt.vf_path(vf), vt.VF_IFACE, prop), key)
        self.assertEqual(data["state"], "claimed")
        # The PF by its short address, its VFs as object paths.
        pf = json.loads(self.ctl("show", PF[5:], "--json").stdout)
        self.assertEqual(pf["address"], PF)
        self.assertEqual(pf["num_vfs"], 4)
        self.assertEqual(sorted(pf["virtual_functions"]), sorted(vt.vf_path(v) for v in self.vfs))
        # People get the addresses back.
        text = self.ctl("show", PF).stdout
        self.assertRegex(text, r"(?m)^NumVFs +4$")
        for v in self.vfs:
            self.assertRegex(text, rf"(?m)^(VirtualFunctions)? +{re.escape(v)}$")
        text = self.ctl("show", vf).stdout
        self.assertRegex(text, r"(?m)^State +claimed$")
        self.assertRegex(text, rf"(?m)^OwnerUUID +{UUID}$")
        self.assertRegex(text, r"(?m)^VendorId +0x1af4$")

    def test_status(self):
        data = json.loads(self.ctl("status", "--json").stdout)
        version = self.ctl("--version").stdout.split()[-1]
        self.assertEqual(data["version"], version)
        self.assertEqual(data["sysfs_root"], self.h.sysfs)
        self.assertEqual(data["n_physical_functions"], 3)
        self.assertEqual(data["n_virtual_functions"], 4)
        self.assertIsInstance(data["startup_report"], list)
        self.assertRegex(self.ctl("status").stdout, rf"(?m)^Version +{re.escape(version)}$")

    def test_pool_lifecycle(self):
        vf = self.vfs[3]

        def state():
            return {v["address"]: v for p in self.list_json()["pfs"] for v in p["vfs"]}[vf]

        self.ctl("reserve", vf, UUID, "vm-one", "--lease", "300")
        self.assertEqual(state()["state"], "reserved")
        lease = self.h.get_property(vt.vf_path(vf), vt.VF_IFACE, "LeaseUntil")
        since = self.h.get_property(vt.vf_path(vf), vt.VF_IFACE, "Since")
        self.assertAlmostEqual((lease - since) / 1e6, 300, delta=5)
        self.ctl("assign", vf, UUID)
        self.assertEqual(state()["state"], "assigned")
        # Another owner cannot release it: refused, nothing changes.
        before = self.snapshot()
        r = self.ctl("release", vf, UUID2, rc=FAILURE)
        self.error_line(r, "release", vf)
        self.assertEqual(self.snapshot(), before)
        self.ctl("release", vf, UUID)
        self.assertEqual(state()["state"], "free")
        self.assertIsNone(state()["owner"])
        # Administrative release of a claimed VF.
        self.ctl("claim", vf, UUID2)
        self.ctl("release", vf)
        self.assertEqual(state()["state"], "free")

    def test_provision_bind_unbind(self):
        h = self.h
        self.ctl("provision", PF2, "3")
        self.assertEqual(h.count_virtfn(PF2), 3)
        pf2 = [p for p in self.list_json()["pfs"] if p["address"] == PF2][0]
        self.assertEqual(pf2["num_vfs"], 3)
        vf = h.vf_addresses(PF2)[0]
        self.ctl("bind", vf, "vfio-pci")
        self.assertEqual(h.driver_of(vf), "vfio-pci")
        self.ctl("unbind", vf)
        self.assertIsNone(h.driver_of(vf))
        self.ctl("bind", vf)
        self.assertEqual(h.driver_of(vf), "vfmig_virtio_pci")
        self.ctl("provision", PF2, "0")
        self.assertEqual(h.count_virtfn(PF2), 0)


class Refusals(CtlCase):
    """Each refusal: its documented exit code, one error line naming the
    device, and no change to sysfs or the pool."""

    def test_refusals_change_nothing(self):
        self.ctl("claim", self.vfs[0], UUID, "vm-one")
        cases = [
            # (argv, exit code, verb, device in the message prefix)
            (["show", "0000:3b:1f.7"], NO_DEVICE, "show", "0000:3b:1f.7"),
            (["claim", "0000:3b:1f.7", UUID], NO_DEVICE, "claim", "0000:3b:1f.7"),
            (["provision", "0000:d8:00.0", "2"], NO_DEVICE, "provision", "0000:d8:00.0"),
            (["provision", PF, "99"], FAILURE, "provision", PF),
            (["provision", PF, "2"], FAILURE, "provision", PF),        # a VF is claimed
            (["claim", self.vfs[0], UUID2], FAILURE, "claim", self.vfs[0]),  # another owner
            (["claim", PF, UUID], FAILURE, "claim", PF),                # a PF, not a VF
            (["provision", self.vfs[1], "2"], FAILURE, "provision", self.vfs[1]),  # a VF, not a PF
            (["bind", self.vfs[1], "e1000e"], FAILURE, "bind", self.vfs[1]),
            (["unbind", self.vfs[0]], FAILURE, "unbind", self.vfs[0]),  # in use
            (["assign", self.vfs[1], UUID], FAILURE, "assign", self.vfs[1]),  # free, not held
            (["unquarantine", self.vfs[1]], FAILURE, "unquarantine", self.vfs[1]),
        ]
        before = self.snapshot()
        for argv, rc, verb, device in cases:
            with self.subTest(argv=argv):
                r = self.ctl(*argv, rc=rc)
                self.error_line(r, verb, device)
                self.assertEqual(self.snapshot(), before)
        # The agent's reason reaches the user.
        r = self.ctl("provision", PF, "99", rc=FAILURE)
        self.assertIn("8", self.error_line(r, "provision", PF))

    def test_usage_errors_never_reach_the_agent(self):
        before = self.snapshot()
        for argv, needle in ((["show", "0000:3b:00.9"], "is not a PCI address"),
                             (["claim", self.vfs[1], "not-a-uuid"], "is not a UUID"),
                             (["provision", PF, "-1"], "unknown option"),
                             (["provision", PF, "four"], "is not a number of VFs"),
                             (["frobnicate"], "unknown verb"),
                             (["list", "extra"], "unexpected argument"),
                             (["claim", self.vfs[1], UUID, "--lease", "5"], "only applies to reserve"),
                             ([], "no verb given")):
            with self.subTest(argv=argv):
                r = self.ctl(*argv, rc=USAGE)
                self.assertEqual(r.stdout, "")
                self.assertIn(needle, r.stderr.splitlines()[0])
                self.assertTrue(r.stderr.startswith("vfmigctl: "))
        self.assertEqual(self.snapshot(), before)

    def test_help(self):
        r = self.ctl("--help")
        for verb in ("list", "show", "provision", "bind", "unbind", "claim", "reserve",
                     "assign", "release", "unquarantine", "apply", "rescan", "status"):
            self.assertRegex(r.stdout, rf"(?m)^  {verb}\b")
            self.assertIn(f"Usage: vfmigctl [OPTIONS] {verb}", self.ctl(verb, "--help").stdout)
        for code in range(6):
            self.assertRegex(r.stdout, rf"(?m)^  {code}  \S")

    def test_unreachable(self):
        r = self.h.run([vt.VFMIGCTL, "--bus-address=unix:path=/nonexistent/bus", "list"])
        self.assertEqual(r.returncode, UNREACHABLE, r.stderr)
        self.error_line(r, "list", None)
        # The bus is there but the agent is not.
        self.h.kill_agent()
        r = self.h.ctl("show", self.vfs[0])
        self.assertEqual(r.returncode, UNREACHABLE, r.stderr)
        self.error_line(r, "show", self.vfs[0])
        # $DBUS_SYSTEM_BUS_ADDRESS is honoured without --bus-address
        # (Host.run sets it to the private bus).
        r = self.h.run([vt.VFMIGCTL, "status"])
        self.assertEqual(r.returncode, UNREACHABLE, r.stderr)


class Access(CtlCase):
    polkit = True

    def test_unprivileged(self):
        vf = self.vfs[0]
        # Reading is open to everyone.
        r = self.ctl("list", "--json", user=vt.UNPRIVILEGED)
        self.assertEqual(len(json.loads(r.stdout)["pfs"]), 3)
        self.ctl("show", vf, user=vt.UNPRIVILEGED)
        before = self.snapshot()
        for argv in (["claim", vf, UUID], ["provision", PF, "2"], ["bind", vf, "vfio-pci"],
                     ["release", vf]):
            with self.subTest(argv=argv):
                r = self.ctl(*argv, rc=DENIED, user=vt.UNPRIVILEGED)
                self.error_line(r, argv[0], argv[1])
                self.assertEqual(self.snapshot(), before)
        # root passes.
        self.ctl("claim", vf, UUID)


class Converge(CtlCase):
    config = f"[pf {PF2}]\nnum-vfs=2\n"

    def test_apply_and_rescan(self):
        h = self.h
        # The agent converged at start: nothing left to do.
        self.assertEqual(h.count_virtfn(PF2), 2)
        r = self.ctl("apply", "--json")
        self.assertEqual(json.loads(r.stdout), {"changes": []})
        self.assertEqual(self.ctl("apply").stdout.count("\n"), 1)
        # Behind the agent's back: 0 VFs. Rescan notices, apply repairs.
        h.set_numvfs_by_hand(PF2, 0)
        findings = json.loads(self.ctl("rescan", "--json").stdout)["findings"]
        self.assertTrue(any(PF2 in f for f in findings), findings)
        changes = json.loads(self.ctl("apply", "--json").stdout)["changes"]
        self.assertTrue(any(PF2 in c for c in changes), changes)
        self.assertEqual(h.count_virtfn(PF2), 2)
        self.assertEqual(json.loads(self.ctl("apply", "--json").stdout), {"changes": []})
        # Human form: one line per change.
        h.set_numvfs_by_hand(PF2, 0)
        self.assertIn(PF2, self.ctl("rescan").stdout)
        text = self.ctl("apply").stdout
        self.assertIn(PF2, text)
        self.assertFalse(text.startswith("{"))


if __name__ == "__main__":
    vt.main()
