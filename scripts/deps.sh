#!/usr/bin/env bash
# Install the Debian 12 packages pchat needs to build, run and test.
# Idempotent: installs only what is missing; runs `apt-get update` only then.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libtomlplusplus-dev libcli11-dev libsystemd-dev libsodium-dev libssl-dev libpugixml-dev libzstd-dev libpq-dev
  libldap-dev slapd ldap-utils
  postgresql-15 postgresql-client-15
  libgtest-dev libbenchmark-dev
  python3 python3-pytest python3-pytest-xdist python3-websocket
  clang-format irssi tmux nftables
  nodejs chromium chromium-driver python3-selenium fonts-dejavu-core
  help2man go-md2man man-db systemd
)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps.sh: this script needs a Debian-based system (dpkg-query, apt-get)." >&2
  exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "deps.sh: all ${#PACKAGES[@]} packages already installed."
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "deps.sh: missing packages (${missing[*]}) and not root, and sudo is not available." >&2
    exit 1
  fi
  SUDO=(sudo)
fi

echo "deps.sh: installing ${#missing[@]} missing package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# No package may start a daemon here (postgresql-15 would start a cluster, slapd a
# directory): without a policy-rc.d, one that refuses every start stands in during
# the install (removed again afterwards); slapd is told not to create a default
# directory (the tests start their own, as an unprivileged process).
POLICY=/usr/sbin/policy-rc.d
if [[ ! -e "$POLICY" ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 755 "$POLICY"
  trap '"${SUDO[@]}" rm -f "$POLICY"' EXIT
fi
echo "slapd slapd/no_configuration boolean true" | "${SUDO[@]}" debconf-set-selections 2>/dev/null ||
  true
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
echo "deps.sh: done."
