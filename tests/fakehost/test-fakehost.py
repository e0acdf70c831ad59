#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Self-test of the fake host: the tree reads like the kernel's (lspci,
through libpci's sysfs back end, sees the devices and the SR-IOV
capability) and the fake kernel reacts to writes like the kernel."""

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.realpath(__file__))
MKFAKEHOST = os.path.join(HERE, 'mkfakehost')
FAKEKERNEL = os.path.join(HERE, 'fakekernel')
REMOVE = os.path.join(HERE, 'fakehost-remove')
LSPCI = os.environ.get('LSPCI') or shutil.which('lspci')
# Thousands of small files: a tmpfs is ten times faster than a disk.
TMP = '/dev/shm' if os.access('/dev/shm', os.W_OK) else None

SPEC = ['--pf', '0000:3b:00.0,type=net,total=16',
        '--pf', '0000:5e:00.0,type=blk,total=8,num=2',
        '--pf', '0000:af:00.0,type=igb,total=7']


def settle(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.002)
    return pred()


class Base(unittest.TestCase):
    spec = SPEC
    extra = []

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix='fakehost-test-', dir=TMP)
        subprocess.run([MKFAKEHOST, '--root', self.root] + self.spec +
                       self.extra, check=True)
        self.bus = os.path.join(self.root, 'sys/bus/pci')
        self.pidfile = os.path.join(self.root, 'kernel.pid')
        self.kernel = subprocess.Popen(
            [FAKEKERNEL, '--root', self.root, '--pidfile', self.pidfile],
            stdout=subprocess.PIPE, text=True)
        self.assertEqual(self.kernel.stdout.readline(), 'READY\n')
        with open(self.pidfile) as f:
            self.assertEqual(int(f.read()), self.kernel.pid)

    def tearDown(self):
        self.kernel.terminate()
        self.assertEqual(self.kernel.wait(10), 0)
        self.kernel.stdout.close()
        self.assertFalse(os.path.exists(self.pidfile))
        shutil.rmtree(self.root)

    # Plain file access, as a shell script or the agent would do it.
    def dev(self, addr, attr=''):
        return os.path.join(self.bus, 'devices', addr, attr)

    def read(self, addr, attr):
        with open(self.dev(addr, attr)) as f:
            return f.read().strip()

    def write(self, path, text):
        with open(path, 'w') as f:
            f.write(text)

    def driver(self, addr):
        try:
            return os.path.basename(os.readlink(self.dev(addr, 'driver')))
        except FileNotFoundError:
            return None

    def virtfns(self, pf):
        return sorted((int(e[6:]), os.path.basename(os.readlink(self.dev(pf, e))))
                      for e in os.listdir(self.dev(pf)) if e.startswith('virtfn'))

    def numvfs_is(self, pf, n):
        """Settled: the kernel's count and the virtfn links agree."""
        return (self.read(pf, 'sriov_numvfs') == str(n) and
                len(self.virtfns(pf)) == n)

    def lspci(self, *args):
        if not LSPCI:
            self.skipTest('lspci (pciutils) not installed')
        r = subprocess.run([LSPCI, '-A', 'linux-sysfs', '-O',
                            'sysfs.path=' + self.bus] + list(args),
                           check=True, capture_output=True, text=True)
        return r.stdout


class Layout(Base):
    def test_lspci_sees_devices(self):
        out = self.lspci('-nn')
        self.assertIn('3b:00.0 Ethernet controller [0200]', out)
        self.assertIn('[1af4:1041]', out)
        self.assertIn('5e:00.0 SCSI storage controller [0100]', out)
        self.assertIn('[1af4:1042]', out)
        self.assertIn('af:00.0 Ethernet controller [0200]', out)
        self.assertIn('[8086:10c9]', out)
        # The two VFs of 5e:00.0 (enabled at generation).
        self.assertIn('5e:00.1 ', out)
        self.assertIn('5e:00.2 ', out)
        self.assertEqual(len(out.strip().splitlines()), 5)

    def test_lspci_sriov_capability(self):
        out = self.lspci('-vvv', '-s', '3b:00.0')
        self.assertIn('Single Root I/O Virtualization (SR-IOV)', out)
        self.assertIn('Total VFs: 16, Number of VFs: 0', out)
        self.assertIn('VF offset: 1, stride: 1, Device ID: 1041', out)
        self.assertIn('Kernel driver in use: virtio-pci', out)
        self.assertIn('IOMMU group', self.lspci('-v', '-s', '3b:00.0'))
        out = self.lspci('-vvv', '-s', 'af:00.0')
        self.assertIn('VF offset: 128, stride: 2, Device ID: 10ca', out)

    def test_vf_config_reads_ffff(self):
        with open(self.dev('0000:5e:00.1', 'config'), 'rb') as f:
            c = f.read()
        self.assertEqual(len(c), 4096)
        self.assertEqual(struct.unpack_from('<HH', c, 0), (0xffff, 0xffff))
        self.assertEqual(self.read('0000:5e:00.1', 'vendor'), '0x1af4')
        self.assertEqual(self.read('0000:5e:00.1', 'device'), '0x1042')
        # lspci takes the IDs from the files, like on real hardware.
        self.assertIn('[1af4:1042]', self.lspci('-nn', '-s', '5e:00.1'))

    def test_links(self):
        self.assertEqual(self.virtfns('0000:5e:00.0'),
                         [(0, '0000:5e:00.1'), (1, '0000:5e:00.2')])
        self.assertEqual(os.readlink(self.dev('0000:5e:00.2', 'physfn')),
                         '../0000:5e:00.0')
        self.assertEqual(os.readlink(os.path.join(self.bus, 'devices',
                                                  '0000:5e:00.2')),
                         '../../../devices/pci0000:5e/0000:5e:00.2')
        g = os.readlink(self.dev('0000:5e:00.2', 'iommu_group'))
        self.assertTrue(g.startswith('../../../kernel/iommu_groups/'))
        gdir = os.path.realpath(self.dev('0000:5e:00.2', 'iommu_group'))
        self.assertEqual(os.listdir(os.path.join(gdir, 'devices')),
                         ['0000:5e:00.2'])
        back = os.path.join(self.bus, 'drivers', 'virtio-pci', '0000:5e:00.2')
        self.assertEqual(os.path.realpath(back),
                         os.path.realpath(self.dev('0000:5e:00.2')))
        self.assertEqual(self.read('0000:5e:00.2', 'driver_override'), '(null)')
        for f in ('sriov_totalvfs', 'sriov_numvfs', 'sriov_offset',
                  'sriov_stride', 'sriov_vf_device', 'sriov_drivers_autoprobe'):
            self.assertTrue(os.path.exists(self.dev('0000:3b:00.0', f)), f)
            self.assertFalse(os.path.exists(self.dev('0000:5e:00.1', f)), f)


class Bulk(unittest.TestCase):
    def test_8x256_addresses(self):
        root = tempfile.mkdtemp(prefix='fakehost-bulk-', dir=TMP)
        try:
            subprocess.run([MKFAKEHOST, '--root', root, '--pfs', '8',
                            '--total', '256', '--num-vfs', '256'], check=True)
            bus = os.path.join(root, 'sys/bus/pci/devices')
            devs = os.listdir(bus)
            self.assertEqual(len(devs), 8 * 257)
            # PF 0 at 10:00.0: VF n at routing ID 0x1000 + 1 + n, so
            # VF 254 is 10:1f.7 and VF 255 crosses to bus 11.
            pf = os.path.join(bus, '0000:10:00.0')
            self.assertEqual(os.readlink(os.path.join(pf, 'virtfn254')),
                             '../0000:10:1f.7')
            self.assertEqual(os.readlink(os.path.join(pf, 'virtfn255')),
                             '../0000:11:00.0')
            # The next PF leaves room for that bus.
            self.assertIn('0000:12:00.0', devs)
        finally:
            shutil.rmtree(root)

    def test_bad_spec(self):
        root = tempfile.mkdtemp(prefix='fakehost-bad-', dir=TMP)
        try:
            for bad in (['--pf', '0000:3b:00.0,type=nosuch'],
                        ['--pf', '3b:00'],
                        ['--pf', '0000:3b:00.0,bogus=1'],
                        ['--pf', '0000:3b:00.0,reset=maybe'],
                        ['--pf', '0000:3b:00.0,features=xyz'],
                        ['--pf', '0000:3b:00.0,stream=1'],
                        ['--pf', '0000:3b:00.0,legacy=2'],
                        ['--pf', '0000:3b:00.0,transport=pcie'],
                        ['--pf', '0000:ff:00.0,total=300']):
                r = subprocess.run([MKFAKEHOST, '--root', root, '--force'] + bad,
                                   capture_output=True, text=True)
                self.assertNotEqual(r.returncode, 0, bad)
                self.assertTrue(r.stderr.strip(), bad)
        finally:
            shutil.rmtree(root)


class Kernel(Base):
    def test_numvfs(self):
        pf = '0000:3b:00.0'
        self.write(self.dev(pf, 'sriov_numvfs'), '4')
        self.assertTrue(settle(lambda: self.numvfs_is(pf, 4)))
        self.assertEqual([a for _, a in self.virtfns(pf)],
                         ['0000:3b:00.1', '0000:3b:00.2', '0000:3b:00.3',
                          '0000:3b:00.4'])
        # Autoprobe bound them to virtio-pci.
        self.assertTrue(settle(lambda: self.driver('0000:3b:00.4') == 'virtio-pci'))
        with open(self.dev(pf, 'config'), 'rb') as f:
            c = f.read()
        self.assertEqual(struct.unpack_from('<H', c, 0x110)[0], 4)   # NumVFs
        self.assertEqual(struct.unpack_from('<H', c, 0x108)[0] & 1, 1)  # VF Enable

        # Non-zero to non-zero and above total: refused, value restored.
        for bad in ('8', '17', 'x', '-1'):
            self.write(self.dev(pf, 'sriov_numvfs'), bad)
            self.assertTrue(settle(lambda: self.read(pf, 'sriov_numvfs') == '4'))
            time.sleep(0.05)
            self.assertEqual(len(self.virtfns(pf)), 4)

        # Down to 0: drivers unbound, dirs, links and groups gone.
        groups = set(os.listdir(os.path.join(self.root, 'sys/kernel/iommu_groups')))
        self.write(self.dev(pf, 'sriov_numvfs'), '0\n')
        self.assertTrue(settle(lambda: self.numvfs_is(pf, 0)))
        self.assertFalse(os.path.exists(self.dev('0000:3b:00.1')))
        self.assertFalse(os.path.lexists(
            os.path.join(self.bus, 'drivers/virtio-pci/0000:3b:00.1')))
        self.assertEqual(len(groups) - 4, len(os.listdir(
            os.path.join(self.root, 'sys/kernel/iommu_groups'))))
        # And up again: the re-created dirs are watched as well.
        self.write(self.dev(pf, 'sriov_numvfs'), '16')
        self.assertTrue(settle(lambda: self.numvfs_is(pf, 16)))
        self.assertEqual(self.virtfns(pf)[15], (15, '0000:3b:02.0'))
        vf = '0000:3b:00.1'
        self.write(self.dev(vf, 'driver_override'), 'vfio-pci')
        self.assertTrue(settle(lambda: self.read(vf, 'driver_override') == 'vfio-pci'))

    def test_no_autoprobe_igb(self):
        pf = '0000:af:00.0'
        self.write(self.dev(pf, 'sriov_drivers_autoprobe'), '0')
        time.sleep(0.05)
        self.write(self.dev(pf, 'sriov_numvfs'), '3')
        self.assertTrue(settle(lambda: self.numvfs_is(pf, 3)))
        self.assertEqual([a for _, a in self.virtfns(pf)],
                         ['0000:af:10.0', '0000:af:10.2', '0000:af:10.4'])
        self.assertIsNone(self.driver('0000:af:10.0'))
        # Without override, drivers_probe does not bind a VF of a PF with
        # autoprobe off; with the override it binds that driver.
        vf = '0000:af:10.2'
        self.write(os.path.join(self.bus, 'drivers_probe'), vf)
        time.sleep(0.1)
        self.assertIsNone(self.driver(vf))
        self.write(self.dev(vf, 'driver_override'), 'vfio-pci\n')
        self.write(os.path.join(self.bus, 'drivers_probe'), vf)
        self.assertTrue(settle(lambda: self.driver(vf) == 'vfio-pci'))

    def test_bind_unbind_probe(self):
        vf = '0000:5e:00.1'
        drivers = os.path.join(self.bus, 'drivers')
        self.assertEqual(self.driver(vf), 'virtio-pci')
        # bind while bound: refused.
        self.write(os.path.join(drivers, 'vfio-pci', 'bind'), vf)
        time.sleep(0.05)
        self.assertEqual(self.driver(vf), 'virtio-pci')
        self.write(os.path.join(drivers, 'virtio-pci', 'unbind'), vf)
        self.assertTrue(settle(lambda: self.driver(vf) is None))
        # The write-only files are empty again.
        self.assertEqual(os.path.getsize(os.path.join(drivers, 'virtio-pci',
                                                      'unbind')), 0)
        # vfio-pci has no ID for it: bind refused.
        self.write(os.path.join(drivers, 'vfio-pci', 'bind'), vf)
        time.sleep(0.05)
        self.assertIsNone(self.driver(vf))
        # With an override, only that driver: virtio-pci may not bind.
        self.write(self.dev(vf, 'driver_override'), 'vfmig_virtio_pci')
        self.write(os.path.join(drivers, 'virtio-pci', 'bind'), vf)
        time.sleep(0.05)
        self.assertIsNone(self.driver(vf))
        self.write(os.path.join(self.bus, 'drivers_probe'), vf)
        self.assertTrue(settle(lambda: self.driver(vf) == 'vfmig_virtio_pci'))
        self.assertEqual(os.path.getsize(os.path.join(self.bus, 'drivers_probe')), 0)
        self.assertTrue(os.path.islink(os.path.join(drivers, 'vfmig_virtio_pci', vf)))
        # The VFIO core's node: libvirt tells VFIO variant drivers by it.
        self.assertEqual(os.listdir(self.dev(vf, 'vfio-dev')), ['vfio0'])
        # Clearing the override shows "(null)"; probing an unbound device
        # without override picks the ID match (virtio-pci).
        self.write(os.path.join(drivers, 'vfmig_virtio_pci', 'unbind'), vf)
        self.assertTrue(settle(lambda: self.driver(vf) is None))
        self.write(self.dev(vf, 'driver_override'), '\n')
        self.assertTrue(settle(lambda: self.read(vf, 'driver_override') == '(null)'))
        self.write(os.path.join(self.bus, 'drivers_probe'), vf)
        self.assertTrue(settle(lambda: self.driver(vf) == 'virtio-pci'))
        self.assertFalse(os.path.exists(self.dev(vf, 'vfio-dev')))
        # new_id makes vfio-pci match and grab unbound devices.
        vf2 = '0000:5e:00.2'
        self.write(os.path.join(drivers, 'virtio-pci', 'unbind'), vf2)
        self.assertTrue(settle(lambda: self.driver(vf2) is None))
        self.write(os.path.join(drivers, 'vfio-pci', 'new_id'), '1af4 1042')
        self.assertTrue(settle(lambda: self.driver(vf2) == 'vfio-pci'))
        self.assertTrue(os.path.isdir(os.path.join(self.dev(vf2, 'vfio-dev'), 'vfio0')))

    def test_numvfs_without_pf_driver(self):
        pf = '0000:3b:00.0'
        self.write(os.path.join(self.bus, 'drivers/virtio-pci/unbind'), pf)
        self.assertTrue(settle(lambda: self.driver(pf) is None))
        self.write(self.dev(pf, 'sriov_numvfs'), '2')
        self.assertTrue(settle(lambda: self.read(pf, 'sriov_numvfs') == '0'))
        time.sleep(0.05)
        self.assertEqual(self.virtfns(pf), [])

    def test_pf_unbind_disables_vfs(self):
        pf = '0000:5e:00.0'
        self.write(os.path.join(self.bus, 'drivers/virtio-pci/unbind'), pf)
        self.assertTrue(settle(lambda: self.driver(pf) is None))
        self.assertEqual(self.virtfns(pf), [])
        self.assertEqual(self.read(pf, 'sriov_numvfs'), '0')

    def test_hot_remove(self):
        subprocess.run([REMOVE, self.root, '0000:5e:00.2'], check=True)
        self.assertEqual(self.virtfns('0000:5e:00.0'), [(0, '0000:5e:00.1')])
        self.assertFalse(os.path.lexists(os.path.join(self.bus, 'devices',
                                                      '0000:5e:00.2')))
        self.write(self.dev('0000:5e:00.0', 'remove'), '1')
        self.assertTrue(settle(lambda: not os.path.lexists(
            os.path.join(self.bus, 'devices', '0000:5e:00.0'))))
        self.assertFalse(os.path.lexists(os.path.join(self.bus, 'devices',
                                                      '0000:5e:00.1')))
        r = subprocess.run([REMOVE, self.root, '0000:5e:00.0'],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn('0000:5e:00.0', r.stderr)
        # Something that is no address never reaches the file system.
        for bad in (self.root, '../../..', '3b:00.0'):
            r = subprocess.run([REMOVE, '--root', self.root, bad],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 1, bad)
        self.assertTrue(os.path.isdir(self.dev('0000:3b:00.0')))
        subprocess.run([REMOVE, '--root', self.root, '0000:3b:00.0'], check=True)
        self.assertFalse(os.path.lexists(self.dev('0000:3b:00.0')))


class Reset(Base):
    """reset: recorded per device in .fakehost/resets (not in sysfs);
    reset=none leaves the attribute out, reset=fail refuses the reset."""
    spec = SPEC + ['--pf', '0000:60:00.0,type=net,total=2,num=1,reset=none',
                   '--pf', '0000:61:00.0,type=net,total=2,num=1,reset=fail']

    def resets(self, addr):
        path = os.path.join(self.root, '.fakehost', 'resets', addr)
        try:
            with open(path) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def test_reset_recorded(self):
        vf = '0000:5e:00.1'
        self.assertEqual(os.stat(self.dev(vf, 'reset')).st_mode & 0o777, 0o200)
        self.assertEqual(self.resets(vf), [])
        self.write(self.dev(vf, 'reset'), '1')
        self.assertTrue(settle(lambda: len(self.resets(vf)) == 1))
        self.assertEqual(self.resets(vf), ['driver=virtio-pci'])
        # Write-only: emptied again, so the next write is seen as one.
        self.assertTrue(settle(lambda: self.read(vf, 'reset') == ''))
        self.write(self.dev(vf, 'reset'), '1\n')
        self.assertTrue(settle(lambda: len(self.resets(vf)) == 2))
        # Anything but 1 is refused (EINVAL) and resets nothing.
        self.write(self.dev(vf, 'reset'), '2')
        time.sleep(0.1)
        self.assertEqual(len(self.resets(vf)), 2)
        self.assertEqual(self.resets('0000:5e:00.2'), [])
        # The record lives outside the sysfs layout, and a VF made anew
        # starts at zero.
        self.assertFalse(os.path.exists(os.path.join(self.bus, 'resets')))
        pf = '0000:5e:00.0'
        self.write(self.dev(pf, 'sriov_numvfs'), '0')
        self.assertTrue(settle(lambda: self.numvfs_is(pf, 0)))
        self.write(self.dev(pf, 'sriov_numvfs'), '2')
        self.assertTrue(settle(lambda: self.numvfs_is(pf, 2)))
        self.assertEqual(self.resets(vf), [])

    def test_no_reset_attribute(self):
        self.assertFalse(os.path.exists(self.dev('0000:60:00.1', 'reset')))
        # The PF itself keeps its own.
        self.assertTrue(os.path.exists(self.dev('0000:60:00.0', 'reset')))
        # Also on VFs the fake kernel makes later.
        pf = '0000:60:00.0'
        self.write(self.dev(pf, 'sriov_numvfs'), '0')
        self.assertTrue(settle(lambda: self.numvfs_is(pf, 0)))
        self.write(self.dev(pf, 'sriov_numvfs'), '2')
        self.assertTrue(settle(lambda: self.numvfs_is(pf, 2)))
        self.assertFalse(os.path.exists(self.dev('0000:60:00.2', 'reset')))

    def test_reset_fails(self):
        vf = '0000:61:00.1'
        self.assertTrue(os.path.exists(self.dev(vf, 'reset')))
        self.write(self.dev(vf, 'reset'), '1')
        self.assertTrue(settle(lambda: self.read(vf, 'reset') == ''))
        time.sleep(0.1)
        self.assertEqual(self.resets(vf), [])
        # The kernel still works for the next device.
        self.write(self.dev('0000:5e:00.1', 'reset'), '1')
        self.assertTrue(settle(lambda: len(self.resets('0000:5e:00.1')) == 1))


class NoVariant(Base):
    extra = ['--no-variant-driver']

    def test_driver_absent(self):
        drivers = os.listdir(os.path.join(self.bus, 'drivers'))
        self.assertNotIn('vfmig_virtio_pci', drivers)
        self.assertIn('vfio-pci', drivers)
        vf = '0000:5e:00.1'
        self.write(os.path.join(self.bus, 'drivers/virtio-pci/unbind'), vf)
        self.assertTrue(settle(lambda: self.driver(vf) is None))
        self.write(self.dev(vf, 'driver_override'), 'vfmig_virtio_pci')
        self.write(os.path.join(self.bus, 'drivers_probe'), vf)
        time.sleep(0.1)
        self.assertIsNone(self.driver(vf))


class VariantProfile(Base):
    """vfmig_virtio_pci's vfmig/ directory (docs/kmod-interface.md §3):
    made on bind with the PF's vfmig options, gone on unbind."""
    spec = ['--pf', '0000:3b:00.0,type=net,total=2,num=2',
            '--pf', '0000:5e:00.0,type=blk,total=2,num=1,features=0x100000001,'
            'driver_features=0x1,stream=2.3,mflags=0x1',
            '--pf', '0000:d8:00.0,type=net-t,total=1,num=1',
            '--pf', '0000:e1:00.0,type=net,total=1,num=1,transport=none']
    FILES = {'type', 'transport', 'features', 'driver_features',
             'stream_version', 'migration_flags', 'legacy_io', 'saves',
             'restores', 'bytes_saved', 'bytes_restored', 'admin_cmds',
             'admin_cmds_stopped', 'last_error'}

    def rebind(self, vf, drv):
        cur = self.driver(vf)
        if cur:
            self.write(os.path.join(self.bus, 'drivers', cur, 'unbind'), vf)
            self.assertTrue(settle(lambda: self.driver(vf) is None))
        self.write(self.dev(vf, 'driver_override'), drv)
        self.write(os.path.join(self.bus, 'drivers_probe'), vf)
        self.assertTrue(settle(lambda: self.driver(vf) == drv))

    def profile(self, vf):
        d = self.dev(vf, 'vfmig')
        return {n: self.read(vf, os.path.join('vfmig', n)) for n in os.listdir(d)}

    def test_defaults_and_removal(self):
        vf = '0000:3b:00.1'
        self.assertFalse(os.path.exists(self.dev(vf, 'vfmig')))
        self.rebind(vf, 'vfmig_virtio_pci')
        p = self.profile(vf)
        self.assertEqual(set(p), self.FILES)
        self.assertEqual(p['type'], 'net')
        self.assertEqual(p['transport'], 'virtio')
        self.assertRegex(p['features'], r'^0x[0-9a-f]{16}$')
        self.assertEqual(p['features'], '0x000000230043802b')
        self.assertEqual(p['driver_features'], '0x0000000000000000')
        self.assertEqual(p['stream_version'], '1.0')
        self.assertEqual(p['migration_flags'], '0x7')
        self.assertEqual(p['legacy_io'], '0')
        self.assertEqual(p['last_error'], '0')
        # Read-only, like every file of the group.
        self.assertEqual(os.stat(self.dev(vf, 'vfmig/features')).st_mode & 0o777, 0o444)
        # Another driver: the group goes with vfmig_virtio_pci.
        self.rebind(vf, 'vfio-pci')
        self.assertFalse(os.path.exists(self.dev(vf, 'vfmig')))
        # The other VF of the PF never had one.
        self.assertFalse(os.path.exists(self.dev('0000:3b:00.2', 'vfmig')))

    def test_pf_options(self):
        vf = '0000:5e:00.1'
        self.rebind(vf, 'vfmig_virtio_pci')
        p = self.profile(vf)
        self.assertEqual(p['type'], 'blk')
        self.assertEqual(p['features'], '0x0000000100000001')
        self.assertEqual(p['driver_features'], '0x0000000000000001')
        self.assertEqual(p['stream_version'], '2.3')
        self.assertEqual(p['migration_flags'], '0x1')

    def test_legacy_and_no_transport(self):
        t = '0000:d8:00.1'
        self.rebind(t, 'vfmig_virtio_pci')
        self.assertEqual(self.profile(t)['legacy_io'], '1')
        n = '0000:e1:00.1'
        self.rebind(n, 'vfmig_virtio_pci')
        p = self.profile(n)
        self.assertEqual((p['type'], p['transport'], p['features'],
                          p['migration_flags']),
                         ('none', 'none', '0x0000000000000000', '0x0'))

    def test_gone_with_vfs(self):
        vf = '0000:3b:00.2'
        self.rebind(vf, 'vfmig_virtio_pci')
        self.write(self.dev('0000:3b:00.0', 'sriov_numvfs'), '0')
        self.assertTrue(settle(lambda: not os.path.exists(self.dev(vf))))
        # Re-created VFs autoprobe to virtio-pci: no group.
        self.write(self.dev('0000:3b:00.0', 'sriov_numvfs'), '2')
        self.assertTrue(settle(lambda: self.driver(vf) == 'virtio-pci'))
        self.assertFalse(os.path.exists(self.dev(vf, 'vfmig')))


class Once(unittest.TestCase):
    def test_once_applies_pending_writes(self):
        root = tempfile.mkdtemp(prefix='fakehost-once-', dir=TMP)
        try:
            subprocess.run([MKFAKEHOST, '--root', root] + SPEC, check=True)
            dev = os.path.join(root, 'sys/bus/pci/devices/0000:3b:00.0')
            with open(os.path.join(dev, 'sriov_numvfs'), 'w') as f:
                f.write('3')
            subprocess.run([FAKEKERNEL, '--root', root, '--once'], check=True)
            self.assertEqual(len([e for e in os.listdir(dev)
                                  if e.startswith('virtfn')]), 3)
        finally:
            shutil.rmtree(root)


if __name__ == '__main__':
    unittest.main(verbosity=2)
