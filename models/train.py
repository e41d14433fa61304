#!/usr/bin/python3
"""Train HiPortal's two Fashion-MNIST models and export them to ONNX with a model card.

  tiny  - the S-ML a microcontroller runs (3 conv layers, ~14k parameters, ~2 MFLOPs/sample)
  large - the L-ML the server runs (ResNet-style, ~0.7M parameters, ~75 MFLOPs/sample)

Splits (identical in the C# code, see HiPortal.Core FashionMnist.CalibrationSplit):
  train        = training file images 0..54999   (the only images training sees)
  calibration  = training file images 55000..59999 (thresholds are fitted here)
  test         = the t10k file (reported, never used to choose anything)

Usage:
  /usr/bin/python3 models/train.py train  --model tiny  --epochs 20 --seed 7
  /usr/bin/python3 models/train.py train  --model large --epochs 30 --seed 7 --device cuda --weights-out large.npz
  /usr/bin/python3 models/train.py export --model large --weights large.npz --command "..."
`train` without --weights-out exports at once; `export` turns saved weights into ONNX + card
(export always runs on CPU with Debian's torch 1.13 so the ONNX files come from one exporter).
"""
import argparse
import gzip
import hashlib
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
TRAIN_COUNT = 55000
HERE = os.path.dirname(os.path.abspath(__file__))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir):
    def pair(prefix):
        x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
        y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
        return torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1), torch.from_numpy(y.astype(np.int64))
    x, y = pair("train")
    xt, yt = pair("t10k")
    return {"train": (x[:TRAIN_COUNT], y[:TRAIN_COUNT]),
            "calibration": (x[TRAIN_COUNT:], y[TRAIN_COUNT:]),
            "test": (xt, yt)}


class Tiny(nn.Module):
    """Three 3x3 conv layers with pooling and a global-average head: fits an MCU's RAM and flash."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 12, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(12)
        self.c2 = nn.Conv2d(12, 24, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(24)
        self.c3 = nn.Conv2d(24, 48, 3, padding=1, bias=False)
        self.b3 = nn.BatchNorm2d(48)
        self.fc = nn.Linear(48, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.b2(self.c2(x))), 2)
        x = F.relu(self.b3(self.c3(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.b1(self.c1(x)))
        out = self.b2(self.c2(out))
        return F.relu(out + (x if self.short is None else self.short(x)))


class Large(nn.Module):
    """ResNet-style: stem, then residual stages of 32/64/128 channels at 28/14/7 pixels."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.stages = nn.Sequential(Block(32, 32, 1), Block(32, 64, 2), Block(64, 128, 2))
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.fc(self.drop(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))


MODELS = {"tiny": Tiny, "large": Large}


def count_flops(model):
    """FLOPs per sample = 2 x multiply-accumulates of conv and linear layers (BN folds away in inference)."""
    macs = []

    def conv_hook(m, i, o):
        macs.append(o.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1])

    def fc_hook(m, i, o):
        macs.append(m.in_features * m.out_features)
    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(fc_hook))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for h in hooks:
        h.remove()
    return 2 * sum(macs)


def augment(x, gen):
    """Random 2-pixel translation and horizontal flip, per sample, as tensor ops (no DataLoader)."""
    b = x.shape[0]
    padded = F.pad(x, (2, 2, 2, 2))
    oy = torch.randint(0, 5, (b,), generator=gen, device="cpu").to(x.device)
    ox = torch.randint(0, 5, (b,), generator=gen, device="cpu").to(x.device)
    ar = torch.arange(28, device=x.device)
    rows = (oy[:, None] + ar)[:, :, None]
    cols = (ox[:, None] + ar)[:, None, :]
    out = padded[torch.arange(b, device=x.device)[:, None, None], 0, rows, cols].unsqueeze(1)
    flip = torch.rand(b, generator=gen, device="cpu").to(x.device) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(3), out)


def accuracy(model, x, y, device="cpu"):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            correct += (model(x[i:i + 1000].to(device)).argmax(1).cpu() == y[i:i + 1000]).sum().item()
    return correct / len(x)


def train(args, splits):
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = torch.device(args.device)
    model = MODELS[args.model]().to(device)
    x, y = splits["train"]
    x, y = x.to(device), y.to(device)
    gen = torch.Generator().manual_seed(args.seed)
    steps_per_epoch = (len(x) + args.batch - 1) // args.batch
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch,
                                                pct_start=0.15)
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen).to(device)
        start, total = time.time(), 0.0
        for s in range(steps_per_epoch):
            idx = perm[s * args.batch:(s + 1) * args.batch]
            xb = augment(x[idx], gen) if args.augment else x[idx]
            loss = F.cross_entropy(model(xb), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        cx, cy = splits["calibration"]
        print(f"epoch {epoch + 1}/{args.epochs} loss {total / steps_per_epoch:.4f} "
              f"calibration acc {accuracy(model, cx, cy, device):.4f} ({time.time() - start:.1f}s)", flush=True)
    return model.cpu()


def export(model, args, splits, command):
    model.eval()
    onnx_path = os.path.join(args.out, f"{args.model}.onnx")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), onnx_path, opset_version=17,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)
    with open(onnx_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    card = {
        "name": args.model,
        "version": args.version,
        "file": f"{args.model}.onnx",
        "sha256": sha,
        "architecture": MODELS[args.model].__doc__.strip(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "flopsPerSample": count_flops(model),
        "input": {"name": "input", "datatype": "FP32", "shape": [-1, 1, 28, 28], "range": [0.0, 1.0],
                  "preprocessing": "uint8 pixel / 255"},
        "output": {"name": "logits", "datatype": "FP32", "shape": [-1, 10]},
        "classNames": CLASSES,
        "accuracy": {name: round(accuracy(model, *splits[name]), 4) for name in ("train", "calibration", "test")},
        "splits": {"train": "train file 0..54999", "calibration": "train file 55000..59999", "test": "t10k file"},
        "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist, MIT licence)",
        "seed": args.seed,
        "epochs": args.epochs,
        "trainedOn": args.trained_on,
        "trainingCommand": command,
        "exporter": f"torch {torch.__version__}, opset 17",
    }
    with open(os.path.join(args.out, f"{args.model}.card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(json.dumps(card, indent=2))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("action", choices=["train", "export"])
    p.add_argument("--model", choices=list(MODELS), required=True)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--out", default=HERE)
    p.add_argument("--version", default="1.0.0")
    p.add_argument("--weights-out", help="save weights (npz) instead of exporting")
    p.add_argument("--weights", help="export: weights (npz) written by train --weights-out")
    p.add_argument("--command", help="export: the training command to record in the card")
    p.add_argument("--trained-on", default="cpu (Debian python3-torch)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    splits = load(args.data)
    command = "/usr/bin/python3 models/train.py " + " ".join(sys.argv[1:])
    if args.action == "train":
        model = train(args, splits)
        if args.weights_out:
            np.savez(args.weights_out, **{k: v.numpy() for k, v in model.state_dict().items()})
            return
    else:
        model = MODELS[args.model]()
        weights = np.load(args.weights)
        model.load_state_dict({k: torch.from_numpy(weights[k]) for k in weights.files})
        command = args.command or command
    export(model, args, splits, command)


if __name__ == "__main__":
    main()
