# Sourced by skiff-killall.sh and skiff-uninstall.sh (installed beside them):
# resolves where Skiff lives. Paths come from <config-dir>/install.env and
# config.yaml when present; SKIFF_* variables in the environment win (tests
# point them at temp dirs). Defines config_value and sets/exports SKIFF_*.

: "${SKIFF_CONFIG_DIR:=/etc/skiff}"
if [ -f "$SKIFF_CONFIG_DIR/install.env" ]; then
  # shellcheck disable=SC1091
  . "$SKIFF_CONFIG_DIR/install.env"
fi

# The value of a top-level `key:` in config.yaml (as install.sh writes it: one scalar per line).
config_value() {
  local f="$SKIFF_CONFIG_DIR/config.yaml"
  [ -f "$f" ] || return 0
  sed -n "s/^$1:[[:space:]]*//p" "$f" | head -n1 | sed -e "s/^'\(.*\)'\$/\1/" -e 's/^"\(.*\)"$/\1/' -e "s/''/'/g"
}

: "${SKIFF_DATA_DIR:=$(config_value data-dir)}"
: "${SKIFF_DATA_DIR:=/var/lib/skiff}"
: "${SKIFF_CLUSTER_CIDR:=$(config_value cluster-cidr)}"
: "${SKIFF_CLUSTER_CIDR:=10.244.0.0/16}"
: "${SKIFF_SERVICE_CIDR:=$(config_value service-cidr)}"
: "${SKIFF_SERVICE_CIDR:=10.96.0.0/12}"
: "${SKIFF_INSTALL_DIR:=/opt/skiff}"
# 1 when install.sh copied the app into SKIFF_INSTALL_DIR (then uninstall removes it), 0 when it ran from a checkout.
: "${SKIFF_APP_COPIED:=0}"
: "${SKIFF_BIN_DIR:=/usr/local/bin}"
: "${SKIFF_SYSTEMD_DIR:=/etc/systemd/system}"
: "${SKIFF_CNI_STATE_DIR:=/var/lib/cni}"
: "${SKIFF_CONTAINERD_RUN_DIR:=/run/containerd}"
: "${SKIFF_CNI_BRIDGE:=cni0}"
: "${SKIFF_CNI_NETWORK:=skiff}"
export SKIFF_CONFIG_DIR SKIFF_DATA_DIR SKIFF_CLUSTER_CIDR SKIFF_SERVICE_CIDR SKIFF_INSTALL_DIR SKIFF_APP_COPIED SKIFF_BIN_DIR \
  SKIFF_SYSTEMD_DIR SKIFF_CNI_STATE_DIR SKIFF_CONTAINERD_RUN_DIR SKIFF_CNI_BRIDGE SKIFF_CNI_NETWORK
