#!/usr/bin/python3
"""One method call on vfmigd, for tests that need the D-Bus error name and
its whole message (multi-line refusals), also as another user (setpriv).

    dbuscall.py ADDRESS PATH INTERFACE METHOD JSON-ARGS

Prints {"ok": true, "result": [...]} or {"ok": false, "name": ..., "message": ...}.
Runs with the system python3 (dbus-python), not a test's virtualenv."""
import json
import sys

import dbus


def plain(v):
    if isinstance(v, (dbus.Array, list, tuple, dbus.Struct)):
        return [plain(x) for x in v]
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath)):
        return str(v)
    if isinstance(v, (dbus.UInt64, dbus.UInt32, dbus.Int32, dbus.Int64, dbus.UInt16)):
        return int(v)
    return v


def main():
    address, path, iface, method, args = sys.argv[1:6]
    bus = dbus.bus.BusConnection(address)
    obj = bus.get_object("org.vfmig.Agent1", path, introspect=False)
    try:
        r = obj.get_dbus_method(method, iface)(*json.loads(args), timeout=60)
    except dbus.exceptions.DBusException as e:
        print(json.dumps({"ok": False, "name": e.get_dbus_name(),
                          "message": e.get_dbus_message()}))
        return
    if r is None:
        r = []
    elif not isinstance(r, tuple):
        r = [r]
    print(json.dumps({"ok": True, "result": plain(list(r))}))


main()
