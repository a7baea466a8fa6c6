#!/usr/bin/python3
"""Evaluate exported backbones through the daemon on a held-out synthetic benchmark.

    /usr/bin/python3 examples/train-pytorch/evaluate.py --run runs/tiny [--pairs 600] [--bin-writer node]

1. Starts `hyperface serve` with a config that registers RUN/untrained.onnx and RUN/model.onnx as
   `onnx` recognizers (`untrained`, `mynet`) next to the builtin models.
2. Builds a held-out benchmark: identities packed and generated separately from the training ones
   (other pack and generation seeds), PNG faces, balanced genuine/impostor pairs in shuffled order
   (so each of the 10 contiguous folds is balanced), written as an insightface-style .bin by the
   daemon's own writer (write-bin.mjs; `--bin-writer python` pickles the same format directly).
3. Runs `hyperface eval verify --bin BENCH --recognizer R --json` for each recognizer (default:
   untrained, mynet, faceres) and for every extra real benchmark given with --bin (lfw.bin, ...).
4. Writes RUN/results.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
CLI = os.path.join(ROOT, "server", "bin", "hyperface.js")

from hyperface import HyperfaceClient, face_image  # noqa: E402  (pip install sdk/python, see README.md)


def log(msg: str) -> None:
    print(f"[evaluate {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def start_daemon(config: str, data_dir: str, node: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([node, CLI, "serve", "--listen", "127.0.0.1:0", "--config", config, "--data-dir", data_dir,
                             "--data-root", "/", "--log-level", "warn"],
                            stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
    for line in proc.stdout:  # one JSON line {"listening": ..., "port": N}
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("port"):
            return proc, f"127.0.0.1:{msg['port']}"
    raise RuntimeError(f"daemon exited with {proc.wait()} before listening")


def wait_models(hf: HyperfaceClient, names: list[str], timeout: float = 300.0) -> None:
    """Waits until every named model is READY (models appear in ListModels once loading finished)."""
    until = time.time() + timeout
    while True:
        try:
            states = {m.name: m for m in hf.list_models()}
        except Exception:  # ModelService not serving yet
            states = {}
        failed = [f"{n}: {states[n].error}" for n in names if n in states and states[n].state == 4]
        if failed:
            raise RuntimeError(f"models failed to load: {failed}")
        if all(n in states and states[n].state == 3 for n in names):
            return
        if time.time() > until:
            raise TimeoutError(f"models not ready after {timeout}s: {[n for n in names if n not in states]} missing")
        time.sleep(0.5)


def build_benchmark(hf: HyperfaceClient, out_dir: str, args) -> str:
    """Packs + generates held-out identities and writes OUT/bench.bin; returns its path."""
    img_dir = os.path.join(out_dir, "images")
    os.makedirs(img_dir, exist_ok=True)
    t0 = time.time()
    if args.pack_dim > 0:
        packed = hf.pack(identities=args.identities, dim=args.pack_dim, gallery_none=True, seed=args.pack_seed,
                         iterations=args.pack_iterations)
    else:
        packed = hf.pack(identities=args.identities, dim=0, gallery_builtin_size=args.gallery_size,
                         seed=args.pack_seed, iterations=args.pack_iterations)
    log(f"held-out pack {list(packed.result.shape)} (seed {args.pack_seed}) in {time.time() - t0:.1f}s")
    files: dict[tuple[int, int], str] = {}
    for face in hf.generate(pack_job_id=packed.job_id, images_per_identity=args.k, seed=args.gen_seed, raw=False,
                            generator=args.generator):
        name = f"{face.identity:06d}_{face.sample:02d}.png"
        with open(os.path.join(img_dir, name), "wb") as f:
            f.write(face_image(face))
        files[(face.identity, face.sample)] = os.path.join("images", name)
    log(f"generated {len(files)} held-out faces in {time.time() - t0:.1f}s")

    rng = random.Random(args.pairs_seed)
    pairs = []
    n_same = args.pairs // 2
    for p in range(args.pairs):
        if p < n_same:
            i = rng.randrange(args.identities)
            a, b = rng.sample(range(args.k), 2)
            pairs.append(((i, a), (i, b), True))
        else:
            i, j = rng.sample(range(args.identities), 2)
            pairs.append(((i, rng.randrange(args.k)), (j, rng.randrange(args.k)), False))
    rng.shuffle(pairs)
    spec = {"images": [files[x] for a, b, _ in pairs for x in (a, b)], "issame": [s for _, _, s in pairs]}
    pairs_json = os.path.join(out_dir, "pairs.json")
    with open(pairs_json, "w") as f:
        json.dump(spec, f)
    bin_path = os.path.join(out_dir, "bench.bin")
    if args.bin_writer == "node":
        subprocess.run([args.node, os.path.join(HERE, "write-bin.mjs"), pairs_json, bin_path], check=True,
                       stdout=subprocess.DEVNULL)
    else:
        blobs = []
        for rel in spec["images"]:
            with open(os.path.join(out_dir, rel), "rb") as f:
                blobs.append(f.read())
        with open(bin_path, "wb") as f:
            pickle.dump((blobs, spec["issame"]), f, protocol=4)
    log(f"wrote {bin_path}: {len(pairs)} pairs ({n_same} genuine) over {args.identities} identities x {args.k}")
    return bin_path


def verify(address: str, bin_path: str, recognizer: str, name: str, node: str) -> dict:
    cmd = [node, CLI, "eval", "verify", "--bin", bin_path, "--recognizer", recognizer, "--name", name,
           "--address", address, "--json", "--quiet"]
    log(" ".join(cmd[1:]).replace(CLI, "hyperface"))
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, help="train.py's --out folder (untrained.onnx, model.onnx)")
    ap.add_argument("--recognizers", default="untrained,mynet,faceres", help="comma-separated, evaluated in order")
    ap.add_argument("--identities", type=int, default=100, help="held-out identities")
    ap.add_argument("--k", type=int, default=4, help="held-out faces per identity")
    ap.add_argument("--pairs", type=int, default=600, help="verification pairs (half genuine)")
    ap.add_argument("--pack-seed", type=int, default=1000, help="held-out pack seed (train.py uses --seed, default 0)")
    ap.add_argument("--gen-seed", type=int, default=2000, help="held-out generation seed")
    ap.add_argument("--pairs-seed", type=int, default=3000)
    ap.add_argument("--pack-dim", type=int, default=0, help="as train.py --pack-dim (0 = default recognizer space)")
    ap.add_argument("--gallery-size", type=int, default=200)
    ap.add_argument("--pack-iterations", type=int, default=200)
    ap.add_argument("--generator", default="builtin")
    ap.add_argument("--bench", default="", help="reuse an existing held-out .bin instead of building one")
    ap.add_argument("--bench-address", default="", help="build the held-out benchmark on this (running) daemon instead")
    ap.add_argument("--bin", action="append", default=[], help="extra (real) benchmark .bin, e.g. lfw.bin; repeatable")
    ap.add_argument("--bin-writer", choices=["node", "python"], default="node")
    ap.add_argument("--extra-models", default="", help="JSON file: a list of extra model entries for the daemon config")
    ap.add_argument("--node", default=os.environ.get("NODE", "node"))
    args = ap.parse_args()

    run = os.path.abspath(args.run)
    recognizers = [r for r in args.recognizers.split(",") if r]
    entries = [
        {"name": "untrained", "kind": "recognizer", "backend": "onnx", "files": [os.path.join(run, "untrained.onnx")],
         "description": "train.py's backbone at initialisation"},
        {"name": "mynet", "kind": "recognizer", "backend": "onnx", "files": [os.path.join(run, "model.onnx")],
         "description": "train.py's trained backbone"},
    ]
    if args.extra_models:
        with open(args.extra_models) as f:
            entries += json.load(f)
    local_bench = not args.bench and not args.bench_address
    needed = sorted(set(recognizers + (["faceres", args.generator] if local_bench else [])))
    config = {"models": {"entries": entries, "load": needed}}
    config_path = os.path.join(run, "eval-daemon.yaml")
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2)  # JSON is YAML

    proc, address = start_daemon(config_path, os.path.join(run, "eval-daemon-data"), args.node)
    try:
        hf = HyperfaceClient(address)
        hf.wait_ready(60)
        wait_models(hf, needed)
        if args.bench:
            bench = os.path.abspath(args.bench)
        elif args.bench_address:
            with HyperfaceClient(args.bench_address) as remote:
                bench = build_benchmark(remote, os.path.join(run, "heldout"), args)
        else:
            bench = build_benchmark(hf, os.path.join(run, "heldout"), args)
        benches = [("heldout", bench)] + [(os.path.splitext(os.path.basename(b))[0], os.path.abspath(b)) for b in args.bin]
        results = []
        for bench_name, path in benches:
            for r in recognizers:
                res = verify(address, path, r, bench_name, args.node)
                results.append({"benchmark": bench_name, "recognizer": r, **res})
                log(f"{bench_name} {r}: accuracy {res['accuracy_mean'] * 100:.2f}% ± {res['accuracy_std'] * 100:.2f}")
        hf.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    with open(os.path.join(run, "results.json"), "w") as f:
        json.dump({"benchmark": bench, "settings": vars(args), "results": results}, f, indent=2)
    print("| benchmark | recognizer | accuracy (%) | EER (%) | AUC | pairs |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['benchmark']} | {r['recognizer']} | {r['accuracy_mean'] * 100:.2f} ± {r['accuracy_std'] * 100:.2f} "
              f"| {r.get('eer', float('nan')) * 100:.2f} | {r.get('auc', float('nan')):.4f} | {r.get('pairs', '')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
