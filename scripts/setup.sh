#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system packages (only those missing),
# a virtualenv, and the project installed into it. A second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3-venv
  apertium transfuse apertium-fr-es apertium-eng-spa apertium-fra-cat apertium-eng-cat
  # Apertium's HTTP server, for the test that speaks to a real APy.
  apertium-apy
  # Headless browser for the end-to-end tests (driven by Playwright's Python package,
  # which never downloads a browser of its own here).
  chromium fonts-dejavu-core
  # Load generator for bench/web.py.
  wrk
  # The auditor walkthrough (docs/audit.md) tampers with a copy of the store with it.
  sqlite3
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi

# Reinstall only when the project's declared dependencies change.
stamp=".venv/.newsroom-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing the project into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi
