#!/usr/bin/env python3
"""PyTorch (CUDA when available) version of the paper-mode step, same maths as numpy_step.py.
  python3 torch_step.py step N D [iters] -> JSON: seconds per step
"""
import json, sys, time
import torch


def main():
    _, what, n, d = sys.argv[:4]
    n, d = int(n), int(d)
    iters = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    g = torch.Generator(device='cpu').manual_seed(0)
    x = torch.randn(n, d, generator=g).to(dev)
    x = torch.nn.functional.normalize(x, dim=1)
    m = torch.zeros_like(x); v = torch.zeros_like(x)
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    idx = torch.arange(n, device=dev)

    def step(t):
        s = x @ x.T
        s[idx, idx] = -float('inf')
        cos, nn = s.max(dim=1)
        gr = x[nn] / n
        gr.index_add_(0, nn, x / n)
        gr -= (gr * x).sum(1, keepdim=True) * x
        m.mul_(b1).add_(gr, alpha=1 - b1)
        v.mul_(b2).addcmul_(gr, gr, value=1 - b2)
        x.sub_(lr * (m / (1 - b1 ** t)) / ((v / (1 - b2 ** t)).sqrt() + eps))
        x.div_(x.norm(dim=1, keepdim=True))
        return cos

    for t in range(1, 4):
        step(t)
    if dev == 'cuda':
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for t in range(4, 4 + iters):
        step(t)
    if dev == 'cuda':
        torch.cuda.synchronize()
    print(json.dumps({'impl': f'torch-{dev}', 'n': n, 'd': d, 'sec_per_step': (time.perf_counter() - t0) / iters,
                      'device': torch.cuda.get_device_name() if dev == 'cuda' else 'cpu'}))


if __name__ == '__main__':
    main()
