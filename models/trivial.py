"""Writes models/trivial/1.0.0: a Fashion-MNIST-shaped model that costs next to nothing to run.

The graph is Reshape (N,1,28,28) -> (N,784), then MatMul with a fixed (784,10) matrix: about 16k FLOPs per
sample, so a served bench run with it (`--model trivial`) measures the server's own cost per offload, not the model's.
Its weights are seeded, not trained: its answers mean nothing (its card says so, accuracy 0.1 = chance).

Run with /usr/bin/python3 (numpy + onnx, see scripts/install-train-prereqs.sh):
    /usr/bin/python3 models/trivial.py
"""
import hashlib
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "trivial", "1.0.0")
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def main():
    os.makedirs(OUT, exist_ok=True)
    weights = np.random.default_rng(7).normal(0, 0.05, size=(784, len(CLASSES))).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Reshape", ["input", "flat_shape"], ["flat"]),
            helper.make_node("MatMul", ["flat", "weights"], ["logits"]),
        ],
        "trivial",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(CLASSES)])],
        [numpy_helper.from_array(np.array([-1, 784], dtype=np.int64), "flat_shape"),
         numpy_helper.from_array(weights, "weights")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="models/trivial.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = os.path.join(OUT, "model.onnx")
    onnx.save(model, path)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    card = {
        "name": "trivial",
        "version": "1.0.0",
        "task": "classification",
        "sha256": sha,
        "architecture": "Reshape to 784 values, then one MatMul to 10 logits (seeded, untrained): measures the server, not a model.",
        "parameters": int(weights.size),
        "flopsPerSample": 2 * int(weights.size),
        "input": {"name": "input", "datatype": "UINT8", "shape": [-1, 1, 28, 28],
                  "preprocessing": {"scale": 1 / 255}, "range": [0.0, 1.0]},
        "output": {"name": "logits", "shape": [-1, len(CLASSES)], "scores": "logits"},
        "classNames": CLASSES,
        "dataset": "none (untrained; shaped like Fashion-MNIST)",
        "simulated": False,
        "splits": {"train": "none", "calibration": "none", "test": "none"},
        "accuracy": {"train": 0.1, "calibration": 0.1, "test": 0.1},
        "seed": 7,
        "epochs": 0,
        "trainedOn": "not trained",
        "trainingCommand": "/usr/bin/python3 models/trivial.py",
        "exporter": f"onnx {onnx.__version__} helper, opset 17",
    }
    with open(os.path.join(OUT, "card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(f"wrote {path} ({sha})")


if __name__ == "__main__":
    main()
