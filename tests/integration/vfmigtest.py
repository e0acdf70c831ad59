"""Harness for vfmig's integration tests: one simulated host made of real
parts where the machine allows it.

- a fake sysfs tree (tests/fakehost/mkfakehost) with the fake kernel
  (fakekernel) reacting to writes, because this machine has no SR-IOV;
- a private dbus-daemon of type "system" whose policy is the project's own
  policy/org.vfmig.Agent1.conf (plus polkit's), so the bus enforces exactly
  what a host would;
- a real polkitd on that bus, seeing the project's polkit action file
  through a bind mount in a private mount namespace (the machine's
  /usr/share/polkit-1 is never changed);
- vfmigd itself, started with NOTIFY_SOCKET so readiness is the daemon's
  own READY=1, not a sleep.

Everything is stopped by PID. Tests that need root skip (exit 77) without
it. The paths of the built programs come from meson through the
environment (VFMIGD, VFMIGCTL, FAKEKERNEL, MKFAKEHOST, VFMIG_SRCDIR).
"""

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SRCDIR = os.environ.get("VFMIG_SRCDIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(
                            os.path.abspath(__file__)))))
VFMIGD = os.environ.get("VFMIGD", "")
VFMIGCTL = os.environ.get("VFMIGCTL", "")
FAKEKERNEL = os.environ.get("FAKEKERNEL", "")
MKFAKEHOST = os.environ.get("MKFAKEHOST",
                            os.path.join(SRCDIR, "tests/fakehost/mkfakehost"))
POLKITD = "/usr/lib/polkit-1/polkitd"
BUS_NAME = "org.vfmig.Agent1"
ROOT_PATH = "/org/vfmig/Agent1"
MANAGER = "org.vfmig.Agent1.Manager"
VF_IFACE = "org.vfmig.Agent1.VirtualFunction"
PF_IFACE = "org.vfmig.Agent1.PhysicalFunction"
UNPRIVILEGED = "nobody"
SKIP = 77

# Two virtio-net PFs and one virtio-blk PF, as in the demo.
DEFAULT_PFS = ["0000:3b:00.0,type=net,total=8",
               "0000:5e:00.0,type=net,total=8",
               "0000:af:00.0,type=blk,total=4"]


def require_root_namespace():
    """Re-executes the test inside a private mount namespace (needed for the
    polkit bind mounts) or exits 77 when that is impossible."""
    if os.geteuid() != 0:
        print("SKIP: integration tests need root (bind mounts, setpriv)")
        sys.exit(SKIP)
    if os.environ.get("VFMIG_IN_MOUNT_NS") == "1":
        return
    for prog in (VFMIGD, FAKEKERNEL):
        if not prog or not os.access(prog, os.X_OK):
            print(f"FAIL: program not built: {prog!r}")
            sys.exit(1)
    env = dict(os.environ, VFMIG_IN_MOUNT_NS="1")
    os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private",
                           sys.executable] + sys.argv, env)


def encode_path_label(s):
    """sd_bus_path_encode()'s escaping of one object path label."""
    out = []
    for i, ch in enumerate(s):
        if ch.isascii() and (ch.isalpha() or (ch.isdigit() and i > 0)):
            out.append(ch)
        else:
            out.append("_%02x" % ord(ch))
    return "".join(out) if s else "_"


def vf_path(address):
    return f"{ROOT_PATH}/vf/{encode_path_label(address)}"


def pf_path(address):
    return f"{ROOT_PATH}/pf/{encode_path_label(address)}"


class Proc:
    """A child we started; stopped by its PID, never by name."""

    def __init__(self, argv, log, env=None, **kw):
        self.argv = argv
        self.log_path = log
        self.log = open(log, "ab")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                  env=env, **kw)

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()
        return self.p.returncode


class NotifySocket:
    """The receiving end of sd_notify(), as systemd provides it. A thread
    reads it as messages come, so each carries its arrival time ("_t",
    monotonic seconds) even while the test is busy elsewhere."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.messages = []
        self.lock = threading.Lock()
        self.closing = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.closing:
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                continue
            except OSError:
                return
            msg = dict(line.split("=", 1) for line in data.splitlines() if "=" in line)
            msg["_t"] = time.monotonic()
            with self.lock:
                self.messages.append(msg)

    def received(self, key):
        with self.lock:
            return [m for m in self.messages if key in m]

    def wait_for(self, key, timeout=20.0, proc=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.received(key)
            if found:
                return found[0]
            if proc is not None and not proc.alive():
                raise RuntimeError(f"{proc.argv[0]} exited with "
                                   f"{proc.p.returncode} before {key}")
            time.sleep(0.02)
        raise TimeoutError(f"no {key} from the daemon in {timeout}s")

    def forget(self, key):
        with self.lock:
            self.messages = [m for m in self.messages if key not in m]

    def close(self):
        self.closing = True
        self.thread.join(2)
        self.sock.close()


BUS_CONF = os.path.join(SRCDIR, "tests/data/private-system-bus.conf.in")


class Host:
    """One simulated hypervisor host. Use as a context manager."""

    def __init__(self, pfs=None, config="", polkit=True, num_vfs=None,
                 mkfakehost_args=(), start_agent=True, polkit_rules=None):
        self.pfs = list(pfs or DEFAULT_PFS)
        self.config = config
        self.with_polkit = polkit
        self.num_vfs = num_vfs or {}
        self.mkfakehost_args = list(mkfakehost_args)
        self.start_agent_now = start_agent
        self.polkit_rules = polkit_rules
        self.procs = []
        self.agent = None
        self.notify = None

    # -- set-up -----------------------------------------------------------
    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="vfmig-it-")
        os.chmod(self.dir, 0o755)
        self.root = os.path.join(self.dir, "root")
        self.sysfs = os.path.join(self.root, "sys")
        self.state_dir = os.path.join(self.dir, "state")
        self.config_path = os.path.join(self.dir, "vfmig.conf")
        self.logdir = os.path.join(self.dir, "logs")
        os.makedirs(self.logdir)
        try:
            self._make_tree()
            self._start_bus()
            if self.with_polkit:
                self._start_polkit()
            with open(self.config_path, "w") as f:
                f.write(self.config)
            if self.start_agent_now:
                self.start_agent()
        except BaseException:
            self.dump_logs()
            self.close()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.dump_logs()
        self.close()
        return False

    def _make_tree(self):
        argv = [MKFAKEHOST, "--root", self.root]
        for pf in self.pfs:
            argv += ["--pf", pf]
        argv += self.mkfakehost_args
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        self.fakekernel = self._spawn("fakekernel",
                                      [FAKEKERNEL, "--root", self.root,
                                       "--pidfile",
                                       os.path.join(self.dir, "fk.ready")])
        self._wait_file(os.path.join(self.dir, "fk.ready"), self.fakekernel)
        for pf, n in self.num_vfs.items():
            self.set_numvfs_by_hand(pf, n)

    def _start_bus(self):
        self.policydir = os.path.join(self.dir, "bus.d")
        os.makedirs(self.policydir)
        shutil.copy(os.path.join(SRCDIR, "policy/org.vfmig.Agent1.conf"),
                    self.policydir)
        polkit_conf = "/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf"
        if os.path.exists(polkit_conf):
            shutil.copy(polkit_conf, self.policydir)
        self.bus_socket = os.path.join(self.dir, "system_bus_socket")
        conf = os.path.join(self.dir, "bus.conf")
        with open(BUS_CONF) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace("@SOCKET@", self.bus_socket)
                    .replace("@POLICYDIR@", self.policydir))
        self.bus = self._spawn("dbus-daemon",
                               ["dbus-daemon", "--nofork", "--nosyslog",
                                f"--config-file={conf}"])
        self._wait_file(self.bus_socket, self.bus, sock=True)
        os.chmod(self.bus_socket, 0o777)
        self.address = f"unix:path={self.bus_socket}"

    def _start_polkit(self):
        """polkitd on the private bus. It reads actions only from
        /usr/share/polkit-1/actions, so that folder is replaced, inside
        this test's private mount namespace, by a copy that adds ours."""
        actions = os.path.join(self.dir, "polkit-actions")
        shutil.copytree("/usr/share/polkit-1/actions", actions)
        shutil.copy(os.path.join(SRCDIR, "policy/org.vfmig.policy"), actions)
        subprocess.run(["mount", "--bind", actions,
                        "/usr/share/polkit-1/actions"], check=True)
        rules = os.path.join(self.dir, "polkit-rules")
        os.makedirs(rules)
        for name, text in (self.polkit_rules or {}).items():
            with open(os.path.join(rules, name), "w") as f:
                f.write(text)
        os.chmod(rules, 0o755)
        subprocess.run(["mount", "--bind", rules, "/etc/polkit-1/rules.d"],
                       check=True)
        self.polkitd = self._spawn("polkitd", [POLKITD, "--no-debug"],
                                   env=dict(os.environ,
                                            DBUS_SYSTEM_BUS_ADDRESS=self.address))
        self.wait_until(lambda: "org.freedesktop.PolicyKit1" in self.list_names(),
                        "polkitd on the bus")

    def agent_argv(self, extra=(), libvirt_uri=None):
        """Without libvirt_uri the agent runs with --no-libvirt."""
        libvirt = ["--libvirt-uri", libvirt_uri] if libvirt_uri else ["--no-libvirt"]
        return [VFMIGD, "--sysfs-root", self.sysfs, "--state-dir",
                self.state_dir, "--config", self.config_path,
                "--bus-address", self.address, *libvirt, *extra]

    def start_agent(self, extra=(), env_extra=None, wait=True, libvirt_uri=None):
        if self.notify:
            self.notify.close()
            os.unlink(self.notify.path)
        self.notify = NotifySocket(os.path.join(self.dir, "notify"))
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.path,
                   G_MESSAGES_DEBUG=os.environ.get("G_MESSAGES_DEBUG", ""))
        env.update(env_extra or {})
        # Subclasses (the libvirt suite's hosts) build their own argv.
        argv = self.agent_argv(extra, libvirt_uri) if libvirt_uri else self.agent_argv(extra)
        self.agent = self._spawn("vfmigd", argv, env=env)
        if wait:
            self.notify.wait_for("READY", proc=self.agent)
        return self.agent

    def kill_agent(self, sig=signal.SIGKILL):
        self.agent.stop(sig)
        self.procs.remove(self.agent)

    def restart_agent(self, **kw):
        if self.agent and self.agent.alive():
            self.kill_agent(signal.SIGTERM)
        return self.start_agent(**kw)

    def _spawn(self, name, argv, env=None):
        p = Proc(argv, os.path.join(self.logdir, f"{name}.log"), env=env)
        self.procs.append(p)
        return p

    @staticmethod
    def _wait_file(path, proc, sock=False, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(path):
                return
            if not proc.alive():
                raise RuntimeError(f"{proc.argv[0]} exited early, see "
                                   f"{proc.log_path}")
            time.sleep(0.01)
        raise TimeoutError(f"{path} did not appear")

    @staticmethod
    def wait_until(pred, what, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return
            time.sleep(0.02)
        raise TimeoutError(f"timed out waiting for {what}")

    def close(self):
        for p in reversed(self.procs):
            p.stop()
        self.procs.clear()
        if self.notify:
            self.notify.close()
        for mnt in ("/etc/polkit-1/rules.d", "/usr/share/polkit-1/actions"):
            if self.with_polkit:
                subprocess.run(["umount", mnt], stderr=subprocess.DEVNULL)
        if os.environ.get("VFMIG_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    def dump_logs(self):
        for p in self.procs:
            try:
                p.log.flush()
                text = open(p.log_path, errors="replace").read()
            except OSError:
                continue
            sys.stderr.write(f"---- {p.argv[0]} log ({p.log_path}) ----\n")
            sys.stderr.write(text[-6000:])

    # -- sysfs ------------------------------------------------------------
    def sysfs_path(self, rel):
        return os.path.join(self.sysfs, rel)

    def read_sysfs(self, rel):
        with open(self.sysfs_path(rel)) as f:
            return f.read().strip()

    def write_sysfs(self, rel, value):
        with open(self.sysfs_path(rel), "w") as f:
            f.write(value)

    def set_numvfs_by_hand(self, pf, n):
        """What an admin's `echo n > sriov_numvfs` does, waited for until
        the fake kernel has finished: the links and the file both say n
        (the fake kernel, unlike the real one, acts after the write)."""
        rel = f"bus/pci/devices/{pf}/sriov_numvfs"
        self.write_sysfs(rel, str(n))
        self.wait_until(lambda: self.count_virtfn(pf) == n and
                        self.read_sysfs(rel) == str(n), f"{n} VFs on {pf}")

    def count_virtfn(self, pf):
        d = self.sysfs_path(f"bus/pci/devices/{pf}")
        return sum(1 for n in os.listdir(d) if n.startswith("virtfn"))

    def vf_addresses(self, pf):
        d = self.sysfs_path(f"bus/pci/devices/{pf}")
        links = sorted((int(n[6:]), os.path.basename(os.readlink(os.path.join(d, n))))
                       for n in os.listdir(d) if n.startswith("virtfn"))
        return [a for _, a in links]

    def driver_of(self, dev):
        link = self.sysfs_path(f"bus/pci/devices/{dev}/driver")
        return os.path.basename(os.readlink(link)) if os.path.islink(link) else None

    # -- bus clients --------------------------------------------------------
    @staticmethod
    def _as_user(argv, user):
        if user is None:
            return argv
        pw = pwd.getpwnam(user)
        return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                "--clear-groups", "--"] + argv

    def run(self, argv, user=None, check=False, timeout=60):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        return subprocess.run(self._as_user(argv, user), env=env,
                              capture_output=True, text=True, check=check,
                              timeout=timeout)

    def busctl(self, *args, user=None, check=False):
        return self.run(["busctl", f"--address={self.address}", *args],
                        user=user, check=check)

    def call(self, path, iface, method, sig="", *args, user=None):
        """busctl call; returns (ok, parsed JSON data or error text)."""
        argv = ["--json=short", "call", BUS_NAME, path, iface, method]
        if sig:
            argv += [sig, *[str(a) for a in args]]
        r = self.busctl(*argv, user=user)
        if r.returncode != 0:
            return False, r.stderr.strip()
        return True, json.loads(r.stdout)["data"] if r.stdout.strip() else None

    def error_name(self, path, iface, method, *args, user=None):
        """Calls through gdbus, which (unlike busctl) prints the D-Bus error
        name; returns None on success, else (name, message)."""
        argv = ["gdbus", "call", "--address", self.address, "--dest", BUS_NAME,
                "--object-path", path, "--method", f"{iface}.{method}"]
        for a in args:
            argv.append(f"uint32 {a}" if isinstance(a, int) else
                        "'" + a.replace("\\", "\\\\").replace("'", "\\'") + "'")
        r = self.run(argv, user=user)
        if r.returncode == 0:
            return None
        m = re.search(r"GDBus\.Error:([\w.]+): (.*)", r.stderr)
        return (m.group(1), m.group(2).strip()) if m else ("?", r.stderr.strip())

    def manager_error(self, method, *args, user=None):
        return self.error_name(ROOT_PATH, MANAGER, method, *args, user=user)

    def manager(self, method, sig="", *args, user=None):
        return self.call(ROOT_PATH, MANAGER, method, sig, *args, user=user)

    def get_property(self, path, iface, prop, user=None):
        r = self.busctl("--json=short", "get-property", BUS_NAME, path, iface,
                        prop, user=user, check=False)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        return json.loads(r.stdout)["data"]

    def vf_state(self, vf):
        return self.get_property(vf_path(vf), VF_IFACE, "State")

    def list_vfs(self, user=None):
        ok, data = self.manager("ListVirtualFunctions", user=user)
        assert ok, data
        return {row[0]: row for row in data[0]}

    def list_names(self):
        r = self.busctl("--json=short", "call", "org.freedesktop.DBus",
                        "/org/freedesktop/DBus", "org.freedesktop.DBus",
                        "ListNames")
        return json.loads(r.stdout)["data"][0] if r.returncode == 0 else []

    def ctl(self, *args, user=None):
        return self.run([VFMIGCTL, f"--bus-address={self.address}", *args],
                        user=user)

    # -- journal ------------------------------------------------------------
    @property
    def journal_path(self):
        return os.path.join(self.state_dir, "pool.journal")


def main():
    require_root_namespace()
    unittest.main(verbosity=2)
