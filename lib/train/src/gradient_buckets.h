// GradientBuckets: the gradient communication of a data-parallel trainer (docs/data-parallel.md).
//
// Every gradient is a view of one flat FP32 buffer, laid out bucket by bucket, with the step's loss in its
// first element. The buckets hold the parameters in the order their gradients become ready in the backward
// (first guess: the reverse of the parameters' order; from the second step on, the order rank 0 saw in its
// first step, which it broadcasts), about bucket_mb each. During the step's last backward (arm()), a
// post-accumulate-grad hook on each parameter counts down its bucket; a bucket whose gradients are all ready
// is all-reduced asynchronously at once — in bucket order, so that every rank starts the same collectives in
// the same order — while the backward goes on computing the others. finish() starts what is left (parameters
// that got no gradient), waits for all, and divides by the world size: the mean over the global batch.
//
// bucket_mb = 0: one bucket, all-reduced after the backward (the behaviour before buckets existed).
// With 2 ranks every element is a + b whatever the bucketing, so both give bit-identical results.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <mutex>
#include <vector>

namespace lps::train {

class RankGroup;

class GradientBuckets {
 public:
  // Makes every parameter's gradient a view of the flat buffer (zeroed) and installs the hooks. All params
  // must be FP32 on `device`.
  GradientBuckets(std::vector<torch::Tensor> params, RankGroup& group, torch::Device device);
  ~GradientBuckets();  // removes the hooks
  GradientBuckets(const GradientBuckets&) = delete;
  GradientBuckets& operator=(const GradientBuckets&) = delete;

  // Start of a step: zero every gradient (and apply a new bucket order decided by the last finish()).
  void zero();
  // The next backward is the step's last: from now on ready buckets are all-reduced during it. `mean_loss`
  // (this rank's loss of the step, a scalar) is summed with them.
  void arm(const torch::Tensor& mean_loss);
  // After the last backward: start the buckets not started yet, wait for all, divide by the world size.
  // Returns the step's loss, averaged over the ranks.
  [[nodiscard]] torch::Tensor finish();

  [[nodiscard]] int64_t buckets() const { return static_cast<int64_t>(bucket_end_.size()); }
  // Of the last step: buckets started by the hooks during the backward (the rest started in finish()).
  [[nodiscard]] int64_t started_during_backward() const { return started_during_backward_; }

 private:
  void layout(const std::vector<int64_t>& order);  // params in `order` → offsets and buckets
  void on_ready(int64_t param);                    // the hook
  void start_ready_buckets();                      // in order, as long as the next is complete
  void start_bucket(int64_t b);

  std::vector<torch::Tensor> params_;
  RankGroup& group_;
  torch::Device device_;
  int64_t bucket_numel_ = 0;  // 0 = one bucket
  torch::Tensor flat_;        // [1 + Σ numel]: the loss, then the gradients bucket by bucket
  std::vector<int64_t> order_;            // params in layout order
  std::vector<int64_t> bucket_of_;        // per param
  std::vector<int64_t> bucket_end_;       // per bucket: end offset in flat_ (bucket b = [end[b-1], end[b]))
  std::vector<int64_t> bucket_params_;    // per bucket: how many params
  std::vector<int64_t> pending_;          // per bucket: params not ready yet in this backward
  std::vector<char> ready_;               // per param: its hook fired in this backward
  std::vector<int64_t> seen_order_;       // params in the order their hooks fired (first armed step)
  std::vector<int64_t> next_order_;       // a layout to apply at the next zero()
  int64_t next_bucket_ = 0;               // the next bucket to start
  int64_t started_during_backward_ = 0;
  bool armed_ = false;
  bool order_settled_ = false;            // the readiness order was agreed on (after the first step)
  std::mutex mu_;                         // hooks run on autograd's device thread on CUDA
};

}  // namespace lps::train
