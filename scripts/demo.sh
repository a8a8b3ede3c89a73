#!/usr/bin/env bash
# The demo from a fresh machine: installs what is missing, builds, then takes
# every example block in examples/ through normc: parse + verify, canonicalize
# the named normalizations into the generic norm.normalize (also through
# Debian's stock mlir-opt with the normc plugin), and compile the training and
# the inference entry to the LLVM dialect with the norm-to-cpu pipeline.
# Then it compiles the ResNet block (NCHW, NHWC) and the transformer norms
# with normc, runs 3 training steps and one inference step on random data
# with norm-run, and prints an output summary, the running statistics (keys
# and values) and the time per step; finally it runs the ResNet block's
# backward entry and prints the gradients of every input.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${NORMC_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

opt="$build/bin/norm-opt"
stock=/usr/lib/llvm-22/bin/mlir-opt
plugin="$build/lib/NormPlugin.so"
now_ms() { date +%s%3N; }

for example in "$root"/examples/*.mlir; do
  name=$(basename "$example")
  echo "== $name"
  sed -n '1s|^// *||p' "$example"
  t0=$(now_ms)
  "$opt" "$example" > /dev/null
  t1=$(now_ms)
  canon=$("$opt" "$example" -canonicalize)
  t2=$(now_ms)
  "$stock" --load-dialect-plugin="$plugin" --load-pass-plugin="$plugin" \
    "$example" -canonicalize > /dev/null
  t3=$(now_ms)
  "$opt" "$example" --norm-to-cpu=mode=train > /dev/null
  t4=$(now_ms)
  "$opt" "$example" --norm-to-cpu=mode=infer > /dev/null
  t5=$(now_ms)
  named=$(grep -Eo 'norm\.(batch|layer|rms|group|instance)_norm' "$example" | sort | uniq -c | awk '{printf "%s x%s  ", $2, $1}')
  echo "   named norms : ${named:-none}"
  echo "   generic form: $(grep -c 'norm.normalize' <<<"$canon") norm.normalize after -canonicalize"
  grep -Eo 'norm\.normalize %[^ ]+ over \[[0-9, ]*\]( params \[[0-9, ]*\])?' <<<"$canon" | sed 's/^/     /'
  echo "   time        : verify $((t1 - t0)) ms, canonicalize $((t2 - t1)) ms, stock mlir-opt + plugin $((t3 - t2)) ms"
  echo "   norm-to-cpu : train entry $((t4 - t3)) ms, infer entry $((t5 - t4)) ms (to the LLVM dialect)"
done

normc="$build/bin/normc"
normrun="$build/bin/norm-run"
python=/usr/bin/python3
work="$build/demo"
rm -rf "$work" && mkdir -p "$work"

summary() { # prints shape, dtype and statistics of every outN.npy in $1
  "$python" - "$1" <<'PY'
import glob, sys, numpy as np
for f in sorted(glob.glob(sys.argv[1] + "/out*.npy")):
    y = np.load(f)
    kind = str(y.dtype)
    if y.dtype == np.uint16:  # bfloat16 travels as raw '<u2' bits
        y, kind = (y.astype(np.uint32) << 16).view(np.float32), "bfloat16"
    y = y.astype(np.float64)
    print(f"     {f.split('/')[-1]}: {kind} shape {y.shape}, mean {y.mean():+.4f}, std {y.std():.4f}, min {y.min():+.4f}, max {y.max():+.4f}")
PY
}

state_summary() { # prints every key of the state file $1
  "$python" - "$1" <<'PY'
import sys, numpy as np
s = np.load(sys.argv[1])
for k in sorted(s.files):
    v = s[k]
    text = str(int(v)) if v.ndim == 0 else np.array2string(v[:4], precision=4) + (" ..." if v.size > 4 else "")
    print(f"     {k} {v.dtype}{list(v.shape)}: {text}")
PY
}

echo
echo "== normc + norm-run: 3 training steps, then inference, on random data"
for spec in resnet_basic_block_nchw:basic_block resnet_basic_block_nhwc:basic_block_nhwc \
            transformer_norms:post_norm_residual transformer_norms:pre_norm_rms; do
  name=${spec%%:*}; entry=${spec##*:}
  out="$work/$name"
  t0=$(now_ms)
  "$normc" "$root/examples/$name.mlir" --mode=both -o "$out" > /dev/null
  echo "-- $name / $entry: compiled in $(( $(now_ms) - t0 )) ms ($(ls "$out" | tr "\n" " "))"
  "$normrun" "$out" --entry="$entry" --mode=train --random --seed=1 --steps=3 \
    --state="$work/$name.$entry.npz" --out="$work/$name.$entry.train" | sed 's/^/   /'
  summary "$work/$name.$entry.train"
  "$normrun" "$out" --entry="$entry" --mode=infer --random --seed=2 \
    --state="$work/$name.$entry.npz" --out="$work/$name.$entry.infer" | sed 's/^/   /'
  summary "$work/$name.$entry.infer"
  if [ -f "$work/$name.$entry.npz" ] && [ "$("$python" -c "import numpy as np; print(len(np.load('$work/$name.$entry.npz').files))")" != 0 ]; then
    echo "   running statistics after 3 steps ($work/$name.$entry.npz):"
    state_summary "$work/$name.$entry.npz"
  fi
done

echo
echo "== backward: gradients of every input of the ResNet block (train mode)"
out="$work/resnet_basic_block_nchw"
"$python" -c "import numpy as np; np.save('$work/grad_y.npy', np.random.default_rng(0).standard_normal((4, 64, 56, 56)).astype(np.float32))"
"$normrun" "$out" --mode=train --random --seed=3 --grad-output="$work/grad_y.npy" \
  --out="$work/resnet_grads" | sed 's/^/   /'
"$python" - "$work/resnet_grads" <<'PY'
import glob, sys, numpy as np
for f in sorted(glob.glob(sys.argv[1] + "/grad_*.npy")):
    g = np.load(f).astype(np.float64)
    print(f"     {f.split('/')[-1]}: shape {g.shape}, |g| mean {np.abs(g).mean():.4e}, max {np.abs(g).max():.4e}")
PY

echo
echo "demo: the kernels come from the portable linalg lowering (direct convolution,"
echo "      two-pass statistics); the fast schedules are issue #5's work."
