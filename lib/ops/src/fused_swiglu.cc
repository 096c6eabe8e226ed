// fused_swiglu: an autograd function over kernels/swiglu.cu.
#include "fused_internal.h"

#include <lps/ops/fused.h>

#include <torch/torch.h>

#ifdef LPS_HAVE_KERNELS
#include <lps/kernels/swiglu.h>
#endif

namespace lps::ops {

#ifdef LPS_HAVE_KERNELS
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
namespace fd = fused_detail;

class SwigluFn : public torch::autograd::Function<SwigluFn> {
 public:
  // gu [..., 2·ff] -> act [..., ff]
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& gu) {
    constexpr const char* what = "fused_swiglu";
    fd::check_cuda(gu, what, "gu");
    TORCH_CHECK(gu.dim() >= 1 && gu.size(-1) % 2 == 0, what, ": gu must be [..., 2·ff], got ", gu.sizes());
    const at::Tensor in = gu.contiguous();
    const int64_t ff = in.size(-1) / 2, rows = ff == 0 ? 0 : in.numel() / (2 * ff);
    auto shape = in.sizes().vec();
    shape.back() = ff;
    const c10::cuda::CUDAGuard guard(in.device());
    auto act = at::empty(shape, in.options());
    if (ff > 0) {
      fd::check_launch(kernels::swiglu_forward(in.data_ptr(), act.data_ptr(), fd::dtype_of(in, what), rows, ff,
                                               fd::stream_of(in)),
                       what);
    }
    ctx->save_for_backward({in});
    return act;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    constexpr const char* what = "fused_swiglu backward";
    const at::Tensor in = ctx->get_saved_variables()[0];
    const at::Tensor dact = grads[0].to(in.scalar_type()).contiguous();
    const int64_t ff = in.size(-1) / 2, rows = ff == 0 ? 0 : in.numel() / (2 * ff);
    const c10::cuda::CUDAGuard guard(in.device());
    auto dgu = at::empty_like(in, at::MemoryFormat::Contiguous);
    if (ff > 0) {
      fd::check_launch(kernels::swiglu_backward(in.data_ptr(), dact.data_ptr(), dgu.data_ptr(),
                                                fd::dtype_of(in, what), rows, ff, fd::stream_of(in)),
                       what);
    }
    return {dgu};
  }
};

}  // namespace

at::Tensor fused_swiglu(const at::Tensor& gu) { return SwigluFn::apply(gu); }

#else

at::Tensor fused_swiglu(const at::Tensor&) { LPS_FUSED_UNAVAILABLE("fused_swiglu"); }

#endif

}  // namespace lps::ops
