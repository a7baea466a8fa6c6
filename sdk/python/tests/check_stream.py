#!/usr/bin/env python3
"""CI check of the installed `hyperface` package against a running daemon.

Packs a few identities, streams Generate (IMAGE_FORMAT_RAW) through HyperfaceStream and asserts
batch shapes, dtypes, label ranges and counts (= identities x K). Prints one JSON line and exits 0
on success; any failed assertion exits non-zero with the reason.

    python sdk/python/tests/check_stream.py --address 127.0.0.1:50051
        # dim = the default recognizer's (PackRequest.dim = 0), small builtin gallery, default generator
    python sdk/python/tests/check_stream.py --address ... --dim 16 --generator tiny-decoder
        # pure geometry (gallery none) in 16-d, rendered by the named generator
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from hyperface import HAVE_TORCH, HyperfaceClient, HyperfaceStream
from hyperface.client import models
from hyperface.v1 import jobs_pb2, jobs_pb2_grpc


def check_backpressure(hf: HyperfaceClient, pack_job: str, args) -> int:
    """A consumer that stops reading must stop the daemon: rendering plateaus at generateAhead plus
    what the HTTP/2 flow-control windows hold, far below the requested total. Returns how many faces
    the daemon rendered beyond those consumed."""
    total = args.identities * args.backpressure_k
    call = hf.generate_call(hf.generate_request(pack_job_id=pack_job, images_per_identity=args.backpressure_k, seed=9,
                                                raw=True, generator=args.generator, image_size=args.image_size),
                            timeout=args.timeout)
    jobs = jobs_pb2_grpc.JobServiceStub(hf.channel)
    try:
        it = iter(call)
        job = next(it).accepted.job_id
        consumed = 0
        for event in it:
            if event.WhichOneof("event") == "sample":
                consumed += 1
                if consumed == 3:
                    break
        # Poll until the job's progress stops moving (the daemon is blocked on the slow reader).
        done, until = -1.0, time.time() + 60
        while time.time() < until:
            time.sleep(1.5)
            now = jobs.GetJob(jobs_pb2.GetJobRequest(id=job), timeout=10).progress * total
            if now == done:
                break
            done = now
        assert done >= consumed, f"progress {done} below the {consumed} faces consumed"
        assert done < total * 0.9, f"the daemon rendered {done:.0f} of {total} faces for a reader that took {consumed}"
        return int(round(done)) - consumed
    finally:
        call.cancel()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--address", default=os.environ.get("HYPERFACE_ADDRESS", "127.0.0.1:50051"))
    ap.add_argument("--identities", type=int, default=4)
    ap.add_argument("--k", type=int, default=3, help="images per identity")
    ap.add_argument("--batch", type=int, default=5, help="batch size (not a divisor of N*K on purpose)")
    ap.add_argument("--dim", type=int, default=0, help="0 = the default recognizer's dim with a builtin gallery; >0 = gallery none")
    ap.add_argument("--gallery-size", type=int, default=16, help="builtin gallery size when --dim 0")
    ap.add_argument("--generator", default="", help="generator name; empty = the daemon's default")
    ap.add_argument("--image-size", type=int, default=0, help="0 = the generator's native size")
    ap.add_argument("--shuffle-buffer", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--pack-only", action="store_true", help="stop after the Pack checks (no generator needed with --dim)")
    ap.add_argument("--backpressure-k", type=int, default=0,
                    help="also check backpressure: ask for identities x K faces, read a few, and check the daemon "
                         "stops rendering well before the end (0 = skip)")
    args = ap.parse_args()

    t0 = time.time()
    hf = HyperfaceClient(args.address)
    hf.wait_ready(60)
    health = hf.health("hyperface.v1.PackingService")
    assert health == "SERVING", f"PackingService health {health}"

    gen_models = hf.list_models(models.MODEL_KIND_GENERATOR)
    wanted = args.generator or next((m.name for m in gen_models if m.is_default), "")
    info = next((m for m in gen_models if m.name == wanted), None)
    if not args.pack_only:
        assert info is not None, f"no generator {wanted!r} registered (have {[m.name for m in gen_models]})"
        assert info.state == models.MODEL_STATE_READY, f"generator {wanted} is {models.ModelState.Name(info.state)}: {info.error}"

    if args.dim > 0:
        packed = hf.pack(identities=args.identities, dim=args.dim, gallery_none=True, iterations=200, seed=1,
                         stream_embeddings=True, timeout=args.timeout)
    else:
        packed = hf.pack(identities=args.identities, dim=0, gallery_builtin_size=args.gallery_size, iterations=50,
                         seed=1, stream_embeddings=True, timeout=args.timeout)
    shape = tuple(packed.result.shape)
    assert shape[0] == args.identities, f"packed shape {shape}"
    assert packed.embeddings is not None and packed.embeddings.shape == shape, "streamed rows missing"
    norms = np.linalg.norm(packed.embeddings, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3), f"packed rows not unit length: {norms}"
    if args.dim > 0:
        assert shape[1] == args.dim, f"dim {shape[1]} != {args.dim}"
    if args.pack_only:
        print(json.dumps({"ok": True, "health": health, "pack_job": packed.job_id, "dim": shape[1], "identities": shape[0],
                          "min_angle_deg": round(packed.result.metrics.min_angle_deg, 3), "seconds": round(time.time() - t0, 2)}))
        return 0

    ds = HyperfaceStream(hf, pack_job_id=packed.job_id, num_identities=args.identities, images_per_identity=args.k,
                         batch_size=args.batch, seed=7, generator=args.generator, image_size=args.image_size,
                         shuffle_buffer=args.shuffle_buffer, as_torch=False, timeout=args.timeout)
    expected = args.identities * args.k
    assert len(ds) == -(-expected // args.batch)
    side = args.image_size or info.image_size
    counts = np.zeros(args.identities, dtype=np.int64)
    batches = 0
    total = 0
    first_batch = None
    for images, labels in ds:
        batches += 1
        b = images.shape[0]
        assert isinstance(images, np.ndarray) and images.dtype == np.uint8, f"images {type(images)} {images.dtype}"
        assert isinstance(labels, np.ndarray) and labels.dtype == np.int64, f"labels {labels.dtype}"
        assert images.ndim == 4 and images.shape[3] == 3, f"images shape {images.shape}"
        if side:
            assert images.shape[1:3] == (side, side), f"image side {images.shape[1:3]} != {side}"
        assert labels.shape == (b,), f"labels shape {labels.shape} for batch {b}"
        assert 1 <= b <= args.batch, f"batch of {b}"
        assert labels.min() >= 0 and labels.max() < args.identities, f"labels out of range: {labels}"
        np.add.at(counts, labels, 1)
        assert images.std() > 0, "blank images"
        if first_batch is None:
            first_batch = images.copy()
        total += b
    assert total == expected, f"{total} faces streamed, expected {expected}"
    assert batches == len(ds), f"{batches} batches, expected {len(ds)}"
    assert (counts == args.k).all(), f"faces per identity {counts.tolist()} != {args.k}"
    # One Generate call per run of consecutive identities (shuffled blocks): their summaries add up.
    assert ds.summaries and sum(x.samples for x in ds.summaries) == expected, f"summaries {ds.summaries}"

    # Same seed -> byte-identical faces (the daemon's determinism), here for the first batch only.
    # Stopping early cancels the call (the generator's finally), which cancels the daemon's job.
    it = iter(HyperfaceStream(hf, pack_job_id=packed.job_id, num_identities=args.identities,
                              images_per_identity=args.k, batch_size=args.batch, seed=7,
                              generator=args.generator, image_size=args.image_size,
                              shuffle_buffer=args.shuffle_buffer, as_torch=False, timeout=args.timeout))
    again = next(it)
    it.close()
    assert np.array_equal(again[0], first_batch), "same request, different images"

    ahead = None
    if args.backpressure_k:
        ahead = check_backpressure(hf, packed.job_id, args)

    print(json.dumps({
        "ok": True, "health": health, "rendered_ahead": ahead, "generator": wanted, "pack_job": packed.job_id, "dim": shape[1], "identities": args.identities,
        "images_per_identity": args.k, "faces": total, "batches": batches, "image_shape": list(first_batch.shape[1:]),
        "torch": HAVE_TORCH, "seconds": round(time.time() - t0, 2),
    }))
    hf.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
