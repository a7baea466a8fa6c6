"""The ablation's training proxy: a small head on frozen judge (faceapi) features, one fixed recipe.

Trains an MLP head (D -> HIDDEN -> BN -> ReLU -> OUT; 256 and 128 unless given) with a CosFace loss (s = 30, m = 0.25) on the
arm's features (row i*K + s = identity i; one learned class centre per identity), Adam 1e-3,
weight decay 5e-4, batch 128, EPOCHS epochs, one CPU thread, every random draw from SEED; then
writes the L2-normalised head outputs of the neutral benchmark's features. Features are read and
written as raw float32 (the caller caches them per arm and seed).

Cost: Debian's torch uses the reference BLAS (about 1 GFLOP/s on one thread here), so the N-way
class layer dominates (about 6 * N*K * OUT * N flops an epoch). Ten epochs (train accuracy is at
0.999 from epoch 8 at N = 1,000 x 4) keep one arm at N = 1,000 x 4 to 15-25 s on one thread.

  python3 head.py TRAIN.f32 N K EVAL.f32 ROWS DIM SEED EPOCHS OUT.f32 [HIDDEN OUT_DIM]
  -> prints one JSON line: loss and train accuracy per epoch, final train accuracy, seconds
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def main() -> None:
    train_path, n, k, eval_path, rows, dim, seed, epochs, out_path = sys.argv[1:10]
    n, k, rows, dim, seed, epochs = int(n), int(k), int(rows), int(dim), int(seed), int(epochs)
    hidden = int(sys.argv[10]) if len(sys.argv) > 10 else 256
    out_dim = int(sys.argv[11]) if len(sys.argv) > 11 else 128
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    x = torch.from_numpy(np.fromfile(train_path, dtype=np.float32).reshape(n * k, dim).copy())
    x = F.normalize(x, dim=1)
    y = torch.arange(n).repeat_interleave(k)
    head = torch.nn.Sequential(torch.nn.Linear(dim, hidden), torch.nn.BatchNorm1d(hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, out_dim))
    classes = torch.nn.Parameter(torch.randn(n, out_dim) * 0.01)
    opt = torch.optim.Adam(list(head.parameters()) + [classes], lr=1e-3, weight_decay=5e-4)
    s, m, batch = 30.0, 0.25, 128
    started = time.time()
    losses, accs = [], []
    for _ in range(epochs):
        head.train()
        order = torch.randperm(n * k)
        total, right = 0.0, 0
        for b in range(0, n * k, batch):
            idx = order[b : b + batch]
            if len(idx) < 2:
                continue
            cos = F.normalize(head(x[idx]), dim=1) @ F.normalize(classes, dim=1).t()
            logits = s * (cos - m * F.one_hot(y[idx], n))
            loss = F.cross_entropy(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
            # training accuracy as the epoch goes (margin-free nearest class centre, before the step)
            right += int(cos.detach().argmax(1).eq(y[idx]).sum())
        losses.append(round(total / (n * k), 4))
        accs.append(round(right / (n * k), 4))
    head.eval()
    with torch.no_grad():
        train_acc = float((F.normalize(head(x), dim=1) @ F.normalize(classes, dim=1).t()).argmax(1).eq(y).float().mean())
        ev = F.normalize(torch.from_numpy(np.fromfile(eval_path, dtype=np.float32).reshape(rows, dim).copy()), dim=1)
        out = F.normalize(head(ev), dim=1).numpy().astype(np.float32)
    out.tofile(out_path)
    print(json.dumps({"loss_first": losses[0], "loss_last": losses[-1], "loss_per_epoch": losses, "train_accuracy_per_epoch": accs, "train_accuracy": train_acc, "hidden": hidden, "out": out_dim, "seconds": round(time.time() - started, 2)}))


if __name__ == "__main__":
    main()
