#!/usr/bin/env python3
"""CI checks of HyperfaceStream under DataLoader workers, DDP ranks and resumption (installed package).

    check_loader.py plan                       # the sharding plan alone (no daemon)
    check_loader.py workers --address A        # DataLoader with 2 workers under fork and spawn, exactly once
    check_loader.py resume --address A         # an epoch interrupted, restarted from its state_dict
    check_loader.py ranks --address A          # 2 ranks over torch.distributed (gloo, 127.0.0.1)
    check_loader.py busy --address A           # a daemon with limits.maxConcurrentJobs = 1: calls wait their turn

Each prints one JSON line and exits 0, or fails with the reason. A face is identified by its label and
the sha1 of its pixels: the daemon renders (identity, sample) from a seed of its own, so two equal
multisets of faces are the same (identity, sample) pairs.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import pickle
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

from hyperface import HyperfaceClient, sharding  # noqa: E402  the plan check needs no torch (seconds to import)


def faces_of(batches) -> list:
    return [(int(y), hashlib.sha1(x.numpy().tobytes()).hexdigest()) for images, labels in batches for x, y in zip(images, labels)]


def pack(address: str, n: int) -> str:
    with HyperfaceClient(address) as hf:
        hf.wait_ready(60)
        return hf.pack(identities=n, dim=0, gallery_builtin_size=16, iterations=30, seed=1, timeout=120).job_id


def stream(address: str, job: str, n: int, **kw):
    from hyperface import HyperfaceStream

    opts = dict(pack_job_id=job, num_identities=n, images_per_identity=3, batch_size=4, seed=5, shuffle_buffer=8,
                fresh_samples=True, timeout=120)
    opts.update(kw)
    return HyperfaceStream(address, **opts)


# -- plan: pure checks of hyperface.sharding ----------------------------------------------------

def dataloader_order(plan: sharding.Plan) -> list:
    """What DataLoader (in order, round-robin, skipping exhausted workers) delivers: (worker, size)."""
    sizes = [plan.worker_batch_sizes(w) for w in range(plan.num_workers)]
    out, r = [], 0
    while any(r < len(s) for s in sizes):
        out += [(w, s[r]) for w, s in enumerate(sizes) if r < len(s)]
        r += 1
    return out


def check_plan() -> dict:
    cases = 0
    for n in (1, 2, 5, 7, 12, 13):
        for world in (1, 2, 3):
            if n < world:
                continue
            for drop in (False, True):
                for shuffle in (False, True):
                    order = sharding.epoch_order(0, n, 2, shuffle, 3, 1)
                    assert sorted(order) == list(range(n)), order
                    per_rank = [sharding.rank_identities(order, r, world, drop) for r in range(world)]
                    assert len({len(p) for p in per_rank}) == 1, f"uneven ranks {per_rank}"
                    owners = collections.defaultdict(set)
                    for r, ids in enumerate(per_rank):
                        for i in ids:
                            owners[i].add(r)
                    assert all(len(v) == 1 for v in owners.values()), f"an identity on two ranks: {per_rank}"
                    assert set(owners) == set(range(n)) or drop, "identities lost without drop_last"
                    for k, b, buf, workers in ((3, 4, 0, 1), (3, 4, 8, 2), (2, 3, 7, 3), (5, 4, 0, 4)):
                        plan = sharding.make_plan(per_rank[0], k, b, buf, drop, workers)
                        spans = [plan.worker_samples(w) for w in range(workers)]
                        assert spans[0][0] == 0 and all(spans[i][1] == spans[i + 1][0] for i in range(workers - 1))
                        assert spans[-1][1] == plan.samples
                        order_ = dataloader_order(plan)
                        assert len(order_) == plan.batches, (len(order_), plan.batches)
                        done = 0
                        taken = [0] * workers
                        for step, (w, size) in enumerate(order_ + [(None, 0)]):
                            got, roles = sharding.resume_assignment(plan, done)
                            assert got == taken, (done, got, taken)
                            # A restarted DataLoader (round-robin from its worker 0, worker i playing
                            # roles[i]) delivers the rest of the epoch in the same order.
                            left = [plan.worker_batch_sizes(r)[len([1 for v, _ in order_[:step] if v == r]):] for r in roles]
                            again, r = [], 0
                            while any(r < len(x) for x in left):
                                again += [(roles[i], x[r]) for i, x in enumerate(left) if r < len(x)]
                                r += 1
                            assert again == order_[step:], (done, again, order_[step:])
                            if w is not None:
                                taken[w] += size
                                done += size
                        cases += 1
    try:
        sharding.rank_identities([0], 0, 2, False)
        raise AssertionError("1 identity for 2 ranks accepted")
    except ValueError:
        pass
    return {"ok": True, "cases": cases}


# -- workers -------------------------------------------------------------------------------------

def check_workers(args) -> dict:
    import torch
    from torch.utils.data import DataLoader

    from hyperface import StreamLoader

    # What a DataLoader uses when the user names no start method on Linux (the case that failed).
    assert torch.multiprocessing.get_start_method() == "fork", torch.multiprocessing.get_start_method()

    # A child forked after the parent used gRPC: works by default; with fork support switched off by
    # the user, a clear error instead of UNAVAILABLE "Socket operation on non-socket".
    snippet = ("import os\nfrom hyperface import HyperfaceClient\nHyperfaceClient('127.0.0.1:1')\npid = os.fork()\n"
               "if pid == 0:\n    try:\n        HyperfaceClient('127.0.0.1:1'); print('ok')\n"
               "    except RuntimeError as e:\n        print(str(e).split(':')[0])\n    os._exit(0)\nos.waitpid(pid, 0)\n")
    for value, want in ((None, "ok"), ("false", "gRPC was started in the parent process before this process was forked, without gRPC fork support (GRPC_ENABLE_FORK_SUPPORT was set to false)")):
        env = {k: v for k, v in os.environ.items() if k != "GRPC_ENABLE_FORK_SUPPORT"}
        if value:
            env["GRPC_ENABLE_FORK_SUPPORT"] = value
        said = subprocess.run([sys.executable, "-c", snippet], env=env, capture_output=True, text=True, timeout=60).stdout.strip()
        assert said == want, f"GRPC_ENABLE_FORK_SUPPORT={value}: child said {said!r}"

    n = 10
    job = pack(args.address, n)  # this process has used gRPC before its workers fork
    runs = {}
    for ctx in ("fork", "spawn"):
        t0 = time.time()
        ds = stream(args.address, job, n)
        try:
            batches = list(DataLoader(ds, batch_size=None, num_workers=2, multiprocessing_context=ctx))
        except RuntimeError as error:
            raise AssertionError(f"{ctx} workers, after {time.time() - t0:.1f} s: {error}") from None
        runs[ctx] = (batches, len(ds), time.time() - t0)
    reference = faces_of(stream(args.address, job, n))
    out = {"ok": True, "faces": len(reference)}
    assert len(reference) == n * 3 and len(set(reference)) == n * 3, "in-process epoch not n x K distinct faces"
    for ctx, (batches, length, seconds) in runs.items():
        got = faces_of(batches)
        assert sorted(got) == sorted(reference), f"{ctx}: {len(got)} faces, {len(set(got) & set(reference))} of {len(reference)} expected"
        assert len(batches) == length, f"{ctx}: {len(batches)} batches, len(ds) = {length}"
        by_label = collections.Counter(y for y, _ in got)
        assert set(by_label.values()) == {3} and len(by_label) == n, by_label
        out[ctx] = {"batches": len(batches), "seconds": round(seconds, 2)}
    # A client made in the parent, used after the workers: the parent's channel still works.
    with HyperfaceClient(args.address) as hf:
        assert hf.health() == "SERVING"
        # (num_identities left out: each process asks the pack job for its row count)
        ds = stream(hf, job, n, shuffle_buffer=0, num_identities=None)
        assert sorted(faces_of(StreamLoader(ds, num_workers=2))) == sorted(faces_of(ds))
        assert ds.num_identities == n
        assert hf.health() == "SERVING"
    return out


# -- resume --------------------------------------------------------------------------------------

def check_resume(args) -> dict:
    from hyperface import StreamLoader

    n = 9
    job = pack(args.address, n)
    out = {"ok": True}
    for workers in (2, 0):
        ds = stream(args.address, job, n)
        ds.set_epoch(1)
        full = faces_of(StreamLoader(ds, num_workers=workers))
        assert len(full) == n * 3 and len(set(full)) == n * 3
        # An interrupted run: 3 steps, a checkpoint (through JSON, as a file would hold it), a crash.
        ds = stream(args.address, job, n)
        ds.set_epoch(1)
        loader = StreamLoader(ds, num_workers=workers)
        first, saved = [], None
        for step, batch in enumerate(loader):
            first.append(batch)
            if step == 2:
                saved = json.dumps(loader.state_dict())
                break
        del loader, ds
        # The restarted job: new objects, the saved state, the same epoch loop.
        ds = stream(args.address, job, n)
        loader = StreamLoader(ds, num_workers=workers)
        loader.load_state_dict(json.loads(saved))
        state = json.loads(saved)
        assert state["epoch"] == 1 and state["samples"] == 12, state
        rest = []
        for epoch in range(state["epoch"], 2):
            ds.set_epoch(epoch)
            rest += faces_of(loader)
        assert faces_of(first) + rest == full, f"num_workers={workers}: resumed epoch differs (repeated or skipped faces)"
        end = loader.state_dict()
        assert end["samples"] == n * 3, end
        # Resuming a finished epoch yields nothing more of it.
        loader.load_state_dict(end)
        assert faces_of(loader) == []
        if workers:
            wrong = StreamLoader(stream(args.address, job, n), num_workers=1)
            wrong.load_state_dict(json.loads(saved))
            try:
                faces_of(wrong)
                raise AssertionError("a position saved with 2 workers resumed with 1")
            except (ValueError, RuntimeError) as error:
                assert "num_workers" in str(error), error
        out[f"workers_{workers}"] = {"faces": len(full), "resumed_after": 12}
    return out


# -- busy: a daemon with one job slot ------------------------------------------------------------

def check_busy(args) -> dict:
    import threading

    import numpy as np

    from hyperface import StreamLoader
    from hyperface.client import models

    hf = HyperfaceClient(args.address)
    hf.wait_ready(60)
    gen = next(m for m in hf.list_models(models.MODEL_KIND_GENERATOR) if m.name == "builtin")
    assert gen.dim > 0 and gen.state == models.MODEL_STATE_READY, gen
    emb = np.random.default_rng(0).standard_normal((6, gen.dim)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    # A held Generate job takes the only slot; a second call gets RESOURCE_EXHAUSTED with a retry
    # delay, waits it out (within its 60 s deadline) and succeeds once the first call ends.
    held = hf.generate_call(hf.generate_request(embeddings=emb, images_per_identity=50, raw=True), timeout=120)
    events = iter(held)
    while next(events).WhichOneof("event") != "sample":
        pass
    second: dict = {}

    def run_second():
        t0 = time.monotonic()
        try:
            second["faces"] = len(list(hf.generate(embeddings=emb[:1], images_per_identity=2, raw=True, timeout=60)))
        except Exception as error:  # reported below
            second["error"] = repr(error)
        second["waited"] = round(time.monotonic() - t0, 2)

    thread = threading.Thread(target=run_second)
    thread.start()
    time.sleep(1.5)
    held.cancel()
    thread.join(90)
    assert second.get("faces") == 2, f"the second call failed: {second}"
    # DataLoader workers beyond the free slots wait their turn: every face once.
    ds = small_stream(args.address, emb)
    got = faces_of(StreamLoader(ds, num_workers=2))  # forked from a process with a call in flight before
    want = faces_of(small_stream(args.address, emb))
    assert sorted(got) == sorted(want) and len(want) == 18, (len(got), len(want))
    hf.close()
    return {"ok": True, "second": second, "faces": len(got)}


def small_stream(address: str, emb):
    from hyperface import HyperfaceStream

    return HyperfaceStream(address, embeddings=emb, images_per_identity=3, batch_size=4, seed=2, timeout=120)


# -- ranks ---------------------------------------------------------------------------------------

def rank_main(args) -> None:
    import torch.distributed as dist
    from torch.utils.data import DataLoader

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{args.port}", rank=args.rank, world_size=2)
    # Sharded by torch.distributed alone: no RANK / WORLD_SIZE in this process's environment.
    assert "RANK" not in os.environ and "WORLD_SIZE" not in os.environ
    mine = {}
    ds = stream(args.address, args.job, args.n)
    ds.set_epoch(2)
    assert ds.distributed() == (args.rank, 2)
    # What a spawned worker receives: the rank is frozen into the pickled state.
    assert pickle.loads(pickle.dumps(ds)).rank == args.rank
    batches = list(DataLoader(ds, batch_size=None, num_workers=2))
    mine["even"] = {"faces": faces_of(batches), "steps": len(batches), "len": len(ds)}
    for drop in (False, True):  # an odd identity count: padding or dropping keeps the ranks in step
        odd = stream(args.address, args.job, args.n - 1, drop_last=drop)
        batches = list(odd)
        mine[f"odd_drop_{drop}"] = {"faces": faces_of(batches), "steps": len(batches), "len": len(odd)}
    everyone = [None, None]
    dist.all_gather_object(everyone, mine)
    dist.destroy_process_group()
    if args.rank == 0:
        print(json.dumps(everyone))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_ranks(args) -> dict:
    n = 12
    job = pack(args.address, n)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    procs = [subprocess.Popen([sys.executable, __file__, "rank", "--address", args.address, "--job", job, "--n", str(n),
                               "--rank", str(r), "--port", str(port)], env=env, stdout=subprocess.PIPE, text=True)
             for r in (0, 1)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), f"rank exit codes {[p.returncode for p in procs]}"
    ranks = json.loads(outs[0].strip().splitlines()[-1])
    even = [r["even"] for r in ranks]
    labels = [{y for y, _ in r["faces"]} for r in even]
    assert not labels[0] & labels[1], f"an identity on both ranks: {labels}"
    assert labels[0] | labels[1] == set(range(n)), f"identities missing: {labels}"
    faces = [f for r in even for f in map(tuple, r["faces"])]
    assert len(faces) == n * 3 and len(set(faces)) == n * 3, "not every (identity, sample) exactly once"
    assert even[0]["steps"] == even[1]["steps"] == even[0]["len"], [r["steps"] for r in even]
    out = {"ok": True, "labels": [sorted(x) for x in labels], "steps": even[0]["steps"]}
    for drop in (False, True):
        odd = [r[f"odd_drop_{drop}"] for r in ranks]
        assert odd[0]["steps"] == odd[1]["steps"] == odd[0]["len"], f"drop_last={drop}: steps {[r['steps'] for r in odd]}"
        sets = [{y for y, _ in r["faces"]} for r in odd]
        assert not sets[0] & sets[1], f"drop_last={drop}: an identity on both ranks"
        if drop:  # 5 identities a rank (one dropped), 15 faces: 3 full batches, the short one dropped
            assert all(len(r["faces"]) == odd[0]["steps"] * 4 for r in odd), "drop_last: a short batch kept"
            assert len(sets[0] | sets[1]) <= n - 2, f"drop_last: {sets}"
        else:  # 6 identities a rank: one repeated on the short rank
            assert sets[0] | sets[1] == set(range(n - 1)), f"padding lost identities: {sets}"
        out[f"odd_drop_{drop}"] = {"steps": odd[0]["steps"], "identities": len(sets[0] | sets[1])}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["plan", "workers", "resume", "ranks", "rank", "busy"])
    ap.add_argument("--address", default=os.environ.get("HYPERFACE_ADDRESS", "127.0.0.1:50051"))
    ap.add_argument("--job", default="")
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--rank", type=int, default=0)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    if args.what == "rank":
        rank_main(args)
        return 0
    checks = {"plan": lambda: check_plan(), "workers": lambda: check_workers(args), "resume": lambda: check_resume(args),
              "ranks": lambda: check_ranks(args), "busy": lambda: check_busy(args)}
    print(json.dumps(checks[args.what]()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
