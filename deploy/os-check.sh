#!/usr/bin/env bash
# Is this a distribution and architecture Skiff supports? Debian 12/13,
# Ubuntu 22.04/24.04 and Raspberry Pi OS (12/13), on amd64 or arm64
# (Raspberry Pi OS: arm64 only). Prints nothing when supported, else one
# "warning: ..." line; always exits 0 (install.sh warns and continues).
#   bash deploy/os-check.sh [OS_RELEASE_FILE [ARCH]]   (defaults: /etc/os-release, uname -m)
# install.sh sources it and calls skiff_os_check.
set -euo pipefail

# skiff_os_check FILE ARCH: the check above; ARCH as uname -m or dpkg prints it.
skiff_os_check() {
  local file="$1" arch="$2" id="" version="" like=""
  case "$arch" in
    x86_64|amd64) arch=amd64 ;;
    aarch64|arm64) arch=arm64 ;;
  esac
  if [ -r "$file" ]; then
    id="$(sed -n 's/^ID=//p' "$file" | tr -d '"' | head -n1)"
    version="$(sed -n 's/^VERSION_ID=//p' "$file" | tr -d '"' | head -n1)"
    like="$(sed -n 's/^ID_LIKE=//p' "$file" | tr -d '"' | head -n1)"
  fi
  if [ "$arch" != amd64 ] && [ "$arch" != arm64 ]; then
    echo "warning: architecture $arch is not supported (amd64 and arm64 are); continuing"
    return 0
  fi
  case "$id:$version" in
    debian:12|debian:13|ubuntu:22.04|ubuntu:24.04) return 0 ;;
    raspbian:12|raspbian:13)
      if [ "$arch" = arm64 ]; then return 0; fi
      echo "warning: Raspberry Pi OS is supported on arm64 only (this is $arch); continuing"
      return 0 ;;
  esac
  echo "warning: ${id:-an unknown distribution} ${version:-(no VERSION_ID)}${like:+ (like $like)} is not supported (Debian 12/13, Ubuntu 22.04/24.04, Raspberry Pi OS arm64 are); continuing"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  skiff_os_check "${1:-/etc/os-release}" "${2:-$(uname -m)}"
fi
