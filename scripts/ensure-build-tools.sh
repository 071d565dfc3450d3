#!/usr/bin/env bash
# better-sqlite3 compiles from source on install (its prebuilt download is unreachable here):
# npm ci needs python3, make and a C++ compiler. Installed from the system packages when missing.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
pkgs=()
command -v python3 >/dev/null || pkgs+=(python3)
command -v make >/dev/null || pkgs+=(make)
command -v g++ >/dev/null || pkgs+=(g++)
[ ${#pkgs[@]} -eq 0 ] && exit 0
echo "ensure-build-tools: installing ${pkgs[*]} from the system packages" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
