"""PyTorch reference of lpsweep's Llama-2-style decoder (lib/model/include/lps/model/transformer.h).

Same parameter names and shapes as the C++ state dict, so weights saved by lpsweep load directly:
  embed [V, d]; layers.i.{attn_norm [d], wqkv [3·H·hd, d], wo [d, H·hd], mlp_norm [d], w13 [2·d_ff, d],
  w2 [d, d_ff]}; norm [d]; head [V, d].
RoPE rotates the two halves of each head; SDPA causal attention; SwiGLU; RMSNorm; no biases; untied head.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    n_layers: int = 2
    d_model: int = 64
    n_heads: int = 2
    head_dim: int = 32
    d_ff: int = 0  # 0 = 256·⌈⌊8d/3⌋/256⌉
    vocab_size: int = 256
    max_seq_len: int = 512
    rope_theta: float = 1e4
    norm_eps: float = 1e-5
    init_std: float = 0.02

    def ffn_dim(self) -> int:
        return self.d_ff if self.d_ff > 0 else 256 * ((8 * self.d_model // 3 + 255) // 256)


# The paper presets (DESIGN.md §4); head_dim 128.
PRESETS = {
    "30M": (6, 640, 5), "50M": (7, 768, 6), "100M": (8, 1024, 8), "200M": (10, 1280, 10),
    "430M": (13, 1664, 13), "800M": (16, 2048, 16),
}


def preset(name: str, vocab_size: int, seq_len: int) -> Config:
    layers, d, heads = PRESETS[name]
    return Config(n_layers=layers, d_model=d, n_heads=heads, head_dim=128, vocab_size=vocab_size, max_seq_len=seq_len)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    c, s = cos.to(x.dtype), sin.to(x.dtype)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1)


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        d, attn, ff = cfg.d_model, cfg.n_heads * cfg.head_dim, cfg.ffn_dim()
        res_std = cfg.init_std / math.sqrt(2 * cfg.n_layers)
        self.attn_norm = nn.Parameter(torch.ones(d))
        self.wqkv = nn.Parameter(torch.randn(3 * attn, d) * cfg.init_std)
        self.wo = nn.Parameter(torch.randn(d, attn) * res_std)
        self.mlp_norm = nn.Parameter(torch.ones(d))
        self.w13 = nn.Parameter(torch.randn(2 * ff, d) * cfg.init_std)
        self.w2 = nn.Parameter(torch.randn(d, ff) * res_std)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        H, hd = self.cfg.n_heads, self.cfg.head_dim
        h = F.rms_norm(x, (self.cfg.d_model,), self.attn_norm, self.cfg.norm_eps)
        qkv = F.linear(h, self.wqkv).view(B, T, 3, H, hd)
        q = apply_rope(qkv[:, :, 0].transpose(1, 2), cos, sin)
        k = apply_rope(qkv[:, :, 1].transpose(1, 2), cos, sin)
        v = qkv[:, :, 2].transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        out = x + F.linear(y.transpose(1, 2).reshape(B, T, H * hd), self.wo)
        h = F.rms_norm(out, (self.cfg.d_model,), self.mlp_norm, self.cfg.norm_eps)
        gate, up = F.linear(h, self.w13).chunk(2, dim=-1)
        return out + F.linear(F.silu(gate) * up, self.w2)


class Transformer(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Parameter(torch.randn(cfg.vocab_size, cfg.d_model) * cfg.init_std)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm = nn.Parameter(torch.ones(cfg.d_model))
        self.head = nn.Parameter(torch.randn(cfg.vocab_size, cfg.d_model) * cfg.init_std)
        j = torch.arange(cfg.head_dim // 2, dtype=torch.float64)
        inv_freq = torch.pow(torch.tensor(cfg.rope_theta, dtype=torch.float64), -2.0 * j / cfg.head_dim)
        angles = torch.outer(torch.arange(cfg.max_seq_len, dtype=torch.float64), inv_freq)
        self.register_buffer("rope_cos", angles.cos().float(), persistent=False)
        self.register_buffer("rope_sin", angles.sin().float(), persistent=False)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        T = tokens.shape[1]
        x = F.embedding(tokens, self.embed)
        cos, sin = self.rope_cos[:T], self.rope_sin[:T]
        for layer in self.layers:
            x = layer(x, cos, sin)
        x = F.rms_norm(x, (self.cfg.d_model,), self.norm, self.cfg.norm_eps)
        return F.linear(x, self.head)

    def loss(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        logits = self.forward(inputs)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1))

    def non_embedding_params(self) -> int:
        return sum(p.numel() for n, p in self.named_parameters() if n not in ("embed", "head"))

    def param_groups(self, weight_decay: float):
        decay = [p for n, p in self.named_parameters() if p.dim() >= 2 and n not in ("embed", "head")]
        other = [p for n, p in self.named_parameters() if not (p.dim() >= 2 and n not in ("embed", "head"))]
        return [{"params": decay, "weight_decay": weight_decay}, {"params": other, "weight_decay": 0.0}]


def lr_at(step: int, lr: float, total: int, warmup: int, start_ratio: float = 0.01, final_ratio: float = 0.1) -> float:
    """lib/train/src/lr_schedule.cc: linear warmup from lr·start_ratio, cosine to lr·final_ratio."""
    if step < warmup:
        start = lr * start_ratio
        return start + (lr - start) * step / warmup
    floor = lr * final_ratio
    decay_steps = max(1, total - 1 - warmup)
    progress = min(1.0, (step - warmup) / decay_steps)
    return floor + (lr - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
