// NCCL on one GPU (a world of one rank): the communicator initialises, its collectives do what they say, and
// a data-parallel trainer of one rank trains like a plain one. Skips (saying why) without a CUDA device or a
// build without NCCL; the multi-GPU runs are measured with sweeps/gpu-ddp.yaml (docs/data-parallel.md).
#include "ddp_test_support.h"

#include <lps/ops/device.h>
#include <lps/train/distributed.h>

#include <gtest/gtest.h>

namespace lps::train {
namespace {

class DdpNccl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ops::cuda_available()) GTEST_SKIP() << "no CUDA device visible: the NCCL test runs on a GPU machine";
    if (!nccl_available()) GTEST_SKIP() << "this build has no NCCL (LibTorch without CUDA, or nccl.h not found)";
  }
};

TEST_F(DdpNccl, AOneRankCommunicatorInitialisesAndReduces) {
  RankOptions options;
  options.timeout_s = 120;
  auto group = RankGroup::open(options);
  group->connect(torch::Device(torch::kCUDA, 0));
  EXPECT_EQ(group->backend_name(), "nccl");
  auto t = torch::arange(1000, torch::TensorOptions().dtype(torch::kFloat32).device(torch::kCUDA));
  const auto expected = t.clone();
  group->all_reduce_sum(t);
  EXPECT_TRUE(torch::equal(t.cpu(), expected.cpu()));
  group->broadcast_from_rank0(t);
  EXPECT_TRUE(torch::equal(t.cpu(), expected.cpu()));
  EXPECT_TRUE(group->same_on_all_ranks(1.25));
}

// Losses of 10 FP32 steps of ddp_spec on cuda:0; with `group`, as a data-parallel trainer of one rank. The
// bucket counts of the last step come back through the pointers.
std::vector<double> train_on_gpu(RankGroup* group, int64_t* buckets = nullptr, int64_t* started = nullptr) {
  const plan::RunSpec spec = test::ddp_spec(10, 8);
  auto source = make_source(spec.data);
  TrainerOptions o = make_trainer_options(spec);
  o.precision = Precision::kFp32;
  Trainer trainer(o, make_model_config(spec, source->vocab_size()), *source, torch::Device(torch::kCUDA, 0));
  if (group != nullptr) trainer.join_ranks(*group);
  std::vector<double> losses;
  for (int s = 0; s < 10; ++s) trainer.train_step();
  for (const auto& v : trainer.flush_metrics()) losses.push_back(v.loss);
  if (group != nullptr) {
    EXPECT_TRUE(trainer.ranks_in_sync());
  }
  if (buckets != nullptr) *buckets = trainer.gradient_buckets();
  if (started != nullptr) *started = trainer.buckets_started_during_backward();
  return losses;
}

void expect_close(const std::vector<double>& plain, const std::vector<double>& ranked) {
  ASSERT_EQ(plain.size(), ranked.size());
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_NEAR(plain[i], ranked[i], 1e-4 * std::max(1.0, plain[i])) << i;
}

TEST_F(DdpNccl, AOneRankDataParallelTrainerTrainsLikeAPlainOne) {
  const auto plain = train_on_gpu(nullptr);
  RankOptions options;
  options.timeout_s = 120;
  options.bucket_mb = 0;  // one all-reduce after the backward
  auto group = RankGroup::open(options);
  expect_close(plain, train_on_gpu(group.get()));
}

// NCCL all-reduces started from the post-accumulate-grad hooks, i.e. from autograd's GPU thread during the
// backward, on their own stream: the trainer still trains like a plain one.
TEST_F(DdpNccl, BucketsStartedDuringTheBackwardOnAGpuTrainLikeAPlainTrainer) {
  const auto plain = train_on_gpu(nullptr);
  RankOptions options;
  options.timeout_s = 120;
  options.bucket_mb = 0.01;  // ~10 buckets for this model
  auto group = RankGroup::open(options);
  int64_t buckets = 0, started = 0;
  expect_close(plain, train_on_gpu(group.get(), &buckets, &started));
  EXPECT_GE(buckets, 5);
  EXPECT_EQ(started, buckets) << "every bucket should start from a hook during the backward";
  group->close();
  EXPECT_FALSE(group->connected());
}

}  // namespace
}  // namespace lps::train
