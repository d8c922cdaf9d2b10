#!/usr/bin/env bash
# Packs what the GPU check (scripts/gpu/check.sh) needs into .gpu/ (ignored by git), for a machine
# that has a GPU but no network and maybe no Node.js: the node binary, the built gatecot (dist/,
# bin/), its production npm packages (Dawn's linux-x64 binary only), the Vulkan loader package,
# and the shared circuits the check reads. Run it here after `npm ci`; carry `.gpu` to the GPU
# machine and run `bash scripts/gpu/check.sh` there. The pack stays under 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/../.."
shared="${GATECOT_SHARED:-../shared/circuits}"
[ -d "$shared" ] || { echo "pack.sh: shared circuits not found at $shared (set GATECOT_SHARED)" >&2; exit 2; }
npm run build --silent

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/gatecot" "$stage/circuits/iscas85" "$stage/circuits/bristol" "$stage/debs"
cp -r dist bin package.json package-lock.json "$stage/gatecot/"
cp "$(readlink -f "$(command -v node)")" "$stage/node"
# Production packages only, then drop Dawn's binaries for other platforms.
(cd "$stage/gatecot" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --silent) || { echo "pack.sh: npm ci --omit=dev failed" >&2; exit 1; }
find "$stage/gatecot/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
for f in c880 c6288 c7552; do cp "$shared/iscas85/$f.bench" "$stage/circuits/iscas85/"; done
cp "$shared/bristol/aes_128.txt" "$shared/bristol/sha256.txt" "$stage/circuits/bristol/"
# The Vulkan loader (Dawn dlopens libvulkan.so.1); the NVIDIA driver brings its own ICD.
(cd "$stage/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || echo "pack.sh: could not download libvulkan1 (the check uses the machine's loader if it has one)" >&2

mkdir -p .gpu
tar -C "$stage" -czf .gpu/gatecot-gpu.tar.gz .
echo "wrote .gpu/gatecot-gpu.tar.gz ($(du -h .gpu/gatecot-gpu.tar.gz | cut -f1))"
