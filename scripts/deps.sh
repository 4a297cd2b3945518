#!/usr/bin/env bash
# Install the Debian 12 packages pchat needs to build, run and test.
# Idempotent: installs only what is missing; runs `apt-get update` only then.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libtomlplusplus-dev libcli11-dev libsodium-dev libssl-dev libpugixml-dev libzstd-dev libpq-dev
  libldap-dev slapd ldap-utils
  postgresql-15 postgresql-client-15
  libgtest-dev libbenchmark-dev
  python3 python3-pytest python3-pytest-xdist
  clang-format irssi tmux
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
# Packages with a daemon (slapd) must not start one: the tests start their own, as an
# unprivileged process. A policy-rc.d that exits 101 stops invoke-rc.d during the
# install (only when none exists; removed again afterwards), and slapd is told not
# to create a default directory.
made_policy=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
  made_policy=1
fi
trap '((made_policy)) && "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
echo "slapd slapd/no_configuration boolean true" | "${SUDO[@]}" debconf-set-selections 2>/dev/null ||
  true
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
echo "deps.sh: done."
