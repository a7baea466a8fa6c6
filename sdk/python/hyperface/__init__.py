"""Python client for the HyperFace Serve daemon (hyperface.v1 over gRPC).

    from hyperface import HyperfaceClient, HyperfaceStream
    hf = HyperfaceClient("127.0.0.1:50051")
    packed = hf.pack(identities=100, gallery_builtin_size=200)
    for images, labels in HyperfaceStream(hf, pack_job_id=packed.job_id, num_identities=100,
                                          images_per_identity=10, batch_size=64):
        ...

With DataLoader workers (fork, spawn, forkserver), DDP ranks and resumable epochs:

    loader = StreamLoader(HyperfaceStream(...), num_workers=2)   # state_dict / load_state_dict

The gRPC stubs (hyperface.v1.*_pb2) are generated from proto/ when the package is built.
"""

from . import forking

# DataLoader workers are forked from the training process: gRPC fork support on, and its fork
# handlers made safe (grpcio < 1.56), before any channel.
forking.enable()

from .client import HyperfaceClient, PackOutcome, face_image, numpy_to_tensor, tensor_to_numpy  # noqa: E402
from .retry import RetryPolicy  # noqa: E402

__version__ = "0.1.0"
__all__ = ["HyperfaceClient", "HyperfaceStream", "StreamLoader", "HAVE_TORCH", "PackOutcome", "RetryPolicy",
           "face_image", "numpy_to_tensor", "tensor_to_numpy"]


def __getattr__(name):
    # The dataset imports torch when present (seconds): load it only when asked for.
    if name in ("HyperfaceStream", "HAVE_TORCH"):
        from . import dataset

        return getattr(dataset, name)
    if name == "StreamLoader":
        from . import loader

        return loader.StreamLoader
    raise AttributeError(f"module 'hyperface' has no attribute {name!r}")
