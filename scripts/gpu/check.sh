#!/usr/bin/env bash
# The GPU check of the WebGPU issue, as one prepared script for a lent GPU machine (no network,
# maybe no Node.js): unpacks .gpu/gatecot-gpu.tar.gz (made here by scripts/gpu/pack.sh), then
#   1. nvidia-smi and `gatecot doctor` (adapter, limits, f16, self-test against the CPU reference);
#   2. `npm run bench`'s table (c880, c6288, c7552 4tok; aes_128 gate) with the attention
#      kernel's share of the card's f32 peak;
#   3. `gatecot verify bristol/sha256.txt --cot 4tok --backend webgpu --samples 0 --json`, timed
#      (S = 541 061; goal on an H100: under 10 s);
#   4. the bench's SHA-256 run: attention kernel time from timestamp queries.
# Everything is written to $OUT (or ./gpu-out). Usage from this machine (device tool):
#   run(command="bash scripts/gpu/check.sh", carry=[".gpu"], timeout_s=540)
# GATECOT_PEAK_GFLOPS overrides the f32 peak (default: H100 SXM / H200, 66 900 GFLOP/s).
# GATECOT_GPU_QUICK=1 runs only c880 and skips SHA-256 (to test the script on a CPU adapter).
set -uo pipefail
cd "$(dirname "$0")/../.."
pack=.gpu/gatecot-gpu.tar.gz
[ -f "$pack" ] || { echo "check.sh: $pack not found: run scripts/gpu/pack.sh first and carry .gpu" >&2; exit 2; }
out="${OUT:-$PWD/gpu-out}"
mkdir -p "$out"
work="$(mktemp -d /tmp/gatecot-gpu.XXXXXX)"
tar -C "$work" -xzf "$pack" || exit 2

# Vulkan: Dawn dlopens libvulkan.so.1; bring the loader if the machine has none, and point it at
# the NVIDIA driver's ICD when that is where the image keeps it.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  for f in "$work"/debs/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
  ldconfig 2>/dev/null || true
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$icd" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES="$icd"; fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$work/xdg}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export GATECOT_SHARED="$work/circuits"
node="$work/node"
g=("$node" "$work/gatecot/bin/gatecot.js")
peak="${GATECOT_PEAK_GFLOPS:-66900}"

{ date -u; uname -a; nvidia-smi 2>&1 || echo "no nvidia-smi"; "$node" --version; } 2>&1 | tee "$out/machine.txt"
echo '--- doctor'
"${g[@]}" doctor 2>&1 | tee "$out/doctor.txt"
echo '--- bench'
if [ "${GATECOT_GPU_QUICK:-}" = 1 ]; then circuits=c880; else circuits=c880,c6288,c7552,aes_128; fi
(cd "$work/gatecot" && "$node" dist/bench/bench.js --circuits "$circuits" --peak-gflops "$peak") 2>&1 | tee "$out/bench.txt"
if [ "${GATECOT_GPU_QUICK:-}" != 1 ]; then
  echo '--- verify sha256 4tok (gatecot verify, wall time of the whole command)'
  t0=$(date +%s.%N)
  "${g[@]}" verify "$work/circuits/bristol/sha256.txt" --cot 4tok --backend webgpu --samples 0 --json 2>"$out/sha256-verify.err" | tee "$out/sha256-verify.json"
  rc=${PIPESTATUS[0]}
  echo "gatecot verify sha256 4tok: exit $rc, $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }") s" | tee "$out/sha256-verify-time.txt"
  echo '--- bench --sha256 (attention kernel time)'
  (cd "$work/gatecot" && "$node" dist/bench/bench.js --sha256 --peak-gflops "$peak") 2>&1 | tee "$out/sha256-bench.txt"
fi
rm -rf "$work"
