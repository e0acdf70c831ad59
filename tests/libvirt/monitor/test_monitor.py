#!/usr/bin/python3
"""The agent's libvirt monitor (agent/src/sys/libvirt-monitor.c) against a
real libvirtd, through monitor-probe (the monitor on its own GLib loop,
printing what it reports).

The test re-executes itself in private mount and network namespaces and
runs libvirtd there on private /run, /etc/libvirt, /var/lib/libvirt,
/var/log/libvirt and /var/cache/libvirt (RIG.md), so nothing of the
machine's own libvirt is seen or touched. The guest is a tiny TCG domain
with no disk (SeaBIOS finds nothing to boot and keeps running).

What it proves, in order:
  1. libvirtd absent when the monitor starts: it keeps retrying, and
     connects once libvirtd is there (0 running domains);
  2. lifecycle events: a started guest is reported as started-booted;
  3. metadata: a published element shows in `virsh dumpxml` under the
     vfmig namespace; publishing to a domain that does not exist fails
     with an error naming it;
  4. libvirtd restarted under the monitor: it reports the disconnection,
     reconnects by itself, and lists the running guest (with its
     metadata) for reconciliation; a libvirtd that stops answering
     (SIGSTOP) is given up by keepalive, and reconnected once it answers;
  5. a destroyed guest is reported as stopped-other; removing the
     metadata of a running guest works;
  6. migrations to a second libvirt host (its own mount and UTS
     namespaces, the same network namespace, each libvirtd listening on
     an address of its own): one aborted with domjobabort while the transfer runs is
     reported on the source as migration-iteration then migration-aborted
     (libvirt itself sends the source no event for it) and on the
     destination as started-migrated, stopped-failed; one that completes
     is reported as migration-iteration, suspended-migrated,
     stopped-migrated on the source (no migration-aborted) and
     started-migrated, resumed-migrated on the destination, where the
     published metadata arrived with the domain and is then replaced, as
     vfmigd does on resumed-migrated;
  6a'. a monitor that connects while a (slow) migration runs, as after an
     agent restart: the source lists the guest as running, the destination
     as incoming (paused for the migration); the source's watch started
     from the connected callback (libvirt_monitor_watch_migration, what
     vfmigd does for an unfinished outgoing record) reports nothing while
     the job runs, and migration-aborted after domjobabort; a watch
     started on connect for a guest with no job (an abort while the agent
     was away) reports migration-aborted at once;
  7. the monitor frees everything it registered with libvirt's loop.
Exit 77 (skip) without root or without libvirtd/QEMU.
"""

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid as uuidlib
import xml.etree.ElementTree as ET

PROBE = os.environ.get("MONITOR_PROBE", "")
LIBVIRTD = shutil.which("libvirtd") or "/usr/sbin/libvirtd"
VIRSH = shutil.which("virsh") or "/usr/bin/virsh"
QEMU = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"
URI = "qemu:///system"
NS = "http://vfmig.org/xmlns/domain/1.0"
SKIP = 77

QEMU_CONF = """\
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
"""

LIBVIRTD_CONF = """\
host_uuid = "{host_uuid}"
listen_tcp = 1
listen_tls = 0
listen_addr = "{address}"
tcp_port = "{tcp_port}"
auth_tcp = "none"
log_outputs = "1:file:{log}"
log_filters = "1:qemu.qemu_monitor 1:rpc 3:util 3:conf"
"""

# The guest boots the Debian kernel without a root file system, and waits
# after the panic (panic=0): its memory is not zero pages, so a migration
# limited to 1 MiB/s takes long enough to be aborted. Without that kernel
# the guest is SeaBIOS alone.
KERNEL = "/var/cache/vfmig/kernel-6.12/root/boot/vmlinuz-6.12.117+deb12-amd64"
OS_KERNEL = """<kernel>{kernel}</kernel>
      <cmdline>console=ttyS0 panic=0 quiet</cmdline>"""
DOMAIN_XML = """\
<domain type='qemu'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>{os_extra}</os>
  <devices>
    <emulator>{qemu}</emulator>
    <memballoon model='none'/>
    <serial type='null'/>
  </devices>
</domain>
"""


class Failure(Exception):
    pass


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def enter_namespaces():
    if os.geteuid() != 0:
        print("SKIP: needs root (namespaces, libvirtd)")
        sys.exit(SKIP)
    for prog in (LIBVIRTD, VIRSH, QEMU):
        if not os.access(prog, os.X_OK):
            print(f"SKIP: {prog} not installed")
            sys.exit(SKIP)
    if not PROBE or not os.access(PROBE, os.X_OK):
        print(f"FAIL: monitor-probe not built: {PROBE!r}")
        sys.exit(1)
    if os.environ.get("VFMIG_LVMON_IN_NS") == "1":
        return
    env = dict(os.environ, VFMIG_LVMON_IN_NS="1")
    os.execvpe("unshare", ["unshare", "--mount", "--net", "--uts", "--propagation",
                           "private", sys.executable] + sys.argv, env)


def domain_xml(name, guest):
    os_extra = OS_KERNEL.format(kernel=KERNEL) if os.path.exists(KERNEL) else ""
    return DOMAIN_XML.format(name=name, uuid=guest, qemu=QEMU, os_extra=os_extra)


def run(*args, check=True, timeout=60, input=None):
    p = subprocess.run(list(args), capture_output=True, text=True,
                       timeout=timeout, input=input)
    if check and p.returncode != 0:
        raise Failure(f"{' '.join(args)} failed ({p.returncode}): "
                      f"{p.stderr.strip() or p.stdout.strip()}")
    return p


class Host:
    """Private directories of one libvirt host, mounted over the real ones:
    the source in this process's own mount namespace, the destination in
    one more (mount and UTS) held open by a sleeping process and entered
    with nsenter. Both share this test's network namespace."""

    def __init__(self, name, tmp, address, tcp_port, separate=False):
        self.name = name
        self.address = address
        self.tmp = os.path.join(tmp, name)
        os.makedirs(self.tmp)
        self.tcp_port = tcp_port
        self.libvirtd = None
        self.holder = None
        self.prefix = []
        self.logfile = os.path.join(self.tmp, "libvirtd.log")
        self.conf = os.path.join(self.tmp, "libvirtd.conf")
        if separate:
            self.holder = subprocess.Popen(["unshare", "--mount", "--uts",
                                            "--propagation", "private",
                                            "sleep", "infinity"])
            # unshare execs sleep once the namespaces exist.
            deadline = time.monotonic() + 10
            while os.readlink(f"/proc/{self.holder.pid}/ns/mnt") == \
                    os.readlink("/proc/self/ns/mnt"):
                if time.monotonic() > deadline:
                    raise Failure("the namespace holder did not start")
                time.sleep(0.05)
            self.prefix = ["nsenter", "-t", str(self.holder.pid), "-m", "-u", "--"]

    def run(self, *args, **kw):
        return run(*self.prefix, *args, **kw)

    def setup(self):
        self.run("hostname", f"lvmon-{self.name}")
        self.run("mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/run")
        if not self.prefix:
            self.run("mount", "-t", "sysfs", "sysfs", "/sys")
        for d in ("/etc/libvirt", "/var/lib/libvirt", "/var/log/libvirt",
                  "/var/cache/libvirt"):
            src = os.path.join(self.tmp, d.strip("/").replace("/", "_"))
            os.makedirs(src)
            os.makedirs(d, exist_ok=True)
            self.run("mount", "--bind", src, d)
        # Written to the bound directories, visible in either namespace.
        etc = os.path.join(self.tmp, "etc_libvirt")
        os.makedirs(os.path.join(self.tmp, "var_log_libvirt", "qemu"))
        with open(os.path.join(etc, "qemu.conf"), "w") as f:
            # Migration streams go to this address, not to the host name
            # (libvirt refuses 127.x here).
            f.write(QEMU_CONF + f'migration_host = "{self.address}"\n')
        with open(self.conf, "w") as f:
            f.write(LIBVIRTD_CONF.format(host_uuid=uuidlib.uuid4(),
                                         log=self.logfile,
                                         address=self.address, tcp_port=self.tcp_port))

    def start_libvirtd(self):
        assert self.libvirtd is None
        out = open(os.path.join(self.tmp, "libvirtd.out"), "a")
        self.libvirtd = subprocess.Popen(self.prefix + [LIBVIRTD, "--listen", "-f", self.conf],
                                         stdout=out, stderr=out)
        out.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.libvirtd.poll() is not None:
                raise Failure(f"libvirtd exited ({self.libvirtd.returncode}); "
                              f"see {self.tmp}/libvirtd.out")
            if self.run(VIRSH, "-c", URI, "version", check=False,
                        timeout=30).returncode == 0:
                return
            time.sleep(0.1)
        raise Failure("libvirtd did not answer within 30 s")

    def stop_libvirtd(self):
        """SIGTERM with a timeout, SIGKILL as a fallback (RIG.md)."""
        p, self.libvirtd = self.libvirtd, None
        if not p:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            log("libvirtd ignored SIGTERM for 20 s, killing it")
            p.kill()
            p.wait()

    def virsh(self, *args, check=True):
        return self.run(VIRSH, "-c", URI, *args, check=check)

    def cleanup(self):
        if self.libvirtd:
            for name in self.virsh("list", "--name", check=False).stdout.split():
                self.virsh("destroy", name, check=False)
            self.stop_libvirtd()
        if self.holder:
            self.holder.kill()
            self.holder.wait()
            self.holder = None


class Probe:
    def __init__(self, host, watch_on_connect=None, name=None):
        self.name = name or host.name
        self.lines = queue.Queue()
        self.seen = []
        self.stderr = open(os.path.join(host.tmp, f"probe-{self.name}.err"), "w+")
        env = dict(os.environ, G_MESSAGES_DEBUG="all")
        extra = ["--watch-on-connect", watch_on_connect] if watch_on_connect else []
        self.p = subprocess.Popen(host.prefix + [PROBE, URI] + extra, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.stderr,
                                  text=True, env=env)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def expect(self, pattern, timeout=20, what=None):
        """The next line matching pattern; other lines are kept in seen."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f"no line matching {pattern!r} within {timeout} s "
                              f"({what or ''}); lines so far: {self.seen}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise Failure(f"monitor-probe exited while waiting for {pattern!r}; "
                              f"lines: {self.seen}; stderr: {self.stderr_text()[-2000:]}")
            self.seen.append(line)
            log(f"probe {self.name}: {line}")
            m = rx.search(line)
            if m:
                return m

    def none_within(self, pattern, seconds):
        try:
            m = self.expect(pattern, timeout=seconds)
        except Failure:
            return
        raise Failure(f"unexpected line {m.string!r}")

    def stderr_text(self):
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()

    def close(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
                raise Failure("monitor-probe did not exit within 20 s of EOF")
        while True:
            line = self.lines.get(timeout=5)
            if line is None:
                break
            self.seen.append(line)
            log(f"probe {self.name}: {line}")
        return self.p.returncode


def check_metadata(host, address):
    """Our element, and the device in it, in our namespace in the live XML,
    alone (a publish replaces)."""
    dump = host.virsh("dumpxml", "lvmon-guest").stdout
    root = ET.fromstring(dump)
    found = root.findall(f"metadata/{{{NS}}}migration")
    if len(found) != 1:
        raise Failure(f"{len(found)} vfmig metadata elements in the live XML:\n{dump}")
    devs = found[0].findall(f"{{{NS}}}device")
    if [d.get("address") for d in devs] != [address]:
        raise Failure(f"the metadata does not name {address} in our namespace:\n{dump}")
    got = host.virsh("metadata", "lvmon-guest", "--uri", NS, "--live").stdout
    if address not in got:
        raise Failure("virsh metadata does not return it: " + got)


def close_probe(probe):
    rc = probe.close()
    if rc != 0:
        raise Failure(f"monitor-probe ({probe.name}) exited {rc}: "
                      f"{probe.stderr_text()[-3000:]}")
    if "exit watches=0" not in probe.seen:
        raise Failure(f"watches left registered at exit: {probe.seen[-1:]}")
    err = probe.stderr_text()
    for bad in ("CRITICAL", "runtime error", "AddressSanitizer"):
        if bad in err:
            raise Failure(f"monitor-probe ({probe.name}) logged {bad}: {err[-3000:]}")


def events(probe, guest):
    return [line.split()[3] for line in probe.seen
            if line.startswith(f"event {guest} ")]


def scenario(src, dst):
    guest = str(uuidlib.uuid4())
    xml_path = os.path.join(src.tmp, "guest.xml")
    with open(xml_path, "w") as f:
        f.write(domain_xml("lvmon-guest", guest))

    log("1. the monitor starts while libvirtd is absent")
    probe = Probe(src)
    probe.none_within(r"^connected", 2.5)
    probe.send("status")
    probe.expect(r"^status disconnected$")
    probe.send(f"publish {guest} <migration/>")
    probe.expect(rf"^published {guest} error not connected")
    if "Cannot connect to libvirt" not in probe.stderr_text():
        raise Failure("the failed connection was not logged: "
                      + probe.stderr_text()[-1000:])
    src.start_libvirtd()
    probe.expect(r"^connected 0$", timeout=40, what="connect after libvirtd came")
    probe.send("status")
    probe.expect(r"^status connected$")

    log("2. a guest starts")
    src.virsh("create", xml_path)
    probe.expect(rf"^event {guest} lvmon-guest started-booted$", timeout=60)

    log("3. metadata published into the live XML")
    # The form the agent formats (core/domxml.c): the prefix libvirt
    # itself declares is declared on the element already, nested elements
    # use it too.
    meta = (f'<vfmig:migration xmlns:vfmig="{NS}"><vfmig:device alias="hostdev0" '
            f'address="0000:3b:00.2"><vfmig:profile version="1" type="net"/>'
            f'</vfmig:device></vfmig:migration>')
    probe.send(f"publish {guest} {meta}")
    probe.expect(rf"^published {guest} ok$", timeout=60)
    check_metadata(src, "0000:3b:00.2")
    # Without any namespace: libvirt puts it in ours.
    probe.send(f'publish {guest} <migration><device address="0000:3b:00.3"/></migration>')
    probe.expect(rf"^published {guest} ok$", timeout=60)
    check_metadata(src, "0000:3b:00.3")
    # Text that is not an element is refused before libvirt sees it, and
    # the metadata stays as it was.
    probe.send(f"publish {guest} not-xml")
    m = probe.expect(rf"^published {guest} error (.*)$")
    if "not an XML element" not in m.group(1):
        raise Failure("unclear error for bad metadata: " + m.group(1))
    check_metadata(src, "0000:3b:00.3")
    probe.send(f"publish {guest} {meta}")
    probe.expect(rf"^published {guest} ok$", timeout=60)
    missing = str(uuidlib.uuid4())
    probe.send(f"publish {missing} <migration/>")
    m = probe.expect(rf"^published {missing} error (.*)$")
    if "domain" not in m.group(1).lower():
        raise Failure("the error does not say the domain is missing: " + m.group(1))

    log("4. libvirtd restarts under the monitor")
    src.stop_libvirtd()
    probe.expect(r"^disconnected ", what="close callback")
    src.start_libvirtd()
    probe.expect(rf"^connected 1 {guest}\+vfmig:running$", timeout=40,
                 what="reconnect with the running guest and its metadata")
    probe.send("status")
    probe.expect(r"^status connected$")

    log("4b. libvirtd hangs (SIGSTOP): keepalive gives the connection up")
    src.libvirtd.send_signal(signal.SIGSTOP)
    try:
        probe.expect(r"^disconnected keepalive timeout", timeout=45,
                     what="keepalive (5 s x 3)")
        probe.send("status")
        probe.expect(r"^status disconnected$")
    finally:
        src.libvirtd.send_signal(signal.SIGCONT)
    probe.expect(rf"^connected 1 {guest}\+vfmig:running$", timeout=40,
                 what="reconnect once libvirtd answers again")

    log("5. metadata removed, and published again")
    probe.send(f"unpublish {guest}")
    probe.expect(rf"^published {guest} ok$", timeout=60)
    dump = src.virsh("dumpxml", "lvmon-guest").stdout
    if NS in dump:
        raise Failure("the metadata is still there after removing it:\n" + dump)
    probe.send(f"publish {guest} {meta}")
    probe.expect(rf"^published {guest} ok$", timeout=60)

    log("6a. a migration aborted while the transfer runs")
    dst.start_libvirtd()
    dprobe = Probe(dst)
    dprobe.expect(r"^connected 0$", timeout=40)
    dest_uri = f"qemu+tcp://{dst.address}:{dst.tcp_port}/system"
    mig = subprocess.Popen(src.prefix + [VIRSH, "-c", URI, "migrate", "--live", "--p2p",
                                         "--bandwidth", "1", "lvmon-guest", dest_uri],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    probe.expect(rf"^event {guest} lvmon-guest migration-iteration$", timeout=60)
    dprobe.expect(rf"^event {guest} lvmon-guest started-migrated$", timeout=30)
    src.virsh("domjobabort", "lvmon-guest")
    probe.expect(rf"^event {guest} lvmon-guest migration-aborted$", timeout=30)
    dprobe.expect(rf"^event {guest} lvmon-guest stopped-failed$", timeout=30)
    out, _ = mig.communicate(timeout=60)
    if mig.returncode == 0:
        raise Failure("virsh migrate succeeded although it was aborted: " + out)
    state = src.virsh("domstate", "lvmon-guest").stdout.strip()
    if state != "running":
        raise Failure(f"the guest is {state!r} on the source after the abort")

    log("6a'. monitors connect while a migration runs; the job is then aborted")
    mig = subprocess.Popen(src.prefix + [VIRSH, "-c", URI, "migrate", "--live", "--p2p",
                                         "--bandwidth", "1", "lvmon-guest", dest_uri],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    probe.expect(rf"^event {guest} lvmon-guest migration-iteration$", timeout=60)
    dprobe.expect(rf"^event {guest} lvmon-guest started-migrated$", timeout=30)
    late = Probe(src, watch_on_connect=guest, name="src-late")
    dlate = Probe(dst, name="dst-late")
    late.expect(rf"^connected 1 {guest}\+vfmig:running$", timeout=40)
    late.expect(rf"^watch {guest} ok$")
    # At once (libvirt would answer an XML query only after 30 s), and
    # without its XML.
    dlate.expect(rf"^connected 1 {guest}-xml:incoming$", timeout=10,
                 what="the destination lists the guest as still coming in")
    # The job runs: the watch polls it (every 0.5 s) and says nothing.
    late.none_within(r"^event ", 3)
    if mig.poll() is not None:
        raise Failure("the slow migration ended before it could be aborted: "
                      + mig.communicate()[0])
    src.virsh("domjobabort", "lvmon-guest")
    late.expect(rf"^event {guest} lvmon-guest migration-aborted$", timeout=30,
                what="the watch started on connect")
    probe.expect(rf"^event {guest} lvmon-guest migration-aborted$", timeout=30)
    dprobe.expect(rf"^event {guest} lvmon-guest stopped-failed$", timeout=30)
    mig.communicate(timeout=60)
    if mig.returncode == 0:
        raise Failure("virsh migrate succeeded although it was aborted")
    # Only the watch started on connect can have said it: no iteration
    # event reached this monitor.
    if events(late, guest) != ["migration-aborted"]:
        raise Failure(f"events of the monitor that connected late: {events(late, guest)}")
    close_probe(late)
    close_probe(dlate)
    # The abort happened while no monitor watched (the agent was away):
    # a watch started on connect finds no job and reports it at once.
    gone = Probe(src, watch_on_connect=guest, name="src-after")
    gone.expect(rf"^connected 1 {guest}\+vfmig:running$", timeout=40)
    gone.expect(rf"^watch {guest} ok$")
    gone.expect(rf"^event {guest} lvmon-guest migration-aborted$", timeout=10)
    # Reported once: the watch is over.
    gone.none_within(r"^event ", 2)
    # An unknown uuid: the watch finds no domain and ends without a report.
    gone.send(f"watch {uuidlib.uuid4()}")
    gone.expect(r"^watch \S+ ok$")
    gone.none_within(r"^event ", 2)
    close_probe(gone)

    log("6b. a migration that completes")
    src.virsh("migrate", "--live", "--p2p", "lvmon-guest", dest_uri)
    probe.expect(rf"^event {guest} lvmon-guest stopped-migrated$", timeout=60)
    dprobe.expect(rf"^event {guest} lvmon-guest resumed-migrated$", timeout=30)
    # What vfmigd does on RESUMED(MIGRATED): replace the metadata that came
    # from the source (libvirt may still hold the migration job: the
    # write waits for it).
    check_metadata(dst, "0000:3b:00.2")
    local = meta.replace("0000:3b:00.2", "0000:5e:00.4")
    dprobe.send(f"publish {guest} {local}")
    dprobe.expect(rf"^published {guest} ok$", timeout=130)
    check_metadata(dst, "0000:5e:00.4")
    got = events(probe, guest)
    last_abort = len(got) - 1 - got[::-1].index("migration-aborted")
    tail = got[last_abort + 1:]
    if tail != ["migration-iteration", "suspended-migrated", "stopped-migrated"]:
        raise Failure(f"source events of the completed migration: {tail}")
    dgot = events(dprobe, guest)
    if dgot != ["started-migrated", "stopped-failed"] * 2 + ["started-migrated",
                                                           "resumed-migrated"]:
        raise Failure(f"destination events: {dgot}")
    # The watch of the source ended with the domain: nothing late.
    probe.none_within(r"migration-aborted", 2)

    log("6c. the guest destroyed on the destination")
    dst.virsh("destroy", "lvmon-guest")
    dprobe.expect(rf"^event {guest} lvmon-guest stopped-other$", timeout=30)

    log("7. the monitors exit cleanly")
    close_probe(probe)
    close_probe(dprobe)
    # Every event line was expected above; one vfmig ignores (e.g.
    # SHUTDOWN) must not have leaked through as one.
    allowed = {"started-booted", "resumed-other", "migration-iteration",
               "migration-aborted", "suspended-migrated", "stopped-migrated"}
    for e in events(probe, guest):
        if e not in allowed:
            raise Failure(f"unexpected source event: {e}")


def main():
    enter_namespaces()
    tmp = tempfile.mkdtemp(prefix="vfmig-lvmon-")
    src = dst = None
    ok = False
    try:
        # Each host has its own address, on this namespace's loopback.
        run("ip", "link", "set", "lo", "up")
        run("ip", "addr", "add", "10.77.0.1/32", "dev", "lo")
        run("ip", "addr", "add", "10.77.0.2/32", "dev", "lo")
        src = Host("src", tmp, "10.77.0.1", 16509)
        dst = Host("dst", tmp, "10.77.0.2", 16509, separate=True)
        dst.setup()
        src.setup()
        scenario(src, dst)
        ok = True
    except Failure as e:
        print(f"FAIL: {e}")
    finally:
        for h in (src, dst):
            try:
                if h:
                    h.cleanup()
            except Exception as e:  # cleanup must not hide the verdict
                print(f"cleanup: {e}")
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"logs kept in {tmp}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
