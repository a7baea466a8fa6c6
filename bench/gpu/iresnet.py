#!/usr/bin/env python3
"""IResNet-50 (insightface's ArcFace backbone: 112x112 -> 512-d, layers 3/4/14/3) with random
weights, for the GPU bench: export it to ONNX and time the same module in PyTorch.

  python3 iresnet.py export OUT.onnx [--tiny]        -> writes the ONNX file (dynamic batch)
  python3 iresnet.py bench BATCH SECONDS [--tiny]    -> JSON: faces/s in PyTorch (CUDA when available)
"""
import json, sys, time
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.prelu = nn.PReLU(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.down = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return y + (x if self.down is None else self.down(x))


class IResNet(nn.Module):
    def __init__(self, layers=(3, 4, 14, 3), width=(64, 128, 256, 512), dim=512):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width[0], 3, 1, 1, bias=False), nn.BatchNorm2d(width[0]), nn.PReLU(width[0]))
        blocks, cin = [], width[0]
        for n, c in zip(layers, width):
            for i in range(n):
                blocks.append(Block(cin, c, 2 if i == 0 else 1))
                cin = c
        self.body = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin * 7 * 7, dim)
        self.features = nn.BatchNorm1d(dim)

    def forward(self, x):
        x = self.bn(self.body(self.stem(x)))
        return self.features(self.fc(torch.flatten(x, 1)))


def model(tiny):
    torch.manual_seed(0)
    m = IResNet((1, 1, 1, 1), (8, 8, 16, 16), 32) if tiny else IResNet()
    return m.eval()


def main():
    what = sys.argv[1]
    tiny = '--tiny' in sys.argv
    m = model(tiny)
    if what == 'export':
        x = torch.randn(2, 3, 112, 112)
        kw = dict(input_names=['input'], output_names=['embedding'], dynamic_axes={'input': {0: 'batch'}, 'embedding': {0: 'batch'}}, opset_version=17)
        try:
            torch.onnx.export(m, x, sys.argv[2], dynamo=False, **kw)
        except TypeError:  # torch < 2.5 has no `dynamo` argument
            torch.onnx.export(m, x, sys.argv[2], **kw)
        print(json.dumps({'exported': sys.argv[2], 'params': sum(p.numel() for p in m.parameters())}))
        return
    batch, seconds = int(sys.argv[2]), float(sys.argv[3])
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    m = m.to(dev)
    torch.backends.cudnn.benchmark = True
    x = torch.randn(batch, 3, 112, 112, device=dev)
    with torch.no_grad():
        for _ in range(3):
            m(x)
        if dev == 'cuda':
            torch.cuda.synchronize()
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            m(x)
            n += batch
        if dev == 'cuda':
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
    print(json.dumps({'impl': f'torch-{dev}', 'batch': batch, 'faces_per_s': n / dt,
                      'device': torch.cuda.get_device_name() if dev == 'cuda' else 'cpu'}))


if __name__ == '__main__':
    main()
