#!/usr/bin/env bash
# Refreshes the front-end files committed under internal/web/static/vendor from
# the npm registry. Run it by hand when upgrading; the Go build never needs Node.
# Usage: scripts/refresh-vendor.sh [bootstrap-italia-version]
set -euo pipefail
version="${1:-2.18.3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/internal/web/static/vendor/bootstrap-italia"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "bootstrap-italia@$version" >/dev/null
tar xzf "bootstrap-italia-$version.tgz"
src="$work/package"

rm -rf "$dest"
mkdir -p "$dest/css" "$dest/js" "$dest/svg" "$dest/fonts"
cp "$src/LICENSE" "$dest/LICENSE"
cp "$src/dist/css/bootstrap-italia.min.css" "$dest/css/"
cp "$src/dist/js/bootstrap-italia.bundle.min.js" "$dest/js/"
cp "$src/dist/svg/sprites.svg" "$dest/svg/"
# Only woff2: every browser we support reads it; fonts.css (ours) declares them.
for family in Titillium_Web Lora Roboto_Mono; do
  mkdir -p "$dest/fonts/$family"
  cp "$src/dist/fonts/$family/"*.woff2 "$dest/fonts/$family/"
  [ -f "$src/dist/fonts/$family/LICENSE.txt" ] && cp "$src/dist/fonts/$family/LICENSE.txt" "$dest/fonts/$family/"
done
# Source-map comments point at files we do not ship; strip them so browsers do not ask.
sed -i -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$dest/css/bootstrap-italia.min.css"
sed -i -e 's#//\# sourceMappingURL=.*$##' "$dest/js/bootstrap-italia.bundle.min.js"
echo "$version" > "$dest/VERSION"
echo "bootstrap-italia $version vendored into $dest"
