#!/usr/bin/env python3
"""Faces/s into a PyTorch loop: streamed from the daemon (0, 2, 4 DataLoader workers; 2 DDP ranks)
against the generator's raw rate and against the same faces written to disk by `generate`
(ImageFolder, PNG) and read back with a plain PIL/NumPy DataLoader. "Stream, or write then read?"

    .venv/bin/python bench/stream-pytorch/bench.py --identities 64 --k 8      # spawns its own daemon

(.venv: `python3 -m venv --system-site-packages .venv && .venv/bin/pip install --no-index
--no-build-isolation sdk/python`; needs python3-torch, python3-pil.) Prints one JSON line per
row (load average, faces/s, client and daemon CPU seconds per 1000 faces) and a Markdown table.

The loop: uint8 [B, H, W, 3] -> float NCHW in [-1, 1] -> mean, i.e. what a training step's input
stage costs, without a model (the model's time is the same whichever way the faces arrive).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from hyperface import HyperfaceClient, HyperfaceStream, StreamLoader
from hyperface.client import generation

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def proc_cpu(pid: int) -> float:
    """utime + stime of a process, seconds (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    """CPU seconds of this process and its finished children (DataLoader workers)."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def consume(batches) -> int:
    n = 0
    acc = torch.zeros(())
    for images, labels in batches:
        x = images.permute(0, 3, 1, 2).float().sub_(127.5).div_(127.5)
        acc += x.mean()
        n += int(labels.shape[0])
    return n


class Measure:
    def __init__(self, name: str, daemon_pid: int, raw_rate: float | None):
        self.name, self.pid, self.raw = name, daemon_pid, raw_rate

    def __enter__(self):
        self.t, self.c, self.d = time.perf_counter(), own_cpu(), proc_cpu(self.pid)
        self.load = os.getloadavg()[0]
        return self

    def done(self, faces: int, extra_client_cpu: float = 0.0, wall: float | None = None) -> dict:
        wall = time.perf_counter() - self.t if wall is None else wall
        client = own_cpu() - self.c + extra_client_cpu
        daemon = proc_cpu(self.pid) - self.d
        row = {"row": self.name, "faces": faces, "seconds": round(wall, 2), "faces_per_s": round(faces / wall, 1),
               "client_cpu_s_per_1k": round(1000 * client / faces, 2), "daemon_cpu_s_per_1k": round(1000 * daemon / faces, 2),
               "load": round(self.load, 1)}
        if self.raw:
            row["vs_raw"] = round(faces / wall / self.raw, 2)
        print(json.dumps(row), flush=True)
        return row

    def __exit__(self, *exc):
        return False


class ImageFolderPIL(Dataset):
    """The plain way to read an ImageFolder: PIL decode, NumPy array, one file per item."""

    def __init__(self, root: str):
        self.files = sorted(glob.glob(os.path.join(root, "*", "*.png")))
        self.labels = [int(os.path.basename(os.path.dirname(f))) for f in self.files]

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        from PIL import Image

        with Image.open(self.files[i]) as im:
            return torch.from_numpy(np.array(im.convert("RGB"))), self.labels[i]


def start_daemon(tmp: str) -> tuple:
    env = dict(os.environ, HYPERFACE_LOG_LEVEL="warn")
    p = subprocess.Popen(["node", os.path.join(REPO, "server", "bin", "hyperface.js"), "serve", "--listen", "127.0.0.1:0",
                          "--data-dir", os.path.join(tmp, "data"), "--data-root", tmp, "--models-load", "faceres,builtin"],
                         stdout=subprocess.PIPE, text=True, env=env)
    line = p.stdout.readline()
    return p, json.loads(line)["listening"]


def rank_main(args) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{args.port}", rank=args.rank, world_size=2)
    ds = HyperfaceStream(args.address, pack_job_id=args.job, num_identities=args.identities, images_per_identity=args.k,
                         batch_size=args.batch, shuffle_buffer=args.shuffle_buffer, seed=11)
    dist.barrier()
    t0 = time.perf_counter()
    n = consume(StreamLoader(ds, num_workers=args.rank_workers))
    print(json.dumps({"rank": args.rank, "faces": n, "seconds": time.perf_counter() - t0, "cpu": own_cpu()}), flush=True)
    dist.destroy_process_group()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--address", default="", help="a running daemon (default: spawn one; its CPU is then measured)")
    ap.add_argument("--identities", type=int, default=64)
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--shuffle-buffer", type=int, default=256)
    ap.add_argument("--workers", default="0,2,4")
    ap.add_argument("--rank-workers", type=int, default=1, help="DataLoader workers per rank in the 2-rank row")
    ap.add_argument("--read-workers", default="0,2")
    ap.add_argument("--rank", type=int, default=-1, help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--job", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rank >= 0:
        rank_main(args)
        return 0

    tmp = tempfile.mkdtemp(prefix="hf-bench-stream-")
    daemon = None
    try:
        if not args.address:
            daemon, args.address = start_daemon(tmp)
        pid = daemon.pid if daemon else int(subprocess.check_output(["pgrep", "-f", "hyperface.js serve"]).split()[0])
        hf = HyperfaceClient(args.address)
        hf.wait_ready(60)
        until = time.time() + 300
        while time.time() < until:  # the models load after the daemon listens
            states = {m.name: m.state for m in hf.list_models()}
            if all(states.get(n) == 3 for n in ("builtin", "faceres")):  # MODEL_STATE_READY
                break
            time.sleep(1)
        job = hf.pack(identities=args.identities, dim=0, gallery_builtin_size=64, iterations=50, seed=1, timeout=600).job_id
        total = args.identities * args.k
        rows = []
        # Warm-up: the generator's first batches (and the recognizer) are slower.
        for _ in hf.generate(pack_job_id=job, images_per_identity=2, identity_count=min(8, args.identities), raw=True):
            pass

        with Measure("generator raw rate: one Generate stream, bare loop", pid, None) as m:
            n = sum(1 for _ in hf.generate(pack_job_id=job, images_per_identity=args.k, seed=11, raw=True))
            rows.append(m.done(n))
        raw = rows[-1]["faces_per_s"]

        for w in [int(x) for x in args.workers.split(",") if x]:
            ds = HyperfaceStream(args.address, pack_job_id=job, num_identities=args.identities, images_per_identity=args.k,
                                 batch_size=args.batch, shuffle_buffer=args.shuffle_buffer, seed=11)
            with Measure(f"stream -> DataLoader, {w} workers" + (" (fork)" if w else ""), pid, raw) as m:
                rows.append(m.done(consume(StreamLoader(ds, num_workers=w))))

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with Measure(f"stream, 2 ranks (gloo) x {args.rank_workers} worker(s)", pid, raw) as m:
            procs = [subprocess.Popen([sys.executable, __file__, "--address", args.address, "--job", job, "--identities",
                                       str(args.identities), "--k", str(args.k), "--batch", str(args.batch), "--shuffle-buffer",
                                       str(args.shuffle_buffer), "--rank-workers", str(args.rank_workers), "--rank", str(r),
                                       "--port", str(port)], stdout=subprocess.PIPE, text=True) for r in (0, 1)]
            outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
            # From the ranks' barrier (after torch's import and the process group) to the last rank's end;
            # the ranks' CPU (startup included) is in RUSAGE_CHILDREN.
            rows.append(m.done(sum(o["faces"] for o in outs), wall=max(o["seconds"] for o in outs)))

        out = os.path.join(tmp, "imagefolder")
        with Measure("write: Generate -> ImageFolder (PNG) on disk", pid, raw) as m:
            req = hf.generate_request(pack_job_id=job, images_per_identity=args.k, seed=11, raw=False,
                                      output_dir=out, dataset_format=generation.DATASET_FORMAT_IMAGEFOLDER)
            n = sum(1 for e in hf.generate_call(req, timeout=3600) if e.WhichOneof("event") == "sample")
            rows.append(m.done(n))
        assert len(glob.glob(os.path.join(out, "*", "*.png"))) == total, "ImageFolder incomplete"
        for w in [int(x) for x in args.read_workers.split(",") if x]:
            with Measure(f"read: ImageFolder, PIL/NumPy DataLoader, {w} workers", pid, raw) as m:
                rows.append(m.done(consume(DataLoader(ImageFolderPIL(out), batch_size=args.batch, shuffle=True, num_workers=w))))
        print()
        print(f"N = {args.identities} identities x K = {args.k} = {total} faces, batch {args.batch}, shuffle buffer {args.shuffle_buffer}")
        print("| row | faces/s | × raw | client CPU s/1k faces | daemon CPU s/1k faces | load |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['row']} | {r['faces_per_s']} | {r.get('vs_raw', '')} | {r['client_cpu_s_per_1k']} | {r['daemon_cpu_s_per_1k']} | {r['load']} |")
        hf.close()
    finally:
        if daemon:
            daemon.terminate()
            daemon.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
