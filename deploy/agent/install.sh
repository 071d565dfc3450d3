#!/usr/bin/env bash
# Installs the log4fleet agent on this host, enrolls it with a controller and starts it.
#
#   deploy/agent/install.sh --controller grpcs://controller.example:50051 --token TOKEN [--ca ca.pem]
#
# Needs Node.js 20 (installed from the system packages when missing) and the built agent
# bundle (dist/apps/agent: `npx nx run agent:build`), or AGENT_DIST pointing at it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dist="${AGENT_DIST:-$here/../../dist/apps/agent}"
prefix=/opt/log4fleet-agent
state=/var/lib/log4fleet-agent

[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
[ -f "$dist/main.js" ] || { echo "install.sh: no agent bundle at $dist (run: npx nx run agent:build)" >&2; exit 1; }
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  apt-get update -qq && apt-get install -y -qq nodejs
fi

install -d -m 0755 "$prefix"
install -m 0755 "$dist/main.js" "$dist/scan-worker.js" "$prefix/"
install -d -m 0700 "$state"
if [ ! -f "$state/credentials.json" ]; then
  node "$prefix/main.js" enroll --state-dir "$state" "$@"
fi
install -m 0644 "$here/log4fleet-agent.service" /etc/systemd/system/log4fleet-agent.service
systemctl daemon-reload
systemctl enable --now log4fleet-agent.service
echo "log4fleet-agent installed and running (journalctl -u log4fleet-agent)"
