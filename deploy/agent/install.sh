#!/usr/bin/env bash
# Installs the log4fleet agent on this host, enrolls it with a controller and starts it.
#
#   deploy/agent/install.sh --controller grpcs://controller.example:50051 --token-file FILE \
#     [--fingerprint sha256:HEX | --ca ca.pem]
#
# The enrollment token comes from --token-file or the environment (LOG4FLEET_ENROLL_TOKEN, e.g.
# `sudo --preserve-env=LOG4FLEET_ENROLL_TOKEN`), never from the command line, where every user
# of the host sees it (ps). --fingerprint (GET /api/v1/controller-certificate) or --ca makes the
# agent check the controller before the token leaves this host; without them the agent trusts
# whichever server answers first (README.md: "Enrolling agents").
# Needs Node.js 20, nftables and conntrack (installed from the system packages when missing) and the built agent
# bundle (dist/apps/agent: `npx nx run agent:build`), or AGENT_DIST pointing at it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dist="${AGENT_DIST:-$here/../../dist/apps/agent}"
prefix=/opt/log4fleet-agent
state=/var/lib/log4fleet-agent

for arg in "$@"; do
  case "$arg" in
    --token | --token=*)
      echo "install.sh: --token would show the enrollment token to every user of this host (ps); use --token-file FILE or the environment variable LOG4FLEET_ENROLL_TOKEN" >&2
      exit 64
      ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
[ -f "$dist/main.js" ] || { echo "install.sh: no agent bundle at $dist (run: npx nx run agent:build)" >&2; exit 1; }
pkgs=()
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  pkgs+=(nodejs)
fi
# Quarantine (isolate / egress-block) manages the agent's own nftables table and cuts open
# flows with conntrack; neither is on a fresh Debian host.
command -v nft >/dev/null || [ -x /usr/sbin/nft ] || pkgs+=(nftables)
command -v conntrack >/dev/null || [ -x /usr/sbin/conntrack ] || pkgs+=(conntrack)
if [ ${#pkgs[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}"
fi

install -d -m 0755 "$prefix"
install -m 0755 "$dist/main.js" "$dist/scan-worker.js" "$prefix/"
install -d -m 0700 "$state"
if [ ! -f "$state/credentials.json" ]; then
  # The token reaches the agent through the environment it inherits (or the file it reads).
  node "$prefix/main.js" enroll --state-dir "$state" "$@"
fi
unset LOG4FLEET_ENROLL_TOKEN
install -m 0644 "$here/log4fleet-agent.service" /etc/systemd/system/log4fleet-agent.service
systemctl daemon-reload
systemctl enable --now log4fleet-agent.service
echo "log4fleet-agent installed and running (journalctl -u log4fleet-agent)"
