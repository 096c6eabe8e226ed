// Data-parallel training on the CPU through Gloo: W ranks, each with batch_seqs/W sequences of every step,
// follow the loss trajectory of one process with the whole batch and end with the same weights (within
// float rounding: the gradient sums run in another order). Rank 0 is this test process; the other ranks are
// ddp_rank_child processes. A rank that dies makes rank 0's next collective fail at once, not hang.
#include "ddp_test_support.h"

#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/train/distributed.h>

#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <cmath>
#include <cstdlib>

namespace lps::train {
namespace {

const std::string kChild = LPS_DDP_RANK_CHILD;

struct Trajectory {
  std::vector<double> losses;                  // per step
  std::vector<double> grad_norms;              // per step
  c10::Dict<std::string, torch::Tensor> state;  // the trainer's state at the end
  int64_t tokens = 0;
  int64_t position = 0;
  int64_t buckets = 0;                  // gradient all-reduce buckets (data parallel)
  int64_t started_during_backward = 0;  // of them, in the last step
};

Trajectory record(test::DdpTrainer& t, int steps) {
  Trajectory out;
  for (int s = 0; s < steps; ++s) t.trainer.train_step();
  for (const auto& v : t.trainer.flush_metrics()) {
    out.losses.push_back(v.loss);
    out.grad_norms.push_back(v.grad_norm);
  }
  out.state = c10::impl::toTypedDict<std::string, torch::Tensor>(torch::pickle_load(t.trainer.save_state()).toGenericDict());
  out.tokens = t.trainer.tokens();
  out.position = t.source->position();
  out.buckets = t.trainer.gradient_buckets();
  out.started_during_backward = t.trainer.buckets_started_during_backward();
  return out;
}

Trajectory one_process(int steps, int micro) {
  test::DdpTrainer t(test::ddp_spec(steps, micro));
  return record(t, steps);
}

// Small gradient buckets: the tiny model's ~30K gradients in about ten all-reduces, most of them started by
// the hooks during the backward (the default, 25 MB, would be a single bucket for this model).
constexpr double kSmallBucketsMb = 0.01;

// Rank 0 here, ranks 1 … world-1 as children; each child's wait status is returned in `statuses`.
Trajectory ranks(int world, int steps, int micro, std::vector<int>* statuses, int die_at = 0,
                 double bucket_mb = kSmallBucketsMb) {
  RankOptions options;
  options.world = world;
  options.timeout_s = 60;
  options.bucket_mb = bucket_mb;
  auto group = RankGroup::open(options);
  std::vector<pid_t> children;
  for (int r = 1; r < world; ++r) {
    std::vector<std::string> args = {kChild, std::to_string(group->port()), std::to_string(r), std::to_string(world),
                                     std::to_string(steps), std::to_string(micro)};
    args.push_back(std::to_string(die_at));
    args.push_back(std::to_string(bucket_mb));
    children.push_back(test::spawn_process(args));
    EXPECT_GT(children.back(), 0) << "cannot start " << kChild;
  }
  Trajectory out;
  try {
    test::DdpTrainer t(test::ddp_spec(steps, micro));
    t.trainer.join_ranks(*group);
    out = record(t, steps);
    EXPECT_TRUE(t.trainer.ranks_in_sync());
  } catch (...) {
    for (pid_t pid : children) statuses->push_back(test::wait_process(pid, 30));
    throw;
  }
  for (pid_t pid : children) statuses->push_back(test::wait_process(pid, 60));
  return out;
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

// Losses within `rel` relative, every weight within `abs_tol`; counters exactly equal.
void expect_same_run(const Trajectory& a, const Trajectory& b, double rel, double abs_tol) {
  ASSERT_EQ(a.losses.size(), b.losses.size());
  double worst = 0;
  for (size_t i = 0; i < a.losses.size(); ++i) {
    const double d = std::abs(a.losses[i] - b.losses[i]) / std::max(1.0, std::abs(a.losses[i]));
    worst = std::max(worst, d);
    EXPECT_LE(d, rel) << "step " << i << ": one process " << a.losses[i] << ", ranks " << b.losses[i];
  }
  EXPECT_LT(a.losses.back(), a.losses.front() - 0.1) << "the tiny model should learn";
  double worst_weight = 0;
  for (const auto& item : a.state) {
    if (item.key().rfind("model.", 0) != 0) continue;
    const double d = max_abs_diff(item.value(), b.state.at(item.key()));
    worst_weight = std::max(worst_weight, d);
    EXPECT_LE(d, abs_tol) << item.key();
  }
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.position, b.position) << "the data position is the global one";
  EXPECT_EQ(a.state.at("data.position").item<int64_t>(), b.state.at("data.position").item<int64_t>());
  std::printf("[ ddp ] %zu steps: worst loss difference %.3g (relative), worst weight difference %.3g\n",
              a.losses.size(), worst, worst_weight);
}

constexpr double kLossRel = 1e-5;   // FP32 sums in another order, through 20-30 AdamW steps (seen: ~2e-7)
constexpr double kWeightAbs = 1e-5;  // seen: ~1.2e-7

class DdpTrainer : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!gloo_available()) GTEST_SKIP() << "built without gloo's headers (apt-get install libgloo-dev)";
    torch::set_num_threads(1);
  }
};

TEST_F(DdpTrainer, TwoRanksFollowOneProcessWithTheWholeBatch) {
  const int steps = 30;
  const Trajectory one = one_process(steps, 8);
  std::vector<int> statuses;
  const Trajectory two = ranks(2, steps, 8, &statuses);
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_TRUE(WIFEXITED(statuses[0]) && WEXITSTATUS(statuses[0]) == 0) << "rank 1 status " << statuses[0];
  expect_same_run(one, two, kLossRel, kWeightAbs);
  EXPECT_EQ(one.position, steps * 8);
}

TEST_F(DdpTrainer, TwoRanksWithGradientAccumulationFollowOneProcess) {
  const int steps = 20;
  const Trajectory one = one_process(steps, 2);
  std::vector<int> statuses;
  const Trajectory two = ranks(2, steps, 2, &statuses);
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_TRUE(WIFEXITED(statuses[0]) && WEXITSTATUS(statuses[0]) == 0) << "rank 1 status " << statuses[0];
  expect_same_run(one, two, kLossRel, kWeightAbs);
}

TEST_F(DdpTrainer, FourRanksFollowOneProcessWithTheWholeBatch) {
  const int steps = 20;
  const Trajectory one = one_process(steps, 8);
  std::vector<int> statuses;
  const Trajectory four = ranks(4, steps, 8, &statuses);
  ASSERT_EQ(statuses.size(), 3u);
  for (int s : statuses) EXPECT_TRUE(WIFEXITED(s) && WEXITSTATUS(s) == 0) << "status " << s;
  expect_same_run(one, four, kLossRel, kWeightAbs);
}

// With 2 ranks every element of the sum is a + b whatever the bucketing: the bucketed all-reduce, started
// bucket by bucket from the hooks during the backward, gives exactly the numbers of one all-reduce after it.
void expect_bit_identical(const Trajectory& flat, const Trajectory& bucketed) {
  ASSERT_EQ(flat.losses.size(), bucketed.losses.size());
  for (size_t i = 0; i < flat.losses.size(); ++i) {
    EXPECT_EQ(flat.losses[i], bucketed.losses[i]) << "step " << i;
    EXPECT_EQ(flat.grad_norms[i], bucketed.grad_norms[i]) << "step " << i;
  }
  ASSERT_EQ(flat.state.size(), bucketed.state.size());
  for (const auto& item : flat.state) {
    EXPECT_TRUE(torch::equal(item.value(), bucketed.state.at(item.key()))) << item.key() << " differs";
  }
  EXPECT_EQ(flat.position, bucketed.position);
}

void expect_clean_exit(const std::vector<int>& statuses) {
  for (int s : statuses) EXPECT_TRUE(WIFEXITED(s) && WEXITSTATUS(s) == 0) << "rank status " << s;
}

TEST_F(DdpTrainer, BucketedAllReduceIsBitIdenticalToOneFlatAllReduce) {
  const int steps = 15;
  std::vector<int> statuses;
  const Trajectory flat = ranks(2, steps, 8, &statuses, 0, /*bucket_mb=*/0);
  const Trajectory bucketed = ranks(2, steps, 8, &statuses, 0, kSmallBucketsMb);
  expect_clean_exit(statuses);
  EXPECT_EQ(flat.buckets, 1);
  EXPECT_EQ(flat.started_during_backward, 0) << "bucket_mb 0: one all-reduce after the backward";
  EXPECT_GE(bucketed.buckets, 5);
  // Every parameter gets a gradient, so every bucket is started by a hook, none after the backward.
  EXPECT_EQ(bucketed.started_during_backward, bucketed.buckets);
  expect_bit_identical(flat, bucketed);
  std::printf("[ ddp ] %lld buckets, %lld started during the backward\n", static_cast<long long>(bucketed.buckets),
              static_cast<long long>(bucketed.started_during_backward));
}

TEST_F(DdpTrainer, BucketedAllReduceWithGradientAccumulationIsBitIdenticalToOneFlatAllReduce) {
  const int steps = 12;
  std::vector<int> statuses;
  // 4 sequences per rank in micro-batches of 1: the buckets start only during the last of 4 backwards.
  const Trajectory flat = ranks(2, steps, 1, &statuses, 0, /*bucket_mb=*/0);
  const Trajectory bucketed = ranks(2, steps, 1, &statuses, 0, kSmallBucketsMb);
  expect_clean_exit(statuses);
  EXPECT_EQ(bucketed.started_during_backward, bucketed.buckets);
  expect_bit_identical(flat, bucketed);
  expect_same_run(one_process(steps, 1), bucketed, kLossRel, kWeightAbs);
}

TEST_F(DdpTrainer, RanksThatDisagreeOnTheBucketSizeAreRefused) {
  RankOptions options;
  options.world = 2;
  options.timeout_s = 60;
  options.bucket_mb = 0;  // the child uses kSmallBucketsMb
  auto group = RankGroup::open(options);
  const pid_t child = test::spawn_process({kChild, std::to_string(group->port()), "1", "2", "5", "8", "0",
                                           std::to_string(kSmallBucketsMb)});
  ASSERT_GT(child, 0);
  test::DdpTrainer t(test::ddp_spec(5, 8));
  try {
    t.trainer.join_ranks(*group);
    FAIL() << "ranks with different bucket sizes joined";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kRun) << e.what();
    EXPECT_NE(std::string(e.what()).find("different gradient bucket sizes"), std::string::npos) << e.what();
  }
  const int status = test::wait_process(child, 30);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << "the child should fail the same way, status " << status;
}

TEST(DdpBucketOptions, TheEnvironmentSetsTheBucketSize) {
  ::unsetenv("LPS_DDP_BUCKET_MB");
  EXPECT_EQ(bucket_mb_from_env(), kDefaultBucketMb);
  ::setenv("LPS_DDP_BUCKET_MB", "0", 1);
  EXPECT_EQ(bucket_mb_from_env(), 0);
  ::setenv("LPS_DDP_BUCKET_MB", "2.5", 1);
  EXPECT_EQ(bucket_mb_from_env(), 2.5);
  for (const char* bad : {"-1", "lots", "5MB", "nan"}) {
    ::setenv("LPS_DDP_BUCKET_MB", bad, 1);
    try {
      (void)bucket_mb_from_env();
      ADD_FAILURE() << "accepted LPS_DDP_BUCKET_MB=" << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUserInput);
      EXPECT_NE(std::string(e.what()).find(std::string("got '") + bad + "'"), std::string::npos) << e.what();
    }
  }
  ::unsetenv("LPS_DDP_BUCKET_MB");
  RankOptions o;
  o.bucket_mb = -0.5;
  const auto problems = o.validate();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("bucket_mb must be ≥ 0"), std::string::npos) << problems[0];
}

TEST_F(DdpTrainer, CloseEndsTheCommunicatorAndLaterCollectivesAreRefused) {
  RankOptions options;  // a world of one: Gloo connects at once
  options.timeout_s = 60;
  auto group = RankGroup::open(options);
  group->connect(torch::Device(torch::kCPU));
  auto t = torch::arange(8, torch::kFloat32);
  group->start_all_reduce_sum(t);
  group->wait_all_reduces();
  EXPECT_TRUE(torch::equal(t, torch::arange(8, torch::kFloat32)));
  group->close();
  EXPECT_FALSE(group->connected());
  group->close();  // idempotent
  try {
    group->all_reduce_sum(t);
    FAIL() << "an all-reduce after close()";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("after RankGroup::close()"), std::string::npos) << e.what();
  }
}

TEST_F(DdpTrainer, ADeadRankFailsTheNextCollectiveInsteadOfHanging) {
  std::vector<int> statuses;
  const Stopwatch clock;
  try {
    (void)ranks(2, 30, 8, &statuses, /*die_at=*/5);
    FAIL() << "rank 0 finished although rank 1 died";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kRun) << e.what();
    EXPECT_NE(std::string(e.what()).find("all-reduce"), std::string::npos) << e.what();
  }
  EXPECT_LT(clock.seconds(), 30) << "noticed only after " << clock.seconds() << " s";
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_TRUE(WIFSIGNALED(statuses[0]) && WTERMSIG(statuses[0]) == SIGKILL) << "status " << statuses[0];
}

TEST_F(DdpTrainer, AnAbortedGroupFailsWaitsPromptly) {
  RankOptions options;
  options.world = 2;
  options.timeout_s = 60;
  auto group = RankGroup::open(options);
  std::thread aborter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    group->abort("rank 1 died (test)");
  });
  const Stopwatch clock;
  try {
    group->connect(torch::Device(torch::kCPU));  // waits for rank 1, which never comes
    FAIL() << "connect returned without rank 1";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rank 1 died (test)"), std::string::npos) << e.what();
  }
  aborter.join();
  EXPECT_LT(clock.seconds(), 5);
  EXPECT_TRUE(group->aborted());
}

TEST_F(DdpTrainer, ABatchThatDoesNotSplitIsRefused) {
  RankOptions options;
  options.world = 3;
  auto group = RankGroup::open(options);
  test::DdpTrainer t(test::ddp_spec(4, 8));
  try {
    t.trainer.join_ranks(*group);
    FAIL() << "8 sequences split over 3 ranks";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUserInput);
    EXPECT_NE(std::string(e.what()).find("divisible by train.ranks (3)"), std::string::npos) << e.what();
  }
}

TEST(DdpRankOptions, InvalidOptionsAreListed) {
  RankOptions o;
  o.world = 2;
  o.rank = 2;
  o.timeout_s = 0;
  const auto problems = o.validate();
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("rank must be in [0, world = 2)"), std::string::npos);
  EXPECT_NE(problems[1].find("need rank 0's port"), std::string::npos);
  EXPECT_NE(problems[2].find("timeout_s"), std::string::npos);
}

}  // namespace
}  // namespace lps::train
