#!/usr/bin/env bash
# Installs what Skiff needs on a Debian 12 host, as root. Idempotent: it only
# installs packages that are missing, and runs `apt-get update` at most once.
# Works without systemd as PID 1 (containers, CI, these VMs).
#
#   bash deploy/install.sh            # runtime + test prerequisites
#   SKIFF_INSTALL_TESTS=0 bash deploy/install.sh   # runtime only
#
# With a mode it also installs Skiff as a systemd service (as k3s's install.sh):
#   bash deploy/install.sh server [skiff server flags...]
#   bash deploy/install.sh agent --server https://IP:6443 --token TOKEN [flags...]
#   SKIFF_URL=https://IP:6443 SKIFF_TOKEN=TOKEN bash deploy/install.sh   # agent, as K3S_URL
# See deploy/install-service.sh for what that installs. A mode installs the
# runtime prerequisites only unless SKIFF_INSTALL_TESTS=1.
#   SKIFF_BINARY=dist/skiff-linux-arm64 bash deploy/install.sh server   # the single binary: no Node needed
set -euo pipefail

log() { printf '[install] %s\n' "$*"; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode=""
case "${1:-}" in
  server|agent) mode="$1"; shift ;;
  "") if [ -n "${SKIFF_URL:-}" ]; then mode=agent; fi ;;
  *) echo "usage: deploy/install.sh [server|agent] [flags...]" >&2; exit 2 ;;
esac
if [ -n "$mode" ]; then SKIFF_INSTALL_TESTS="${SKIFF_INSTALL_TESTS:-0}"; fi

# shellcheck source=deploy/os-check.sh
. "$here/os-check.sh"
os_warning="$(skiff_os_check /etc/os-release "$(uname -m)")"
if [ -n "$os_warning" ]; then log "$os_warning"; fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deploy/install.sh must run as root (it installs Debian packages)." >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "deploy/install.sh supports Debian/Ubuntu (apt-get) only." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# Runtime: containerd + runc + CNI plugins, etcd, the kernel networking tools.
runtime_pkgs=(containerd runc containernetworking-plugins etcd-server etcd-client iptables nftables iproute2 conntrack curl)
# Tests: image building (umoci, skopeo), a local registry, busybox, a C compiler for the pause image.
# nginx's shared libraries are copied from the host into the nginx test image.
# qemu-user-static and the arm64 C/C++ runtime run the arm64 single binary (deploy/build/binary.real.test.ts).
test_pkgs=(umoci skopeo docker-registry busybox-static gcc libc6-dev libcrypt1 libpcre2-8-0 libssl3 zlib1g openssl
  qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)

wanted=("${runtime_pkgs[@]}")
if [ "${SKIFF_INSTALL_TESTS:-1}" != "0" ]; then
  wanted+=("${test_pkgs[@]}")
fi

# Node.js 20 or newer: install Debian's nodejs/npm only when node is missing or
# too old. The single binary (SKIFF_BINARY) carries its own Node.
node_major=0
if command -v node >/dev/null 2>&1; then
  node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
fi
need_node=1
if [ -n "${SKIFF_BINARY:-}" ] && [ "${SKIFF_INSTALL_TESTS:-1}" = "0" ]; then need_node=0; fi
if [ "$need_node" = 1 ] && [ "$node_major" -lt 20 ]; then
  log "node is missing or older than 20 (found major ${node_major}); will install nodejs and npm"
  wanted+=(nodejs npm)
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

missing=()
for p in "${wanted[@]}"; do
  if ! installed "$p"; then missing+=("$p"); fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  log "all prerequisites already installed"
else
  log "installing: ${missing[*]}"
  apt-get update -qq
  # The packages' maintainer scripts try to start services; without systemd
  # that fails harmlessly, with systemd they start on ports we don't use.
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$need_node" = 1 ] && [ "$node_major" -lt 20 ]; then
  node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$node_major" -lt 20 ]; then
    echo "Debian's nodejs is $(node --version 2>/dev/null || echo missing); Skiff needs Node.js >= 20. Install Node 20+ and rerun." >&2
    exit 1
  fi
fi

# Distribution services: with systemd, installing etcd-server and containerd
# starts etcd on 127.0.0.1:2379/2380 and containerd on
# /run/containerd/containerd.sock. Skiff's embedded etcd uses 2479/2480 and its
# containerd uses <data-dir>/containerd/containerd.sock, so they do not
# collide and are left alone.
if [ -d /run/systemd/system ]; then
  for svc in etcd containerd; do
    if systemctl is-active --quiet "$svc" 2>/dev/null; then
      log "the distribution's $svc service is running; Skiff does not use it and does not collide with it (left as is)"
    fi
  done
fi

# Sanity checks of the tools Skiff runs.
for bin in /usr/bin/etcd /usr/bin/containerd /usr/sbin/runc /usr/lib/cni/bridge; do
  if [ ! -x "$bin" ]; then
    echo "expected $bin after installing; it is missing" >&2
    exit 1
  fi
done
log "ready: $(if [ -n "${SKIFF_BINARY:-}" ]; then echo "the single binary $SKIFF_BINARY"; else echo "node $(node --version)"; fi), $(containerd --version | awk '{print $1, $3}'), etcd $(etcd --version | awk '/etcd Version/ {print $3}')"

if [ -n "$mode" ]; then
  bash "$here/install-service.sh" "$mode" "$@"
fi
