#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The libvirt and VDSM hooks (the build-tree hook scripts, so the
installed shape is what runs) and `vfmigctl profile|check|migrations`,
against vfmigd on a fake host (tests/integration/vfmigtest.py).

What a hook must do is in vfmigctl(8), HOOKS: exit codes, one stderr line
per refused device, the rewritten XML on stdout for "migrate begin", the
no-VF fast path that never contacts the agent, hostile input refused with
nothing changed, stops that are never blocked.

The hooks run with DBUS_SYSTEM_BUS_ADDRESS pointing at the test bus;
libvirtd itself passes no such variable (the real system bus is used).
"""
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# meson passes the build-tree hooks as arguments; the environment survives
# vfmigtest's re-exec into a mount namespace, argv would be parsed by unittest.
for _opt, _var in (("--qemu-hook", "VFMIG_QEMU_HOOK"), ("--vdsm-hooks", "VFMIG_VDSM_HOOKS")):
    if _opt in sys.argv:
        _i = sys.argv.index(_opt)
        os.environ[_var] = sys.argv[_i + 1]
        del sys.argv[_i:_i + 2]

import vfmigtest as vt  # noqa: E402

QEMU_HOOK = os.environ.get("VFMIG_QEMU_HOOK", "")
VDSM_HOOKS = os.environ.get("VFMIG_VDSM_HOOKS", "")
NS = "http://vfmig.org/xmlns/domain/1.0"
ET.register_namespace("vfmig", NS)
DOMAIN_IN = os.path.join(vt.SRCDIR, "tests/data/ctl/domain.xml.in")

PF = "0000:3b:00.0"
REMOTE_VF = "0000:d8:00.2"      # a VF of the source host, unknown here
UUID = "3d0f4f6e-1f7a-4b35-9c59-6a1f7e0c0a01"
UUID2 = "3d0f4f6e-1f7a-4b35-9c59-6a1f7e0c0a02"
NO_BUS = "unix:path=/nonexistent/vfmig-test-no-bus"
OK, FAILURE, USAGE, NOT_COMPATIBLE = 0, 1, 2, 6
VDSM_OK, VDSM_FAILED, VDSM_REFUSED = 0, 1, 2


def split_address(addr):
    dom, bus, rest = addr.split(":")
    slot, fn = rest.split(".")
    return dom, bus, slot, fn


def hostdev(addr, alias="hostdev0"):
    d, b, s, f = split_address(addr)
    a = f"<alias name='{alias}'/>" if alias else ""
    return (f"    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
            f"      <driver name='vfio'/>\n"
            f"      <source><address domain='0x{d}' bus='0x{b}' slot='0x{s}' function='0x{f}'/></source>\n"
            f"      {a}\n    </hostdev>")


def interface(addr, alias="hostdev1", mac="52:54:00:12:34:01"):
    d, b, s, f = split_address(addr)
    return (f"    <interface type='hostdev' managed='yes'>\n"
            f"      <mac address='{mac}'/>\n"
            f"      <source><address type='pci' domain='0x{d}' bus='0x{b}' slot='0x{s}' function='0x{f}'/></source>\n"
            f"      <alias name='{alias}'/>\n    </interface>")


def domain_xml(devices=(), metadata="", name="vm1", uuid=UUID):
    with open(DOMAIN_IN) as f:
        text = f.read()
    return (text.replace("@NAME@", name).replace("@UUID@", uuid)
            .replace("@METADATA@", metadata).replace("@DEVICES@", "\n".join(devices)))


def source_addresses(xml_text):
    """The <source><address> of every hostdev and hostdev interface, in order."""
    root = ET.fromstring(xml_text)
    out = []
    for dev in root.find("devices"):
        if dev.tag == "hostdev" or (dev.tag == "interface" and dev.get("type") == "hostdev"):
            a = dev.find("source/address")
            out.append("%04x:%02x:%02x.%x" % (int(a.get("domain"), 16), int(a.get("bus"), 16),
                                              int(a.get("slot"), 16), int(a.get("function"), 16)))
    return out


class HookCase(unittest.TestCase):
    def setUp(self):
        if not QEMU_HOOK or not os.access(QEMU_HOOK, os.X_OK):
            self.fail(f"build-tree qemu hook missing: {QEMU_HOOK!r}")
        self.h = vt.Host(polkit=False, num_vfs={PF: 4})
        self.h.__enter__()
        self.vfs = self.h.vf_addresses(PF)

    def tearDown(self):
        self.h.__exit__(None, None, None)

    # -- helpers --------------------------------------------------------------
    def env(self, bus=None):
        return dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus or self.h.address)

    def qemu(self, xml, op, subop, extra="-", name="vm1", bus=None, rc=None, stdin=None):
        data = xml.encode() if isinstance(xml, str) else xml
        r = subprocess.run([QEMU_HOOK, name, op, subop, extra], input=data, stdin=stdin,
                           env=self.env(bus), capture_output=True, timeout=60)
        r.out, r.err = r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
        if rc is not None:
            self.assertEqual(r.returncode, rc, f"hook {op} {subop}: rc {r.returncode}\n"
                             f"stdout: {r.out[:2000]}\nstderr: {r.err}")
        return r

    def ctl(self, *args, rc=OK, stdin=None, bus=None):
        r = subprocess.run([vt.VFMIGCTL, *args], input=stdin, env=self.env(bus),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, rc, f"vfmigctl {' '.join(args)}: rc {r.returncode}\n"
                         f"stdout: {r.stdout}\nstderr: {r.stderr}")
        return r

    def pool(self):
        """What a refusal must leave alone: every VF's state, owner and driver."""
        return {a: (row[6], row[7], row[4]) for a, row in self.h.list_vfs().items()}

    def state(self, vf):
        row = self.h.list_vfs()[vf]
        return row[6], row[7]

    def stderr_lines(self, r):
        lines = r.err.splitlines()
        self.assertTrue(lines, "no stderr")
        for line in lines:
            self.assertTrue(line.startswith("vfmig: "), repr(line))
        return [l[len("vfmig: "):] for l in lines]

    def metadata_for(self, vf, alias="hostdev0", address=REMOTE_VF, **profile_attrs):
        """The metadata a source host would have published for a VF like vf
        (its profile, as this agent gives it), under alias and address."""
        text = self.ctl("profile", vf, "--xml").stdout
        root = ET.fromstring(text)
        self.assertEqual(root.tag, f"{{{NS}}}migration")
        devs = root.findall(f"{{{NS}}}device")
        self.assertEqual(len(devs), 1, text)
        devs[0].set("alias", alias)
        devs[0].set("address", address)
        prof = devs[0].find(f"{{{NS}}}profile")
        for k, v in profile_attrs.items():
            prof.set(k, v)
        return ET.tostring(root, encoding="unicode")


class QemuFastPath(HookCase):
    """A domain without any hostdev never needs the agent."""

    def test_no_vf_needs_no_bus(self):
        xml = domain_xml()
        for op, subop, extra in (("prepare", "begin", "-"), ("migrate", "begin", "-"),
                                 ("stopped", "end", "-"), ("release", "end", "destroyed"),
                                 ("reconnect", "begin", "-")):
            with self.subTest(op=op):
                r = self.qemu(xml, op, subop, extra, bus=NO_BUS, rc=OK)
                # Empty stdout: libvirt keeps its own XML.
                self.assertEqual((r.out, r.err), ("", ""))

    def test_other_operations_do_not_read_stdin(self):
        # stdin is a pipe nobody writes or closes: reading it would hang.
        rd, wr = os.pipe()
        try:
            for op, subop in (("start", "begin"), ("started", "begin"), ("attach", "begin"),
                              ("restore", "begin"), ("migrate", "end")):
                with self.subTest(op=op):
                    t = time.monotonic()
                    r = subprocess.run([QEMU_HOOK, "vm1", op, subop, "-"], stdin=rd,
                                       env=self.env(NO_BUS), capture_output=True, timeout=20)
                    self.assertEqual((r.returncode, r.stdout, r.stderr), (0, b"", b""))
                    self.assertLess(time.monotonic() - t, 10)
        finally:
            os.close(rd)
            os.close(wr)

    def test_no_vf_changes_nothing(self):
        before = self.pool()
        self.qemu(domain_xml(), "prepare", "begin", rc=OK)
        self.assertEqual(self.pool(), before)


class QemuClaimRelease(HookCase):
    def test_prepare_claims_and_release_frees(self):
        vf = self.vfs[0]
        xml = domain_xml([hostdev(vf)])
        r = self.qemu(xml, "prepare", "begin", rc=OK)
        self.assertEqual(r.out, "")
        self.assertEqual(self.state(vf), ("claimed", UUID))
        # libvirt may run it again (a restart of the same domain): no change.
        self.qemu(xml, "prepare", "begin", rc=OK)
        self.assertEqual(self.state(vf), ("claimed", UUID))
        self.qemu(xml, "stopped", "end", rc=OK)
        self.assertEqual(self.state(vf)[0], "free")
        # release end after stopped end: nothing left, still fine.
        self.qemu(xml, "release", "end", "destroyed", rc=OK)
        self.assertEqual(self.state(vf)[0], "free")

    def test_interface_hostdev_claimed_too(self):
        xml = domain_xml([hostdev(self.vfs[0]), interface(self.vfs[1])])
        self.qemu(xml, "prepare", "begin", rc=OK)
        self.assertEqual(self.state(self.vfs[0]), ("claimed", UUID))
        self.assertEqual(self.state(self.vfs[1]), ("claimed", UUID))
        self.qemu(xml, "release", "end", "destroyed", rc=OK)
        self.assertEqual(self.state(self.vfs[1])[0], "free")

    def test_prepare_refused_names_each_device(self):
        # Both VFs already belong to another domain.
        for vf in self.vfs[:2]:
            self.ctl("claim", vf, UUID2, "other")
        before = self.pool()
        xml = domain_xml([hostdev(self.vfs[0], "hostdev0"), interface(self.vfs[1], "hostdev1")])
        r = self.qemu(xml, "prepare", "begin", rc=FAILURE)
        self.assertEqual(r.out, "")
        lines = self.stderr_lines(r)
        self.assertTrue(any(self.vfs[0] in l for l in lines), lines)
        self.assertTrue(any(self.vfs[1] in l for l in lines), lines)
        self.assertEqual(self.pool(), before)

    def test_reconnect_never_fails(self):
        vf = self.vfs[0]
        xml = domain_xml([hostdev(vf)])
        self.qemu(xml, "prepare", "begin", rc=OK)
        self.qemu(xml, "reconnect", "begin", rc=OK)
        self.assertEqual(self.state(vf)[1], UUID)
        # Even without the agent: a failing reconnect hook kills the guest.
        r = self.qemu(xml, "reconnect", "begin", bus=NO_BUS, rc=OK)
        self.assertIn("vfmig: ", r.err)


class QemuAgentUnreachable(HookCase):
    def test_start_refused_stop_never_blocked(self):
        xml = domain_xml([hostdev(self.vfs[0])])
        for op, subop in (("prepare", "begin"), ("migrate", "begin")):
            with self.subTest(op=op):
                r = self.qemu(xml, op, subop, bus=NO_BUS, rc=FAILURE)
                self.assertEqual(r.out, "")
                self.assertTrue(any("agent" in l for l in self.stderr_lines(r)), r.err)
        for op, subop, extra in (("stopped", "end", "-"), ("release", "end", "destroyed")):
            with self.subTest(op=op):
                r = self.qemu(xml, op, subop, extra, bus=NO_BUS, rc=OK)
                self.assertEqual(r.out, "")
                self.assertTrue(any("ignored" in l for l in self.stderr_lines(r)), r.err)


class QemuHostileInput(HookCase):
    """Hostile stdin: refused (start/migrate) or ignored (stop), nothing changed."""

    def test_hostile_stdin(self):
        vf = self.vfs[0]
        good = domain_xml([hostdev(vf)])
        bomb = ("<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY a 'hostdevhostdev'>"
                "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]>\n"
                + good.replace("<name>vm1</name>", "<name>&c;</name>"))
        cases = [
            ("oversized", (good + "<!--" + "hostdev " * (4 * 1024 * 1024 // 8) + "-->").encode(),
             "larger than"),
            ("NUL byte", good.encode().replace(b"<devices>", b"<devices>\0"), "NUL byte"),
            ("not UTF-8", good.encode().replace(b"vm1", b"vm\xff"), "UTF-8"),
            ("entity bomb", bomb.encode(), ""),
            ("wrong root", good.replace("<domain ", "<domainx ").replace("</domain>", "</domainx>").encode(), ""),
            ("truncated", good.encode()[:-20], ""),
        ]
        before = self.pool()
        for what, data, needle in cases:
            with self.subTest(what=what):
                for op in ("prepare", "migrate"):
                    r = self.qemu(data, op, "begin", rc=FAILURE)
                    self.assertEqual(r.out, "")
                    lines = self.stderr_lines(r)
                    self.assertIn(needle, r.err)
                    self.assertLessEqual(len(lines), 4, r.err)
                r = self.qemu(data, "release", "end", "destroyed", rc=OK)
                self.assertEqual(r.out, "")
                self.assertEqual(self.pool(), before)

    def test_flood_is_not_buffered(self):
        """A writer that never stops: the hook gives up past the limit."""
        p = subprocess.Popen([QEMU_HOOK, "vm1", "prepare", "begin", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env())
        chunk = b"<hostdev/>" * 10000
        try:
            for _ in range(2000):   # up to 200 MB
                p.stdin.write(chunk)
        except BrokenPipeError:
            pass
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, FAILURE)
        self.assertIn(b"larger than", err)


class QemuMigrate(HookCase):
    def test_migrate_rewrites_to_a_reserved_compatible_vf(self):
        meta = self.metadata_for(self.vfs[0])
        xml = domain_xml([hostdev(REMOTE_VF)], metadata=meta)
        r = self.qemu(xml, "migrate", "begin", rc=OK)
        self.assertEqual(r.err, "")
        [chosen] = source_addresses(r.out)
        self.assertIn(chosen, self.vfs)
        self.assertEqual(self.state(chosen), ("reserved", UUID))
        root = ET.fromstring(r.out)
        # The rest of the domain is kept: name, uuid, other metadata.
        self.assertEqual(root.findtext("name"), "vm1")
        self.assertEqual(root.findtext("uuid"), UUID)
        self.assertIsNotNone(root.find("metadata/{http://example.org/other}note"))
        # Our metadata now names the VF used here.
        dev = root.find(f"metadata/{{{NS}}}migration/{{{NS}}}device")
        self.assertEqual(dev.get("address"), chosen)
        # A Migration object records it.
        data = json.loads(self.ctl("migrations", "--json").stdout)
        mine = [m for m in data["migrations"] if m["domain_uuid"] == UUID]
        self.assertEqual(len(mine), 1, data)
        self.assertEqual(mine[0]["role"], "incoming")
        self.assertEqual(mine[0]["domain_name"], "vm1")
        self.assertIn(str(mine[0]["id"]), self.ctl("--bus-address", self.h.address,
                                                   "migrations").stdout)
        # The failed migration's release frees the reservation.
        self.qemu(r.out, "release", "end", "failed", rc=OK)
        self.assertEqual(self.state(chosen)[0], "free")

    def test_orchestrator_choice_is_kept(self):
        """Nova rewrote the address to a usable local VF: vfmig only checks it."""
        meta = self.metadata_for(self.vfs[0], address=REMOTE_VF)
        xml = domain_xml([hostdev(self.vfs[2])], metadata=meta)
        r = self.qemu(xml, "migrate", "begin", rc=OK)
        self.assertEqual(source_addresses(r.out), [self.vfs[2]])
        self.assertEqual(self.state(self.vfs[2]), ("reserved", UUID))

    def test_incompatible_refused_nothing_reserved(self):
        meta = self.metadata_for(self.vfs[0], type="blk")
        xml = domain_xml([hostdev(REMOTE_VF)], metadata=meta)
        before = self.pool()
        r = self.qemu(xml, "migrate", "begin", rc=FAILURE)
        self.assertEqual(r.out, "")
        lines = self.stderr_lines(r)
        self.assertTrue(any("hostdev0" in l for l in lines), lines)
        self.assertTrue(any("type" in l for l in lines), lines)
        self.assertEqual(self.pool(), before)
        data = json.loads(self.ctl("migrations", "--json").stdout)
        refused = [m for m in data["migrations"] if m["domain_uuid"] == UUID]
        self.assertEqual([m["phase"] for m in refused], ["refused"])


class Vdsm(HookCase):
    def setUp(self):
        super().setUp()
        if not VDSM_HOOKS or not os.path.isdir(VDSM_HOOKS):
            self.fail(f"build-tree VDSM hooks missing: {VDSM_HOOKS!r}")
        self.xml_path = os.path.join(self.h.dir, "domxml")

    def vdsm(self, event, text=None, rc=None, bus=None, env_extra=None):
        if text is not None:
            with open(self.xml_path, "w") as f:
                f.write(text)
            os.chmod(self.xml_path, 0o640)
        env = dict(self.env(bus), _hook_domxml=self.xml_path, vmId=UUID, **(env_extra or {}))
        r = subprocess.run([os.path.join(VDSM_HOOKS, f"{event}.50_vfmig")], env=env,
                           capture_output=True, text=True, timeout=60)
        r.out, r.err = r.stdout, r.stderr
        if rc is not None:
            self.assertEqual(r.returncode, rc, f"{event}: rc {r.returncode}\nstderr: {r.err}")
        return r

    def file_state(self):
        st = os.stat(self.xml_path)
        with open(self.xml_path, "rb") as f:
            return f.read(), st.st_ino, stat.S_IMODE(st.st_mode)

    def test_migrate_destination_rewrites_the_file_atomically(self):
        meta = self.metadata_for(self.vfs[0])
        xml = domain_xml([hostdev(REMOTE_VF)], metadata=meta)
        with open(self.xml_path, "w") as f:
            f.write(xml)
        os.chmod(self.xml_path, 0o640)
        ino_before = os.stat(self.xml_path).st_ino
        self.vdsm("before_vm_migrate_destination", rc=VDSM_OK)
        data, ino, mode = self.file_state()
        # Replaced by rename (a new inode), never rewritten in place.
        self.assertNotEqual(ino, ino_before)
        [chosen] = source_addresses(data.decode())
        self.assertIn(chosen, self.vfs)
        self.assertEqual(self.state(chosen), ("reserved", UUID))
        self.assertEqual(mode, 0o640)
        # No temporary file left beside it.
        self.assertEqual([n for n in os.listdir(self.h.dir) if "vfmig-" in n and n.startswith(".")], [])
        # The failed migration's destroy releases it.
        self.vdsm("after_vm_destroy", rc=VDSM_OK)
        self.assertEqual(self.state(chosen)[0], "free")

    def test_refusal_leaves_the_file_untouched(self):
        meta = self.metadata_for(self.vfs[0], type="blk")
        xml = domain_xml([hostdev(REMOTE_VF)], metadata=meta)
        with open(self.xml_path, "w") as f:
            f.write(xml)
        before_file = self.file_state()
        before = self.pool()
        r = self.vdsm("before_vm_migrate_destination", rc=VDSM_REFUSED)
        self.assertTrue(any("hostdev0" in l for l in self.stderr_lines(r)), r.err)
        self.assertEqual(self.file_state(), before_file)
        self.assertEqual(self.pool(), before)

    def test_start_claim_and_release(self):
        vf = self.vfs[1]
        xml = domain_xml([hostdev(vf)])
        self.vdsm("before_vm_start", xml, rc=VDSM_OK)
        before_file = self.file_state()
        self.assertEqual(self.state(vf), ("claimed", UUID))
        self.vdsm("after_vm_migrate_source", rc=VDSM_OK)
        self.assertEqual(self.state(vf)[0], "free")
        self.assertEqual(self.file_state(), before_file)
        # Claimed by someone else: refused with 2, VDSM runs no further hook.
        self.ctl("claim", vf, UUID2)
        r = self.vdsm("before_vm_start", rc=VDSM_REFUSED)
        self.assertTrue(any(vf in l for l in self.stderr_lines(r)), r.err)

    def test_no_vf_and_other_events(self):
        self.vdsm("before_vm_start", domain_xml(), bus=NO_BUS, rc=VDSM_OK)
        xml = domain_xml([hostdev(self.vfs[0])])
        # Without the agent: a start is refused, a destroy goes on (1: logged by VDSM).
        self.vdsm("before_vm_start", xml, bus=NO_BUS, rc=VDSM_REFUSED)
        self.vdsm("after_vm_destroy", xml, bus=NO_BUS, rc=VDSM_FAILED)
        # No domain XML file named: refused, never guessed.
        env = dict(self.env(), vmId=UUID)
        r = subprocess.run([os.path.join(VDSM_HOOKS, "before_vm_start.50_vfmig")], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, VDSM_REFUSED, r.stderr)
        self.assertIn("_hook_domxml", r.stderr)


class Check(HookCase):
    """vfmigctl check with each input form; nothing is ever reserved."""

    def check(self, text, rc, *extra, bus=None):
        path = os.path.join(self.h.dir, "check-input")
        with open(path, "w") as f:
            f.write(text)
        r1 = self.ctl("check", path, *extra, rc=rc, bus=bus)
        r2 = self.ctl("check", "-", *extra, rc=rc, stdin=text, bus=bus)
        self.assertEqual(r1.stdout, r2.stdout)
        return r1

    def test_each_form(self):
        before = self.pool()
        meta = self.metadata_for(self.vfs[0])
        forms = {
            "domain XML": domain_xml([hostdev(REMOTE_VF)], metadata=meta),
            "metadata element": meta,
            "VF JSON": self.ctl("profile", self.vfs[0], "--json").stdout,
        }
        vf_json = json.loads(forms["VF JSON"])
        self.assertEqual(set(vf_json), {"alias", "address", "profile"})
        self.assertEqual(vf_json["address"], self.vfs[0])
        forms["JSON array"] = json.dumps([dict(vf_json, alias="hostdev0")])
        for what, text in forms.items():
            with self.subTest(form=what):
                r = self.check(text, OK)
                self.assertEqual(r.stderr, "")
                self.assertGreaterEqual(len(r.stdout.splitlines()), 1)
                data = json.loads(self.check(text, OK, "--json").stdout)
                self.assertIs(data["compatible"], True)
                self.assertEqual(len(data["lines"]), 1)
        self.assertEqual(self.pool(), before)

    def test_not_compatible(self):
        before = self.pool()
        vf_json = json.loads(self.ctl("profile", self.vfs[0], "--json").stdout)
        vf_json["profile"]["type"] = "blk"
        r = self.check(json.dumps(vf_json), NOT_COMPATIBLE)
        self.assertIn(self.vfs[0], r.stdout)
        self.assertIn("type", r.stdout)
        data = json.loads(self.check(json.dumps(vf_json), NOT_COMPATIBLE, "--json").stdout)
        self.assertIs(data["compatible"], False)
        self.assertEqual(self.pool(), before)

    def test_bad_input_never_reaches_the_agent(self):
        for text, needle in (("hello", "neither XML nor JSON"),
                             ("[]", "names no device"),
                             ('{"version": 1, "type": "net"}', "bare profile"),
                             ("", "empty")):
            with self.subTest(text=text):
                r = self.check(text, USAGE, bus=NO_BUS)
                self.assertEqual(r.stdout, "")
                self.assertIn(needle, r.stderr)
        r = self.ctl("check", "/nonexistent/file.xml", rc=USAGE, bus=NO_BUS)
        self.assertIn("/nonexistent/file.xml", r.stderr)


class Profile(HookCase):
    def test_vf_and_domain_profile(self):
        vf = self.vfs[0]
        text = self.ctl("profile", vf).stdout
        self.assertRegex(text, rf"(?m)^address +{re.escape(vf)}$")
        self.assertRegex(text, r"(?m)^type +net$")
        xml = self.ctl("profile", vf, "--xml").stdout
        self.assertIn(NS, xml)
        # A domain: by UUID and by name, after the hook claimed its VFs.
        dom = domain_xml([hostdev(self.vfs[0], "hostdev0"), hostdev(self.vfs[1], "hostdev1")])
        self.qemu(dom, "prepare", "begin", rc=OK)
        for who in (UUID, "vm1"):
            with self.subTest(domain=who):
                data = json.loads(self.ctl("profile", who, "--json").stdout)
                self.assertIsInstance(data, list)
                self.assertEqual(sorted(d["address"] for d in data), sorted(self.vfs[:2]))
        # Unknown VF or domain: an error line, no output.
        for who in ("0000:3b:1f.7", "no-such-domain"):
            with self.subTest(domain=who):
                r = subprocess.run([vt.VFMIGCTL, "profile", who], env=self.env(),
                                   capture_output=True, text=True, timeout=60)
                self.assertNotEqual(r.returncode, OK)
                self.assertEqual(r.stdout, "")
                self.assertTrue(r.stderr.startswith(f"vfmigctl: profile {who}: "), r.stderr)
        self.ctl("profile", vf, "--json", "--xml", rc=USAGE)


if __name__ == "__main__":
    vt.main()
