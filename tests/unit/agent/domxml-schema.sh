#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every golden input and output of test-domxml must pass libvirt's own
# domain schema: what the hook prints is what libvirt will parse.
# Usage: domxml-schema.sh <tests/data/domxml> <virt-xml-validate>
set -eu
data=$1
validate=$2
n=0
for f in "$data"/*/input.xml "$data"/*/output.xml; do
        case $f in */hostile-*) continue ;; esac
        [ -f "$f" ] || continue
        if ! "$validate" "$f" domain >/dev/null 2>"${TMPDIR:-/tmp}/domxml-schema.$$"; then
                echo "not accepted by libvirt's schema: $f" >&2
                cat "${TMPDIR:-/tmp}/domxml-schema.$$" >&2
                rm -f "${TMPDIR:-/tmp}/domxml-schema.$$"
                exit 1
        fi
        n=$((n + 1))
done
rm -f "${TMPDIR:-/tmp}/domxml-schema.$$"
echo "validated $n files"
# an emptied folder proves nothing
[ "$n" -ge 16 ]
