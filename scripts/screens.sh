#!/usr/bin/env bash
# Regenerates docs/screens.md and docs/screens/*.jpg: starts the demo on a
# fresh database, signs in as each role in headless Chromium and captures the
# main screens at 1366 × 900 and 375 × 800 (internal/e2e, TestScreens).
# Needs chromium on the PATH. Takes about a minute.
# Usage: scripts/screens.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
GESTA_SCREENS="$root/docs" go test -count=1 -run '^TestScreens$' -v ./internal/e2e/
