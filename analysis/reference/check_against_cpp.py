"""Checks lpsweep's C++ model and trainer against this PyTorch reference.

Input: an exchange file written by tests/train/reference_test.cc (torch.load-able dict):
  model.<name>      initial weights (FP32)
  tokens            [steps, batch, seq_len + 1] int64 training windows, one batch per step
  logits            [batch, seq_len, V] C++ logits of tokens[0] at the initial weights
  losses            [steps] C++ training loss of each step
  cfg.<field>, opt.<field>   scalars: the model shape and the optimizer settings
Checks: forward logits within 1e-5 relative (max |Δ| / max |logit|), and every step's loss within
--loss-rtol of ours. Prints one JSON line; exit 0 when both hold, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import torch.jit._pickle  # noqa: F401  (restore_type_tag, allowed below)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import Config, Transformer, lr_at  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exchange", help="file written by the C++ side")
    parser.add_argument("--logit-rtol", type=float, default=1e-5)
    parser.add_argument("--loss-rtol", type=float, default=1e-3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    # torch::pickle_save tags typed dicts with restore_type_tag; allow just that beyond plain tensors.
    with torch.serialization.safe_globals([torch.jit._pickle.restore_type_tag]):
        ex = torch.load(args.exchange, weights_only=True)
    s = lambda k: ex[k].item()  # noqa: E731
    cfg = Config(n_layers=int(s("cfg.n_layers")), d_model=int(s("cfg.d_model")), n_heads=int(s("cfg.n_heads")),
                 head_dim=int(s("cfg.head_dim")), d_ff=int(s("cfg.d_ff")), vocab_size=int(s("cfg.vocab_size")),
                 max_seq_len=int(s("cfg.max_seq_len")), rope_theta=s("cfg.rope_theta"), norm_eps=s("cfg.norm_eps"))
    model = Transformer(cfg)
    state = {k[len("model."):]: v for k, v in ex.items() if k.startswith("model.")}
    model.load_state_dict(state, strict=True)

    tokens = ex["tokens"]
    with torch.no_grad():
        logits = model(tokens[0, :, :-1])
    ours = ex["logits"]
    logit_err = ((logits - ours).abs().max() / ours.abs().max()).item()

    opt = torch.optim.AdamW(model.param_groups(s("opt.weight_decay")), lr=s("opt.lr"),
                            betas=(s("opt.beta1"), s("opt.beta2")), eps=s("opt.eps"), fused=True)
    steps, total, warmup = tokens.shape[0], int(s("opt.total_steps")), int(s("opt.warmup_steps"))
    micro = int(s("opt.micro_batch_seqs"))
    losses = []
    for step in range(steps):
        lr = lr_at(step, s("opt.lr"), total, warmup, s("opt.warmup_start_ratio"), s("opt.final_ratio"))
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=False)
        batch = tokens[step]
        n_micro = batch.shape[0] // micro
        total_loss = 0.0
        for m in range(n_micro):
            chunk = batch[m * micro:(m + 1) * micro]
            loss = model.loss(chunk[:, :-1], chunk[:, 1:])
            (loss / n_micro).backward()
            total_loss += loss.item()
        torch.nn.utils.clip_grad_norm_(model.parameters(), s("opt.grad_clip"))
        opt.step()
        losses.append(total_loss / n_micro)
    theirs = ex["losses"].tolist()
    loss_err = max(abs(a - b) / abs(b) for a, b in zip(losses, theirs))
    ok = logit_err <= args.logit_rtol and loss_err <= args.loss_rtol
    print(json.dumps({"ok": ok, "logit_rel_err": logit_err, "max_loss_rel_err": loss_err, "steps": steps,
                      "first_loss": [losses[0], theirs[0]], "last_loss": [losses[-1], theirs[-1]]}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
