#!/usr/bin/env bash
# Installs Skiff as a service; deploy/install.sh runs it after the
# prerequisites (`install.sh server|agent [flags...]`). As root:
#   bash deploy/install-service.sh server [skiff server flags...]
#   bash deploy/install-service.sh agent --server URL --token TOKEN [flags...]
# (SKIFF_URL / SKIFF_TOKEN stand for --server / --token, as K3S_URL/K3S_TOKEN;
# for a server, SKIFF_AGENT_TOKEN stands for --agent-token, as K3S_AGENT_TOKEN.)
# It
# - copies this checkout (without .git; node_modules included, or installed
#   with `npm ci --omit=dev` when missing) to /opt/skiff and bundles it into
#   /opt/skiff/dist (`npm run build`: the service runs without tsx), unless
#   the checkout already is /opt/skiff (then it runs in place from the
#   sources and uninstall keeps it);
# - writes /etc/skiff/config.yaml (mode 0600: it may hold the join token)
#   from the flags: `--data-dir /x` becomes `data-dir: '/x'`, a repeated
#   flag a list, a flag without a value `true`;
# - server: links /etc/skiff/skiff.yaml to <data-dir>/admin.kubeconfig, the
#   admin kubeconfig `skiff server` writes on its first start;
# - writes /etc/skiff/install.env (the paths, for the two scripts below),
#   the unit skiff.service or skiff-agent.service, /usr/local/bin/skiff,
#   /usr/local/bin/skiff-killall.sh and /usr/local/bin/skiff-uninstall.sh;
# - with systemd as PID 1: enables and (re)starts the unit; without it,
#   prints the command that starts Skiff in the foreground.
# SKIFF_BINARY=PATH (a dist/skiff-linux-<arch> of `npm run build:binary`)
# installs that single binary as /usr/local/bin/skiff instead: no copy of the
# checkout, no bundle, no Node on the machine; the unit runs the binary.
# Every path can be moved for tests: SKIFF_INSTALL_DIR, SKIFF_CONFIG_DIR,
# SKIFF_BIN_DIR, SKIFF_SYSTEMD_DIR.
set -euo pipefail

log() { printf '[install] %s\n' "$*"; }

mode="${1:-}"
case "$mode" in
  server|agent) shift ;;
  *) echo "usage: install-service.sh server|agent [flags...]" >&2; exit 2 ;;
esac
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${SKIFF_INSTALL_DIR:=/opt/skiff}"
: "${SKIFF_CONFIG_DIR:=/etc/skiff}"
: "${SKIFF_BIN_DIR:=/usr/local/bin}"
: "${SKIFF_SYSTEMD_DIR:=/etc/systemd/system}"

# --- flags → ordered keys with their values ---------------------------------
keys=()
declare -A values=()
add_value() {
  if [ -z "${values[$1]+set}" ]; then keys+=("$1"); values[$1]="$2"; else values[$1]+=$'\n'"$2"; fi
}
while [ "$#" -gt 0 ]; do
  arg="$1"; shift
  case "$arg" in
    --config|--config=*) echo "install.sh writes $SKIFF_CONFIG_DIR/config.yaml itself; pass the flags instead of --config" >&2; exit 2 ;;
    --*=*) key="${arg%%=*}"; add_value "${key#--}" "${arg#*=}" ;;
    --*)
      if [ "$#" -gt 0 ] && [ "${1#--}" = "$1" ]; then add_value "${arg#--}" "$1"; shift
      else add_value "${arg#--}" $'\x01true'; fi ;;
    *) echo "unexpected argument '$arg' (flags only, e.g. --data-dir /var/lib/skiff)" >&2; exit 2 ;;
  esac
done
if [ "$mode" = server ] && [ -z "${values[agent-token]+set}" ] && [ -n "${SKIFF_AGENT_TOKEN:-}" ]; then add_value agent-token "$SKIFF_AGENT_TOKEN"; fi
if [ "$mode" = agent ]; then
  if [ -z "${values[server]+set}" ] && [ -n "${SKIFF_URL:-}" ]; then add_value server "$SKIFF_URL"; fi
  if [ -z "${values[token]+set}" ] && [ -n "${SKIFF_TOKEN:-}" ]; then add_value token "$SKIFF_TOKEN"; fi
  if [ -z "${values[server]+set}" ] || [ -z "${values[token]+set}" ]; then
    echo "agent mode needs --server URL and --token TOKEN (or SKIFF_URL and SKIFF_TOKEN)" >&2
    exit 2
  fi
fi
data_dir=/var/lib/skiff
if [ -n "${values[data-dir]+set}" ]; then data_dir="${values[data-dir]##*$'\n'}"; fi
case "$data_dir" in /*) ;; *) echo "--data-dir must be an absolute path (got '$data_dir')" >&2; exit 2 ;; esac
# These paths end up in install.env, the unit and the scripts unquoted: keep them plain.
for p in "$data_dir" "$SKIFF_INSTALL_DIR" "$SKIFF_CONFIG_DIR" "$SKIFF_BIN_DIR" "$SKIFF_SYSTEMD_DIR"; do
  if [[ ! "$p" =~ ^/[A-Za-z0-9._/+-]*$ ]]; then
    echo "path '$p' must be absolute and use only letters, digits and . _ / + -" >&2
    exit 2
  fi
done

# A YAML single-quoted scalar ('' escapes ').
yq() { local v="${1//\'/\'\'}"; printf "'%s'" "$v"; }

# --- the app ----------------------------------------------------------------
dest="$(realpath -m "$SKIFF_INSTALL_DIR")"
copied=0
binary="${SKIFF_BINARY:-}"
if [ -n "$binary" ]; then
  # The binary must run here (right architecture, not truncated) before it replaces anything.
  if [ ! -f "$binary" ] || ! version="$("$binary" --version 2>&1)"; then
    echo "SKIFF_BINARY=$binary does not run on this machine (${version:-not a file}); build it with npm run build:binary for $(uname -m)" >&2
    exit 1
  fi
  log "installing the single binary $binary ($version)"
elif [ "$(realpath -m "$dest")" != "$(realpath "$repo")" ]; then
  if [ -e "$dest" ] && [ ! -f "$dest/deploy/bin/skiff.mjs" ]; then
    echo "$dest exists and is not a Skiff install; move it away or set SKIFF_INSTALL_DIR" >&2
    exit 1
  fi
  log "copying Skiff to $dest"
  rm -rf "$dest.new"
  mkdir -p "$dest.new"
  tar -C "$repo" --exclude=./.git --exclude=./node_modules -cf - . | tar -C "$dest.new" -xf -
  if [ -d "$repo/node_modules/" ]; then
    mkdir -p "$dest.new/node_modules"
    tar -C "$repo/node_modules/" -cf - . | tar -C "$dest.new/node_modules" -xf -
  else
    (cd "$dest.new" && npm ci --omit=dev --no-audit --no-fund)
  fi
  # The installed copy runs the bundle (deploy/bin/skiff.mjs picks dist/ where there is no .git): no tsx at run time.
  log "bundling Skiff into $dest/dist"
  (cd "$repo" && node --import tsx deploy/build/build.ts --out "$dest.new/dist")
  rm -rf "$dest"
  mv "$dest.new" "$dest"
  copied=1
else
  log "running Skiff in place from $dest"
fi

# --- /etc/skiff ---------------------------------------------------------------
mkdir -p "$SKIFF_CONFIG_DIR"
chmod 0755 "$SKIFF_CONFIG_DIR"
cfg="$SKIFF_CONFIG_DIR/config.yaml"
umask 077
{
  echo "# skiff $mode flags, written by deploy/install.sh: keys are the long flag names without \"--\"."
  echo "# Command-line flags win over this file. Restart the service after editing it."
  for k in "${keys[@]}"; do
    mapfile -t vs <<<"${values[$k]}"
    if [ "${#vs[@]}" -eq 1 ]; then
      if [ "${vs[0]}" = $'\x01true' ]; then echo "$k: true"; else echo "$k: $(yq "${vs[0]}")"; fi
    else
      echo "$k:"
      for v in "${vs[@]}"; do echo "  - $(yq "$v")"; done
    fi
  done
} >"$cfg.tmp"
mv "$cfg.tmp" "$cfg"
umask 022
log "wrote $cfg"
if [ "$mode" = server ]; then
  ln -sfn "$data_dir/admin.kubeconfig" "$SKIFF_CONFIG_DIR/skiff.yaml"
  log "$SKIFF_CONFIG_DIR/skiff.yaml -> $data_dir/admin.kubeconfig (the admin kubeconfig; it appears when the server first starts)"
fi
{
  echo "# Where deploy/install.sh put Skiff; read by skiff-killall.sh and skiff-uninstall.sh (SKIFF_* in the environment win)."
  echo ": \"\${SKIFF_DATA_DIR:=$data_dir}\""
  echo ": \"\${SKIFF_INSTALL_DIR:=$dest}\""
  echo ": \"\${SKIFF_APP_COPIED:=$copied}\""
  echo ": \"\${SKIFF_BIN_DIR:=$SKIFF_BIN_DIR}\""
  echo ": \"\${SKIFF_SYSTEMD_DIR:=$SKIFF_SYSTEMD_DIR}\""
} >"$SKIFF_CONFIG_DIR/install.env"

# --- unit and scripts ---------------------------------------------------------
unit=skiff
[ "$mode" = agent ] && unit=skiff-agent
mkdir -p "$SKIFF_SYSTEMD_DIR" "$SKIFF_BIN_DIR"
# The V8 heap flags of deploy/server/node-flags.ts (a smaller young generation and slower heap growth: about 60 MiB less RSS).
node_flags="--max-semi-space-size=2 --heap-growing-percent=20"
run_cmd="node $node_flags $dest/deploy/bin/skiff.mjs"
binary_sed=()
if [ -n "$binary" ]; then
  run_cmd="$SKIFF_BIN_DIR/skiff"
  # A single binary takes no Node flags on its command line: NODE_OPTIONS carries the one it allows (the server sets the other itself).
  binary_sed=(-e "s#^ExecStart=/usr/bin/env node $node_flags /opt/skiff/deploy/bin/skiff.mjs #ExecStart=$run_cmd #" -e "s#^WorkingDirectory=.*#WorkingDirectory=/#"
    -e "/^ExecStart=/i Environment=NODE_OPTIONS=--max-semi-space-size=2")
fi
sed "${binary_sed[@]}" -e "s#/opt/skiff#$dest#g" -e "s#/etc/skiff#$SKIFF_CONFIG_DIR#g" "$repo/deploy/systemd/$unit.service" >"$SKIFF_SYSTEMD_DIR/$unit.service"
install -m 0755 "$repo/deploy/skiff-killall.sh" "$SKIFF_BIN_DIR/skiff-killall.sh"
install -m 0755 "$repo/deploy/skiff-uninstall.sh" "$SKIFF_BIN_DIR/skiff-uninstall.sh"
install -m 0644 "$repo/deploy/skiff-paths.sh" "$SKIFF_BIN_DIR/skiff-paths.sh"
if [ -n "$binary" ]; then
  install -m 0755 "$binary" "$SKIFF_BIN_DIR/skiff.new"
  mv -f "$SKIFF_BIN_DIR/skiff.new" "$SKIFF_BIN_DIR/skiff"
else
  printf '#!/bin/sh\nexec node %s %s/deploy/bin/skiff.mjs "$@"\n' "$node_flags" "$dest" >"$SKIFF_BIN_DIR/skiff"
  chmod 0755 "$SKIFF_BIN_DIR/skiff"
fi
log "installed $SKIFF_SYSTEMD_DIR/$unit.service, $SKIFF_BIN_DIR/skiff, skiff-killall.sh, skiff-uninstall.sh"

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 && [ "$SKIFF_SYSTEMD_DIR" = /etc/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable "$unit.service"
  systemctl restart "$unit.service"
  log "started $unit.service (journalctl -u $unit -f)"
else
  log "systemd is not running here; start Skiff in the foreground with:"
  log "  $run_cmd $mode --config $cfg"
fi
