#include <lps/ops/scale_add.h>

#include <torch/torch.h>

#ifdef LPS_HAVE_KERNELS
#include <c10/cuda/CUDAStream.h>
#include <lps/kernels/scale_add.h>
#endif

#include <cmath>

namespace lps::ops {

at::Tensor scale_add_ref(const at::Tensor& x, float a, float b) {
  TORCH_CHECK(x.scalar_type() == at::kFloat, "scale_add_ref: expected float32, got ", x.scalar_type());
  TORCH_CHECK(x.device().is_cpu(), "scale_add_ref: expected a CPU tensor");
  at::Tensor in = x.contiguous();
  at::Tensor out = at::empty_like(in);
  const float* src = in.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  for (int64_t i = 0; i < in.numel(); ++i) dst[i] = std::fma(a, src[i], b);
  return out;
}

at::Tensor scale_add(const at::Tensor& x, float a, float b) {
  TORCH_CHECK(x.scalar_type() == at::kFloat, "scale_add: expected float32, got ", x.scalar_type());
  if (x.device().is_cpu()) return scale_add_ref(x, a, b);
#ifdef LPS_HAVE_KERNELS
  TORCH_CHECK(x.device().is_cuda(), "scale_add: unsupported device ", x.device());
  at::Tensor in = x.contiguous();
  at::Tensor out = at::empty_like(in);
  const auto stream = c10::cuda::getCurrentCUDAStream(x.device().index());
  const auto status = kernels::scale_add_f32(in.data_ptr<float>(), out.data_ptr<float>(), in.numel(), a, b,
                                             stream.stream());
  TORCH_CHECK(status.ok, "scale_add: kernel launch failed: ", status.message);
  return out;
#else
  TORCH_CHECK(false, "scale_add: this build has no CUDA kernels (built without nvcc); device ", x.device());
#endif
}

}  // namespace lps::ops
