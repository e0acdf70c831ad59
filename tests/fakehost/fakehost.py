# SPDX-License-Identifier: GPL-2.0-or-later
"""
A fake Linux sysfs tree for PCI SR-IOV devices, and the kernel's reactions
to writes into it. Shared by mkfakehost (builds the tree), fakekernel
(watches it) and fakehost-remove (hot-removal), so that a VF created by the
fake kernel looks exactly like one the generator made.

The fake kernel is stateless: everything it needs is read back from the tree
(the number of VFs is the number of virtfnN links, the bound driver is the
driver link), plus ROOT/.fakehost/ for what the real kernel keeps in memory
and does not show (driver ID tables, dynamic IDs, old attribute values).

Layout and semantics follow drivers/pci/{iov,pci-sysfs,pci-driver}.c and
drivers/base/{bus,dd}.c; the code is our own.
"""

import errno
import json
import os
import re
import struct

ADDR_RE = re.compile(r'^([0-9a-f]{4}):([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])$')

# What each known device type looks like: PF IDs, VF device ID, class,
# subsystem IDs, the PF's driver and the driver VFs get on autoprobe.
TYPES = {
    'net': dict(vendor=0x1af4, device=0x1041, vfdevice=0x1041, cls=0x020000,
                subvendor=0x1af4, subdevice=0x1100, driver='virtio-pci',
                offset=1, stride=1, rev=0x01),
    'blk': dict(vendor=0x1af4, device=0x1042, vfdevice=0x1042, cls=0x010000,
                subvendor=0x1af4, subdevice=0x1100, driver='virtio-pci',
                offset=1, stride=1, rev=0x01),
    # Transitional virtio IDs (legacy-capable devices).
    'net-t': dict(vendor=0x1af4, device=0x1000, vfdevice=0x1000, cls=0x020000,
                  subvendor=0x1af4, subdevice=0x0001, driver='virtio-pci',
                  offset=1, stride=1, rev=0x00),
    'blk-t': dict(vendor=0x1af4, device=0x1001, vfdevice=0x1001, cls=0x010000,
                  subvendor=0x1af4, subdevice=0x0002, driver='virtio-pci',
                  offset=1, stride=1, rev=0x00),
    # QEMU's igb (82576): VF offset 0x80, stride 2, like the real part.
    'igb': dict(vendor=0x8086, device=0x10c9, vfdevice=0x10ca, cls=0x020000,
                subvendor=0x8086, subdevice=0x0000, driver='igb',
                offset=0x80, stride=2, rev=0x01),
}

# Drivers and the IDs they match (None = any device of that vendor).
# vfio-pci matches nothing by itself; vfmig_virtio_pci's table is
# override-only (like the upstream virtio-vfio-pci), so both bind only
# through driver_override or new_id. sriov: has .sriov_configure.
DRIVERS = {
    'virtio-pci': dict(ids=[[0x1af4, None]], sriov=True),
    'igb': dict(ids=[[0x8086, 0x10c9]], sriov=True),
    'igbvf': dict(ids=[[0x8086, 0x10ca]], sriov=False),
    'vfio-pci': dict(ids=[], sriov=True),
    'vfmig_virtio_pci': dict(ids=[], sriov=False),
}

# What vfmig_virtio_pci shows in <VF>/vfmig/ (docs/kmod-interface.md §3)
# unless mkfakehost's per-PF vfmig options say otherwise. Features: virtio
# 1.0 (VERSION_1, ACCESS_PLATFORM, SR_IOV) and a usual device set (net:
# CSUM, GUEST_CSUM, MTU, MAC, MRG_RXBUF, STATUS, CTRL_VQ, MQ; blk:
# SIZE_MAX, SEG_MAX, BLK_SIZE, FLUSH, TOPOLOGY, MQ). driver_features is 0
# until a guest driver negotiates; counters start at 0.
VFMIG_FEATURES = {'net': 0x000000230043802b, 'blk': 0x0000002300001646}
VFMIG_OPTS = ('features', 'driver_features', 'stream', 'mflags', 'legacy',
              'transport')
# Drivers on the VFIO core: binding one gives the device vfio-dev/.
VFIO_DRIVERS = ('vfio-pci', 'vfmig_virtio_pci')

VFMIG_COUNTERS = ('saves', 'restores', 'bytes_saved', 'bytes_restored',
                  'admin_cmds', 'admin_cmds_stopped', 'last_error')

CONFIG_SIZE = 4096
SRIOV_POS = 0x100
VF_BAR_SIZE = 0x4000


def check_vfmig_options(pf, opts):
    """Normalizes mkfakehost's vfmig options of a PF; ValueError names the
    PF and the option."""
    opts = dict(opts)
    bad = set(opts) - set(VFMIG_OPTS)
    if bad:
        raise ValueError('%s: unknown vfmig option %s' % (pf, sorted(bad)))
    for k in ('features', 'driver_features', 'mflags'):
        if k in opts and not isinstance(opts[k], int):
            try:
                opts[k] = int(str(opts[k]), 16)
            except ValueError:
                raise ValueError('%s: bad %s=%s (want hex)' % (pf, k, opts[k]))
        if k in opts:
            if not 0 <= opts[k] < (1 << 64 if k != 'mflags' else 1 << 32):
                raise ValueError('%s: %s out of range' % (pf, k))
    if 'stream' in opts and not re.match(r'^\d+\.\d+$', str(opts['stream'])):
        raise ValueError('%s: bad stream=%s (want major.minor)'
                         % (pf, opts['stream']))
    if 'legacy' in opts:
        if str(opts['legacy']) not in ('0', '1'):
            raise ValueError('%s: bad legacy=%s' % (pf, opts['legacy']))
        opts['legacy'] = int(opts['legacy'])
    if opts.get('transport', 'virtio') not in ('sim', 'virtio', 'none'):
        raise ValueError('%s: bad transport=%s' % (pf, opts['transport']))
    return opts


class KernelError(Exception):
    """What the real kernel would return as -errno from the write."""

    def __init__(self, err, msg):
        super().__init__(msg)
        self.errno = err


def parse_addr(s):
    m = ADDR_RE.match(s.lower())
    if not m:
        raise ValueError('bad PCI address %r (want dddd:bb:dd.f)' % s)
    dom, bus, dev, fn = (int(x, 16) for x in m.groups())
    if dev > 0x1f:
        raise ValueError('bad PCI address %r (device > 1f)' % s)
    return dom, bus, (dev << 3) | fn


def fmt_addr(dom, bus, devfn):
    return '%04x:%02x:%02x.%d' % (dom, bus, devfn >> 3, devfn & 7)


def vf_addr(pf, offset, stride, index):
    """pci_iov_virtfn_bus()/pci_iov_virtfn_devfn() of the kernel."""
    dom, bus, devfn = parse_addr(pf)
    rid = devfn + offset + stride * index
    if bus + (rid >> 8) > 0xff:
        raise ValueError('VF %d of %s is beyond bus ff' % (index, pf))
    return fmt_addr(dom, bus + (rid >> 8), rid & 0xff)


def _write(path, data, mode=0o644):
    """Atomic replace, so the fake kernel's own writes never look like a
    writer's close (rename gives IN_MOVED_TO, not IN_CLOSE_WRITE)."""
    d, n = os.path.split(path)
    tmp = os.path.join(d, '.%s.tmp' % n)
    if isinstance(data, str):
        data = data.encode()
    with open(tmp, 'wb') as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _create(path, data, mode=0o644):
    """A file in a directory that was just made: nobody watches it yet, so
    no need for the rename dance (which costs twice on a slow disk)."""
    if isinstance(data, str):
        data = data.encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                 mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
    finally:
        os.close(fd)


def _read(path):
    with open(path, 'rb') as f:
        return f.read().decode(errors='replace')


def _symlink(target, path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    os.symlink(target, path)


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _rmtree(path):
    if not os.path.lexists(path):
        return
    if os.path.islink(path) or not os.path.isdir(path):
        os.unlink(path)
        return
    for e in os.listdir(path):
        _rmtree(os.path.join(path, e))
    os.rmdir(path)


class Tree:
    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.sys = os.path.join(self.root, 'sys')
        self.bus = os.path.join(self.sys, 'bus', 'pci')
        self.devices = os.path.join(self.bus, 'devices')
        self.drivers = os.path.join(self.bus, 'drivers')
        self.groups = os.path.join(self.sys, 'kernel', 'iommu_groups')
        self.meta_dir = os.path.join(self.root, '.fakehost')
        # Called with (address, real dir) for each device made; the fake
        # kernel watches it before the write that made it shows as done.
        self.on_new_device = None

    # ---- paths and plain reads -------------------------------------------
    def dev(self, addr, attr=None):
        p = os.path.join(self.devices, addr)
        return p if attr is None else os.path.join(p, attr)

    def exists(self, addr):
        return bool(ADDR_RE.match(addr)) and os.path.isdir(self.dev(addr))

    def attr(self, addr, name):
        return _read(self.dev(addr, name)).strip()

    def attr_int(self, addr, name):
        return int(self.attr(addr, name), 0)

    def driver_of(self, addr):
        try:
            return os.path.basename(os.readlink(self.dev(addr, 'driver')))
        except FileNotFoundError:
            return None

    def override_of(self, addr):
        v = self.attr(addr, 'driver_override')
        return None if v in ('', '(null)') else v

    def is_pf(self, addr):
        return os.path.exists(self.dev(addr, 'sriov_totalvfs'))

    def physfn(self, addr):
        try:
            return os.path.basename(os.readlink(self.dev(addr, 'physfn')))
        except FileNotFoundError:
            return None

    def virtfns(self, pf):
        """{index: vf address} from the PF's virtfnN links."""
        out = {}
        for e in os.listdir(self.dev(pf)):
            m = re.match(r'^virtfn(\d+)$', e)
            if m:
                out[int(m.group(1))] = os.path.basename(
                    os.readlink(self.dev(pf, e)))
        return out

    def all_devices(self):
        return sorted(e for e in os.listdir(self.devices) if ADDR_RE.match(e))

    def driver_names(self):
        return sorted(e for e in os.listdir(self.drivers)
                      if os.path.isdir(os.path.join(self.drivers, e)))

    # ---- .fakehost: what the kernel knows but sysfs does not show ---------
    def _meta_path(self):
        return os.path.join(self.meta_dir, 'meta.json')

    def load_meta(self):
        try:
            with open(self._meta_path()) as f:
                return json.load(f)
        except FileNotFoundError:
            return {'drivers': {}, 'shadow': {}}

    def save_meta(self, meta):
        os.makedirs(self.meta_dir, exist_ok=True)
        _write(self._meta_path(), json.dumps(meta, indent=1, sort_keys=True))

    # ---- skeleton ----------------------------------------------------------
    def make_skeleton(self, drivers, failing=()):
        for d in (self.devices, self.drivers, self.groups,
                  os.path.join(self.bus, 'slots'),
                  os.path.join(self.sys, 'devices')):
            os.makedirs(d, exist_ok=True)
        # drivers_probe and rescan are write-only (0200) in the kernel.
        _write(os.path.join(self.bus, 'drivers_probe'), '', 0o200)
        _write(os.path.join(self.bus, 'rescan'), '', 0o200)
        _write(os.path.join(self.bus, 'drivers_autoprobe'), '1\n')
        meta = self.load_meta()
        for name in drivers:
            self.load_driver(name, meta)
        for name in failing:
            self.load_driver(name, meta, fail_probe=True)
        self.save_meta(meta)

    def load_driver(self, name, meta, fail_probe=False):
        d = os.path.join(self.drivers, name)
        os.makedirs(d, exist_ok=True)
        for f in ('bind', 'unbind', 'new_id', 'remove_id'):
            _write(os.path.join(d, f), '', 0o200)
        _write(os.path.join(d, 'uevent'), '', 0o200)
        info = DRIVERS.get(name, dict(ids=[], sriov=False))
        meta['drivers'][name] = dict(ids=info['ids'], sriov=info['sriov'],
                                     dynids=[], fail_probe=fail_probe)

    # ---- config space ------------------------------------------------------
    @staticmethod
    def config_space(vendor, device, cls, rev, subv, subd, irq, vf,
                     bar0, sriov=None):
        c = bytearray(CONFIG_SIZE)

        def w8(o, v):
            c[o] = v & 0xff

        def w16(o, v):
            struct.pack_into('<H', c, o, v & 0xffff)

        def w32(o, v):
            struct.pack_into('<I', c, o, v & 0xffffffff)

        # A VF's vendor and device ID registers read all ones (SR-IOV spec
        # 3.4.1.1/3.4.1.2); the kernel's vendor/device files carry the
        # real IDs, taken from the PF.
        w16(0x00, 0xffff if vf else vendor)
        w16(0x02, 0xffff if vf else device)
        w16(0x04, 0x0004 if vf else 0x0006)  # VF MSE lives in the PF
        w16(0x06, 0x0010)                     # capability list present
        w8(0x08, rev)
        w8(0x09, cls)
        w8(0x0a, cls >> 8)
        w8(0x0b, cls >> 16)
        w8(0x0e, 0x00)                        # type 0 header
        if not vf:                            # VF BARs are in the PF's cap
            w32(0x10, (bar0 & 0xfffffff0) | 0xc)
            w32(0x14, bar0 >> 32)
        w16(0x2c, subv)
        w16(0x2e, subd)
        w8(0x34, 0x40)
        w8(0x3c, 0 if vf else irq)
        w8(0x3d, 0 if vf else 1)              # VFs have no INTx
        # PCI Express capability v2, endpoint, FLR capable.
        w8(0x40, 0x10)
        w8(0x41, 0x70)
        w16(0x42, 0x0002)
        w32(0x44, 0x10008001)
        w16(0x48, 0x2030)
        w32(0x4c, 0x00000104 if not vf else 0)  # 16 GT/s x16
        w16(0x52, 0x0104 if not vf else 0)
        w32(0x64, 0x00000010)                   # devcap2: completion timeout
        # MSI-X, 16 vectors in BAR0.
        w8(0x70, 0x11)
        w8(0x71, 0x00)
        w16(0x72, 0x000f)
        w32(0x74, 0x00002000)
        w32(0x78, 0x00003000)
        if sriov is not None:
            p = SRIOV_POS
            # SR-IOV extended capability (id 0x10, v1), then ARI (id 0x0e).
            w32(p, 0x0010 | (1 << 16) | (0x140 << 20))
            w32(p + 0x04, 0x00000002)         # ARI capable hierarchy preserved
            w16(p + 0x08, 0x0010)             # ARI capable hierarchy
            w16(p + 0x0a, 0)
            w16(p + 0x0c, sriov['total'])     # InitialVFs
            w16(p + 0x0e, sriov['total'])     # TotalVFs
            w16(p + 0x10, 0)                  # NumVFs
            w8(p + 0x12, 0)
            w16(p + 0x14, sriov['offset'])
            w16(p + 0x16, sriov['stride'])
            w16(p + 0x1a, sriov['vfdevice'])
            w32(p + 0x1c, 0x00000553)         # supported page sizes
            w32(p + 0x20, 0x00000001)         # system page size 4K
            w32(p + 0x24, (sriov['vfbar'] & 0xfffffff0) | 0xc)
            w32(p + 0x28, sriov['vfbar'] >> 32)
            w32(0x140, 0x000e | (1 << 16))
        return bytes(c)

    def _set_config_numvfs(self, pf, n):
        """Mirror NumVFs and VF Enable/MSE into the PF's config space."""
        path = self.dev(pf, 'config')
        c = bytearray(open(path, 'rb').read())
        if len(c) < SRIOV_POS + 0x40:
            return
        struct.pack_into('<H', c, SRIOV_POS + 0x10, n)
        ctrl = struct.unpack_from('<H', c, SRIOV_POS + 0x08)[0]
        ctrl = (ctrl | 0x9) if n else (ctrl & ~0x9)
        struct.pack_into('<H', c, SRIOV_POS + 0x08, ctrl)
        _write(path, bytes(c))

    # ---- devices -----------------------------------------------------------
    def _next_group(self):
        used = [int(e) for e in os.listdir(self.groups) if e.isdigit()]
        return max(used) + 1 if used else 0

    def _add_to_group(self, addr, devdir_rel_from_sys):
        g = self._next_group()
        gd = os.path.join(self.groups, str(g))
        os.makedirs(os.path.join(gd, 'devices'))
        _create(os.path.join(gd, 'type'), 'DMA\n', 0o444)
        _create(os.path.join(gd, 'reserved_regions'),
               '0x00000000fee00000 0x00000000feefffff msi\n', 0o444)
        _symlink('../../../../' + devdir_rel_from_sys,
                 os.path.join(gd, 'devices', addr))
        _symlink('../../../kernel/iommu_groups/%d' % g,
                 os.path.join(self.sys, devdir_rel_from_sys, 'iommu_group'))
        return g

    def _uevent(self, addr, create=False):
        drv = self.driver_of(addr)
        v = self.attr_int(addr, 'vendor')
        d = self.attr_int(addr, 'device')
        sv = self.attr_int(addr, 'subsystem_vendor')
        sd = self.attr_int(addr, 'subsystem_device')
        cls = self.attr_int(addr, 'class')
        lines = []
        if drv:
            lines.append('DRIVER=%s' % drv)
        lines += ['PCI_CLASS=%X' % cls, 'PCI_ID=%04X:%04X' % (v, d),
                  'PCI_SUBSYS_ID=%04X:%04X' % (sv, sd),
                  'PCI_SLOT_NAME=%s' % addr,
                  'MODALIAS=%s' % self.attr(addr, 'modalias')]
        (_create if create else _write)(self.dev(addr, 'uevent'),
                                         '\n'.join(lines) + '\n')

    def add_device(self, addr, parent_rel, vendor, device, cls, rev, subv,
                   subd, bar0, bar_size, numa=0, vf=False, sriov=None,
                   extra_res=None, reset=True):
        """Creates sys/<parent_rel>/<addr>/ with the kernel's attribute
        files and its bus/pci/devices link. Returns the group number."""
        if os.path.lexists(self.dev(addr)):
            raise ValueError('device %s exists already' % addr)
        rel = os.path.join(parent_rel, addr)     # relative to sys/
        d = os.path.join(self.sys, rel)
        os.makedirs(d)
        dom, bus, devfn = parse_addr(addr)
        irq = 0 if vf else 16 + (bus + devfn) % 16
        ro = 0o444
        _create(os.path.join(d, 'vendor'), '0x%04x\n' % vendor, ro)
        _create(os.path.join(d, 'device'), '0x%04x\n' % device, ro)
        _create(os.path.join(d, 'subsystem_vendor'), '0x%04x\n' % subv, ro)
        _create(os.path.join(d, 'subsystem_device'), '0x%04x\n' % subd, ro)
        _create(os.path.join(d, 'class'), '0x%06x\n' % cls, ro)
        _create(os.path.join(d, 'revision'), '0x%02x\n' % rev, ro)
        _create(os.path.join(d, 'irq'), '%d\n' % irq, ro)
        _create(os.path.join(d, 'numa_node'), '%d\n' % numa)
        _create(os.path.join(d, 'local_cpulist'), '0-1\n', ro)
        _create(os.path.join(d, 'enable'), '%d\n' % (0 if vf else 1))
        _create(os.path.join(d, 'driver_override'), '(null)\n')
        _create(os.path.join(d, 'remove'), '', 0o200)
        # The kernel shows reset only for a device it can reset
        # (pci_dev_reset_attr_is_visible()).
        if reset:
            _create(os.path.join(d, 'reset'), '', 0o200)
        _create(os.path.join(d, 'modalias'),
               'pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n'
               % (vendor, device, subv, subd, cls >> 16, (cls >> 8) & 0xff,
                  cls & 0xff), ro)
        # resource: 6 BARs, the ROM and (CONFIG_PCI_IOV) 6 VF BARs.
        res = [(0, 0, 0)] * 13
        res[0] = (bar0, bar0 + bar_size - 1, 0x14220c)
        if extra_res:
            res[7] = extra_res
        _create(os.path.join(d, 'resource'),
               ''.join('0x%016x 0x%016x 0x%016x\n' % r for r in res), ro)
        _create(os.path.join(d, 'config'),
               self.config_space(vendor, device, cls, rev, subv, subd, irq,
                                 vf, bar0, sriov))
        _symlink('../../../bus/pci', os.path.join(d, 'subsystem'))
        _symlink('../../../' + rel, self.dev(addr))
        if sriov is not None:
            _create(os.path.join(d, 'sriov_totalvfs'), '%d\n' % sriov['total'], ro)
            _create(os.path.join(d, 'sriov_numvfs'), '0\n', 0o664)
            _create(os.path.join(d, 'sriov_offset'), '%d\n' % sriov['offset'], ro)
            _create(os.path.join(d, 'sriov_stride'), '%d\n' % sriov['stride'], ro)
            _create(os.path.join(d, 'sriov_vf_device'), '%x\n' % sriov['vfdevice'], ro)
            _create(os.path.join(d, 'sriov_drivers_autoprobe'), '1\n')
        g = self._add_to_group(addr, rel)
        self._uevent(addr, create=True)
        if self.on_new_device:
            self.on_new_device(addr, d)
        return g

    def add_pf(self, addr, typ='net', total=8, **kw):
        t = dict(TYPES[typ])
        t.update({k: v for k, v in kw.items() if v is not None})
        dom, bus, devfn = parse_addr(addr)
        # The last VF must fit below bus ff (the kernel would refuse it).
        vf_addr(addr, t['offset'], t['stride'], max(total - 1, 0))
        bar0 = 0x380000000000 + (dom << 40) + (bus << 28) + (devfn << 20)
        vfbar = bar0 + 0x1000000
        sriov = dict(total=total, offset=t['offset'], stride=t['stride'],
                     vfdevice=t['vfdevice'], vfbar=vfbar)
        parent = 'devices/pci%04x:%02x' % (dom, bus)
        os.makedirs(os.path.join(self.sys, parent), exist_ok=True)
        self.add_device(addr, parent, t['vendor'], t['device'], t['cls'],
                        t['rev'], t['subvendor'], t['subdevice'], bar0,
                        0x100000, sriov=sriov,
                        extra_res=(vfbar, vfbar + VF_BAR_SIZE * total - 1,
                                   0x14220c) if total else None)
        if t.get('driver'):
            self.bind(addr, t['driver'])
        return addr

    def add_plain(self, addr, typ='net', **kw):
        """A device without SR-IOV (to check that scans leave it out)."""
        t = dict(TYPES[typ])
        t.update({k: v for k, v in kw.items() if v is not None})
        dom, bus, devfn = parse_addr(addr)
        parent = 'devices/pci%04x:%02x' % (dom, bus)
        os.makedirs(os.path.join(self.sys, parent), exist_ok=True)
        bar0 = 0x3c0000000000 + (bus << 28) + (devfn << 20)
        self.add_device(addr, parent, t['vendor'], t['device'], t['cls'],
                        t['rev'], t['subvendor'], t['subdevice'], bar0,
                        0x100000)
        if t.get('driver'):
            self.bind(addr, t['driver'])

    def _vf_create(self, pf, index):
        offset = self.attr_int(pf, 'sriov_offset')
        stride = self.attr_int(pf, 'sriov_stride')
        addr = vf_addr(pf, offset, stride, index)
        pfdir = os.path.realpath(self.dev(pf))
        parent_rel = os.path.relpath(os.path.dirname(pfdir), self.sys)
        vfbar = int(_read(self.dev(pf, 'resource')).splitlines()[7].split()[0], 16)
        # A VF sits beside its PF (virtfn->dev.parent = PF's parent).
        self.add_device(addr, parent_rel,
                        self.attr_int(pf, 'vendor'),
                        int(self.attr(pf, 'sriov_vf_device'), 16),
                        self.attr_int(pf, 'class'),
                        self.attr_int(pf, 'revision'),
                        self.attr_int(pf, 'subsystem_vendor'),
                        self.attr_int(pf, 'subsystem_device'),
                        vfbar + VF_BAR_SIZE * index, VF_BAR_SIZE,
                        numa=self.attr_int(pf, 'numa_node'), vf=True,
                        reset=self.vf_reset_mode(pf) != 'none')
        _symlink('../' + pf, self.dev(addr, 'physfn'))
        return addr

    # ---- driver core -------------------------------------------------------
    def _driver_matches(self, addr, drv, meta):
        """pci_match_device(): an override names the only driver that may
        bind; otherwise dynamic IDs, then the static ID table."""
        ov = self.override_of(addr)
        if ov is not None:
            return ov == drv
        info = meta['drivers'].get(drv, dict(ids=[], dynids=[]))
        v = self.attr_int(addr, 'vendor')
        d = self.attr_int(addr, 'device')
        for iv, idv in info.get('dynids', []) + info.get('ids', []):
            if iv == v and (idv is None or idv == d):
                return True
        return False

    def _can_probe(self, addr, drv):
        """pci_device_can_probe(): a VF of a PF with sriov_drivers_autoprobe
        0 binds only to the driver its override names."""
        pf = self.physfn(addr)
        if pf is None or self.attr(pf, 'sriov_drivers_autoprobe') == '1':
            return True
        return self.override_of(addr) == drv

    def bind(self, addr, drv):
        """really_probe() succeeded: links both ways, enable, uevent."""
        # A driver's dev_groups (vfmig_virtio_pci's vfmig/) are made in
        # really_probe() before probe, so before the driver link: whoever
        # sees the link finds the group.
        if drv == 'vfmig_virtio_pci':
            self._vfmig_create(addr)
        if drv in VFIO_DRIVERS:
            self._vfio_dev_create(addr)
        _symlink('../../../../devices/' +
                 os.path.relpath(os.path.realpath(self.dev(addr)),
                                 os.path.join(self.sys, 'devices')),
                 os.path.join(self.drivers, drv, addr))
        _symlink('../../../bus/pci/drivers/' + drv, self.dev(addr, 'driver'))
        _write(self.dev(addr, 'enable'), '1\n')
        self._uevent(addr)

    def release(self, addr):
        drv = self.driver_of(addr)
        if drv is None:
            return
        if self.is_pf(addr) and self.virtfns(addr):
            # pci_device_remove() -> sriov_configure(0) for drivers that
            # have it; the kernel warns otherwise. Do what the driver does.
            self.set_num_vfs_now(addr, 0)
        # The driver's dev_groups go with the driver. The kernel removes
        # them just after the driver link; here just before, so that a
        # caller waiting for the link to go sees the final state.
        _rmtree(self.dev(addr, 'vfmig'))
        _rmtree(self.dev(addr, 'vfio-dev'))
        _unlink(self.dev(addr, 'driver'))
        _unlink(os.path.join(self.drivers, drv, addr))
        _write(self.dev(addr, 'enable'), '0\n')
        self._uevent(addr)

    def device_attach(self, addr, meta=None):
        """device_attach(): first matching driver that may probe."""
        if self.driver_of(addr) is not None:
            return self.driver_of(addr)
        meta = meta or self.load_meta()
        for drv in self.driver_names():
            if self._driver_matches(addr, drv, meta) and \
               self._can_probe(addr, drv) and not self._probe_fails(drv, meta):
                self.bind(addr, drv)
                return drv
        return None

    @staticmethod
    def _probe_fails(drv, meta):
        """A driver made with --failing-driver refuses every device (its
        probe returns an error; the kernel then tries the next driver)."""
        return meta['drivers'].get(drv, {}).get('fail_probe', False)

    def bind_store(self, drv, addr):
        """drivers/<drv>/bind"""
        meta = self.load_meta()
        if not ADDR_RE.match(addr) or not self.exists(addr):
            raise KernelError(errno.ENODEV, '%s: no such device' % addr)
        if self.driver_of(addr) is not None:
            raise KernelError(errno.EBUSY, '%s: already bound to %s'
                              % (addr, self.driver_of(addr)))
        if not self._driver_matches(addr, drv, meta) or \
           not self._can_probe(addr, drv):
            raise KernelError(errno.ENODEV, '%s: %s does not match it'
                              % (addr, drv))
        if self._probe_fails(drv, meta):
            raise KernelError(errno.EINVAL, '%s: probe of %s failed'
                              % (addr, drv))
        self.bind(addr, drv)

    def unbind_store(self, drv, addr):
        """drivers/<drv>/unbind"""
        if not self.exists(addr) or self.driver_of(addr) != drv:
            raise KernelError(errno.ENODEV, '%s: not bound to %s' % (addr, drv))
        self.release(addr)

    def drivers_probe_store(self, addr):
        """bus/pci/drivers_probe"""
        if not ADDR_RE.match(addr) or not self.exists(addr):
            raise KernelError(errno.ENODEV, '%s: no such device' % addr)
        self.device_attach(addr)

    def new_id_store(self, drv, text, remove=False):
        f = text.split()
        if len(f) < 2:
            raise KernelError(errno.EINVAL, 'new_id: want "vendor device"')
        try:
            ent = [int(f[0], 16), int(f[1], 16)]
        except ValueError:
            raise KernelError(errno.EINVAL, 'new_id: bad number')
        meta = self.load_meta()
        info = meta['drivers'].setdefault(drv, dict(ids=[], sriov=False, dynids=[]))
        if remove:
            if ent not in info['dynids']:
                raise KernelError(errno.ENODEV, 'remove_id: no such id')
            info['dynids'].remove(ent)
            self.save_meta(meta)
            return
        if ent not in info['dynids']:
            info['dynids'].append(ent)
        self.save_meta(meta)
        # new_id_store() attaches matching unbound devices right away.
        for addr in self.all_devices():
            if self.driver_of(addr) is None and \
               self._driver_matches(addr, drv, meta) and \
               self._can_probe(addr, drv) and \
               not self._probe_fails(drv, meta):
                self.bind(addr, drv)

    def override_store(self, addr, text):
        """driver_override: "" or "\\n" clears, anything else is stored."""
        v = text.split('\n', 1)[0]
        _write(self.dev(addr, 'driver_override'),
               '(null)\n' if v == '' or v == '(null)' else v + '\n')

    def autoprobe_store(self, addr, text):
        meta = self.load_meta()
        key = addr + '/sriov_drivers_autoprobe'
        old = meta['shadow'].get(key, '1')
        v = text.strip().lower()
        new = {'1': '1', 'y': '1', 'yes': '1', 'on': '1', 'true': '1',
               '0': '0', 'n': '0', 'no': '0', 'off': '0', 'false': '0'}.get(v)
        _write(self.dev(addr, 'sriov_drivers_autoprobe'), (new or old) + '\n')
        if new is None:
            raise KernelError(errno.EINVAL, '%s: bad autoprobe value %r'
                              % (addr, text))
        meta['shadow'][key] = new
        self.save_meta(meta)

    # ---- SR-IOV --------------------------------------------------------------
    def set_num_vfs_now(self, pf, n):
        """sriov_enable()/sriov_disable() without the sysfs checks."""
        cur = self.virtfns(pf)
        if n == 0:
            for idx in sorted(cur, reverse=True):
                self.remove_device(cur[idx])
        else:
            meta = self.load_meta()
            autoprobe = (self.attr(pf, 'sriov_drivers_autoprobe') == '1' and
                         _read(os.path.join(self.bus, 'drivers_autoprobe')).strip() == '1')
            new = {}
            for idx in range(n):
                if idx in cur:
                    continue
                new[idx] = self._vf_create(pf, idx)
                if autoprobe:
                    self.device_attach(new[idx], meta)
            self._set_config_numvfs(pf, n)
            _write(self.dev(pf, 'sriov_numvfs'), '%d\n' % n, 0o664)
            # The virtfn links last (the kernel makes them before probing):
            # whoever waits for N links then finds the VFs complete.
            for idx, addr in new.items():
                _symlink('../' + addr, self.dev(pf, 'virtfn%d' % idx))
            return
        self._set_config_numvfs(pf, len(self.virtfns(pf)))
        _write(self.dev(pf, 'sriov_numvfs'), '%d\n' % len(self.virtfns(pf)), 0o664)

    def numvfs_store(self, pf, text):
        """sriov_numvfs_store(). The file shows the kernel's count again
        also after a refused write."""
        cur = len(self.virtfns(pf))
        # First show the old count, and write the new one only when all is
        # done: "file and virtfn links both say N" then means settled, and
        # no later rewrite of ours can clobber the writer's next write.
        _write(self.dev(pf, 'sriov_numvfs'), '%d\n' % cur, 0o664)
        try:
            n = int(text.strip(), 0)
            if n < 0:
                raise ValueError
        except ValueError:
            raise KernelError(errno.EINVAL, '%s: bad numvfs %r' % (pf, text))
        total = self.attr_int(pf, 'sriov_totalvfs')
        if n > total:
            raise KernelError(errno.ERANGE, '%s: numvfs %d > total %d'
                              % (pf, n, total))
        if n == cur:
            return
        drv = self.driver_of(pf)
        if drv is None:
            raise KernelError(errno.ENOENT, '%s: no driver bound' % pf)
        if not self.load_meta()['drivers'].get(drv, {}).get('sriov'):
            raise KernelError(errno.ENOENT, '%s: driver %s has no '
                              'sriov_configure' % (pf, drv))
        if n != 0 and cur != 0:
            raise KernelError(errno.EBUSY, '%s: %d VFs already enabled'
                              % (pf, cur))
        self.set_num_vfs_now(pf, n)

    # ---- function reset ------------------------------------------------------
    # mkfakehost's reset= of a PF says how its VFs reset: 'ok' (default),
    # 'none' (no reset attribute: the device has no reset method) or 'fail'
    # (the attribute is there but the reset fails, -ENOTTY). Each reset
    # done appends a line to .fakehost/resets/ADDR, for the tests.
    RESET_MODES = ('ok', 'none', 'fail')

    def set_vf_reset_mode(self, pf, mode):
        if mode not in self.RESET_MODES:
            raise ValueError('%s: bad reset mode %r (known: %s)'
                             % (pf, mode, ', '.join(self.RESET_MODES)))
        meta = self.load_meta()
        meta.setdefault('reset', {})[pf] = mode
        self.save_meta(meta)

    def vf_reset_mode(self, pf):
        return self.load_meta().get('reset', {}).get(pf, 'ok')

    def resets_path(self, addr):
        return os.path.join(self.meta_dir, 'resets', addr)

    def resets(self, addr):
        """One line per reset done, naming the driver bound at the time."""
        try:
            return _read(self.resets_path(addr)).splitlines()
        except FileNotFoundError:
            return []

    def reset_store(self, addr, text):
        """reset_store(): "1" resets the function, anything else EINVAL."""
        try:
            v = int(text.strip(), 0)
        except ValueError:
            v = None
        if v != 1:
            raise KernelError(errno.EINVAL, '%s: bad reset value %r'
                              % (addr, text))
        pf = self.physfn(addr)
        if pf is not None and self.vf_reset_mode(pf) == 'fail':
            raise KernelError(errno.ENOTTY, '%s: function reset failed'
                              % addr)
        os.makedirs(os.path.dirname(self.resets_path(addr)), exist_ok=True)
        with open(self.resets_path(addr), 'a') as f:
            f.write('driver=%s\n' % (self.driver_of(addr) or 'none'))

    # ---- vfmig_virtio_pci's sysfs profile ---------------------------------
    # mkfakehost's vfmig options of a PF (features=, driver_features=,
    # stream=, mflags=, legacy=, transport=) apply to its VFs bound to
    # vfmig_virtio_pci from then on, so tests can build incompatible hosts.
    def set_vfmig_options(self, pf, **opts):
        opts = check_vfmig_options(pf, opts)
        meta = self.load_meta()
        meta.setdefault('vfmig', {}).setdefault(pf, {}).update(opts)
        self.save_meta(meta)

    def vfmig_profile(self, addr):
        """The values vfmig/ shows for a VF bound now (dict of strings)."""
        pf = self.physfn(addr)
        o = self.load_meta().get('vfmig', {}).get(pf or addr, {})
        dev = self.attr_int(addr, 'device')
        typ = {0x1041: 'net', 0x1000: 'net', 0x1042: 'blk',
               0x1001: 'blk'}.get(dev, 'none') \
            if self.attr_int(addr, 'vendor') == 0x1af4 else 'none'
        transport = o.get('transport', 'virtio')
        if transport == 'none':
            typ = 'none'
        # Legacy I/O only for transitional net (kmod-interface §7).
        legacy = o.get('legacy', 1 if dev == 0x1000 else 0)
        if typ != 'net':
            legacy = 0
        out = {
            'type': typ,
            'transport': transport,
            'features': '0x%016x' % o.get('features', VFMIG_FEATURES.get(typ, 0)),
            'driver_features': '0x%016x' % o.get('driver_features', 0),
            'stream_version': o.get('stream', '1.0'),
            'migration_flags': '0x%x' % (o.get('mflags', 0x7)
                                         if transport != 'none' else 0),
            'legacy_io': '%d' % legacy,
        }
        for c in VFMIG_COUNTERS:
            out[c] = '0'
        return out

    def _vfmig_create(self, addr):
        d = self.dev(addr, 'vfmig')
        _rmtree(d)
        os.makedirs(d)
        for k, v in self.vfmig_profile(addr).items():
            _create(os.path.join(d, k), v + '\n', 0o444)

    # ---- the VFIO core's device node ----------------------------------------
    # vfio_device_add() (since 6.1) puts <dev>/vfio-dev/vfio<N> under every
    # device a VFIO driver binds; libvirt recognises VFIO variant drivers by
    # it. N is a minor number unique while bound.
    def _vfio_dev_create(self, addr):
        d = self.dev(addr, 'vfio-dev')
        _rmtree(d)
        taken = set()
        for dev in os.listdir(os.path.join(self.sys, 'bus/pci/devices')):
            try:
                taken.update(os.listdir(self.dev(dev, 'vfio-dev')))
            except FileNotFoundError:
                pass
        n = 0
        while 'vfio%d' % n in taken:
            n += 1
        os.makedirs(os.path.join(d, 'vfio%d' % n))
        _create(os.path.join(d, 'vfio%d' % n, 'dev'), '511:%d\n' % n, 0o444)

    # ---- removal ---------------------------------------------------------------
    def remove_device(self, addr):
        """pci_stop_and_remove_bus_device(): VFs first, driver released,
        links and group gone."""
        if not ADDR_RE.match(addr) or not self.exists(addr):
            raise KernelError(errno.ENODEV, '%s: no such device' % addr)
        if self.is_pf(addr):
            for idx, vf in sorted(self.virtfns(addr).items(), reverse=True):
                self.remove_device(vf)
                _unlink(self.dev(addr, 'virtfn%d' % idx))
        self.release(addr)
        pf = self.physfn(addr)
        if pf is not None and self.exists(pf):
            for idx, vf in self.virtfns(pf).items():
                if vf == addr:
                    _unlink(self.dev(pf, 'virtfn%d' % idx))
        real = os.path.realpath(self.dev(addr))
        try:
            g = os.path.basename(os.readlink(os.path.join(real, 'iommu_group')))
            gd = os.path.join(self.groups, g)
            _unlink(os.path.join(gd, 'devices', addr))
            if not os.listdir(os.path.join(gd, 'devices')):
                _rmtree(gd)
        except FileNotFoundError:
            pass
        _unlink(self.dev(addr))
        _rmtree(real)
        _unlink(self.resets_path(addr))   # a new device starts at zero
