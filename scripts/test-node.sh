#!/usr/bin/env bash
# Runs the README's test command (`npm test`) under each Node version given, e.g.
#
#   scripts/test-node.sh 20 22 24        # each major's newest release
#   scripts/test-node.sh 22.12.0         # one exact release
#   scripts/test-node.sh 24 -- npx jest test/hal     # another command instead of npm test
#
# A version the machine's own `node` already satisfies runs with it. Any other is the npm
# registry's package node-<platform>-<arch> (bin/node plus include/node headers), unpacked once into
# a cache folder outside the project ($HILBRIDGE_NODE_CACHE, default ~/.cache/hilbridge/node) and
# reused while it is the newest release of that version. Before its run the native addons
# (spi-device, i2c-bus) are rebuilt for it from those headers, offline; the addons the machine's
# Node had are put back at the end, however the script ends, so the tree is left as `npm ci` built
# it. Every version runs even after a failure; the summary names each failing version, and the exit
# status is 1 if any failed.
#
# Needs what `npm ci` needs to build the addons (python3, make, g++), and the project installed
# (`npm ci`) with the machine's Node.
set -uo pipefail
cd "$(dirname "$0")/.."

ADDONS=(spi-device i2c-bus)
LOAD_CHECK="require('spi-device'); require('i2c-bus'); require('serialport')"
CACHE="${HILBRIDGE_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hilbridge/node}"

say() { printf '[test-node] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 2; }

SPECS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  [[ "$1" =~ ^[0-9]+(\.[0-9]+\.[0-9]+)?$ ]] || die "'$1' is not a Node major (22) or an exact release (22.12.0)"
  SPECS+=("$1"); shift
done
[ "${1:-}" = "--" ] && shift
COMMAND=("$@")
[ ${#COMMAND[@]} -gt 0 ] || COMMAND=(npm test)
[ ${#SPECS[@]} -gt 0 ] || die "usage: $0 VERSION... [-- COMMAND...] (VERSION: a major such as 22, or an exact release such as 22.12.0)"
[ -d node_modules ] || die "node_modules is missing: run npm ci first"
command -v node >/dev/null || die "no node on PATH"

HOST_NODE="$(command -v node)"
HOST_VERSION="$(node -p 'process.versions.node')"
HOST_PREFIX="$(dirname "$(dirname "$(node -p 'process.execPath')")")"
PKG="${HILBRIDGE_NODE_PACKAGE:-node-$(node -p 'process.platform')-$(node -p 'process.arch')}"
mkdir -p "$CACHE" || die "cannot create the Node cache folder $CACHE"

# One run at a time per tree: two would rebuild the same addons under each other.
exec 9>"node_modules/.test-node.lock"
flock -n 9 || die "another scripts/test-node.sh is running in this tree"

# Does VERSION (x.y.z) satisfy SPEC (a major, or an exact release)?
satisfies() { [ "$1" = "$2" ] || [ "${1%%.*}" = "$2" ]; }

addons_load() { "$1" -e "$LOAD_CHECK" >/dev/null 2>&1; }

# Rebuilds the addons for the Node in folder $1 (empty: the machine's own, with its own headers).
rebuild_addons() {
  if [ -n "$1" ]; then
    PATH="$1/bin:$PATH" npm_config_nodedir="$1" npm rebuild "${ADDONS[@]}" >&2
  elif [ -f "$HOST_PREFIX/include/node/node_version.h" ]; then
    # The machine's own headers (installed beside its node): right for it, and no download.
    npm_config_nodedir="$HOST_PREFIX" npm rebuild "${ADDONS[@]}" >&2
  else
    (unset npm_config_nodedir; npm rebuild "${ADDONS[@]}" >&2)
  fi
}

# The tree must start out built for the machine's Node; a run killed with SIGKILL may have left
# another version's addons behind.
if ! addons_load "$HOST_NODE"; then
  say "the native addons do not load under the machine's Node $HOST_VERSION; rebuilding them for it"
  rebuild_addons "" && addons_load "$HOST_NODE" ||
    die "spi-device, i2c-bus and serialport must build and load under Node $HOST_VERSION first (npm ci; python3, make and g++ are needed)"
fi

# Keep the machine's builds, to put back at the end without compiling again.
STASH="$(mktemp -d "${TMPDIR:-/tmp}/hilbridge-addons.XXXXXX")" || die "mktemp failed"
for a in "${ADDONS[@]}"; do cp -a "node_modules/$a/build" "$STASH/$a" || die "cannot save node_modules/$a/build"; done
SWITCHED=0

restore() {
  local rc=$?
  if [ "$SWITCHED" = 1 ]; then
    say "putting back the native addons built for the machine's Node $HOST_VERSION"
    for a in "${ADDONS[@]}"; do rm -rf "node_modules/$a/build" && cp -a "$STASH/$a" "node_modules/$a/build"; done
    if ! addons_load "$HOST_NODE"; then
      say "the saved builds do not load; rebuilding for Node $HOST_VERSION"
      rebuild_addons "" && addons_load "$HOST_NODE" || { say "error: could not restore the addons for Node $HOST_VERSION: run npm rebuild ${ADDONS[*]}"; rc=2; }
    fi
  fi
  rm -rf "$STASH"
  exit "$rc"
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Prints the folder of a Node satisfying SPEC, installing it into the cache if needed.
install_node() {
  local spec=$1 version dir tmp
  # The registry says which release is the newest for the spec; offline, the newest cached one.
  if version="$(npm view "$PKG@$spec" version --json 2>/dev/null | node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const v = [].concat(JSON.parse(s)).map((x) => x.split(".").map(Number));
        if (!v.length) process.exit(1);
        v.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
        console.log(v.pop().join("."));
      });')"; then :; else
    version="$(ls "$CACHE" 2>/dev/null | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | while read -r v; do satisfies "$v" "$spec" && echo "$v"; done | sort -V | tail -1)"
    [ -n "$version" ] || { say "cannot resolve $PKG@$spec: the registry has no such release or did not answer, and nothing in $CACHE matches"; return 1; }
    say "the registry did not resolve $PKG@$spec: using the cached Node $version"
  fi
  dir="$CACHE/$version"
  if [ -x "$dir/bin/node" ] && [ -f "$dir/include/node/node_version.h" ] && [ "$("$dir/bin/node" -p 'process.versions.node' 2>/dev/null)" = "$version" ]; then
    printf '%s\n' "$dir"; return 0
  fi
  say "installing Node $version ($PKG@$version from the npm registry) into $dir"
  rm -rf "$dir"
  tmp="$(mktemp -d "$CACHE/.tmp.XXXXXX")" || return 1
  if ! (cd "$tmp" && npm pack "$PKG@$version" --silent >/dev/null) ||
     ! mkdir "$tmp/node" || ! tar -xzf "$tmp"/*.tgz -C "$tmp/node" --strip-components=1 ||
     [ "$("$tmp/node/bin/node" -p 'process.versions.node' 2>/dev/null)" != "$version" ] ||
     [ ! -f "$tmp/node/include/node/node_version.h" ]; then
    rm -rf "$tmp"; say "$PKG@$version did not download or unpack to a working node with headers"; return 1
  fi
  # Another run may have installed the same release meanwhile; either copy is complete.
  mv -T "$tmp/node" "$dir" 2>/dev/null || [ -x "$dir/bin/node" ] || { rm -rf "$tmp"; return 1; }
  rm -rf "$tmp"
  # A newer release of a major replaces the older ones (about 200 MB each).
  if [[ "$spec" != *.* ]]; then
    for old in "$CACHE/$spec".*; do [ "$old" = "$dir" ] || [ ! -d "$old" ] || { say "removing the older $old"; rm -rf "$old"; }; done
  fi
  printf '%s\n' "$dir"
}

declare -a SUMMARY=()
FAILED=0
fail() { say "FAILED: $1"; SUMMARY+=("Node $2: FAILED, $1 (after $((SECONDS - started)) s)"); FAILED=1; }
for spec in "${SPECS[@]}"; do
  started=$SECONDS
  if satisfies "$HOST_VERSION" "$spec"; then
    home="" version="$HOST_VERSION" origin="the machine's node"
  elif home="$(install_node "$spec")"; then
    version="$("$home/bin/node" -p 'process.versions.node')" origin="$PKG@$version"
  else
    fail "Node $spec could not be installed" "$spec"; continue
  fi
  installed=$SECONDS

  if [ -n "$home" ]; then
    say "rebuilding ${ADDONS[*]} for Node $version"
    SWITCHED=1
    if ! rebuild_addons "$home" || ! addons_load "$home/bin/node"; then
      fail "${ADDONS[*]} did not build or load under Node $version ($origin)" "$version"; continue
    fi
  elif [ "$SWITCHED" = 1 ]; then
    for a in "${ADDONS[@]}"; do rm -rf "node_modules/$a/build" && cp -a "$STASH/$a" "node_modules/$a/build"; done
    addons_load "$HOST_NODE" || { fail "the saved addons of Node $version do not load" "$version"; continue; }
  fi
  built=$SECONDS

  say "=== ${COMMAND[*]} under Node $version ($origin) ==="
  if (if [ -n "$home" ]; then export PATH="$home/bin:$PATH" npm_config_nodedir="$home"; fi
      "${COMMAND[@]}"); then
    SUMMARY+=("Node $version: passed in $((SECONDS - started)) s (install $((installed - started)) s, addons $((built - installed)) s, ${COMMAND[*]} $((SECONDS - built)) s)")
  else
    fail "${COMMAND[*]} under Node $version ($origin) exited $?" "$version"
  fi
done

say "summary:"
for line in "${SUMMARY[@]}"; do say "  $line"; done
exit "$FAILED"
