#!/usr/bin/env bash
# The acceptance run of the uniform model (issue "circuit in the prompt"): ONE file of capacity
# 8192 verified against direct evaluation on every ISCAS-85 circuit, the 64-bit Bristol circuits
# that fit, random circuits, 100 CVP instances and the four task families, in f32 and fixed:2, on
# the CPU reference and on WebGPU; its sha256 before and after. Prints one line per check and a
# summary; exit 1 if any check fails. Usage: scripts/uniform/acceptance.sh [OUT_DIR] [--quick]
#   CPU_SAMPLES (default 0: all-zeros and all-ones), GPU_SAMPLES (default 14) set the inputs. In
#   fixed:2 the CPU reference rounds every operation in JavaScript: circuits above
#   CPU_FIXED_MAX_WIRES (600) are certified in fixed:2 instead (certify --circuit: every input).
set -u
cd "$(dirname "$0")/../.."
out=${1:-/tmp/gatecot-acceptance}
quick=${2:-}
mkdir -p "$out"
g() { node bin/gatecot.js "$@"; }
shared=../shared/circuits
model=$out/uni8192.safetensors
[ -f "$model" ] || g compile --uniform --max-wires 8192 -o "$model" || exit 1
before=$(sha256sum "$model" | cut -d' ' -f1)
fails=0
runs=0
check() { # circuit, arith, backend, samples
  local c=$1 a=$2 b=$3 n=$4
  local j
  j=$(g verify "$model" --circuit "$c" --arith "$a" --backend "$b" --samples "$n" --json 2>"$out/err.txt")
  local rc=$?
  runs=$((runs + 1))
  if [ $rc -ne 0 ]; then fails=$((fails + 1)); echo "FAIL $c $a $b: $(cat "$out/err.txt") $j"; return; fi
  echo "$j" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(`ok   ${j.circuit.name} (${j.circuit.inputs} inputs, ${j.circuit.gates} gates, S ${j.model.seq_len}) ${j.arith} ${j.backend}: ${j.inputs_tested} inputs, ${j.positions_checked} positions, ${j.mismatches} mismatches, ${j.seconds} s`)})'
}
gen() { local f=$1; shift; [ -f "$out/$f" ] || g gen "$@" -o "$out/$f" >/dev/null; echo "$out/$f"; }
iscas=$(ls $shared/iscas85/*.bench)
bristol="$shared/bristol/adder64.txt $shared/bristol/sub64.txt $shared/bristol/neg64.txt $shared/bristol/zero_equal.txt"
randoms="$(gen r1.gc random --gates 300 --inputs 24 --seed 1) $(gen r2.gc random --gates 2000 --inputs 64 --seed 2 --locality 0.5) $(gen r3.gc random --gates 3000 --inputs 100 --seed 3 --mix AND=1,OR=1,XOR=1,NAND=1,NOR=1,XNOR=1,NOT=1,BUF=1,CONST0=1,CONST1=1 --outputs 32)"
tasks="$(gen modadd.gc modadd --count 64) $(gen s5.gc s5 --count 8) $(gen itersq.gc itersq --p 101 --k 2) $(gen cvp.gc cvp --gates 16)"
cvps=""
for s in $(seq 1 100); do cvps="$cvps $(gen cvp-$s.cvp cvp-instance --gates $((10 + 5 * s)) --seed $s)"; done
[ "$quick" = --quick ] && iscas=$(ls $shared/iscas85/*.bench | head -3) && cvps=$(echo $cvps | cut -d' ' -f1-5)
wires() { g stats "$1" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.inputs.reduce((a,b)=>a+b,0)+j.total_gates)})'; }
certifyFixed() { # the paper's fixed:2 for circuits too long for the CPU reference's rounded loops: a proof for all inputs
  local c=$1
  runs=$((runs + 1))
  if g certify "$model" --circuit "$c" --arith fixed:2 >"$out/cert.txt" 2>&1; then echo "ok   $(head -1 "$out/cert.txt" | cut -d: -f1) fixed:2 certified for every input ($(tail -1 "$out/cert.txt" | sed 's/.*(//; s/)//'))"
  else fails=$((fails + 1)); echo "FAIL certify $c fixed:2: $(grep -E 'NO|verdict' "$out/cert.txt" | head -3 | tr '\n' ' ')"; fi
}
all="$iscas $bristol $randoms $tasks $cvps"
for c in $all; do check "$c" f32 webgpu "${GPU_SAMPLES:-14}"; done
for c in $all; do check "$c" f32 cpu "${CPU_SAMPLES:-0}"; done
for c in $all; do
  if [ "$(wires "$c")" -le "${CPU_FIXED_MAX_WIRES:-600}" ]; then check "$c" fixed:2 cpu "${CPU_SAMPLES:-0}"; else certifyFixed "$c"; fi
done
after=$(sha256sum "$model" | cut -d' ' -f1)
echo "model sha256 before $before"
echo "model sha256 after  $after"
[ "$before" = "$after" ] || { echo "FAIL the model file changed"; fails=$((fails + 1)); }
echo "$runs checks, $fails failed"
[ $fails -eq 0 ]
