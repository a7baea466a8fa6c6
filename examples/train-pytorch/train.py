#!/usr/bin/python3
"""Train a compact face-recognition backbone on synthetic faces streamed from the daemon.

    daemon:   node server/bin/hyperface.js serve --listen 127.0.0.1:50051 --data-dir ./hf-data
    train:    .venv/bin/python examples/train-pytorch/train.py --address 127.0.0.1:50051 --out runs/tiny
    DDP:      .venv/bin/python -m torch.distributed.run --standalone --nproc_per_node 2 \
                  examples/train-pytorch/train.py --address 127.0.0.1:50051 --out runs/ddp

1. PackingService.Pack: N identities in the daemon's default recognizer space (HyperFace packing
   with a builtin gallery), or reuse a finished pack job (--pack-job).
2. GenerationService.Generate (IMAGE_FORMAT_RAW) feeds training directly through
   the Python SDK's HyperfaceStream (sdk/python) and a DataLoader with --workers processes (StreamLoader):
   no dataset on disk, memory bounded by gRPC flow control (+ the shuffle buffer). Every epoch renders
   fresh samples (a new generation seed). Under torchrun each rank streams its own identities (all of an
   identity's faces on one rank) and gradients are averaged by DistributedDataParallel.
3. A MobileFaceNet-style CNN (depthwise-separable blocks, global depthwise conv, BN embedding) on
   56x56 (the 112x112 ArcFace crop average-pooled 2x, to fit a laptop CPU) with an ArcFace margin head.
4. Checkpoints after every epoch and every --checkpoint-every steps, with the stream's position:
   --resume continues mid-epoch without repeating or skipping a face. Exports the untrained initial backbone and the
   trained one to ONNX: input `input` [B, 3, 112, 112] RGB NCHW normalised (x - 127.5) / 127.5,
   output `embedding` [B, D] (L2-normalised).

Outputs in --out: untrained.onnx, model.onnx, checkpoint.pt, train.json (settings, pack job, losses).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

from hyperface import HyperfaceClient, HyperfaceStream, StreamLoader  # pip install sdk/python (see README.md)


# -- backbone ---------------------------------------------------------------------------------

PRELU = False  # PReLU (MobileFaceNet) is very slow in Debian's CPU torch build; ReLU trains as well here

class ConvBN(nn.Sequential):
    def __init__(self, cin: int, cout: int, k: int = 3, s: int = 1, groups: int = 1, act: bool = True):
        layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        if act:
            layers.append(nn.PReLU(cout) if PRELU else nn.ReLU(inplace=True))
        super().__init__(*layers)


class Bottleneck(nn.Module):
    """MobileFaceNet's inverted residual: 1x1 expand, 3x3 depthwise, 1x1 linear projection."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int = 2):
        super().__init__()
        mid = cin * expand
        self.residual = stride == 1 and cin == cout
        self.body = nn.Sequential(ConvBN(cin, mid, 1), ConvBN(mid, mid, 3, stride, groups=mid), ConvBN(mid, cout, 1, act=False))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class TinyFaceNet(nn.Module):
    """MobileFaceNet-shaped, scaled down: 112 input -> avg-pool -> 56 -> 28 -> 14 -> 7 -> GDC -> D.

    `width` scales the channels (16 -> 16/32/64/128); `downscale` (2 or 4) is the input average
    pooling (112 -> 56, or 28 for a 4x cheaper network). Input: RGB NCHW in [-1, 1].
    """

    def __init__(self, dim: int = 128, width: int = 16, downscale: int = 2):
        super().__init__()
        w = width
        side = 112 // downscale
        for _ in range(3):  # three stride-2 stages (3x3, padding 1)
            side = (side + 1) // 2
        self.features = nn.Sequential(
            nn.AvgPool2d(downscale),               # 112 -> 56 (keeps the exported input at 112)
            ConvBN(3, w, 3, 1),                    # 56
            ConvBN(w, w, 3, 1, groups=w),
            Bottleneck(w, 2 * w, 2),               # 28
            Bottleneck(2 * w, 2 * w, 1),
            Bottleneck(2 * w, 4 * w, 2),           # 14
            Bottleneck(4 * w, 4 * w, 1),
            Bottleneck(4 * w, 8 * w, 2),           # 7
            ConvBN(8 * w, 16 * w, 1),
            # Global depthwise conv (GDC): a 7x7 depthwise kernel without padding -> 1x1.
            nn.Conv2d(16 * w, 16 * w, side, 1, 0, groups=16 * w, bias=False),
            nn.BatchNorm2d(16 * w),
        )
        self.embed = nn.Sequential(nn.Flatten(), nn.Dropout(0.0), nn.Linear(16 * w, dim, bias=False), nn.BatchNorm1d(dim))

    def forward(self, x):
        return self.embed(self.features(x))


class ExportWrapper(nn.Module):
    """What goes into the ONNX file: the backbone plus L2 normalisation."""

    def __init__(self, backbone: nn.Module):
        super().__init__()
        self.backbone = backbone

    def forward(self, x):
        return F.normalize(self.backbone(x), dim=1)


# -- margin head ------------------------------------------------------------------------------

class ArcFace(nn.Module):
    """Additive angular margin (Deng et al., CVPR 2019): logits s * cos(theta + m) for the true class."""

    def __init__(self, dim: int, classes: int, s: float = 32.0, m: float = 0.3):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(classes, dim))
        nn.init.normal_(self.weight, std=0.01)
        self.s, self.m = s, m
        self.cos_m, self.sin_m = math.cos(m), math.sin(m)
        self.th = math.cos(math.pi - m)
        self.mm = math.sin(math.pi - m) * m

    def forward(self, emb, labels):
        cos = F.linear(F.normalize(emb), F.normalize(self.weight)).clamp(-1 + 1e-7, 1 - 1e-7)
        sin = torch.sqrt(1.0 - cos * cos)
        phi = cos * self.cos_m - sin * self.sin_m
        # Past theta = pi - m, cos(theta + m) is no longer monotonic: use the CosFace-like fallback.
        phi = torch.where(cos > self.th, phi, cos - self.mm)
        onehot = F.one_hot(labels, cos.shape[1]).to(cos.dtype)
        logits = self.s * (onehot * phi + (1 - onehot) * cos)
        return logits, cos


# -- helpers ----------------------------------------------------------------------------------

def to_input(images: torch.Tensor, flip: bool) -> torch.Tensor:
    """uint8 [B, H, W, 3] -> float [B, 3, H, W] in [-1, 1], random horizontal flips when training."""
    x = images.permute(0, 3, 1, 2).float().sub_(127.5).div_(127.5)
    if x.shape[-1] != 112:
        x = F.interpolate(x, size=(112, 112), mode="bilinear", align_corners=False)
    if flip:
        mask = torch.rand(x.shape[0]) < 0.5
        x[mask] = x[mask].flip(-1)
    return x.contiguous(memory_format=torch.channels_last)


def export_onnx(backbone: nn.Module, path: str) -> None:
    model = ExportWrapper(backbone).eval()
    dummy = torch.zeros(1, 3, 112, 112)
    torch.onnx.export(model, dummy, path, input_names=["input"], output_names=["embedding"],
                      dynamic_axes={"input": {0: "batch"}, "embedding": {0: "batch"}}, opset_version=13)


def log(msg: str) -> None:
    print(f"[train {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def save(path, backbone, head, opt, loader, step, history, pack_job, args) -> None:
    """Atomic checkpoint: weights, optimiser, and where the stream stands (loader.state_dict())."""
    torch.save({"backbone": backbone.state_dict(), "head": head.state_dict(), "optimizer": opt.state_dict(),
                "data": loader.state_dict(), "step": step, "history": history, "pack_job": pack_job, "args": vars(args)},
               path + ".tmp")
    os.replace(path + ".tmp", path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--address", default=os.environ.get("HYPERFACE_ADDRESS", "127.0.0.1:50051"))
    ap.add_argument("--out", required=True, help="output folder (checkpoint, ONNX files, train.json)")
    ap.add_argument("--identities", type=int, default=200, help="N identities to pack")
    ap.add_argument("--images-per-identity", type=int, default=16, help="K faces per identity per epoch")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3, help="AdamW peak learning rate (linear warm-up, then cosine decay)")
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--dim", type=int, default=128, help="embedding dimension of the trained backbone")
    ap.add_argument("--width", type=int, default=16, help="channel width multiplier of the backbone")
    ap.add_argument("--downscale", type=int, default=2, choices=[1, 2, 4], help="input average pooling: 112 -> 56 (2) or 28 (4)")
    ap.add_argument("--margin", type=float, default=0.3, help="ArcFace additive angular margin (radians)")
    ap.add_argument("--scale", type=float, default=32.0, help="ArcFace logit scale")
    ap.add_argument("--shuffle-buffer", type=int, default=1024)
    ap.add_argument("--pack-job", default="", help="reuse a finished pack job instead of packing")
    ap.add_argument("--pack-dim", type=int, default=0, help="0 = the default recognizer's space (builtin gallery); >0 = pure geometry in that dim (gallery none)")
    ap.add_argument("--gallery-size", type=int, default=200, help="builtin gallery size for packing")
    ap.add_argument("--pack-iterations", type=int, default=200)
    ap.add_argument("--generator", default="", help="generator name; empty = the daemon's default")
    ap.add_argument("--seed", type=int, default=0, help="pack / generation / torch seed")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many optimiser steps (0 = all epochs)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads; 0 = torch's default")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt (mid-epoch too)")
    ap.add_argument("--workers", type=int, default=2, help="DataLoader worker processes streaming faces (0 = in the training process)")
    ap.add_argument("--checkpoint-every", type=int, default=0, help="also checkpoint every N steps (0 = after each epoch only)")
    args = ap.parse_args()

    # torchrun sets WORLD_SIZE / RANK: one process per rank, gloo on CPU.
    ddp = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if ddp:
        dist.init_process_group("gloo")
    rank = dist.get_rank() if ddp else 0
    main_rank = rank == 0
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)  # the same initial weights on every rank
    np.random.seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    t_start = time.time()

    hf = HyperfaceClient(args.address)
    hf.wait_ready(60)

    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    state = torch.load(ckpt_path) if args.resume and os.path.exists(ckpt_path) else None
    pack_job = state["pack_job"] if state else args.pack_job
    if not pack_job and main_rank:
        t0 = time.time()
        if args.pack_dim > 0:
            packed = hf.pack(identities=args.identities, dim=args.pack_dim, gallery_none=True, seed=args.seed,
                             iterations=args.pack_iterations)
        else:
            packed = hf.pack(identities=args.identities, dim=0, gallery_builtin_size=args.gallery_size, seed=args.seed,
                             iterations=args.pack_iterations)
        pack_job = packed.job_id
        m = packed.result.metrics
        log(f"packed {list(packed.result.shape)} in {time.time() - t0:.1f}s: min angle {m.min_angle_deg:.1f} deg, job {pack_job}")
    if ddp:  # rank 0 packed: every rank streams the same pack job
        shared = [pack_job]
        dist.broadcast_object_list(shared, src=0)
        pack_job = shared[0]

    # channels_last: several times faster convolutions and batch norms on CPU.
    backbone = TinyFaceNet(dim=args.dim, width=args.width, downscale=args.downscale).to(memory_format=torch.channels_last)
    head = ArcFace(args.dim, args.identities, s=args.scale, m=args.margin)
    if not state and main_rank:
        export_onnx(backbone, os.path.join(args.out, "untrained.onnx"))  # the baseline: same init, no training
    params = list(backbone.parameters()) + list(head.parameters())
    # DDP averages the gradients of both modules; each rank's head sees whole identities of its share.
    net_backbone = DDP(backbone) if ddp else backbone
    net_head = DDP(head) if ddp else head
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)

    ds = HyperfaceStream(hf, pack_job_id=pack_job, num_identities=args.identities,
                         images_per_identity=args.images_per_identity, batch_size=args.batch_size,
                         seed=args.seed + 1, generator=args.generator, shuffle_buffer=args.shuffle_buffer,
                         shuffle_seed=args.seed, fresh_samples=True, drop_last=True)
    loader = StreamLoader(ds, num_workers=args.workers)  # fork, spawn or forkserver: each worker opens its own channel
    steps_per_epoch = len(ds)
    total_steps = steps_per_epoch * args.epochs
    if args.max_steps:
        total_steps = min(total_steps, args.max_steps)
    warmup = min(50, max(1, total_steps // 10))

    def lr_at(step: int) -> float:
        if step < warmup:
            return args.lr * (step + 1) / warmup
        p = (step - warmup) / max(1, total_steps - warmup)
        return args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))

    start_epoch, step, history = 0, 0, []
    if state:
        backbone.load_state_dict(state["backbone"])
        head.load_state_dict(state["head"])
        opt.load_state_dict(state["optimizer"])
        step, history = state["step"], state["history"]
        if "data" in state:
            loader.load_state_dict(state["data"])  # the epoch and the faces of it already trained on
            start_epoch = state["data"]["epoch"]
            if state["data"]["samples"] >= len(ds) * args.batch_size:  # saved at the end of that epoch
                start_epoch += 1
        else:  # a checkpoint from before positions were saved: after its epoch
            start_epoch = state["epoch"] + 1
        log(f"resumed at epoch {start_epoch}, step {step}")

    log(f"training {args.identities} identities x {args.images_per_identity} faces/epoch, {args.epochs} epochs, "
        f"{steps_per_epoch} steps/epoch, {sum(p.numel() for p in backbone.parameters()) / 1e6:.2f}M backbone params")
    for epoch in range(start_epoch, args.epochs):
        if args.max_steps and step >= args.max_steps:
            break
        ds.set_epoch(epoch)  # keeps a resumed position of this epoch
        backbone.train()
        head.train()
        t0 = time.time()
        wait = 0.0
        loss_sum = acc_sum = 0.0
        n = 0
        t_fetch = time.time()
        for images, labels in loader:
            wait += time.time() - t_fetch
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            x = to_input(images, flip=True)
            logits, cos = net_head(net_backbone(x), labels)
            loss = F.cross_entropy(logits, labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            n += 1
            loss_sum += loss.item()
            acc_sum += (cos.argmax(1) == labels).float().mean().item()
            if step % 20 == 0:
                log(f"epoch {epoch} step {step}/{total_steps} loss {loss_sum / n:.3f} train-acc {acc_sum / n:.3f} lr {lr_at(step):.2e}")
            if args.checkpoint_every and step % args.checkpoint_every == 0 and main_rank:
                save(ckpt_path, backbone, head, opt, loader, step, history, pack_job, args)
            if args.max_steps and step >= args.max_steps:
                break
            t_fetch = time.time()
        elapsed = time.time() - t0
        record = {"epoch": epoch, "steps": n, "loss": loss_sum / max(1, n), "train_acc": acc_sum / max(1, n),
                  "seconds": round(elapsed, 1), "stream_wait_seconds": round(wait, 1),
                  "faces_per_second": round(n * args.batch_size / max(elapsed, 1e-9), 1)}
        history.append(record)
        log(f"epoch {epoch} done: {json.dumps(record)}")
        if main_rank:
            save(ckpt_path, backbone, head, opt, loader, step, history, pack_job, args)

    if ddp:
        dist.destroy_process_group()
    if not main_rank:
        hf.close()
        return 0
    export_onnx(backbone, os.path.join(args.out, "model.onnx"))
    summary = {"pack_job": pack_job, "identities": args.identities, "images_per_identity": args.images_per_identity,
               "epochs": args.epochs, "steps": step, "dim": args.dim, "width": args.width, "downscale": args.downscale,
               "backbone_params": sum(p.numel() for p in backbone.parameters()), "history": history,
               "seconds": round(time.time() - t_start, 1),
               "onnx": {"trained": os.path.join(args.out, "model.onnx"), "untrained": os.path.join(args.out, "untrained.onnx")}}
    with open(os.path.join(args.out, "train.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps({k: summary[k] for k in ("pack_job", "steps", "seconds", "onnx")}))
    hf.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
