"""Helpers of the domain-level tests (test_domain*.py): libvirt-shaped
domain XML from tests/data/domain/, metadata taken from the agent itself,
and calls whose whole (multi-line) error message matters."""

import json
import os
import re
import subprocess

import vfmigtest as vt

DATA = os.path.join(vt.SRCDIR, "tests/data/domain")
MIGRATION_IFACE = "org.vfmig.Agent1.Migration"
UUID1 = "5b4a3f1e-8c2d-4e7a-9f10-2d3c4b5a6e71"
UUID2 = "5b4a3f1e-8c2d-4e7a-9f10-2d3c4b5a6e72"
UUID3 = "5b4a3f1e-8c2d-4e7a-9f10-2d3c4b5a6e73"

# 3b: compatible net VFs; 5e: net VFs whose device offers only VERSION_1, so
# a guest from a usual virtio-net device cannot continue on them; af: blk.
PFS = ["0000:3b:00.0,type=net,total=8",
       "0000:5e:00.0,type=net,total=8,features=0x100000000",
       "0000:af:00.0,type=blk,total=4"]
CONFIG = """[agent]
reservation-lease-sec=300

[pf 0000:3b:00.0]
num-vfs=2

[pf 0000:5e:00.0]
num-vfs=2
"""


def read(name):
    with open(os.path.join(DATA, name)) as f:
        return f.read()


def device(address, alias, kind="hostdev", driver="vfio", guestbus=1):
    d, b, rest = address.split(":")
    s, f = rest.split(".")
    text = read(f"{kind}.xml.in")
    for k, v in (("@D@", d), ("@B@", b), ("@S@", s), ("@F@", f),
                 ("@ALIAS@", alias), ("@DRIVER@", driver),
                 ("@GUESTBUS@", "%02x" % guestbus)):
        text = text.replace(k, v)
    return text


def domain(name, uuid, devices=(), metadata=""):
    text = read("domain.xml.in")
    return (text.replace("@NAME@", name).replace("@UUID@", uuid)
            .replace("@METADATA@", metadata).replace("@DEVICES@", "".join(devices)))


def profile_metadata(h, vf):
    ok, data = h.manager("GetVirtualFunctionProfile", "s", vf)
    assert ok, data
    return data[0]


def metadata(h, pairs):
    """<vfmig:migration> for [(local vf whose profile to take, address the
    metadata names, alias)]: what a source host would have published."""
    devices = []
    for vf, address, alias in pairs:
        one = profile_metadata(h, vf)
        m = re.search(r"(<vfmig:device [^>]*>.*?</vfmig:device>)", one, re.S)
        assert m, one
        dev = re.sub(r'address="[^"]*"', f'address="{address}"', m.group(1), count=1)
        if alias:
            dev = dev.replace("<vfmig:device ", f'<vfmig:device alias="{alias}" ', 1)
        devices.append(dev)
    head = '<vfmig:migration xmlns:vfmig="http://vfmig.org/xmlns/domain/1.0">'
    return head + "".join(devices) + "</vfmig:migration>"


DBUSCALL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dbuscall.py")


def call(h, method, *args, user=None, path=vt.ROOT_PATH, iface=vt.MANAGER):
    """A call through dbuscall.py: {"ok", "result"} or {"ok", "name", "message"}."""
    r = h.run(["/usr/bin/python3", DBUSCALL, h.address, path, iface, method,
               json.dumps(list(args))], user=user)
    assert r.returncode == 0 and r.stdout.strip(), r.stderr
    return json.loads(r.stdout)


def prepare(h, xml, user=None):
    """PrepareIncoming: the reply dict; result is [xml, object path]."""
    return call(h, "PrepareIncoming", xml, user=user)


def snapshot(h):
    """What must not change on a refusal: pool (as the bus shows it), the
    journal's bytes, and every VF's driver in sysfs."""
    journal = None
    if os.path.exists(h.journal_path):
        with open(h.journal_path, "rb") as f:
            journal = f.read()
    drivers = {}
    for pf in ("0000:3b:00.0", "0000:5e:00.0", "0000:af:00.0"):
        for vf in h.vf_addresses(pf):
            drivers[vf] = h.driver_of(vf)
    return h.list_vfs(), journal, drivers


def migration_props(h, path):
    props = {}
    for p in ("Id", "Role", "Phase", "DomainUUID", "DomainName", "Devices",
              "PhaseTimes", "Started", "Finished", "Error"):
        props[p] = h.get_property(path, MIGRATION_IFACE, p)
    return props


def list_migrations(h, user=None):
    ok, data = h.manager("ListMigrations", user=user)
    assert ok, data
    return data[0]


class Monitor:
    """gdbus monitor on the service, read after the fact."""

    def __init__(self, h):
        self.path = os.path.join(h.dir, "monitor.log")
        self.f = open(self.path, "w")
        self.p = subprocess.Popen(["gdbus", "monitor", "--address", h.address,
                                   "--dest", vt.BUS_NAME],
                                  stdout=self.f, stderr=subprocess.STDOUT)
        h.wait_until(lambda: "Monitoring signals" in self.text(), "gdbus monitor")

    def text(self):
        with open(self.path) as f:
            return f.read()

    def wait_text(self, want, h, timeout=10.0):
        h.wait_until(lambda: all(w in self.text() for w in want),
                     f"signals {want}", timeout=timeout)
        return self.text()

    def stop(self):
        self.p.terminate()
        self.p.wait(10)
        self.f.close()
