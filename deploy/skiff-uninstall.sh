#!/usr/bin/env bash
# Removes Skiff from this machine (k3s-uninstall.sh's counterpart). As root:
#   skiff-uninstall.sh
# Runs skiff-killall.sh (processes, mounts, rules, routes, interfaces), then
# disables and removes skiff.service / skiff-agent.service, and deletes
# /etc/skiff, the app in /opt/skiff (only when install.sh copied it there),
# the data dir (/var/lib/skiff: etcd, containerd, kubelet, certificates),
# the `skiff` CNI network's state under /var/lib/cni, and the scripts in
# /usr/local/bin. The distribution packages install.sh added (containerd,
# runc, etcd-server, CNI plugins, iptables, nftables, nodejs, ...) stay
# installed: other software may use them; remove them with apt if not.
# The SKIFF_* variables of skiff-killall.sh apply here too.
set -euo pipefail

# shellcheck disable=SC1091
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/skiff-paths.sh"

log() { printf '[skiff-uninstall] %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "skiff-uninstall.sh must run as root." >&2
  exit 1
fi
data="${SKIFF_DATA_DIR%/}"
case "$data" in
  ''|/|/var|/var/lib|/etc|/opt|/usr) echo "refusing data dir '$SKIFF_DATA_DIR'" >&2; exit 1 ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
killall="$SKIFF_BIN_DIR/skiff-killall.sh"
[ -f "$killall" ] || killall="$here/skiff-killall.sh"
bash "$killall"

systemd=0
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then systemd=1; fi
for unit in skiff skiff-agent; do
  if [ -f "$SKIFF_SYSTEMD_DIR/$unit.service" ]; then
    [ "$systemd" -eq 1 ] && { systemctl disable "$unit.service" >/dev/null 2>&1 || true; }
    rm -f "$SKIFF_SYSTEMD_DIR/$unit.service"
    log "removed $unit.service"
  fi
done
[ "$systemd" -eq 1 ] && { systemctl daemon-reload || true; systemctl reset-failed skiff.service skiff-agent.service >/dev/null 2>&1 || true; }

log "removing $data"
rm -rf "$data"
rm -rf "${SKIFF_CNI_STATE_DIR:?}/networks/$SKIFF_CNI_NETWORK"
rm -f "$SKIFF_CNI_STATE_DIR"/results/"$SKIFF_CNI_NETWORK"-*
if [ "$SKIFF_APP_COPIED" = "1" ] && [ -f "$SKIFF_INSTALL_DIR/deploy/bin/skiff.mjs" ]; then
  log "removing $SKIFF_INSTALL_DIR"
  rm -rf "$SKIFF_INSTALL_DIR"
fi
log "removing $SKIFF_CONFIG_DIR"
rm -rf "$SKIFF_CONFIG_DIR"
rm -f "$SKIFF_BIN_DIR/skiff-killall.sh" "$SKIFF_BIN_DIR/skiff-uninstall.sh" "$SKIFF_BIN_DIR/skiff-paths.sh" "$SKIFF_BIN_DIR/skiff"
log "done; the distribution packages (containerd, runc, etcd-server, containernetworking-plugins, iptables, nftables, nodejs) are still installed"
