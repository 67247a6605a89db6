#!/usr/bin/env bash
# Installs what kdeck needs on a Debian/Ubuntu machine, skipping what is already there.
#   scripts/deps.sh build   what building kdeck needs (librdkafka is built from source by cargo)
#   scripts/deps.sh test    that plus the test tools: kcat, tmux, Java and Maven for the broker
#                           and the schema registry, python3-venv and curl for its clients,
#                           Prometheus (its server and promtool) for `kdeck serve`, and the
#                           toolchains of the services' own clients (scripts/interop.sh): a JDK,
#                           Go, Node.js and npm
set -euo pipefail
mode="${1:-test}"
pkgs=(build-essential pkg-config cmake libssl-dev libsasl2-dev libzstd-dev zlib1g-dev)
if [ "$mode" = "test" ]; then
  pkgs+=(kcat tmux python3 python3-venv curl prometheus)
  command -v java >/dev/null || pkgs+=(default-jre-headless)
  command -v mvn >/dev/null || pkgs+=(maven)
  # The machine may bring its own Go and Node.js (not Debian's): those are used when present.
  command -v javac >/dev/null || pkgs+=(default-jdk-headless)
  command -v go >/dev/null || pkgs+=(golang-go)
  command -v node >/dev/null || pkgs+=(nodejs)
  command -v npm >/dev/null || pkgs+=(npm)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps.sh: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "deps.sh: not root and no sudo: please install ${missing[*]}" >&2; exit 1; fi
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
if ! command -v cargo >/dev/null; then
  echo "deps.sh: cargo is missing: install Rust with rustup (https://rustup.rs)" >&2; exit 1
fi
if [ "$mode" = "test" ] && command -v rustup >/dev/null; then
  for c in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$c"; then
      rustup component add "$c" >&2 || echo "deps.sh: could not install $c (offline?)" >&2
    fi
  done
fi
