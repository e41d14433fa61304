#!/usr/bin/env bash
# Installs what models/train.py needs on a fresh Debian 12 machine (idempotent; needs root or sudo).
# Debian's torch 1.13 + onnx 1.12 under /usr/bin/python3; without libopenblas0-pthread training is ~25x slower.
# dataset-fashion-mnist is only needed for the Fashion-MNIST models (the vibration data is generated).
set -euo pipefail
packages=(python3-torch python3-onnx python3-numpy libopenblas0-pthread dataset-fashion-mnist)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "training prerequisites already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
/usr/bin/python3 -c "import torch, onnx, numpy; print('torch', torch.__version__, 'onnx', onnx.__version__, 'numpy', numpy.__version__)"
