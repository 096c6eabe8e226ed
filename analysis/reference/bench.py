"""Training throughput of the PyTorch reference (model.py): tokens/s in eager or torch.compile mode.

BF16 autocast on CUDA with FP32 master weights, fused AdamW, global-norm clipping — the same step as
lpsweep's trainer. Prints one JSON line: {"preset", "mode", "tokens_per_s", "step_ms", "device", ...}.
Used by `lpsweep bench train --python PATH` to put our numbers beside PyTorch's on the same card.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import Transformer, preset  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="30M")
    p.add_argument("--mode", choices=["eager", "compile"], default="eager")
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--batch", type=int, default=64, help="sequences per optimizer step")
    p.add_argument("--micro", type=int, default=0, help="sequences per forward/backward (0 = batch)")
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--steps", type=int, default=20, help="timed steps")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first (compilation happens here)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = p.parse_args()
    device = torch.device(a.device)
    torch.manual_seed(0)
    torch.backends.cuda.matmul.allow_tf32 = True
    model = Transformer(preset(a.preset, a.vocab, a.seq)).to(device)
    opt = torch.optim.AdamW(model.param_groups(0.1), lr=1e-4, betas=(0.9, 0.95), eps=1e-8,
                            fused=device.type == "cuda")
    loss_fn = torch.compile(model.loss) if a.mode == "compile" else model.loss
    micro = a.micro or a.batch
    tokens = torch.randint(0, a.vocab, (a.batch, a.seq + 1), device=device)
    use_autocast = device.type == "cuda"

    def step():
        opt.zero_grad(set_to_none=True)
        n = a.batch // micro
        for m in range(n):
            chunk = tokens[m * micro:(m + 1) * micro]
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_autocast):
                loss = loss_fn(chunk[:, :-1], chunk[:, 1:])
            (loss / n).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    t0 = time.perf_counter()
    for _ in range(a.warmup):
        step()
    sync()
    warm_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    sync()
    elapsed = time.perf_counter() - t0
    tps = a.steps * a.batch * a.seq / elapsed
    print(json.dumps({"preset": a.preset, "mode": a.mode, "tokens_per_s": tps, "step_ms": 1e3 * elapsed / a.steps,
                      "warmup_s": warm_s, "loss": float(loss), "n_params": model.non_embedding_params(),
                      "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
                      "torch": torch.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
