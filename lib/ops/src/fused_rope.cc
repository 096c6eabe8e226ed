// fused_rope_qkv: an autograd function over kernels/rope.cu.
#include "fused_internal.h"

#include <lps/ops/fused.h>

#include <torch/torch.h>

#ifdef LPS_HAVE_KERNELS
#include <lps/kernels/rope.h>
#endif

namespace lps::ops {

#ifdef LPS_HAVE_KERNELS
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
namespace fd = fused_detail;

kernels::RopeShape shape_of(const at::Tensor& qkv) {
  kernels::RopeShape s;
  s.tokens = qkv.size(0) * qkv.size(1);
  s.seq_len = qkv.size(1);
  s.heads = qkv.size(3);
  s.head_dim = qkv.size(4);
  return s;
}

class RopeQkvFn : public torch::autograd::Function<RopeQkvFn> {
 public:
  // qkv [B, T, 3, H, hd], cos/sin [T, hd/2] -> {q, k, v} [B, T, H, hd]
  static variable_list forward(AutogradContext* ctx, const at::Tensor& qkv, const at::Tensor& cos,
                               const at::Tensor& sin) {
    constexpr const char* what = "fused_rope_qkv";
    fd::check_cuda(qkv, what, "qkv");
    fd::check_cuda(cos, what, "cos");
    fd::check_cuda(sin, what, "sin");
    TORCH_CHECK(qkv.dim() == 5 && qkv.size(2) == 3 && qkv.size(4) % 2 == 0, what,
                ": qkv must be [B, T, 3, H, hd] with hd even, got ", qkv.sizes());
    const int64_t T = qkv.size(1), half = qkv.size(4) / 2;
    for (const auto* t : {&cos, &sin}) {
      TORCH_CHECK(t->dim() == 2 && t->size(0) == T && t->size(1) == half && t->scalar_type() == at::kFloat, what,
                  ": cos and sin must be float32 [T, hd/2] = [", T, ", ", half, "], got ", t->sizes(), " ",
                  t->scalar_type());
    }
    const at::Tensor in = qkv.contiguous(), c = cos.contiguous(), s = sin.contiguous();
    const auto sh = shape_of(in);
    const std::vector<int64_t> out_shape{in.size(0), T, sh.heads, sh.head_dim};
    const c10::cuda::CUDAGuard guard(in.device());
    auto q = at::empty(out_shape, in.options()), k = at::empty(out_shape, in.options()),
         v = at::empty(out_shape, in.options());
    fd::check_launch(kernels::rope_qkv_forward(in.data_ptr(), c.data_ptr<float>(), s.data_ptr<float>(),
                                               q.data_ptr(), k.data_ptr(), v.data_ptr(), fd::dtype_of(in, what), sh,
                                               fd::stream_of(in)),
                     what);
    ctx->save_for_backward({c, s});
    ctx->saved_data["shape"] = in.sizes().vec();
    ctx->saved_data["dtype"] = static_cast<int64_t>(in.scalar_type());
    return {q, k, v};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    constexpr const char* what = "fused_rope_qkv backward";
    const auto saved = ctx->get_saved_variables();
    const auto shape = ctx->saved_data["shape"].toIntVector();
    const auto dtype = static_cast<at::ScalarType>(ctx->saved_data["dtype"].toInt());
    const at::Tensor& c = saved[0];
    const at::Tensor& s = saved[1];
    at::Tensor d[3];
    for (int i = 0; i < 3; ++i)
      if (grads[i].defined()) d[i] = grads[i].to(dtype).contiguous();
    const c10::cuda::CUDAGuard guard(c.device());
    auto dqkv = at::empty(shape, c.options().dtype(dtype));
    kernels::RopeShape sh;
    sh.tokens = shape[0] * shape[1];
    sh.seq_len = shape[1];
    sh.heads = shape[3];
    sh.head_dim = shape[4];
    auto ptr = [](const at::Tensor& t) -> const void* { return t.defined() ? t.data_ptr() : nullptr; };
    fd::check_launch(kernels::rope_qkv_backward(ptr(d[0]), ptr(d[1]), ptr(d[2]), c.data_ptr<float>(),
                                                s.data_ptr<float>(), dqkv.data_ptr(), fd::dtype_of(dqkv, what), sh,
                                                fd::stream_of(dqkv)),
                     what);
    return {dqkv, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

std::array<at::Tensor, 3> fused_rope_qkv(const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& sin) {
  const auto out = RopeQkvFn::apply(qkv, cos, sin);
  return {out[0], out[1], out[2]};
}

#else

std::array<at::Tensor, 3> fused_rope_qkv(const at::Tensor&, const at::Tensor&, const at::Tensor&) {
  LPS_FUSED_UNAVAILABLE("fused_rope_qkv");
}

#endif

}  // namespace lps::ops
