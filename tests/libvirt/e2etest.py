"""Harness of the libvirt suite: two hypervisor hosts on one machine, each
made of the real parts (docs/testing.md, "The libvirt suite").

Each host is a set of namespaces (`unshare -m -n -u`, held open by a
`sleep` whose PID every other process of the host enters with nsenter):
- its own network namespace, joined to the other host by a veth pair whose
  addresses exist only there (libvirt's qemu+tcp and the migration stream
  run over it);
- private bind mounts of /run, /etc/libvirt, /var/lib/libvirt,
  /var/log/libvirt and /var/cache/libvirt (directories of the test);
- a fresh sysfs with the host's fake PCI tree (tests/fakehost) bound over
  /sys/bus/pci, /sys/devices/pci0000:00 and /sys/kernel/iommu_groups, so
  libvirtd checks the very VFs the agent manages;
- /dev as an overlay of the machine's /dev with an empty /dev/vfio/vfio
  (libvirt's "can this host do VFIO" test; QEMU never opens it);
- a system dbus-daemon at the default socket path with the project's bus
  policy, and polkitd seeing the project's action file;
- the fake kernel, vfmigd (on the fake tree, talking to this host's
  libvirtd), the project's libvirt hook installed before libvirtd starts,
  and libvirtd itself.

Domains boot Debian's kernel into a busybox initramfs under TCG; their
<emulator> is tests/libvirt/qemu-novfio, QEMU without the vfio-pci devices.

Every process is stopped by its PID: guests destroyed first, then SIGTERM
with a SIGKILL fallback. On a failure the logs of both hosts are printed.
Not root: skip (77). A missing program or kernel image: failure (they are
what tools/install-deps installs).
"""

import atexit
import ctypes
import glob
import gzip
import io
import os
import re
import resource
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
import unittest
import uuid as uuidlib
import xml.etree.ElementTree as ET

import vfmigtest as vt

SRCDIR = vt.SRCDIR
HERE = os.path.join(SRCDIR, "tests", "libvirt")
# The build-tree hook (hooks/libvirt/qemu.d/meson.build), which runs the
# build's vfmigctl.
HOOK_SRC = os.environ.get("VFMIG_LIBVIRT_HOOK", "")
EMULATOR = os.path.join(HERE, "qemu-novfio")
GUEST_INIT = os.path.join(HERE, "guest-init")
DOMAIN_XML = os.path.join(SRCDIR, "tests/data/libvirt/domain.xml.in")
CACHE = os.environ.get("VFMIG_CACHE", "/var/cache/vfmig")
# libvirt's QEMU capability cache, carried from one host to the next (the
# probe costs seconds of CPU per libvirtd; libvirt itself re-probes when the
# cache is stale: another QEMU, libvirt or kernel).
CAPS_CACHE = os.environ.get("VFMIG_LIBVIRT_CAPS_CACHE", "")
LIBVIRTD = "/usr/sbin/libvirtd"
QEMU = "/usr/bin/qemu-system-x86_64"
BUSYBOX = "/bin/busybox"
SKIP = 77
VFMIG_NS = "http://vfmig.org/xmlns/domain/1.0"
MIGRATION_IFACE = "org.vfmig.Agent1.Migration"
MIGRATION_PATH = vt.ROOT_PATH + "/migration/"
FINAL_PHASES = ("completed", "failed", "refused")
# A destination VF while the migration is in flight: reserved by the
# migrate hook, a claim of the domain from its prepare hook on
# (agent-domain.h: "the domain's own reservations become claims").
INCOMING_STATES = ("reserved", "claimed")

# Everything the hosts are made of; install-deps installs all of it.
PROGRAMS = [LIBVIRTD, QEMU, vt.POLKITD, BUSYBOX]
COMMANDS = ["virsh", "virt-admin", "dbus-daemon", "busctl", "gdbus",
            "unshare", "nsenter", "ip", "mount"]


_LIBC = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL if the test process dies, so an
    aborted run leaves no namespace holder behind (QEMU, which libvirtd
    starts, is destroyed by the teardown, also at exit)."""
    _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


# Pairs not closed yet: closed at exit too, so that a test stopped by meson's
# timeout (SIGTERM) still destroys its guests (QEMU outlives libvirtd).
_OPEN_PAIRS = []


def _close_open_pairs():
    for pair in list(_OPEN_PAIRS):
        pair.close()


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


atexit.register(_close_open_pairs)


def kernel_image():
    found = sorted(glob.glob(os.path.join(CACHE, "kernel-6.12", "root",
                                          "boot", "vmlinuz-*")))
    return found[-1] if found else None


def require():
    """Skips without root, fails when a part is missing."""
    if os.geteuid() != 0:
        print("SKIP: the libvirt suite needs root (namespaces, mounts)")
        sys.exit(SKIP)
    missing = [p for p in PROGRAMS if not os.access(p, os.X_OK)]
    missing += [c for c in COMMANDS if not shutil.which(c)]
    for prog in (vt.VFMIGD, vt.VFMIGCTL, vt.FAKEKERNEL, vt.MKFAKEHOST):
        if not prog or not os.access(prog, os.X_OK):
            missing.append(prog or "(unset)")
    if not kernel_image():
        missing.append(f"{CACHE}/kernel-6.12/root/boot/vmlinuz-*")
    if not HOOK_SRC or not os.access(HOOK_SRC, os.X_OK):
        missing.append(HOOK_SRC or "VFMIG_LIBVIRT_HOOK (the build's hook)")
    if missing:
        print("FAIL: missing (run tools/install-deps and build first): "
              + ", ".join(missing))
        sys.exit(1)


# -- the guest ---------------------------------------------------------------
def _is_static(path):
    """An ELF file without a PT_INTERP program header."""
    with open(path, "rb") as f:
        data = f.read(1 << 16)
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return False
    phoff = int.from_bytes(data[32:40], "little")
    phentsize = int.from_bytes(data[54:56], "little")
    phnum = int.from_bytes(data[56:58], "little")
    for i in range(phnum):
        off = phoff + i * phentsize
        if int.from_bytes(data[off:off + 4], "little") == 3:  # PT_INTERP
            return False
    return True


def make_initramfs(path):
    """A gzip'ed newc cpio: busybox (static), /init, /dev/console."""
    bb = os.path.realpath(BUSYBOX)
    if not _is_static(bb):
        raise RuntimeError(f"{bb} is not static (install busybox-static)")
    out = io.BytesIO()
    ino = [100]

    def entry(name, mode, data=b"", rdev=(0, 0)):
        ino[0] += 1
        nb = name.encode() + b"\0"
        fields = [ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(nb), 0]
        hdr = b"070701" + b"".join(b"%08x" % v for v in fields)
        out.write(hdr + nb)
        out.write(b"\0" * ((4 - (len(hdr) + len(nb)) % 4) % 4))
        out.write(data)
        out.write(b"\0" * ((4 - len(data) % 4) % 4))

    for d in ("bin", "dev", "proc", "sys", "tmp"):
        entry(d, 0o040755)
    entry("dev/console", 0o020600, rdev=(5, 1))
    with open(bb, "rb") as f:
        entry("bin/busybox", 0o100755, f.read())
    entry("bin/sh", 0o120777, b"busybox")
    with open(GUEST_INIT, "rb") as f:
        entry("init", 0o100755, f.read())
    entry("TRAILER!!!", 0)
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(out.getvalue())


def address_xml(address):
    """A host PCI address as libvirt writes it in <source>."""
    dom, bus, slot_fn = address.split(":")
    slot, fn = slot_fn.split(".")
    return (f"<address domain='0x{dom}' bus='0x{bus}' slot='0x{slot}' "
            f"function='0x{fn}'/>")


def hostdev_xml(address):
    return (f"    <hostdev mode='subsystem' type='pci' managed='no'>\n"
            f"      <source>{address_xml(address)}</source>\n"
            f"    </hostdev>")


def memtune_xml():
    hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)[1]
    if hard == resource.RLIM_INFINITY:
        return ""
    return (f"  <memtune>\n    <hard_limit unit='KiB'>{hard // 1024}"
            f"</hard_limit>\n  </memtune>")


def pci_address(el):
    """The dddd:bb:ss.f of an <address> element."""
    return "%04x:%02x:%02x.%x" % tuple(int(el.get(k), 16) for k in
                                        ("domain", "bus", "slot", "function"))


def hostdev_addresses(xml_text):
    root = ET.fromstring(xml_text)
    return [pci_address(a) for a in root.findall(
        "./devices/hostdev[@type='pci']/source/address")]


def vfmig_metadata(xml_text):
    """[(alias, address)] of our <vfmig:migration> metadata, or None when
    the domain has none."""
    devs = vfmig_metadata_profiles(xml_text)
    return None if devs is None else [(a, addr) for a, addr, _ in devs]


def vfmig_metadata_profiles(xml_text):
    """[(alias, address, {profile attributes})] of our metadata, or None."""
    root = ET.fromstring(xml_text)
    mig = root.find(f"./metadata/{{{VFMIG_NS}}}migration")
    if mig is None:
        return None
    out = []
    for d in mig.findall(f"{{{VFMIG_NS}}}device"):
        prof = d.find(f"{{{VFMIG_NS}}}profile")
        out.append((d.get("alias"), d.get("address"),
                    dict(prof.attrib) if prof is not None else {}))
    return out


# -- one host ----------------------------------------------------------------
class LibvirtHost(vt.Host):
    """A hypervisor host in its own namespaces. The D-Bus helpers of
    vt.Host (call, get_property, vf_state, list_vfs, ...) work from outside
    through the bus socket's path in the host's /run directory."""

    def __init__(self, name, ip, pfs, config="", mkfakehost_args=(),
                 hook=True, agent=True):
        super().__init__(pfs=pfs, config=config, polkit=True,
                         mkfakehost_args=mkfakehost_args, start_agent=agent)
        self.name = name
        self.ip = ip
        self.with_hook = hook
        self.holder = None
        self.libvirtd = None
        self.host_uuid = str(uuidlib.uuid4())

    # -- bring-up -----------------------------------------------------------
    def start_namespaces(self, topdir):
        """First half of the bring-up: the fake tree, the fake kernel and
        the namespaces with their mounts (the network has only lo)."""
        self.dir = os.path.join(topdir, self.name)
        os.makedirs(self.dir)
        self.root = os.path.join(self.dir, "root")
        self.sysfs = os.path.join(self.root, "sys")
        self.state_dir = os.path.join(self.dir, "state")
        self.config_path = os.path.join(self.dir, "vfmig.conf")
        self.logdir = os.path.join(self.dir, "logs")
        for d in ("logs", "run/dbus", "run/libvirt", "etc/hooks/qemu.d",
                  "lib/qemu", "log/qemu", "cache/qemu", "dev-upper",
                  "dev-work", "pts", "polkit-rules", "bus.d"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        self.bus_socket = os.path.join(self.dir, "run/dbus/system_bus_socket")
        self.address = f"unix:path={self.bus_socket}"
        self._make_tree()
        self._namespaces()

    def finish_start(self):
        """Second half: bus, polkit, the hook, libvirtd, then the agent
        (once its libvirt connection is seen from libvirtd's side)."""
        self._start_bus()
        self._start_polkit()
        with open(self.config_path, "w") as f:
            f.write(self.config)
        self._write_libvirt_config()
        if self.with_hook:
            self.install_hook()
        self.start_libvirtd()
        if self.start_agent_now:
            self.start_agent()
            self.wait_agent_connected()

    def ns(self, argv):
        return ["nsenter", "-t", str(self.holder.pid), "-m", "-n", "-u",
                "--"] + list(argv)

    def in_ns(self, argv, check=True, timeout=60):
        r = subprocess.run(self.ns(argv), capture_output=True, text=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"{self.name}: {' '.join(argv)}: "
                               f"{r.stderr.strip()}")
        return r

    def _spawn(self, name, argv, env=None, ns=False):
        if ns:
            argv = self.ns(argv)
        p = vt.Proc(argv, os.path.join(self.logdir, f"{name}.log"), env=env,
                    preexec_fn=_die_with_parent)
        self.procs.append(p)
        return p

    def _make_tree(self):
        argv = [vt.MKFAKEHOST, "--root", self.root]
        for pf in self.pfs:
            argv += ["--pf", pf]
        argv += self.mkfakehost_args
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        ready = os.path.join(self.dir, "fk.ready")
        self.fakekernel = self._spawn("fakekernel", [
            vt.FAKEKERNEL, "--root", self.root, "--pidfile", ready])
        self._wait_file(ready, self.fakekernel)

    def _namespaces(self):
        self.holder = self._spawn("namespace", [
            "unshare", "--mount", "--net", "--uts", "--propagation",
            "private", "sleep", "infinity"])
        # unshare execs sleep once the namespaces exist.
        self.wait_until(lambda: os.readlink(f"/proc/{self.holder.pid}/ns/net")
                        != os.readlink("/proc/self/ns/net"),
                        f"{self.name}'s namespaces", timeout=10)
        d = self.dir
        script = f"""set -e
hostname {self.name}
mount --bind {d}/run /run
mount --bind {d}/etc /etc/libvirt
mount --bind {d}/lib /var/lib/libvirt
mount --bind {d}/log /var/log/libvirt
mount --bind {d}/cache /var/cache/libvirt
# A sysfs of this network namespace, showing the host's fake PCI tree
# where libvirt looks (/sys/bus/pci, its devices' realpaths, their IOMMU
# groups): libvirt checks the VFs the agent binds, and only those.
mount -t sysfs sysfs /sys
mount --bind {self.sysfs}/bus/pci /sys/bus/pci
mount --bind {self.sysfs}/devices/pci0000:00 /sys/devices/pci0000:00
mount --bind {self.sysfs}/kernel/iommu_groups /sys/kernel/iommu_groups
# /dev: the machine's nodes, plus /dev/vfio/vfio that libvirt wants to
# see before it takes a VFIO hostdev (an empty file: QEMU never opens it).
mount --bind /dev/pts {d}/pts
mount -t overlay overlay -o lowerdir=/dev,upperdir={d}/dev-upper,workdir={d}/dev-work /dev
mount --move {d}/pts /dev/pts
mount -t tmpfs shm /dev/shm
mkdir -p /dev/vfio
: > /dev/vfio/vfio
ip link set lo up
"""
        self.in_ns(["sh", "-c", script])

    def _start_bus(self):
        shutil.copy(os.path.join(SRCDIR, "policy/org.vfmig.Agent1.conf"),
                    os.path.join(self.dir, "bus.d"))
        polkit_conf = "/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf"
        if os.path.exists(polkit_conf):
            shutil.copy(polkit_conf, os.path.join(self.dir, "bus.d"))
        conf = os.path.join(self.dir, "bus.conf")
        with open(vt.BUS_CONF) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace("@SOCKET@", "/run/dbus/system_bus_socket")
                    .replace("@POLICYDIR@", os.path.join(self.dir, "bus.d")))
        self.bus = self._spawn("dbus-daemon", [
            "dbus-daemon", "--nofork", "--nosyslog", f"--config-file={conf}"],
            ns=True)
        self._wait_file(self.bus_socket, self.bus)

    def _start_polkit(self):
        actions = os.path.join(self.dir, "polkit-actions")
        shutil.copytree("/usr/share/polkit-1/actions", actions)
        shutil.copy(os.path.join(SRCDIR, "policy/org.vfmig.policy"), actions)
        rules = os.path.join(self.dir, "polkit-rules")
        os.chmod(rules, 0o755)
        self.in_ns(["sh", "-c",
                    f"mount --bind {actions} /usr/share/polkit-1/actions && "
                    f"mount --bind {rules} /etc/polkit-1/rules.d"])
        self.polkitd = self._spawn("polkitd", [vt.POLKITD, "--no-debug"],
                                   ns=True)
        self.wait_until(lambda: "org.freedesktop.PolicyKit1" in
                        self.list_names(), f"polkitd on {self.name}'s bus")

    def _write_libvirt_config(self):
        etc = os.path.join(self.dir, "etc")
        with open(os.path.join(etc, "libvirtd.conf"), "w") as f:
            f.write(f"""listen_tls = 0
listen_tcp = 1
listen_addr = "{self.ip}"
auth_tcp = "none"
auth_unix_ro = "none"
auth_unix_rw = "none"
host_uuid = "{self.host_uuid}"
keepalive_interval = 2
log_filters = "1:util.hook 1:qemu.qemu_migration 1:qemu.qemu_hostdev 1:hypervisor.virhostdev 1:util.pci 3:qemu.qemu_monitor 3:qemu.qemu_monitor_json 3:qemu.qemu_capabilities 3:qemu.qemu_process 2:qemu 3:util 3:rpc 3:event"
log_outputs = "1:file:/var/log/libvirt/libvirtd.log"
""")
        # What libvirtd needs to run here (RIG.md): root, no cgroups of its
        # own (two daemons would collide in the machine's tree), no
        # per-domain mount namespaces, no security driver. Migration data
        # goes to this host's veth address, not to its hostname.
        with open(os.path.join(etc, "qemu.conf"), "w") as f:
            f.write(f"""user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
migration_host = "{self.ip}"
migration_address = "{self.ip}"
""")

    def install_hook(self):
        """The project's hook, as built (it runs the build's vfmigctl), in
        this host's /etc/libvirt/hooks/qemu.d: libvirtd reads its hooks
        only when it starts."""
        dst = os.path.join(self.dir, "etc/hooks/qemu.d/50-vfmig")
        shutil.copy(HOOK_SRC, dst)
        os.chmod(dst, 0o755)

    def _caps_dir(self):
        return os.path.join(self.dir, "cache/qemu/capabilities")

    def _load_caps_cache(self):
        if CAPS_CACHE and os.path.isdir(CAPS_CACHE):
            os.makedirs(self._caps_dir(), exist_ok=True)
            for f in glob.glob(os.path.join(CAPS_CACHE, "*.xml")):
                shutil.copy(f, self._caps_dir())

    def _save_caps_cache(self):
        if not CAPS_CACHE:
            return
        os.makedirs(CAPS_CACHE, exist_ok=True)
        for f in glob.glob(os.path.join(self._caps_dir(), "*.xml")):
            tmp = os.path.join(CAPS_CACHE, "." + os.path.basename(f))
            shutil.copy(f, tmp)
            os.replace(tmp, os.path.join(CAPS_CACHE, os.path.basename(f)))

    def start_libvirtd(self):
        self._load_caps_cache()
        sock = os.path.join(self.dir, "run/libvirt/libvirt-sock")
        if os.path.exists(sock):
            os.unlink(sock)
        self.libvirtd = self._spawn("libvirtd", [
            LIBVIRTD, "--listen", "-f", "/etc/libvirt/libvirtd.conf"],
            ns=True)
        self._wait_file(sock, self.libvirtd)
        self.wait_until(lambda: self.virsh("uri").returncode == 0,
                        f"libvirtd on {self.name}")

    def stop_libvirtd(self, sig=signal.SIGTERM):
        """Leaves the guests running (libvirtd does not stop them)."""
        p = self.libvirtd
        p.p.send_signal(sig)
        try:
            p.p.wait(30)
        except subprocess.TimeoutExpired:
            p.p.kill()
            p.p.wait()
        p.log.close()
        self.procs.remove(p)
        self.libvirtd = None

    def restart_libvirtd(self):
        self.stop_libvirtd()
        self.start_libvirtd()

    def agent_argv(self, extra=()):
        # The default system bus and qemu:///system are this host's own.
        return self.ns([vt.VFMIGD, "--sysfs-root", self.sysfs, "--state-dir",
                        self.state_dir, "--config", self.config_path,
                        *extra])

    def agent_libvirt_clients(self):
        """PIDs of libvirtd's clients (virt-admin), to see the agent's
        connection from libvirtd's side."""
        r = self.in_ns(["virt-admin", "srv-clients-list", "libvirtd"],
                       check=False)
        pids = []
        for line in r.stdout.splitlines():
            f = line.split()
            if not f or not f[0].isdigit():
                continue
            info = self.in_ns(["virt-admin", "client-info", "libvirtd", f[0]],
                              check=False).stdout
            m = re.search(r"unix_process_id\s*:\s*(\d+)", info)
            if m:
                pids.append(int(m.group(1)))
        return pids

    def wait_agent_connected(self, timeout=40):
        """Until vfmigd holds a connection to this host's libvirtd."""
        self.wait_until(lambda: self.agent.pid in self.agent_libvirt_clients(),
                        f"vfmigd connected to libvirtd on {self.name}",
                        timeout=timeout)

    # -- teardown -------------------------------------------------------------
    def close(self):
        if self.holder is not None and self.holder.alive():
            if self.libvirtd is not None and self.libvirtd.alive():
                for dom in self.domains():
                    self.virsh("destroy", dom, timeout=60)
            # QEMU processes of this host that libvirt could not stop
            # (driver.pid is libvirtd's own).
            for pidfile in glob.glob(os.path.join(self.dir, "run/libvirt/qemu/*.pid")):
                if os.path.basename(pidfile) == "driver.pid":
                    continue
                try:
                    with open(pidfile) as f:
                        pid = int(f.read().strip())
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        if b"qemu-system" not in f.read():
                            continue
                    os.kill(pid, signal.SIGKILL)
                except (OSError, ValueError):
                    pass
        for p in reversed(self.procs):
            if p is self.libvirtd:
                p.stop(timeout=30)
            else:
                p.stop()
        self.procs.clear()
        if self.holder is not None:
            self._save_caps_cache()
        if self.notify:
            self.notify.close()
            self.notify = None

    # -- libvirt --------------------------------------------------------------
    def virsh(self, *args, timeout=180):
        return self.in_ns(["virsh", "-q", "-c", "qemu:///system", *args],
                          check=False, timeout=timeout)

    def domains(self):
        r = self.virsh("list", "--name")
        return [n for n in r.stdout.split() if n]

    def dumpxml(self, name):
        r = self.virsh("dumpxml", name)
        if r.returncode != 0:
            raise RuntimeError(f"{self.name}: dumpxml {name}: {r.stderr}")
        return r.stdout

    def domstate(self, name):
        r = self.virsh("domstate", name)
        return r.stdout.strip() if r.returncode == 0 else None

    def _read_log(self, name):
        try:
            with open(os.path.join(self.dir, "log/qemu", name),
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def serial_log(self, name):
        return self._read_log(f"{name}.serial")

    def qemu_log(self, name):
        return self._read_log(f"{name}.log")

    # -- the agent's view -------------------------------------------------------
    def vf_info(self, vf):
        """(state, owner_uuid) of a VF as the agent reports it."""
        row = self.list_vfs()[vf]
        return row[6], row[7]

    def migrations(self):
        """[{id, object, role, phase, uuid, name}] from ListMigrations."""
        ok, data = self.manager("ListMigrations")
        if not ok:
            raise RuntimeError(f"{self.name}: ListMigrations: {data}")
        return [dict(object=o, id=int(i), role=r, phase=p, uuid=u, name=n)
                for o, i, r, p, u, n in data[0]]

    def owned_by(self, vf, dom_uuid, states=("claimed", "assigned")):
        state, owner = self.vf_info(vf)
        return state in states and owner == dom_uuid

    def migration_of(self, dom_uuid, role):
        """The newest Migration of this domain in this role, or None."""
        found = [m for m in self.migrations()
                 if m["uuid"] == dom_uuid and m["role"] == role]
        return max(found, key=lambda m: m["id"]) if found else None

    def wait_migration(self, dom_uuid, role, phases, timeout=60):
        """Until the newest Migration of the domain in role is in one of
        phases; returns its properties."""
        if isinstance(phases, str):
            phases = (phases,)

        def reached():
            m = self.migration_of(dom_uuid, role)
            return m if m and m["phase"] in phases else None
        m = wait_for(reached, f"{self.name}: {role} migration of {dom_uuid} "
                     f"in {'/'.join(phases)}", timeout=timeout)
        return self.migration_props(m["object"])

    def resets(self, vf):
        """Function resets the fake kernel recorded for a VF."""
        try:
            with open(os.path.join(self.root, ".fakehost/resets", vf)) as f:
                return len(f.read().splitlines())
        except FileNotFoundError:
            return 0

    def monitor_signals(self):
        """Starts recording the agent's signals (gdbus monitor); stop() it
        to get [(object path, member, args text)]."""
        return SignalLog(self)

    def migration_props(self, obj):
        return {name: self.get_property(obj, MIGRATION_IFACE, name)
                for name in ("Id", "Role", "Phase", "DomainUUID",
                             "DomainName", "Devices", "PhaseTimes",
                             "Started", "Finished", "Error")}

    def dump_logs(self):
        sys.stderr.write(f"==== host {self.name} ({self.dir}) ====\n")
        paths = sorted(glob.glob(os.path.join(self.logdir, "*.log")))
        paths += sorted(glob.glob(os.path.join(self.dir, "log/qemu/*")))
        paths.append(os.path.join(self.dir, "log/libvirtd.log"))
        for p in self.procs:
            try:
                p.log.flush()
            except (OSError, ValueError):
                pass
        for path in paths:
            try:
                with open(path, errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            if path.endswith("/log/libvirtd.log"):
                # Its errors, warnings and hook runs; the rest is too much.
                text = "\n".join(line for line in text.splitlines()
                                 if " error : " in line
                                 or " warning : " in line
                                 or "virHook" in line)
            sys.stderr.write(f"---- {path} ----\n{text[-8000:]}\n")


class SignalLog:
    """`gdbus monitor` on a host's bus for org.vfmig.Agent1's signals."""
    LINE = re.compile(r"^(/\S*): ([\w.]+)\.(\w+) \((.*)\)$")

    def __init__(self, host):
        self.path = os.path.join(host.dir, f"signals-{time.monotonic_ns()}.log")
        self.out = open(self.path, "w")
        self.p = subprocess.Popen(
            ["gdbus", "monitor", "--address", host.address, "--dest",
             vt.BUS_NAME], stdout=self.out, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent)
        # gdbus prints nothing when it is ready; give it its round trips.
        time.sleep(0.5)

    def stop(self):
        time.sleep(0.5)   # signals of the last change still on their way
        self.p.terminate()
        self.p.wait()
        self.out.close()
        with open(self.path) as f:
            lines = f.read().splitlines()
        out = []
        for line in lines:
            m = self.LINE.match(line.strip())
            if m:
                out.append((m.group(1), f"{m.group(2)}.{m.group(3)}",
                            m.group(4)))
        return out


def phase_changes(signals, obj):
    """[(old, new)] of one Migration object's PhaseChanged signals."""
    out = []
    for path, member, args in signals:
        if path == obj and member == MIGRATION_IFACE + ".PhaseChanged":
            out.append(tuple(re.findall(r"'([^']*)'", args)))
    return out


# -- two hosts ---------------------------------------------------------------
class Pair:
    """Hosts a (10.77.0.1) and b (10.77.0.2) joined by a veth pair. Use as
    a context manager; the logs of both are printed when the body fails."""

    def __init__(self, a_pfs, b_pfs, a_config="", b_config="",
                 a_fake=(), b_fake=(), hook=True, agent=True):
        self.a = LibvirtHost("hosta", "10.77.0.1", a_pfs, a_config, a_fake,
                             hook=hook, agent=agent)
        self.b = LibvirtHost("hostb", "10.77.0.2", b_pfs, b_config, b_fake,
                             hook=hook, agent=agent)
        self.domains = {}

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="vfmig-lv-")
        os.chmod(self.dir, 0o755)
        _OPEN_PAIRS.append(self)
        try:
            self.initrd = os.path.join(self.dir, "initramfs.gz")
            make_initramfs(self.initrd)
            self._start_hosts()
        except BaseException:
            self.dump_logs()
            self.close()
            raise
        return self

    def _start_hosts(self):
        # Namespaces of both first, so the veth pair can join them before
        # libvirtd binds its listen address.
        for h in (self.a, self.b):
            h.start_namespaces(self.dir)
        self.a.in_ns(["ip", "link", "add", "veth-a", "type", "veth", "peer",
                      "name", "veth-b", "netns", str(self.b.holder.pid)])
        for h, dev in ((self.a, "veth-a"), (self.b, "veth-b")):
            h.in_ns(["sh", "-c", f"ip addr add {h.ip}/24 dev {dev} && "
                     f"ip link set {dev} up"])
        for h in (self.a, self.b):
            h.finish_start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.dump_logs()
        self.close()
        return False

    def dump_logs(self):
        for h in (self.a, self.b):
            try:
                h.dump_logs()
            except Exception as e:  # a log we could not print is no reason to hide the others
                sys.stderr.write(f"(logs of {h.name}: {e})\n")

    def close(self):
        if self in _OPEN_PAIRS:
            _OPEN_PAIRS.remove(self)
        for h in (self.a, self.b):
            try:
                h.close()
            except Exception as e:
                sys.stderr.write(f"teardown of {h.name}: {e}\n")
        if os.environ.get("VFMIG_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            sys.stderr.write(f"kept {self.dir}\n")

    # -- domains --------------------------------------------------------------
    def domain_xml(self, name, vfs, dirty=False):
        dom_uuid = str(uuidlib.uuid4())
        with open(DOMAIN_XML) as f:
            text = f.read()
        text = text[text.index("<domain"):]
        xml = string.Template(text).substitute(
            name=name, uuid=dom_uuid, memtune=memtune_xml(),
            kernel=kernel_image(), initrd=self.initrd,
            cmdline="vfmig.dirty=1" if dirty else "",
            emulator=EMULATOR,
            hostdevs="\n".join(hostdev_xml(v) for v in vfs))
        self.domains[name] = dom_uuid
        return xml, dom_uuid

    def create(self, host, name, vfs, dirty=False):
        """virsh create (transient) on host; returns (result, uuid)."""
        xml, dom_uuid = self.domain_xml(name, vfs, dirty)
        path = os.path.join(self.dir, f"{name}.xml")
        with open(path, "w") as f:
            f.write(xml)
        return host.virsh("create", path), dom_uuid

    def wait_guest_up(self, host, name, timeout=120):
        host.wait_until(lambda: "vfmig-e2e: guest up" in host.serial_log(name),
                        f"guest {name} booted on {host.name}", timeout=timeout)

    def migrate(self, src, dst, name, *extra, timeout=180):
        return src.virsh("migrate", "--live", *extra, name,
                         f"qemu+tcp://{dst.ip}/system", timeout=timeout)

    @staticmethod
    def wait_transfer(src, name, timeout=60):
        """Until the source's job has sent guest memory: the destination's
        prepare phase (its migrate/prepare/start/started hooks, QEMU
        started for the incoming stream) is over by then, so killing or
        aborting now hits the transfer itself."""
        def sent():
            r = src.virsh("domjobinfo", name)
            m = re.search(r"^Memory processed:\s+([\d.]+)\s+(\S+)",
                          r.stdout, re.M)
            return m is not None and float(m.group(1)) > 0
        wait_for(sent, f"{src.name}: memory of {name} on its way",
                 timeout=timeout)

    def migrate_async(self, src, dst, name, *extra):
        argv = src.ns(["virsh", "-q", "-c", "qemu:///system", "migrate",
                       "--live", *extra, name, f"qemu+tcp://{dst.ip}/system"])
        return subprocess.Popen(argv, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                preexec_fn=_die_with_parent)


def wait_for(pred, what, timeout=30.0, interval=0.1):
    """Polls pred until it returns something true; returns that."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
        except Exception as e:  # a host still settling: try again
            last = e
        else:
            if last:
                return last
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what} (last: {last!r})")


# -- the scenarios' common set-up ------------------------------------------------
# The PFs sit on bus 00 (the only root bus whose directory exists in the
# machine's sysfs to mount over); the two hosts use different slots, so
# every migrated hostdev must be rewritten to exist on the destination.
PF_A = "0000:00:04.0"
PF_B = "0000:00:06.0"
# The production default (vfmig.conf's default-driver): libvirt takes a VF
# on it for a VFIO device by its vfio-dev/ directory, which the fake kernel
# makes on bind like the kernel does.
VFIO_DRIVER = "vfmig_virtio_pci"
# What the fake variant driver shows as a virtio-net VF's offered features
# (tests/fakehost/fakehost.py, VFMIG_FEATURES).
NET_FEATURES = 0x000000230043802b
VIRTIO_NET_F_MQ = 1 << 22


def agent_config(pf, num_vfs=4, driver=VFIO_DRIVER, lease=120):
    return (f"[agent]\ndefault-driver={driver}\nbind-on-claim=true\n"
            f"reservation-lease-sec={lease}\n\n[pf {pf}]\n"
            f"num-vfs={num_vfs}\n")


class PairTest(unittest.TestCase):
    """One pair of hosts for all tests of the class, agents and hook on."""
    A_PFS = [f"{PF_A},type=net,total=4,num=4"]
    B_PFS = [f"{PF_B},type=net,total=4,num=4"]
    A_CONFIG = agent_config(PF_A)
    B_CONFIG = agent_config(PF_B)

    @classmethod
    def setUpClass(cls):
        cls.pair = Pair(cls.A_PFS, cls.B_PFS, cls.A_CONFIG, cls.B_CONFIG)
        cls.pair.__enter__()
        cls.a, cls.b = cls.pair.a, cls.pair.b
        cls.a_vfs = cls.a.vf_addresses(PF_A)
        cls.b_vfs = cls.b.vf_addresses(cls.B_PFS[0].split(",")[0])

    @classmethod
    def tearDownClass(cls):
        cls.pair.__exit__(None, None, None)

    def run(self, result=None):
        # Both hosts' logs for every failing test, not only at set-up.
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            self.pair.dump_logs()
        return out

    def start_domain(self, name, vfs, host=None, dirty=False):
        host = host or self.a
        r, dom_uuid = self.pair.create(host, name, vfs, dirty=dirty)
        self.assertEqual(r.returncode, 0, f"virsh create {name}: {r.stderr}")
        self.pair.wait_guest_up(host, name)
        if vfs:
            # What a migration needs from the source: the profiles in the
            # live XML (the source gets no hook when a migration starts).
            wait_for(lambda: vfmig_metadata(host.dumpxml(name)),
                     f"{host.name}: vfmig metadata of {name}")
        return dom_uuid

    def _wait_vf(self, host, vf, pred, what, timeout=30):
        try:
            wait_for(lambda: pred(host.vf_info(vf)), what, timeout=timeout)
        except TimeoutError as e:
            self.fail(f"{e}; {vf} is (state, owner) {host.vf_info(vf)}")

    def wait_owned(self, host, vfs, dom_uuid, states=("claimed", "assigned")):
        for vf in vfs:
            self._wait_vf(host, vf, lambda i: i[0] in states and i[1] == dom_uuid,
                          f"{host.name}: {vf} {'/'.join(states)} by {dom_uuid}")

    def wait_free(self, host, vfs):
        for vf in vfs:
            self._wait_vf(host, vf, lambda i: i[0] == "free",
                          f"{host.name}: {vf} free")

    def assert_nothing_reserved(self, host):
        rows = host.list_vfs()
        busy = {a: (r[6], r[7]) for a, r in rows.items() if r[6] != "free"}
        self.assertEqual(busy, {}, f"{host.name}: VFs not free")


def main():
    require()
    signal.signal(signal.SIGTERM, _on_sigterm)
    unittest.main(verbosity=2)
