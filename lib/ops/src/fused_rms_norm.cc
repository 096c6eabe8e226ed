// fused_rms_norm: an autograd function over kernels/rms_norm.cu.
#include "fused_internal.h"

#include <lps/ops/fused.h>

#include <torch/torch.h>

#ifdef LPS_HAVE_KERNELS
#include <lps/kernels/rms_norm.h>
#endif

namespace lps::ops {

#ifdef LPS_HAVE_KERNELS
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
namespace fd = fused_detail;

class RmsNormFn : public torch::autograd::Function<RmsNormFn> {
 public:
  // x [..., d], weight [d] -> y [..., d] in out_dtype
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight, double eps,
                            at::ScalarType out_dtype) {
    constexpr const char* what = "fused_rms_norm";
    fd::check_cuda(x, what, "x");
    fd::check_cuda(weight, what, "weight");
    TORCH_CHECK(x.dim() >= 1 && weight.dim() == 1 && weight.size(0) == x.size(-1), what, ": x [..., d] ",
                x.sizes(), " does not match weight [d] ", weight.sizes());
    TORCH_CHECK(weight.scalar_type() == at::kFloat, what, ": weight must be float32, got ", weight.scalar_type());
    TORCH_CHECK(out_dtype == at::kFloat || out_dtype == at::kBFloat16, what,
                ": out_dtype must be float32 or bfloat16, got ", out_dtype);
    const at::Tensor xc = x.contiguous(), w = weight.contiguous();
    const int64_t dim = xc.size(-1), rows = dim == 0 ? 0 : xc.numel() / dim;
    const c10::cuda::CUDAGuard guard(xc.device());
    auto y = at::empty(xc.sizes(), xc.options().dtype(out_dtype));
    auto rstd = at::empty({rows}, xc.options().dtype(at::kFloat));
    kernels::RmsNormForwardParams p;
    p.x = xc.data_ptr();
    p.x_dtype = fd::dtype_of(xc, what);
    p.weight = w.data_ptr<float>();
    p.y = y.data_ptr();
    p.y_dtype = fd::dtype_of(y, what);
    p.rstd = rstd.data_ptr<float>();
    p.rows = rows;
    p.dim = dim;
    p.eps = static_cast<float>(eps);
    fd::check_launch(kernels::rms_norm_forward(p, fd::stream_of(xc)), what);
    ctx->save_for_backward({xc, w, rstd});
    ctx->saved_data["out_dtype"] = static_cast<int64_t>(out_dtype);
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    constexpr const char* what = "fused_rms_norm backward";
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& w = saved[1];
    const at::Tensor& rstd = saved[2];
    const auto out_dtype = static_cast<at::ScalarType>(ctx->saved_data["out_dtype"].toInt());
    const at::Tensor dy = grads[0].to(out_dtype).contiguous();
    const int64_t dim = x.size(-1), rows = rstd.size(0);
    const c10::cuda::CUDAGuard guard(x.device());
    at::Tensor dx, dw, workspace;
    kernels::RmsNormBackwardParams p;
    p.dy = dy.data_ptr();
    p.dy_dtype = fd::dtype_of(dy, what);
    p.x = x.data_ptr();
    p.x_dtype = fd::dtype_of(x, what);
    p.weight = w.data_ptr<float>();
    p.rstd = rstd.data_ptr<float>();
    p.rows = rows;
    p.dim = dim;
    if (ctx->needs_input_grad(0)) {
      dx = at::empty_like(x, at::MemoryFormat::Contiguous);
      p.dx = dx.data_ptr();
    }
    if (ctx->needs_input_grad(1)) {
      dw = at::empty({dim}, w.options());
      workspace = at::empty({kernels::rms::dw_chunks(rows), dim}, w.options());
      p.dweight = dw.data_ptr<float>();
      p.workspace = workspace.data_ptr<float>();
    }
    if (p.dx != nullptr || p.dweight != nullptr) fd::check_launch(kernels::rms_norm_backward(p, fd::stream_of(x)), what);
    return {dx, dw, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor fused_rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps, at::ScalarType out_dtype) {
  return RmsNormFn::apply(x, weight, eps, out_dtype);
}

#else

at::Tensor fused_rms_norm(const at::Tensor&, const at::Tensor&, double, at::ScalarType) {
  LPS_FUSED_UNAVAILABLE("fused_rms_norm");
}

#endif

}  // namespace lps::ops
