// fused_cross_entropy: an autograd function over kernels/cross_entropy.cu (per-row losses), then the mean.
#include "fused_internal.h"

#include <lps/ops/fused.h>

#include <torch/torch.h>

#ifdef LPS_HAVE_KERNELS
#include <lps/kernels/cross_entropy.h>
#endif

namespace lps::ops {

#ifdef LPS_HAVE_KERNELS
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
namespace fd = fused_detail;

class CrossEntropyRows : public torch::autograd::Function<CrossEntropyRows> {
 public:
  // logits [N, V], targets [N] -> loss [N] FP32
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& logits, const at::Tensor& targets,
                            int64_t ignore_index) {
    constexpr const char* what = "fused_cross_entropy";
    fd::check_cuda(logits, what, "logits");
    fd::check_cuda(targets, what, "targets");
    TORCH_CHECK(logits.dim() == 2, what, ": logits must be [N, V], got ", logits.sizes());
    TORCH_CHECK(targets.dim() == 1 && targets.size(0) == logits.size(0), what, ": targets must be [N] with N = ",
                logits.size(0), ", got ", targets.sizes());
    TORCH_CHECK(targets.scalar_type() == at::kLong, what, ": targets must be int64, got ", targets.scalar_type());
    TORCH_CHECK(targets.device() == logits.device(), what, ": logits and targets are on different devices");
    const auto dtype = fd::dtype_of(logits, what);
    const at::Tensor x = logits.contiguous(), t = targets.contiguous();
    const int64_t rows = x.size(0), vocab = x.size(1);
    const c10::cuda::CUDAGuard guard(x.device());
    auto loss = at::empty({rows}, x.options().dtype(at::kFloat));
    auto lse = at::empty({rows}, x.options().dtype(at::kFloat));
    fd::check_launch(kernels::cross_entropy_forward(x.data_ptr(), dtype, t.data_ptr<int64_t>(), rows, vocab,
                                                    ignore_index, loss.data_ptr<float>(), lse.data_ptr<float>(),
                                                    fd::stream_of(x)),
                     what);
    ctx->save_for_backward({x, t, lse});
    ctx->saved_data["ignore_index"] = ignore_index;
    return loss;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& t = saved[1];
    const at::Tensor& lse = saved[2];
    const int64_t ignore_index = ctx->saved_data["ignore_index"].toInt();
    const at::Tensor g = grads[0].to(at::kFloat).contiguous();  // [N] (often an expanded scalar)
    const c10::cuda::CUDAGuard guard(x.device());
    auto dx = at::empty_like(x, at::MemoryFormat::Contiguous);
    fd::check_launch(kernels::cross_entropy_backward(x.data_ptr(), fd::dtype_of(x, "fused_cross_entropy"),
                                                     t.data_ptr<int64_t>(), lse.data_ptr<float>(),
                                                     g.data_ptr<float>(), x.size(0), x.size(1), ignore_index,
                                                     dx.data_ptr(), fd::stream_of(x)),
                     "fused_cross_entropy backward");
    return {dx, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor fused_cross_entropy_rows(const at::Tensor& logits, const at::Tensor& targets, int64_t ignore_index) {
  return CrossEntropyRows::apply(logits, targets, ignore_index);
}

at::Tensor fused_cross_entropy(const at::Tensor& logits, const at::Tensor& targets, int64_t ignore_index) {
  const auto rows = fused_cross_entropy_rows(logits, targets, ignore_index);
  // torch's "mean": over the rows that count (no host synchronisation: the count stays on the device).
  return rows.sum() / targets.ne(ignore_index).sum().to(at::kFloat);
}

#else

at::Tensor fused_cross_entropy_rows(const at::Tensor&, const at::Tensor&, int64_t) {
  LPS_FUSED_UNAVAILABLE("fused_cross_entropy");
}
at::Tensor fused_cross_entropy(const at::Tensor&, const at::Tensor&, int64_t) {
  LPS_FUSED_UNAVAILABLE("fused_cross_entropy");
}

#endif

}  // namespace lps::ops
