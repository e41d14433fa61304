#!/usr/bin/env bash
# Installs what the tests and tools need on a fresh Debian 12 machine (idempotent; needs root or sudo).
set -euo pipefail
packages=(dataset-fashion-mnist chromium chromium-driver fonts-liberation redis-server nginx-light)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
