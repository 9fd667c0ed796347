#!/usr/bin/env bash
# Stops everything Skiff runs on this machine and removes what it put in the
# kernel, keeping the data dir (k3s-killall.sh's counterpart). As root:
#   skiff-killall.sh
# 1. stops skiff.service / skiff-agent.service (when systemd runs them);
# 2. kills the server/agent supervisors and their children (pid files in
#    <data-dir>/run, and `skiff.mjs server|agent` processes naming the data
#    dir or the config file), the containerd shims of Skiff's containerd
#    (their -address is <data-dir>/containerd/containerd.sock) with every
#    container process under them, and any process whose root filesystem
#    lives under the data dir;
# 3. unmounts everything under the data dir (pod netns and shm mounts,
#    container rootfs, kubelet volumes), deepest first;
# 4. runs `skiff proxy --cleanup`, then removes any rule and chain left by
#    the proxy (KUBE-*) or by the CNI plugins for the `skiff` network
#    (CNI-* chains tagged name: "skiff", CNI-HOSTPORT-*), the nft tables
#    `ip skiff` and `inet skiff-netpol` (NetworkPolicy), and every route
#    inside the cluster and service CIDRs;
# 5. deletes the CNI bridge (cni0) and the veth interfaces attached to it;
# 6. removes the shim sockets (/run/containerd/s/<hash>) and stdio fifos of
#    the killed shims, and the CNI IP reservations of the `skiff` network.
# Network changes apply to the network namespace the script runs in only.
# Paths come from <config-dir>/install.env and config.yaml when present; the
# SKIFF_* variables override them (skiff-paths.sh; tests point them at temp dirs).
set -euo pipefail

# shellcheck disable=SC1091
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/skiff-paths.sh"

log() { printf '[skiff-killall] %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "skiff-killall.sh must run as root." >&2
  exit 1
fi
data="${SKIFF_DATA_DIR%/}"
case "$data" in
  ''|/) echo "refusing data dir '$SKIFF_DATA_DIR'" >&2; exit 1 ;;
esac
shim_address="$data/containerd/containerd.sock"

# --- 1. systemd units -------------------------------------------------------
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  for unit in skiff skiff-agent; do
    if [ -f "$SKIFF_SYSTEMD_DIR/$unit.service" ]; then
      log "stopping $unit.service"
      systemctl stop "$unit.service" || true
    fi
  done
fi

# --- 2. processes -----------------------------------------------------------
cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# Every descendant of the given pids (and the pids), one per line.
with_descendants() {
  local table todo pid kids
  table="$(ps -e -o pid= -o ppid= 2>/dev/null || true)"
  todo="$*"
  while [ -n "$todo" ]; do
    set -- $todo
    pid="$1"; shift; todo="$*"
    echo "$pid"
    kids="$(awk -v p="$pid" '$2 == p { print $1 }' <<<"$table")"
    [ -n "$kids" ] && todo="$todo $(echo $kids)"
  done
}

supervisors=()
if [ -d "$data/run" ]; then
  for f in "$data"/run/*.pid; do
    [ -f "$f" ] || continue
    pid="$(tr -dc '0-9' <"$f")"
    [ -n "$pid" ] || continue
    cmd="$(cmdline_of "$pid")"
    # Only a process that still looks like ours (a pid may have been reused).
    case "$cmd" in *skiff*|*"$data"*) supervisors+=("$pid") ;; esac
  done
fi

shims=()
shim_fifos=()
shim_sockets=()
rooted=()
for p in /proc/[0-9]*; do
  pid="${p#/proc/}"
  [ "$pid" = "$$" ] && continue
  [ "$pid" = "$PPID" ] && continue
  cmd="$(cmdline_of "$pid")"
  [ -n "$cmd" ] || continue
  case "$cmd" in
    *skiff.mjs\ server*|*skiff.mjs\ agent*)
      # Ours when it names this data dir (or a path in it) or this config file as a whole argument.
      case "$cmd" in *" $data "*|*"=$data "*|*" $data/"*|*"=$data/"*|*"--config $SKIFF_CONFIG_DIR/config.yaml "*) supervisors+=("$pid") ;; esac ;;
  esac
  case "$cmd" in
    *containerd-shim*"-address $shim_address "*|*containerd-shim*"-address $shim_address")
      shims+=("$pid")
      # The shim's socket is /run/containerd/s/sha256(<address>/<namespace>/<id>) (containerd's shim.SocketAddress).
      ns="$(sed -n 's/.* -namespace \([^ ]*\).*/\1/p' <<<"$cmd")"
      id="$(sed -n 's/.* -id \([^ ]*\).*/\1/p' <<<"$cmd")"
      if [ -n "$ns" ] && [ -n "$id" ]; then
        shim_sockets+=("$SKIFF_CONTAINERD_RUN_DIR/s/$(printf '%s' "$shim_address/$ns/$id" | sha256sum | cut -d' ' -f1)")
      fi
      for fd in "$p"/fd/*; do
        target="$(readlink "$fd" 2>/dev/null || true)"
        case "$target" in "$SKIFF_CONTAINERD_RUN_DIR/fifo/"*) shim_fifos+=("$(dirname "$target")") ;; esac
      done
      continue ;;
  esac
  # A container whose shim is already gone: its root filesystem is under the data dir.
  if awk -v d="$data/" '$5 == "/" && index($0, d) { found = 1 } END { exit !found }' "$p/mountinfo" 2>/dev/null; then
    rooted+=("$pid")
  fi
done

if [ "${#supervisors[@]}" -gt 0 ]; then
  # A supervisor restarts a killed child; stop it (and everything under it) first.
  mapfile -t supervisors < <(printf '%s\n' "${supervisors[@]}" | sort -un)
  log "stopping skiff processes: ${supervisors[*]}"
  mapfile -t tree < <(with_descendants "${supervisors[@]}" | sort -un)
  kill -STOP "${tree[@]}" 2>/dev/null || true
  kill -KILL "${tree[@]}" 2>/dev/null || true
fi
if [ "${#shims[@]}" -gt 0 ] || [ "${#rooted[@]}" -gt 0 ]; then
  log "killing ${#shims[@]} containerd shim(s) and their containers, ${#rooted[@]} other container process(es)"
  mapfile -t tree < <(with_descendants "${shims[@]}" "${rooted[@]}" | sort -un)
  kill -STOP "${tree[@]}" 2>/dev/null || true
  kill -KILL "${tree[@]}" 2>/dev/null || true
fi
# Wait (up to 10 s) until they are gone, so their mounts and sockets can go.
for _ in $(seq 1 100); do
  alive=0
  for pid in "${supervisors[@]}" "${shims[@]}" "${rooted[@]}"; do
    if [ -e "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then alive=1; fi
  done
  [ "$alive" -eq 0 ] && break
  sleep 0.1
done
rm -f "$data"/run/*.pid 2>/dev/null || true

# --- 3. mounts --------------------------------------------------------------
unmount_under() {
  local dir="$1" point
  awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo 2>/dev/null \
    | sed 's/\\040/ /g' | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2- \
    | while IFS= read -r point; do
        umount "$point" 2>/dev/null || umount -l "$point" 2>/dev/null || log "could not unmount $point"
      done
}
unmount_under "$data"

# --- 4. rules, nft table, routes -------------------------------------------
app="$SKIFF_INSTALL_DIR/deploy/bin/skiff.mjs"
if command -v node >/dev/null 2>&1 && [ -f "$app" ]; then
  node "$app" proxy --cleanup --service-cidr "$SKIFF_SERVICE_CIDR" --cluster-cidr "$SKIFF_CLUSTER_CIDR" \
    || log "skiff proxy --cleanup failed; removing the rules directly"
fi

# iptables-restore payload removing, from one table's iptables-save text, every
# chain Skiff owns and every rule jumping to one. Owned: KUBE-* (the proxy),
# SKIFF-* (the node's pod masquerade),
# CNI-* chains holding or reached by a rule commented name: "<network>"
# (bridge ipMasq, portmap's CNI-DN-*), and portmap's shared CNI-HOSTPORT-*
# chains when no other CNI network has rules in the table.
owned_payload() {
  awk -v table="$1" -v net="$SKIFF_CNI_NETWORK" '
    function target(line,   m) { if (match(line, / -[jg] [^ ]+/)) { m = substr(line, RSTART + 4, RLENGTH - 4); return m } return "" }
    /^:/ { name = substr($1, 2); chains[name] = 1; order[++n] = name; next }
    /^-A / {
      rules[++r] = $0; chain = $2; t = target($0)
      tagged = index($0, "name: \\\"" net "\\\"") > 0
      if (tagged) { if (chain ~ /^CNI-/) owned[chain] = 1; if (t ~ /^CNI-/) owned[t] = 1 }
      if (match($0, /name: \\"[^\\]*\\"/) && !tagged) foreign = 1
    }
    END {
      for (i = 1; i <= n; i++) {
        c = order[i]
        if (c ~ /^KUBE-/ || c ~ /^SKIFF-/ || (c ~ /^CNI-HOSTPORT-/ && !foreign)) owned[c] = 1
      }
      any = 0
      for (c in owned) if (c in chains) any = 1
      if (!any) exit
      print "*" table
      for (i = 1; i <= n; i++) if (order[i] in owned) print ":" order[i] " - [0:0]"
      for (i = 1; i <= r; i++) {
        split(rules[i], f, " "); t = target(rules[i])
        if (!(f[2] in owned) && (t in owned)) { sub(/^-A /, "-D ", rules[i]); print rules[i] }
      }
      for (i = 1; i <= n; i++) if (order[i] in owned) print "-X " order[i]
      print "COMMIT"
    }'
}
if command -v iptables-save >/dev/null 2>&1; then
  for table in nat filter mangle; do
    payload="$(iptables-save -t "$table" 2>/dev/null | owned_payload "$table" || true)"
    if [ -n "$payload" ]; then
      log "removing Skiff's iptables chains from table $table"
      printf '%s\n' "$payload" | iptables-restore --noflush -w 5 || log "iptables-restore failed for table $table"
    fi
  done
fi
if command -v nft >/dev/null 2>&1 && nft list table ip skiff >/dev/null 2>&1; then
  log "deleting nft table ip skiff"
  nft delete table ip skiff || true
fi
if command -v nft >/dev/null 2>&1 && nft list table inet skiff-netpol >/dev/null 2>&1; then
  log "deleting nft table inet skiff-netpol"
  nft delete table inet skiff-netpol || true
fi
for cidr in "$SKIFF_CLUSTER_CIDR" "$SKIFF_SERVICE_CIDR"; do
  # Every route whose destination lies inside the CIDR: the proxy's blackhole
  # and service routes, routes to other nodes' pod CIDRs, the bridge's subnet.
  ip -4 route show root "$cidr" 2>/dev/null | while IFS= read -r route; do
    [ -n "$route" ] || continue
    # shellcheck disable=SC2086
    ip route del $route 2>/dev/null || true
  done
done

# LoadBalancer addresses the proxy's servicelb speaker added: /32s carrying metric 250.
ip -4 -o addr show 2>/dev/null | awk '$4 ~ /\/32$/ && / metric 250 / { print $2, $4 }' | while read -r dev addr; do
  ip addr del "$addr" dev "$dev" 2>/dev/null || true
done

# --- 5. interfaces ----------------------------------------------------------
if ip link show "$SKIFF_CNI_BRIDGE" >/dev/null 2>&1; then
  for veth in $(ip -o link show master "$SKIFF_CNI_BRIDGE" type veth 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
    ip link del "$veth" 2>/dev/null || true
  done
  log "deleting bridge $SKIFF_CNI_BRIDGE"
  ip link del "$SKIFF_CNI_BRIDGE" || true
fi

# --- 6. files outside the data dir -----------------------------------------
for s in "${shim_sockets[@]}"; do rm -f "$s"; done
for d in "${shim_fifos[@]}"; do rm -rf "$d"; done
rmdir "$SKIFF_CONTAINERD_RUN_DIR/s" "$SKIFF_CONTAINERD_RUN_DIR/fifo" "$SKIFF_CONTAINERD_RUN_DIR" 2>/dev/null || true
# Every pod of this machine is gone, so its host-local IP reservations and CNI result cache are stale.
rm -rf "${SKIFF_CNI_STATE_DIR:?}/networks/$SKIFF_CNI_NETWORK"
rm -f "$SKIFF_CNI_STATE_DIR"/results/"$SKIFF_CNI_NETWORK"-*
log "done"
