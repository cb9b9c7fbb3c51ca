#!/usr/bin/env bash
# One entry point for a fresh machine (Node 20 + npm are enough):
#   bash scripts/bootstrap.sh demo   install, build the site from the sample ledger, print a usage report
#   bash scripts/bootstrap.sh test   install (Chromium included), type-check, run every test
#   bash scripts/bootstrap.sh install   install, then put the `token-ledger` bin on PATH (npm install -g of the packed CLI)
# Node >= 22.18 and pnpm come from the npm registry into .tools/ when the machine lacks them.
set -euo pipefail
cd "$(dirname "$0")/.."

task="${1:-}"
case "$task" in
  demo | test | install) ;;
  *)
    echo "usage: bash scripts/bootstrap.sh demo|test|install" >&2
    exit 2
    ;;
esac

tools="$PWD/.tools"
# The machine's own PATH: the global install goes where its npm puts bins, for its node.
machine_path="$PATH"
node_is_new_enough() {
  node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 22 || (major === 22 && minor >= 18) ? 0 : 1)' 2>/dev/null
}
if ! node_is_new_enough || ! command -v pnpm >/dev/null 2>&1; then
  if [ ! -x "$tools/node_modules/.bin/node" ] || [ ! -x "$tools/node_modules/.bin/pnpm" ]; then
    echo "==> installing Node 22 and pnpm into .tools/ (from the npm registry)"
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$tools" node@22 pnpm@12.21.0
  fi
  export PATH="$tools/node_modules/.bin:$PATH"
fi
echo "==> node $(node --version), pnpm $(pnpm --version)"

echo "==> pnpm install"
pnpm install --frozen-lockfile

if [ "$task" = install ]; then
  echo "==> packing the built CLI and installing it globally with the machine's npm"
  pack_dir="$(mktemp -d)"
  pnpm pack --pack-destination "$pack_dir" >/dev/null
  PATH="$machine_path" npm install -g --no-audit --no-fund --loglevel=error "$pack_dir"/token-ledger-*.tgz
  rm -rf "$pack_dir"
  echo "==> $(PATH="$machine_path" command -v token-ledger): token-ledger $(PATH="$machine_path" token-ledger --version)"
  echo "==> next, in your project: token-ledger init --claude --kiro"
  if [ "$(command -v pnpm)" = "$tools/node_modules/.bin/pnpm" ]; then
    echo "==> pnpm and Node 22 for this checkout are in .tools/; reach them with: export PATH=\"$tools/node_modules/.bin:\$PATH\""
  fi
  exit 0
fi

if [ "$task" = demo ]; then
  echo "==> building the docs site from the sample ledger (src/data/sample-ledger.csv)"
  pnpm build
  echo "==> usage report of the sample ledger, by model"
  node bin/token-ledger.cjs report --by model --csv src/data/sample-ledger.csv
  echo "==> site written to dist/ (usage pages under dist/runbook/usage/); preview it with: pnpm preview"
  exit 0
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Debian's chromium for the browser tests"
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq chromium >/dev/null
fi

echo "==> type-check"
pnpm typecheck
echo "==> tests"
pnpm test
