#!/usr/bin/env bash
# Installs the Debian 12 packages Ripen needs to build, test and run; does nothing when all are present.
set -euo pipefail
pkgs=(build-essential cmake ninja-build ccache pkg-config git
      libtorch-dev nlohmann-json3-dev libssl-dev libopenblas0-pthread
      libsentencepiece-dev sentencepiece
      libsqlite3-dev libopenimageio-dev openimageio-tools
      qt6-base-dev libqt6sql6-sqlite qt6-l10n-tools qt6-tools-dev qt6-tools-dev-tools
      libgtest-dev libyaml-cpp-dev shellcheck clang libclang-rt-14-dev
      xvfb xauth unicode-data fonts-noto-cjk)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
