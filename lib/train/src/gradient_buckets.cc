// GradientBuckets (gradient_buckets.h): bucketed gradient all-reduce, overlapped with the backward.
#include "gradient_buckets.h"

#include <lps/core/error.h>
#include <lps/core/log.h>
#include <lps/train/distributed.h>

#include <fmt/format.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <algorithm>
#include <functional>
#include <cmath>
#include <numeric>

namespace lps::train {
namespace {

// Called by autograd's AccumulateGrad once the parameter's gradient of this backward is accumulated.
class ReadyHook final : public torch::autograd::PostAccumulateGradHook {
 public:
  ReadyHook(std::function<void(int64_t)> ready, int64_t param) : ready_(std::move(ready)), param_(param) {}
  void operator()(const torch::autograd::Variable& /*param*/) override { ready_(param_); }

 private:
  std::function<void(int64_t)> ready_;
  int64_t param_;
};

}  // namespace

GradientBuckets::GradientBuckets(std::vector<torch::Tensor> params, RankGroup& group, torch::Device device)
    : params_(std::move(params)), group_(group), device_(device) {
  int64_t total = 0;
  for (const auto& p : params_) {
    LPS_CHECK(p.scalar_type() == torch::kFloat32, "data parallel needs FP32 master weights");
    total += p.numel();
  }
  const double mb = group.bucket_mb();
  bucket_numel_ = mb > 0 ? std::max<int64_t>(1, static_cast<int64_t>(std::llround(mb * 1024 * 1024 / 4))) : 0;
  // Every rank must start the same collectives: refuse ranks that disagree on the bucket size.
  if (!group.same_on_all_ranks(static_cast<double>(bucket_numel_))) {
    throw RunError(fmt::format("rank {}: the data-parallel ranks use different gradient bucket sizes (this one {} MB); "
                               "LPS_DDP_BUCKET_MB must be the same for every rank", group.rank(), mb));
  }
  flat_ = torch::zeros({1 + total}, torch::TensorOptions().dtype(torch::kFloat32).device(device_));
  std::vector<int64_t> reverse(params_.size());
  std::iota(reverse.rbegin(), reverse.rend(), 0);
  layout(reverse);
  order_settled_ = bucket_numel_ == 0;  // one bucket: the order does not matter
  if (bucket_numel_ == 0) return;
  for (size_t i = 0; i < params_.size(); ++i) {
    torch::autograd::impl::set_post_acc_grad_hooks(
        params_[i], std::make_unique<ReadyHook>([this](int64_t p) { on_ready(p); }, static_cast<int64_t>(i)));
  }
}

GradientBuckets::~GradientBuckets() {
  if (bucket_numel_ == 0) return;
  for (auto& p : params_) torch::autograd::impl::set_post_acc_grad_hooks(p, nullptr);
}

void GradientBuckets::layout(const std::vector<int64_t>& order) {
  LPS_CHECK(order.size() == params_.size(), "gradient bucket order of {} params for {}", order.size(), params_.size());
  order_ = order;
  bucket_of_.assign(params_.size(), -1);
  bucket_end_.clear();
  bucket_params_.clear();
  int64_t offset = 1, in_bucket = 1, params_in_bucket = 0;  // bucket 0 starts with the loss
  for (size_t k = 0; k < order.size(); ++k) {
    const int64_t i = order[k];
    auto& p = params_[static_cast<size_t>(i)];
    LPS_CHECK(bucket_of_[static_cast<size_t>(i)] < 0, "parameter {} twice in the gradient bucket order", i);
    p.mutable_grad() = flat_.narrow(0, offset, p.numel()).view(p.sizes());
    bucket_of_[static_cast<size_t>(i)] = static_cast<int64_t>(bucket_end_.size());
    offset += p.numel();
    in_bucket += p.numel();
    ++params_in_bucket;
    if ((bucket_numel_ > 0 && in_bucket >= bucket_numel_) || k + 1 == order.size()) {
      bucket_end_.push_back(offset);
      bucket_params_.push_back(params_in_bucket);
      in_bucket = params_in_bucket = 0;
    }
  }
  pending_ = bucket_params_;
}

void GradientBuckets::zero() {
  if (!next_order_.empty()) {
    layout(next_order_);
    next_order_.clear();
  }
  flat_.zero_();
}

void GradientBuckets::arm(const torch::Tensor& mean_loss) {
  flat_.narrow(0, 0, 1).copy_(mean_loss.reshape({1}));
  std::lock_guard lock(mu_);
  pending_ = bucket_params_;
  next_bucket_ = 0;
  started_during_backward_ = 0;
  seen_order_.clear();
  ready_.assign(params_.size(), 0);
  armed_ = bucket_numel_ > 0;
}

void GradientBuckets::on_ready(int64_t param) {
  std::lock_guard lock(mu_);
  if (!armed_) return;  // an earlier micro-batch: its gradients are not complete yet
  if (ready_[static_cast<size_t>(param)]) return;  // autograd calls it once per backward; be sure
  ready_[static_cast<size_t>(param)] = 1;
  if (!order_settled_) seen_order_.push_back(param);
  const int64_t b = bucket_of_[static_cast<size_t>(param)];
  if (--pending_[static_cast<size_t>(b)] == 0) {
    while (next_bucket_ < buckets() && pending_[static_cast<size_t>(next_bucket_)] == 0) {
      start_bucket(next_bucket_++);
      ++started_during_backward_;
    }
  }
}

void GradientBuckets::start_bucket(int64_t b) {
  const int64_t begin = b == 0 ? 0 : bucket_end_[static_cast<size_t>(b - 1)];
  group_.start_all_reduce_sum(flat_.narrow(0, begin, bucket_end_[static_cast<size_t>(b)] - begin));
}

torch::Tensor GradientBuckets::finish() {
  {
    std::lock_guard lock(mu_);
    armed_ = false;
    while (next_bucket_ < buckets()) start_bucket(next_bucket_++);  // flat mode, or params without a gradient
  }
  group_.wait_all_reduces();
  flat_.div_(static_cast<double>(group_.world()));
  const torch::Tensor loss = flat_.narrow(0, 0, 1).reshape({}).clone();
  if (!order_settled_) {
    // The order this rank's gradients became ready in; those that never did go last. Rank 0's order is
    // everyone's (a collective, once), so the buckets stay the same on every rank.
    std::vector<int64_t> order = seen_order_;
    std::vector<char> seen(params_.size(), 0);
    for (const int64_t i : order) seen[static_cast<size_t>(i)] = 1;
    for (const int64_t i : order_) {
      if (!seen[static_cast<size_t>(i)]) order.push_back(i);
    }
    auto shared = torch::tensor(order, torch::kLong).to(device_);
    group_.broadcast_from_rank0(shared);
    const auto host = shared.to(torch::kCPU);
    std::vector<int64_t> agreed(host.data_ptr<int64_t>(), host.data_ptr<int64_t>() + host.numel());
    if (agreed != order_) next_order_ = std::move(agreed);
    order_settled_ = true;
    log_info("rank {}: {} gradient bucket(s) of about {:.3g} MB; {} started during the backward of the first step{}",
             group_.rank(), buckets(), group_.bucket_mb(), started_during_backward_,
             next_order_.empty() ? "" : "; reordered as the gradients became ready");
  }
  return loss;
}

}  // namespace lps::train
