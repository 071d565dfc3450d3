#!/usr/bin/env bash
# Tools the test suite runs for real: a JDK (tests start real JVMs), unzip (checks that the
# zips the fixtures write are standard), openssl (test certificates), nftables and conntrack
# (the quarantine tests contain real hosts in network namespaces; ip comes with iproute2).
# Installed from the system packages when missing.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
pkgs=()
command -v javac >/dev/null || pkgs+=(openjdk-17-jdk-headless)
command -v unzip >/dev/null || pkgs+=(unzip)
command -v openssl >/dev/null || pkgs+=(openssl)
command -v nft >/dev/null || [ -x /usr/sbin/nft ] || pkgs+=(nftables)
command -v conntrack >/dev/null || [ -x /usr/sbin/conntrack ] || pkgs+=(conntrack)
command -v ip >/dev/null || [ -x /usr/sbin/ip ] || pkgs+=(iproute2)
[ ${#pkgs[@]} -eq 0 ] && exit 0
echo "ensure-tools: installing ${pkgs[*]} from the system packages" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
