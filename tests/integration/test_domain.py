#!/usr/bin/python3
"""The domain-level methods (ClaimForDomain, PrepareIncoming, CheckIncoming,
ReleaseDomain, ReconcileDomain) and Migration objects, with libvirt-shaped
domain XML (tests/data/domain/), on the fake host and the private bus.
vfmigd runs with --no-libvirt: the hook calls are made here by hand, in
the order libvirt makes them (RIG.md)."""
import json
import os
import re
import subprocess
import time
import unittest

import domainlib as dl
import vfmigtest as vt

PF = "0000:3b:00.0"
BAD_PF = "0000:5e:00.0"
# A VF address that exists on no PF here: the source host's VF.
REMOTE = "0000:d8:00.2"


def host(**kw):
    kw.setdefault("pfs", dl.PFS)
    kw.setdefault("config", dl.CONFIG)
    return vt.Host(**kw)


def source_addresses(xml):
    """Host addresses of every hostdev/interface source, in order."""
    out = []
    for m in re.finditer(r"<(hostdev|interface)[^>]*>(.*?)</\1>", xml, re.S):
        a = re.search(r"<source>\s*<address ([^>]*)/>", m.group(2), re.S)
        if not a:
            continue
        attrs = {k: v1 or v2 for k, v1, v2 in
                 re.findall(r"""(\w+)=(?:'([^']*)'|"([^"]*)")""", a.group(1))}
        out.append("%04x:%02x:%02x.%x" % (int(attrs["domain"], 16), int(attrs["bus"], 16),
                                          int(attrs["slot"], 16), int(attrs["function"], 16)))
    return out


class ClaimForDomain(unittest.TestCase):
    def test_claims_every_managed_vf(self):
        with host() as h:
            vfs = h.vf_addresses(PF)
            xml = dl.domain("vm1", dl.UUID1, [dl.device(vfs[0], "hostdev0"),
                                              dl.device(vfs[1], "net0", kind="interface",
                                                        guestbus=2)])
            r = dl.call(h, "ClaimForDomain", xml)
            self.assertTrue(r["ok"], r)
            for vf in vfs:
                self.assertEqual(h.vf_state(vf), "claimed")
                row = h.list_vfs()[vf]
                self.assertEqual(row[7:], [dl.UUID1, "vm1"])
            # The prepare hook runs again on a retried start: no change.
            r = dl.call(h, "ClaimForDomain", xml)
            self.assertTrue(r["ok"], r)
            # STARTED(BOOTED) is libvirt's; ReconcileDomain stands in for it
            # here: a running domain's claims become assignments.
            r = dl.call(h, "ReconcileDomain", xml)
            self.assertTrue(r["ok"], r)
            self.assertEqual(len(r["result"][0]), 2, r)
            for vf in vfs:
                self.assertEqual(h.vf_state(vf), "assigned")
            # release end destroyed
            r = dl.call(h, "ReleaseDomain", dl.UUID1, "destroyed")
            self.assertTrue(r["ok"], r)
            for vf in vfs:
                self.assertEqual(h.vf_state(vf), "free")
            self.assertEqual(dl.list_migrations(h), [])

    def test_refusal_names_every_device_and_changes_nothing(self):
        with host(config=dl.CONFIG + "\n[pf 0000:af:00.0]\nnum-vfs=2\n") as h:
            a, b = h.vf_addresses(PF)
            c, d = h.vf_addresses("0000:af:00.0")
            e = h.vf_addresses(BAD_PF)[0]
            # a: busy (another domain's claim); b: quarantined (its driver
            # went away under a claim); c: asks for the legacy kvm driver;
            # d: free and fine, e: free and fine.
            self.assertIsNone(h.manager_error("Claim", a, dl.UUID2, "other"))
            self.assertIsNone(h.manager_error("Claim", b, dl.UUID3, "third"))
            h.write_sysfs(f"bus/pci/devices/{b}/driver/unbind", b)
            h.wait_until(lambda: h.driver_of(b) is None, "unbind by hand")
            ok, _ = h.manager("Rescan")
            self.assertTrue(ok)
            self.assertEqual(h.vf_state(b), "quarantined")
            before = dl.snapshot(h)
            xml = dl.domain("vm1", dl.UUID1, [
                dl.device(a, "hostdev0"), dl.device(b, "hostdev1", guestbus=2),
                dl.device(c, "hostdev2", driver="kvm", guestbus=3),
                dl.device(d, "hostdev3", guestbus=4), dl.device(e, "hostdev4", guestbus=5)])
            r = dl.call(h, "ClaimForDomain", xml)
            self.assertFalse(r["ok"], r)
            self.assertEqual(r["name"], "org.vfmig.Agent1.Error.Busy", r)
            lines = r["message"].split("\n")
            self.assertEqual(len(lines), 3, lines)
            self.assertTrue(lines[0].startswith(f"hostdev0 ({a}): "), lines)
            self.assertIn("other", lines[0])
            self.assertTrue(lines[1].startswith(f"hostdev1 ({b}): "), lines)
            self.assertIn("quarantined", lines[1])
            self.assertTrue(lines[2].startswith(f"hostdev2 ({c}): "), lines)
            self.assertIn("'kvm'", lines[2])
            self.assertEqual(dl.snapshot(h), before)
            self.assertEqual(h.vf_state(d), "free")

    def test_driver_not_loaded(self):
        # The policy driver (vfmig_virtio_pci) is missing: a VF still on its
        # host driver cannot be bound for the VM; refused, nothing bound.
        with host(config="", mkfakehost_args=["--no-variant-driver"],
                  num_vfs={PF: 2}) as h:
            vf = h.vf_addresses(PF)[0]
            before = dl.snapshot(h)
            r = dl.call(h, "ClaimForDomain", dl.domain("vm1", dl.UUID1, [dl.device(vf, "hostdev0")]))
            self.assertFalse(r["ok"], r)
            self.assertEqual(r["name"], "org.vfmig.Agent1.Error.DriverNotLoaded", r)
            self.assertIn(vf, r["message"])
            self.assertIn("vfmig_virtio_pci", r["message"])
            self.assertEqual(dl.snapshot(h), before)

    def test_binds_per_policy(self):
        # VFs enabled by hand sit on virtio-pci; bind-on-claim moves them.
        with host(config="", num_vfs={PF: 2}) as h:
            vf = h.vf_addresses(PF)[1]
            self.assertEqual(h.driver_of(vf), "virtio-pci")
            r = dl.call(h, "ClaimForDomain", dl.domain("vm1", dl.UUID1, [dl.device(vf, "hostdev0")]))
            self.assertTrue(r["ok"], r)
            self.assertEqual(h.driver_of(vf), "vfmig_virtio_pci")
            self.assertEqual(h.vf_state(vf), "claimed")

    def test_no_managed_vf(self):
        with host() as h:
            # A hostdev of a device no managed PF owns, and a plain disk.
            xml = dl.domain("plain", dl.UUID1, [dl.device("0000:00:1f.3", "hostdev0")])
            before = dl.snapshot(h)
            r = dl.call(h, "ClaimForDomain", xml)
            self.assertTrue(r["ok"], r)
            r = dl.prepare(h, xml)
            self.assertTrue(r["ok"], r)
            # Byte for byte what was sent, and no migration object.
            self.assertEqual(r["result"], [xml, "/"])
            self.assertEqual(dl.snapshot(h), before)
            self.assertEqual(dl.list_migrations(h), [])

    def test_bad_xml_refused_before_anything(self):
        with host() as h:
            before = dl.snapshot(h)
            for bad in ("<domain><name>x</name></domain>",          # no uuid
                        "<notadomain/>", "not xml at all",
                        '<!DOCTYPE domain [<!ENTITY a "aaaa">]><domain>&a;</domain>'):
                for method in ("ClaimForDomain", "PrepareIncoming", "ReconcileDomain"):
                    with self.subTest(method=method, bad=bad):
                        r = dl.call(h, method, bad)
                        self.assertFalse(r["ok"], r)
                        self.assertEqual(r["name"], "org.vfmig.Agent1.Error.InvalidArgument", r)
            r = dl.call(h, "ReleaseDomain", "not-a-uuid", "destroyed")
            self.assertEqual(r["name"], "org.vfmig.Agent1.Error.InvalidArgument", r)
            self.assertEqual(dl.snapshot(h), before)


class PrepareIncoming(unittest.TestCase):
    def incoming(self, h, name="vm1", uuid=dl.UUID1, remote=REMOTE, kind="hostdev"):
        vf0 = h.vf_addresses(PF)[0]
        meta = dl.metadata(h, [(vf0, remote, "hostdev0")])
        return dl.domain(name, uuid, [dl.device(remote, "hostdev0", kind=kind)], meta)

    def test_reserves_rewrites_and_records(self):
        with host() as h:
            mon = dl.Monitor(h)
            try:
                xml = self.incoming(h, kind="interface")
                r = dl.prepare(h, xml)
                self.assertTrue(r["ok"], r)
                out, path = r["result"]
                # The first compatible free VF on a VFIO driver: 3b's first
                # (5e's VFs lack the source's features).
                chosen = h.vf_addresses(PF)[0]
                self.assertEqual(source_addresses(out), [chosen])
                self.assertNotIn(REMOTE, out.split("<metadata>")[0])
                # Metadata now names the local VF; foreign metadata kept.
                self.assertIn(f'address="{chosen}"', out)
                self.assertIn('alias="hostdev0"', out)
                self.assertIn("kept as it is", out)
                self.assertEqual(out.count("<vfmig:migration"), 1)
                self.assertEqual(h.vf_state(chosen), "reserved")
                row = h.list_vfs()[chosen]
                self.assertEqual(row[7:], [dl.UUID1, "vm1"])
                self.assertGreater(h.get_property(vt.vf_path(chosen), vt.VF_IFACE,
                                                  "LeaseUntil"), 0)

                self.assertRegex(path, r"^/org/vfmig/Agent1/migration/[1-9][0-9]*$")
                p = dl.migration_props(h, path)
                self.assertEqual(p["Role"], "incoming")
                self.assertEqual(p["Phase"], "prepared")
                self.assertEqual(p["DomainUUID"], dl.UUID1)
                self.assertEqual(p["DomainName"], "vm1")
                self.assertEqual(p["Devices"], [["hostdev0", REMOTE, chosen]])
                self.assertEqual([t[0] for t in p["PhaseTimes"]], ["preparing", "prepared"])
                self.assertEqual(p["Finished"], 0)
                self.assertEqual(p["Error"], "")
                self.assertEqual(dl.list_migrations(h),
                                 [[path, p["Id"], "incoming", "prepared", dl.UUID1, "vm1"]])
                mid = p["Id"]
                text = mon.wait_text(["MigrationAdded", f"objectpath '{path}', uint64 {mid}",
                                      "PhaseChanged", "('preparing', 'prepared')"], h)

                # prepare begin: the reservation becomes a claim; transferring.
                r = dl.call(h, "ClaimForDomain", out)
                self.assertTrue(r["ok"], r)
                self.assertEqual(h.vf_state(chosen), "claimed")
                self.assertEqual(h.get_property(path, dl.MIGRATION_IFACE, "Phase"), "transferring")
                text = mon.wait_text(["('prepared', 'transferring')"], h)
                self.assertIn("PropertiesChanged", text)

                # The migration fails: stopped end, release end failed.
                r = dl.call(h, "ReleaseDomain", dl.UUID1, "failed")
                self.assertTrue(r["ok"], r)
                self.assertEqual(h.vf_state(chosen), "free")
                p = dl.migration_props(h, path)
                self.assertEqual(p["Phase"], "failed")
                self.assertIn("failed", p["Error"])
                self.assertGreater(p["Finished"], 0)
                mon.wait_text(["('transferring', 'failed')"], h)
            finally:
                mon.stop()

    def test_keeps_a_usable_vf_the_xml_names(self):
        with host() as h:
            vf0, vf1 = h.vf_addresses(PF)
            # An orchestrator already rewrote the XML to vf1 here.
            meta = dl.metadata(h, [(vf0, REMOTE, "hostdev0")])
            xml = dl.domain("vm1", dl.UUID1, [dl.device(vf1, "hostdev0")], meta)
            r = dl.prepare(h, xml)
            self.assertTrue(r["ok"], r)
            self.assertEqual(source_addresses(r["result"][0]), [vf1])
            self.assertEqual(h.vf_state(vf1), "reserved")
            self.assertEqual(h.vf_state(vf0), "free")
            p = dl.migration_props(h, r["result"][1])
            self.assertEqual(p["Devices"], [["hostdev0", REMOTE, vf1]])

    def test_named_vf_unfit_is_replaced(self):
        with host() as h:
            vf0, vf1 = h.vf_addresses(PF)
            bad = h.vf_addresses(BAD_PF)[0]
            meta = dl.metadata(h, [(vf0, bad, "hostdev0")])
            # The XML names bad (same address as on the source host), which
            # is incompatible here: another VF is chosen.
            xml = dl.domain("vm1", dl.UUID1, [dl.device(bad, "hostdev0")], meta)
            r = dl.prepare(h, xml)
            self.assertTrue(r["ok"], r)
            self.assertEqual(source_addresses(r["result"][0]), [vf0])
            self.assertEqual(h.vf_state(bad), "free")

    def test_several_devices_get_distinct_vfs(self):
        with host() as h:
            vf0, vf1 = h.vf_addresses(PF)
            meta = dl.metadata(h, [(vf0, "0000:d8:00.2", "hostdev0"),
                                   (vf0, "0000:d8:00.3", "hostdev1")])
            xml = dl.domain("vm1", dl.UUID1, [dl.device("0000:d8:00.2", "hostdev0"),
                                              dl.device("0000:d8:00.3", "hostdev1", guestbus=2)],
                            meta)
            r = dl.prepare(h, xml)
            self.assertTrue(r["ok"], r)
            self.assertEqual(source_addresses(r["result"][0]), [vf0, vf1])
            # A retried hook keeps the same VFs and the same migration.
            r2 = dl.prepare(h, xml)
            self.assertTrue(r2["ok"], r2)
            self.assertEqual(source_addresses(r2["result"][0]), [vf0, vf1])
            self.assertEqual(r2["result"][1], r["result"][1])
            self.assertEqual(len(dl.list_migrations(h)), 1)

    def test_nothing_fits_every_reason_nothing_changed(self):
        with host() as h:
            vf0, vf1 = h.vf_addresses(PF)
            bad0, bad1 = h.vf_addresses(BAD_PF)
            xml = self.incoming(h)
            self.assertIsNone(h.manager_error("Claim", vf0, dl.UUID2, "other"))
            self.assertIsNone(h.manager_error("Reserve", vf1, dl.UUID3, "third", 0))
            before = dl.snapshot(h)
            r = dl.prepare(h, xml)
            self.assertFalse(r["ok"], r)
            self.assertEqual(r["name"], "org.vfmig.Agent1.Error.NotCompatible", r)
            lines = r["message"].split("\n")
            self.assertEqual(len(lines), 1, lines)
            line = lines[0]
            self.assertTrue(line.startswith(f"hostdev0 ({REMOTE}): "), line)
            # Every candidate and why.
            self.assertIn(f"{vf0} is claimed by other", line)
            self.assertIn(f"{vf1} is reserved by third", line)
            for bad in (bad0, bad1):
                self.assertRegex(line, re.escape(bad) + r": destination lacks")
            self.assertEqual(dl.snapshot(h), before)
            # The refusal is recorded.
            ms = dl.list_migrations(h)
            self.assertEqual(len(ms), 1)
            self.assertEqual(ms[0][3], "refused")
            p = dl.migration_props(h, ms[0][0])
            self.assertEqual(p["Error"], r["message"])
            self.assertGreater(p["Finished"], 0)

    def test_vf_on_plain_vfio_cannot_load_state(self):
        with host() as h:
            vf0, vf1 = h.vf_addresses(PF)
            xml = self.incoming(h)
            self.assertIsNone(h.manager_error("Claim", vf0, dl.UUID2, "other"))
            # vf1 fits on its identity and features, but on vfio-pci it
            # could not load the device state the source sends.
            self.assertIsNone(h.manager_error("Bind", vf1, "vfio-pci"))
            before = dl.snapshot(h)
            r = dl.prepare(h, xml)
            self.assertFalse(r["ok"], r)
            self.assertEqual(r["name"], "org.vfmig.Agent1.Error.NotCompatible", r)
            self.assertIn(f"{vf1} would run on vfio-pci, which cannot load the device state",
                          r["message"])
            self.assertEqual(dl.snapshot(h), before)

    def test_rebound_vf_is_checked_again(self):
        with host() as h:
            vf0, vf1 = h.vf_addresses(PF)
            bad0, bad1 = h.vf_addresses(BAD_PF)
            xml = self.incoming(h)
            self.assertIsNone(h.manager_error("Claim", vf0, dl.UUID2, "other"))
            self.assertIsNone(h.manager_error("Reserve", vf1, dl.UUID3, "third", 0))
            # Without a driver bad0 shows only its PCI identity, which
            # matches; bound to vfmig_virtio_pci it shows features that do
            # not: it is put back and the migration refused.
            self.assertIsNone(h.manager_error("Unbind", bad0))
            before = dl.snapshot(h)
            check = dl.call(h, "CheckIncoming", xml)
            self.assertTrue(check["ok"], check)
            self.assertIn("on its PCI identity", " ".join(check["result"][1]))
            r = dl.prepare(h, xml)
            self.assertFalse(r["ok"], r)
            self.assertEqual(r["name"], "org.vfmig.Agent1.Error.NotCompatible", r)
            self.assertIn(f"{bad0} once bound to vfmig_virtio_pci: destination lacks",
                          r["message"])
            self.assertEqual(dl.snapshot(h), before)
            self.assertIsNone(h.driver_of(bad0))

    def test_all_or_nothing(self):
        with host() as h:
            vf0 = h.vf_addresses(PF)[0]
            meta = dl.metadata(h, [(vf0, "0000:d8:00.2", "hostdev0"),
                                   (vf0, "0000:d8:00.3", "hostdev1")])
            # The second device was a blk VF on the source: nothing here.
            head, tail = meta.split('alias="hostdev1"', 1)
            meta = head + 'alias="hostdev1"' + tail.replace('type="net"', 'type="blk"', 1)
            xml = dl.domain("vm1", dl.UUID1, [
                dl.device("0000:d8:00.2", "hostdev0", driver="kvm"),
                dl.device("0000:d8:00.3", "hostdev1", guestbus=2)], meta)
            before = dl.snapshot(h)
            # The legacy kvm assignment cannot carry a VFIO migration.
            r = dl.prepare(h, xml)
            self.assertFalse(r["ok"], r)
            self.assertEqual(r["name"], "org.vfmig.Agent1.Error.UnknownDriver", r)
            self.assertEqual(r["message"],
                             "hostdev0 (0000:d8:00.2): the domain asks for the hostdev driver "
                             "'kvm'; vfmig VFs need 'vfio'")
            self.assertEqual(dl.snapshot(h), before)
            # With vfio, the first device would fit but the second does not:
            # nothing is reserved for either.
            xml = xml.replace("driver name='kvm'", "driver name='vfio'")
            r = dl.prepare(h, xml)
            self.assertFalse(r["ok"], r)
            self.assertEqual(r["name"], "org.vfmig.Agent1.Error.NotCompatible", r)
            lines = r["message"].split("\n")
            self.assertEqual(len(lines), 1, lines)
            self.assertTrue(lines[0].startswith("hostdev1 (0000:d8:00.3): "), lines)
            self.assertIn("type differs", lines[0])
            self.assertEqual(dl.snapshot(h), before)
            self.assertEqual([m[3] for m in dl.list_migrations(h)], ["refused", "refused"])

    def test_only_busy_is_busy(self):
        with host(pfs=dl.PFS[:1] + dl.PFS[2:], config="[pf 0000:3b:00.0]\nnum-vfs=1\n") as h:
            vf0 = h.vf_addresses(PF)[0]
            xml = self.incoming(h)
            self.assertIsNone(h.manager_error("Claim", vf0, dl.UUID2, "other"))
            r = dl.prepare(h, xml)
            self.assertEqual(r["name"], "org.vfmig.Agent1.Error.Busy", r)
            self.assertIn(f"{vf0} is claimed by other", r["message"])

    def test_racing_for_the_last_vf(self):
        with host() as h:
            vf0, vf1 = h.vf_addresses(PF)
            self.assertIsNone(h.manager_error("Claim", vf0, dl.UUID3, "third"))
            xmls = [self.incoming(h, name=f"vm{i}", uuid=u)
                    for i, u in ((1, dl.UUID1), (2, dl.UUID2))]
            env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=h.address)
            procs = [subprocess.Popen(["/usr/bin/python3", dl.DBUSCALL, h.address, vt.ROOT_PATH,
                                       vt.MANAGER, "PrepareIncoming", json.dumps([x])],
                                      stdout=subprocess.PIPE, text=True, env=env)
                     for x in xmls]
            results = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
            winners = [r for r in results if r["ok"]]
            losers = [r for r in results if not r["ok"]]
            self.assertEqual(len(winners), 1, results)
            self.assertEqual(len(losers), 1, results)
            self.assertEqual(source_addresses(winners[0]["result"][0]), [vf1])
            self.assertIn(f"{vf1} is reserved by vm", losers[0]["message"])
            self.assertEqual(h.vf_state(vf1), "reserved")
            phases = sorted(m[3] for m in dl.list_migrations(h))
            self.assertEqual(phases, ["prepared", "refused"])

    def test_check_incoming_changes_nothing(self):
        with host() as h:
            vf0 = h.vf_addresses(PF)[0]
            meta = dl.metadata(h, [(vf0, REMOTE, "hostdev0")])
            xml = dl.domain("vm1", dl.UUID1, [dl.device(REMOTE, "hostdev0")], meta)
            before = dl.snapshot(h)
            for text in (xml, meta):
                r = dl.call(h, "CheckIncoming", text, user=vt.UNPRIVILEGED)
                self.assertTrue(r["ok"], r)
                compatible, lines = r["result"]
                self.assertTrue(compatible, lines)
                self.assertEqual(lines, [f"hostdev0 ({REMOTE}): fits {vf0}"])
            self.assertEqual(dl.snapshot(h), before)
            self.assertEqual(dl.list_migrations(h), [])
            # An incompatible profile: every reason, still nothing changed.
            bad = dl.metadata(h, [(h.vf_addresses(BAD_PF)[0], REMOTE, "hostdev0")])
            bad = re.sub(r'type="net"', 'type="blk"', bad)
            r = dl.call(h, "CheckIncoming", bad)
            self.assertTrue(r["ok"], r)
            compatible, lines = r["result"]
            self.assertFalse(compatible)
            self.assertEqual(len(lines), 1)
            self.assertIn("type differs", lines[0])
            self.assertEqual(dl.snapshot(h), before)


class Authorization(unittest.TestCase):
    def test_unprivileged_denied_nothing_changes(self):
        with host() as h:
            vf = h.vf_addresses(PF)[0]
            xml = dl.domain("vm1", dl.UUID1, [dl.device(vf, "hostdev0")])
            before = dl.snapshot(h)
            for method, args in (("ClaimForDomain", [xml]), ("PrepareIncoming", [xml]),
                                 ("ReleaseDomain", [dl.UUID1, "destroyed"]),
                                 ("ReconcileDomain", [xml])):
                with self.subTest(method=method):
                    r = dl.call(h, method, *args, user=vt.UNPRIVILEGED)
                    self.assertFalse(r["ok"], r)
                    self.assertEqual(r["name"],
                                     "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired", r)
            self.assertEqual(dl.snapshot(h), before)
            # Reading stays open.
            for method, args in (("ListMigrations", []), ("GetVirtualFunctionProfile", [vf]),
                                 ("CheckIncoming", [xml])):
                with self.subTest(method=method):
                    r = dl.call(h, method, *args, user=vt.UNPRIVILEGED)
                    self.assertTrue(r["ok"], r)

    def test_polkit_details_name_the_domain(self):
        rule = """
polkit.addRule(function(action, subject) {
    if (action.id == "org.vfmig.manage" && subject.user == "nobody" &&
        action.lookup("operation") == "ClaimForDomain" &&
        action.lookup("device") == "%s")
        return polkit.Result.YES;
});
""" % dl.UUID1
        with host(polkit_rules={"50-domain.rules": rule}) as h:
            vf0, vf1 = h.vf_addresses(PF)
            r = dl.call(h, "ClaimForDomain", dl.domain("vm1", dl.UUID1, [dl.device(vf0, "hostdev0")]),
                        user=vt.UNPRIVILEGED)
            self.assertTrue(r["ok"], r)
            self.assertEqual(h.vf_state(vf0), "claimed")
            r = dl.call(h, "ClaimForDomain", dl.domain("vm2", dl.UUID2, [dl.device(vf1, "hostdev0")]),
                        user=vt.UNPRIVILEGED)
            self.assertFalse(r["ok"], r)
            self.assertEqual(h.vf_state(vf1), "free")


class Migrations(unittest.TestCase):
    def test_profiles(self):
        with host() as h:
            vf0, vf1 = h.vf_addresses(PF)
            text = dl.profile_metadata(h, vf0)
            self.assertIn('xmlns:vfmig="http://vfmig.org/xmlns/domain/1.0"', text)
            self.assertEqual(text.count("<vfmig:device "), 1)
            self.assertIn(f'address="{vf0}"', text)
            self.assertIn('source="variant"', text)
            r = dl.call(h, "GetDomainProfile", "vm1")
            self.assertEqual(r["name"], "org.vfmig.Agent1.Error.NoSuchDevice", r)
            self.assertIsNone(h.manager_error("Claim", vf1, dl.UUID1, "vm1"))
            for key in ("vm1", dl.UUID1, dl.UUID1.upper()):
                r = dl.call(h, "GetDomainProfile", key)
                self.assertTrue(r["ok"], r)
                self.assertIn(f'address="{vf1}"', r["result"][0])
                self.assertNotIn(vf0, r["result"][0])

    def test_restart_keeps_reservations_and_migrations(self):
        with host() as h:
            vf0 = h.vf_addresses(PF)[0]
            meta = dl.metadata(h, [(vf0, REMOTE, "hostdev0")])
            xml = dl.domain("vm1", dl.UUID1, [dl.device(REMOTE, "hostdev0")], meta)
            r = dl.prepare(h, xml)
            self.assertTrue(r["ok"], r)
            out, path = r["result"]
            mid = dl.migration_props(h, path)["Id"]
            h.kill_agent()          # SIGKILL: no chance to save anything more
            h.start_agent()
            self.assertEqual(h.vf_state(vf0), "reserved")
            ms = dl.list_migrations(h)
            self.assertEqual(ms, [[path, mid, "incoming", "prepared", dl.UUID1, "vm1"]])
            p = dl.migration_props(h, path)
            self.assertEqual(p["Devices"], [["hostdev0", REMOTE, vf0]])
            # The migration goes on after the restart.
            r = dl.call(h, "ClaimForDomain", out)
            self.assertTrue(r["ok"], r)
            self.assertEqual(h.get_property(path, dl.MIGRATION_IFACE, "Phase"), "transferring")
            h.kill_agent()
            h.start_agent()
            self.assertEqual(h.vf_state(vf0), "claimed")
            self.assertEqual(h.get_property(path, dl.MIGRATION_IFACE, "Phase"), "transferring")
            # A new migration never reuses an id.
            r = dl.call(h, "ReleaseDomain", dl.UUID1, "failed")
            self.assertTrue(r["ok"], r)
            r = dl.prepare(h, xml.replace(dl.UUID1, dl.UUID2))
            self.assertTrue(r["ok"], r)
            self.assertGreater(dl.migration_props(h, r["result"][1])["Id"], mid)

    def test_lease_expiry_fails_the_incoming_migration(self):
        config = dl.CONFIG.replace("reservation-lease-sec=300",
                                   "reservation-lease-sec=1\nreconcile-interval-sec=1")
        with host(config=config) as h:
            vf0 = h.vf_addresses(PF)[0]
            meta = dl.metadata(h, [(vf0, REMOTE, "hostdev0")])
            r = dl.prepare(h, dl.domain("vm1", dl.UUID1, [dl.device(REMOTE, "hostdev0")], meta))
            self.assertTrue(r["ok"], r)
            path = r["result"][1]
            h.wait_until(lambda: h.vf_state(vf0) == "free", "the lease to run out", timeout=15)
            h.wait_until(lambda: h.get_property(path, dl.MIGRATION_IFACE, "Phase") == "failed",
                         "the migration to fail", timeout=5)
            self.assertIn(f"reservation of {vf0} expired",
                          h.get_property(path, dl.MIGRATION_IFACE, "Error"))

    def test_leases_held_while_libvirt_is_unreachable(self):
        config = dl.CONFIG.replace("reservation-lease-sec=300",
                                   "reservation-lease-sec=1\nreconcile-interval-sec=1")
        with host(config=config) as h:
            # A libvirtd that never answers: the agent cannot tell whether
            # the reserved VF's migration arrived, so the lease must wait.
            h.restart_agent(libvirt_uri="qemu+unix:///system?socket=%s/no-libvirtd" % h.dir)
            vf0 = h.vf_addresses(PF)[0]
            meta = dl.metadata(h, [(vf0, REMOTE, "hostdev0")])
            r = dl.prepare(h, dl.domain("vm1", dl.UUID1, [dl.device(REMOTE, "hostdev0")], meta))
            self.assertTrue(r["ok"], r)
            def log():
                with open(h.agent.log_path, errors="replace") as f:
                    return f.read()
            h.wait_until(lambda: "reservation leases are held" in log(),
                         "the agent to hold the leases", timeout=15)
            time.sleep(2)
            self.assertEqual(h.vf_state(vf0), "reserved")
            # Without libvirt integration nothing is hidden: it expires.
            h.restart_agent()
            h.wait_until(lambda: h.vf_state(vf0) == "free", "the lease to run out", timeout=15)

    def test_damaged_records_set_aside(self):
        with host(start_agent=False) as h:
            os.makedirs(h.state_dir, exist_ok=True)
            with open(os.path.join(h.state_dir, "migrations.state"), "w") as f:
                f.write("[migration 3]\nrole=sideways\n")
            h.start_agent()
            report = h.get_property(vt.ROOT_PATH, vt.MANAGER, "StartupReport")
            self.assertTrue(any("migrations" in line and "damaged" in line and "[migration 3]" in line
                                for line in report), report)
            aside = [n for n in os.listdir(h.state_dir)
                     if n.startswith("migrations.state.damaged-")]
            self.assertEqual(len(aside), 1)
            self.assertEqual(dl.list_migrations(h), [])
            # The ids of the lost records are not reused.
            vf0 = h.vf_addresses(PF)[0]
            meta = dl.metadata(h, [(vf0, REMOTE, "hostdev0")])
            r = dl.prepare(h, dl.domain("vm1", dl.UUID1, [dl.device(REMOTE, "hostdev0")], meta))
            self.assertTrue(r["ok"], r)
            self.assertGreater(dl.migration_props(h, r["result"][1])["Id"], 3)

    def test_interface_matches_xml(self):
        import test_dbus_api as api
        with host() as h:
            vf0 = h.vf_addresses(PF)[0]
            meta = dl.metadata(h, [(vf0, REMOTE, "hostdev0")])
            r = dl.prepare(h, dl.domain("vm1", dl.UUID1, [dl.device(REMOTE, "hostdev0")], meta))
            self.assertTrue(r["ok"], r)
            path = r["result"][1]
            got = h.busctl("introspect", "--xml-interface", vt.BUS_NAME, path)
            self.assertEqual(got.returncode, 0, got.stderr)
            with open(os.path.join(vt.SRCDIR, "dbus", "org.vfmig.Agent1.Migration.xml")) as f:
                want = api.members(f.read(), dl.MIGRATION_IFACE)
            self.assertEqual(api.members(got.stdout, dl.MIGRATION_IFACE), want)
            tree = h.busctl("tree", "--list", vt.BUS_NAME)
            self.assertIn(path, tree.stdout.split())
            # Unknown or non-canonical ids are no objects.
            for bad in ("/org/vfmig/Agent1/migration/999", "/org/vfmig/Agent1/migration/0" +
                        path.rsplit("/", 1)[1]):
                r = h.busctl("get-property", vt.BUS_NAME, bad, dl.MIGRATION_IFACE, "Phase")
                self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    vt.main()
