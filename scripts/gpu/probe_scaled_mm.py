"""Probe torch._scaled_mm on this card: which tensorwise FP8 calls cuBLASLt accepts, and which 1x128
block-scale layout gives the exact product (against an FP64 reference). Diagnostic for lib/ops/src/
cuda_gemm.cc; prints one line per variant. Usage: python3 scripts/gpu/probe_scaled_mm.py"""
import itertools
import torch

dev = "cuda"
torch.manual_seed(0)
print("card:", torch.cuda.get_device_name(), "torch", torch.__version__, "cuda", torch.version.cuda)


def fp8(shape, dtype):
    x = torch.randn(shape, device=dev) * 4
    return x.clamp(-200, 200).to(dtype)


def try_call(name, fn):
    try:
        y = fn()
        torch.cuda.synchronize()
        return y, None
    except Exception as e:  # noqa: BLE001 - a probe reports every refusal
        return None, str(e).splitlines()[0][:160]


M, N, K = 256, 512, 1024
# ---- tensorwise -------------------------------------------------------------------------------------------
for da, db in [(torch.float8_e4m3fn, torch.float8_e4m3fn), (torch.float8_e5m2, torch.float8_e4m3fn),
               (torch.float8_e4m3fn, torch.float8_e5m2)]:
    a = fp8((M, K), da)
    b = fp8((N, K), db)
    ref = a.double() @ b.double().t() * 0.5 * 0.25
    two = torch.tensor([7.0, 0.5], device=dev)
    four = torch.tensor([7.0, 0.25], device=dev)
    scales = {
        "0-dim": (torch.tensor(0.5, device=dev), torch.tensor(0.25, device=dev)),
        "[1]": (torch.full((1,), 0.5, device=dev), torch.full((1,), 0.25, device=dev)),
        "narrow-offset": (two.narrow(0, 1, 1), four.narrow(0, 1, 1)),
    }
    for (sname, (sa, sb)), out in itertools.product(scales.items(), [torch.bfloat16, torch.float32]):
        y, err = try_call("", lambda: torch._scaled_mm(a, b.t(), sa, sb, out_dtype=out))
        if err:
            print(f"tensorwise {da}x{db} scales={sname} out={out}: REFUSED {err}")
        else:
            rel = ((y.double() - ref).abs().max() / ref.abs().max()).item()
            print(f"tensorwise {da}x{db} scales={sname} out={out}: ok rel_err={rel:.2e}")

# ---- 1x128 block scales -------------------------------------------------------------------------------------
a = fp8((M, K), torch.float8_e4m3fn)
b = fp8((N, K), torch.float8_e4m3fn)
kb = K // 128
sa = torch.exp2(torch.randint(-3, 4, (M, kb), device=dev).float())  # scale of row m, K-block j
sb = torch.exp2(torch.randint(-3, 4, (N, kb), device=dev).float())
ref = (a.double() * sa.double().repeat_interleave(128, 1)) @ (b.double() * sb.double().repeat_interleave(128, 1)).t()
layouts = {
    "a(M,kb) strides(1,M); b(kb,N) strides(N,1)  [lps v1]": (sa.t().contiguous().t(), sb.t().contiguous()),
    "a(M,kb) strides(1,M); b(kb,N) strides(1,kb)": (sa.t().contiguous().t(), sb.t()),
    "a(M,kb) contiguous;   b(kb,N) strides(N,1)": (sa.contiguous(), sb.t().contiguous()),
    "a(M,kb) contiguous;   b(kb,N) strides(1,kb)": (sa.contiguous(), sb.t()),
    "a(M,kb) strides(1,M); b(N,kb) strides(1,N)": (sa.t().contiguous().t(), sb.t().contiguous().t()),
    "a(M,kb) strides(1,M); b(N,kb) contiguous": (sa.t().contiguous().t(), sb.contiguous()),
}
for name, (xa, xb) in layouts.items():
    for out in [torch.bfloat16, torch.float32]:
        y, err = try_call("", lambda: torch._scaled_mm(a, b.t(), xa, xb, out_dtype=out))
        if err:
            print(f"1x128 {name} out={out}: REFUSED {err}")
        else:
            rel = ((y.double() - ref).abs().max() / ref.abs().max()).item()
            print(f"1x128 {name} out={out}: ok rel_err={rel:.2e}")
