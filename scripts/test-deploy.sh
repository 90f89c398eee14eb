#!/usr/bin/env bash
# `npm run test:deploy`: builds Warden's image from a clean clone of HEAD and proves what docs/deploy.md
# promises of it. Outside .ci/run: an image build takes minutes here (the engine stores layers by copy).
#   - `demo --headless --approve-all --json` in the image ends with every incident contained;
#   - the image runs as a non-root user and holds no dev dependency, test, source or .env;
#   - its labels name the revision; compose.yaml validates (Debian's docker-compose); its layers' sizes
#     are printed for docs/performance.md.
set -euo pipefail

root=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
revision=$(git -C "$root" rev-parse HEAD)
version=$(node -p "require('$root/package.json').version")
image="warden:test-deploy"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git clone -q "$root" "$work/warden"
eval "$(bash "$root/../shared/tools/container-engine.sh")"
NODE_MAJOR=$(sed -n 's/^ARG NODE_MAJOR=//p' "$work/warden/Dockerfile")
eval "$(NODE_MAJOR=$NODE_MAJOR bash "$root/../shared/tools/container-engine.sh")"

echo "== build ($revision, Node $NODE_MAJOR)"
start=$(date +%s)
docker build -q --network host -t "$image" --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  "$work/warden" >/dev/null
echo "built in $(( $(date +%s) - start )) s"

fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== labels"
[ "$(docker image inspect "$image" --format '{{index .Config.Labels "org.opencontainers.image.revision"}}')" = "$revision" ] \
  || fail "the revision label is not $revision"

echo "== user and contents"
# One container for every check: each start copies the image's layers here (the engine's vfs driver).
found=$(docker run --rm --entrypoint sh "$image" -c '
  echo "uid $(id -u)"
  for p in node_modules/vitest node_modules/@biomejs node_modules/fast-check node_modules/typescript node_modules/@typescript test src .env tsconfig.json; do
    if [ -e "/app/$p" ]; then echo "holds $p"; fi
  done')
echo "$found"
[ "$(echo "$found" | sed -n 's/^uid //p')" != "0" ] || fail "the image runs as root"
if echo "$found" | grep -q '^holds '; then fail "the image holds what it must not"; fi

echo "== demo in the image"
docker run --rm --network host "$image" demo --headless --approve-all --json >"$work/demo.json"
node -e '
  const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const states = d.incidents.map((i) => i.state);
  if (states.length !== 4 || states.some((s) => s !== "contained")) {
    console.error("incidents:", JSON.stringify(states));
    process.exit(1);
  }
  console.log(`${states.length} incidents, all contained`);
' "$work/demo.json" || fail "the demo did not contain every incident"

echo "== compose"
if command -v docker-compose >/dev/null; then
  printf 'POSTGRES_PASSWORD=compose-check\n' >"$work/warden/.env"
  (cd "$work/warden" && docker-compose config -q) || fail "compose.yaml does not validate"
  echo "compose.yaml validates"
else
  echo "docker-compose is not installed (apt-get install docker-compose): compose.yaml not checked"
fi

echo "== size"
docker image inspect "$image" --format 'image: {{.Size}} bytes'
docker history --no-trunc --format '{{.Size}}\t{{.CreatedBy}}' "$image" |
  awk -F'\t' '$1 != "0B" { sub(/^\/bin\/sh -c (#\(nop\) )?/, "", $2); print "  " $1 "\t" substr($2, 1, 100) }'
echo "test:deploy passed"
