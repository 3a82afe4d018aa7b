#!/bin/bash
# Checks a built ripen .deb the way a user meets it: validates its metadata, installs it with apt on a clean
# Debian 12 root (debootstrap, kept between runs in $ROOT), starts the studio from the desktop entry's Exec line
# under Xvfb and takes a screenshot, then purges the package and checks nothing of it is left.
#   packaging/check-package.sh build/release/ripen_0.1.0_amd64.deb [ROOT]   (as root; needs debootstrap)
set -euo pipefail
deb=$(realpath "${1:?usage: check-package.sh PACKAGE.deb [ROOT]}")
root=${2:-/var/tmp/ripen-check-root}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT_DIR:-$PWD/package-check}
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

step "metadata"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
dpkg-deb --contents "$deb" | awk '{print $6}' > "$out/contents.txt"
for f in ./usr/bin/ripen ./usr/bin/ripen-cli ./usr/share/applications/ripen.desktop \
         ./usr/share/metainfo/io.github.ripen.ripen.metainfo.xml ./usr/share/man/man1/ripen-cli.1.gz \
         ./usr/share/icons/hicolor/scalable/apps/ripen.svg ./usr/share/icons/hicolor/48x48/apps/ripen.png \
         ./usr/share/ripen/models/ripen-emoji/model_index.json; do
  grep -qxF "$f" "$out/contents.txt" || { echo "missing from the package: $f"; exit 1; }
done
appstreamcli validate --no-net --pedantic "$here/io.github.ripen.ripen.metainfo.xml"
if command -v lintian > /dev/null; then lintian --no-tag-display-limit "$deb" | tee "$out/lintian.txt" || true; fi

step "a clean Debian 12 root in $root"
if [ ! -x "$root/usr/bin/apt" ]; then
  debootstrap --variant=minbase bookworm "$root" "$mirror"
fi
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc" || echo "(no /proc in the root; apt works without it)"
trap 'umount "$root/proc" 2> /dev/null || true' EXIT
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }
in_root apt-get update -qq
# The check's own tools first, each installed by name (so marked manual: the purge keeps them and nothing they
# merely recommend), so the purge at the end can tell the package's files and dependencies from theirs.
in_root apt-get install -y -qq --no-install-recommends xvfb xauth xfonts-base > /dev/null
in_root dpkg-query -W -f='${binary:Package}\n' | sort > "$out/before.txt"

step "apt install ./$(basename "$deb")"
in_root apt-get install -y "/tmp/$(basename "$deb")" 2>&1 | grep -E "^(Need to get|After this|Setting up ripen)"
in_root ripen-cli --help | head -n 3
in_root ripen-cli generate --prompt "a red apple" --seed 1 --out /tmp/apple.png --quiet
cp "$root/tmp/apple.png" "$out/installed-generate.png"

step "the studio from the desktop entry's Exec line, under Xvfb"
exec_line=$(sed -n 's/^Exec=//p' "$root/usr/share/applications/ripen.desktop" | sed 's/ %[fFuU]//')
echo "Exec: $exec_line"
in_root rm -rf /tmp/ripen-home
in_root env HOME=/tmp/ripen-home xvfb-run -a -s "-screen 0 1440x900x24" \
  sh -c "$exec_line --screenshot /tmp/studio.png" 
cp "$root/tmp/studio.png" "$out/installed-studio.png"
echo "screenshot: $out/installed-studio.png"
echo "without a display: $(in_root env -u DISPLAY ripen 2>&1 | head -n 1 || true)"

step "apt purge ripen"
# Autoremove without keeping what other packages merely recommend: everything ripen pulled in goes again.
in_root apt-get purge -y --autoremove -o APT::AutoRemove::RecommendsImportant=false \
  -o APT::AutoRemove::SuggestsImportant=false ripen 2>&1 | tail -n 3
in_root dpkg-query -W -f='${binary:Package}\n' | sort > "$out/after.txt"
if ! diff "$out/before.txt" "$out/after.txt"; then echo "packages differ after the purge"; exit 1; fi
left=$(cd "$root" && while read -r f; do f=${f#.}; [ -f "$f" ] && echo "$f"; done < "$out/contents.txt" || true)
if [ -n "$left" ]; then echo "left behind: $left"; exit 1; fi
for d in /usr/share/ripen /usr/lib/ripen; do [ ! -e "$root$d" ] || { echo "left behind: $d"; exit 1; }; done
echo "purged: no file of the package is left"
