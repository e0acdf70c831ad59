#!/bin/bash
# Packs the busybox initramfs the kernel rig boots.
#
#   mkinitramfs.sh -k KROOT -v KVER -i INIT -o OUT.cpio.gz
#                  [-m MODNAME]... [-x EXTRA.ko]... [-b BINARY]...
#
# KROOT is the unpacked linux-image package (with lib/modules/KVER).  Every
# -m module is taken from there together with its dependency closure (read
# from the modules' own "depends" field, because the package ships no
# modules.dep), decompressed, and indexed with `depmod -b` so the guest's
# busybox modprobe resolves them.  -x modules (the project's freshly built
# kmod/*.ko) go to lib/modules/KVER/extra; their dependencies are pulled in
# the same way.  -b binaries land in /bin and must be static.
set -euo pipefail
# depmod and modinfo live in sbin, which a normal user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

die() { echo "mkinitramfs: $*" >&2; exit 1; }

KROOT='' KVER='' INIT='' OUT=''
MODS=() EXTRA=() BINS=()
while getopts "k:v:i:o:m:x:b:" opt; do
	case $opt in
	k) KROOT=$OPTARG ;;
	v) KVER=$OPTARG ;;
	i) INIT=$OPTARG ;;
	o) OUT=$OPTARG ;;
	m) MODS+=("$OPTARG") ;;
	x) EXTRA+=("$OPTARG") ;;
	b) BINS+=("$OPTARG") ;;
	*) die "bad option" ;;
	esac
done
if [ -z "$KROOT" ] || [ -z "$KVER" ] || [ -z "$INIT" ] || [ -z "$OUT" ]; then
	die "usage: -k KROOT -v KVER -i INIT -o OUT [-m MOD]... [-x KO]... [-b BIN]..."
fi
MODDIR="$KROOT/lib/modules/$KVER"
[ -d "$MODDIR/kernel" ] || die "no modules in $MODDIR"
BUSYBOX=$(command -v busybox) || die "busybox not found (install busybox-static)"
is_static() { ! readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'; }
is_static "$(readlink -f "$BUSYBOX")" || die "$BUSYBOX is not static (install busybox-static)"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/vfmig-initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,sbin,dev,proc,sys,tmp,run,etc,root} \
	"$STAGE/lib/modules/$KVER/extra"

# busybox and its applet links.  The applet list contains "busybox" itself;
# linking bin/busybox to itself would make a loop and init would panic.
cp "$BUSYBOX" "$STAGE/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	[ "$applet" = busybox ] && continue
	[ -e "$STAGE/bin/$applet" ] || ln -s busybox "$STAGE/bin/$applet"
done

# Index of the image's modules: name (with - and _ folded) -> path.
declare -A MODPATH
while IFS= read -r -d '' f; do
	n=$(basename "$f"); n=${n%%.ko*}; n=${n//-/_}
	MODPATH[$n]=$f
done < <(find "$MODDIR/kernel" -name '*.ko*' -print0)

declare -A SEEN
add_module() {
	local name=${1//-/_} path dep
	[ -n "${SEEN[$name]:-}" ] && return 0
	path=${MODPATH[$name]:-}
	if [ -z "$path" ]; then
		# Built in (or not shipped): nothing to copy.
		grep -q "/$1.ko\|/$name.ko" "$MODDIR/modules.builtin" 2>/dev/null && {
			SEEN[$name]=builtin; return 0; }
		die "module $1 is neither in $MODDIR nor built in"
	fi
	SEEN[$name]=1
	local rel=${path#"$MODDIR"/}
	local dst="$STAGE/lib/modules/$KVER/${rel%.xz}"
	dst=${dst%.zst}
	mkdir -p "$(dirname "$dst")"
	case $path in
	*.xz) xz -dc "$path" > "$dst" ;;
	*.zst) zstd -qdc "$path" > "$dst" ;;
	*) cp "$path" "$dst" ;;
	esac
	for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
		add_module "$dep"
	done
}

for m in "${MODS[@]}"; do add_module "$m"; done
for ko in "${EXTRA[@]}"; do
	[ -f "$ko" ] || die "no such module file $ko"
	cp "$ko" "$STAGE/lib/modules/$KVER/extra/"
	for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
		# A dependency on another project module is satisfied by -x.
		found=0
		for other in "${EXTRA[@]}"; do
			b=$(basename "$other" .ko)
			[ "${b//-/_}" = "${dep//-/_}" ] && found=1
		done
		[ $found = 1 ] || add_module "$dep"
	done
done
cp "$MODDIR/modules.order" "$MODDIR/modules.builtin" "$STAGE/lib/modules/$KVER/" 2>/dev/null || true
[ -f "$MODDIR/modules.builtin.modinfo" ] &&
	cp "$MODDIR/modules.builtin.modinfo" "$STAGE/lib/modules/$KVER/"
depmod -b "$STAGE" "$KVER"

for b in "${BINS[@]}"; do
	[ -x "$b" ] || die "no such program $b"
	is_static "$b" || die "$b is not static"
	cp "$b" "$STAGE/bin/"
done
install -m 0755 "$INIT" "$STAGE/init"

(cd "$STAGE" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) | gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
