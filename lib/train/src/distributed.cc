// RankGroup (distributed.h): the rendezvous (c10d TCPStore) and the collectives of one rank.
#include <lps/train/distributed.h>

#include "distributed_backends.h"

#include <lps/core/clock.h>
#include <lps/core/error.h>
#include <lps/core/log.h>

#include <ATen/DeviceAccelerator.h>
#include <fmt/format.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <chrono>
#include <mutex>
#include <thread>

namespace lps::train {
namespace {

constexpr int kMaxWorld = 1024;
constexpr double kPollS = 0.02;                  // how often rendezvous waits look at the store and abort flag
constexpr auto kCollectivePoll = std::chrono::microseconds(50);  // Gloo waits: completion / abort checks
constexpr const char* kJoinedPrefix = "lps/joined/";

[[nodiscard]] std::vector<uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

[[nodiscard]] std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

}  // namespace

std::vector<std::string> RankOptions::validate() const {
  std::vector<std::string> problems;
  if (world < 1 || world > kMaxWorld) problems.push_back(fmt::format("world must be in [1, {}], got {}", kMaxWorld, world));
  if (rank < 0 || rank >= world) problems.push_back(fmt::format("rank must be in [0, world = {}), got {}", world, rank));
  if (port < 0 || port > 65535) problems.push_back(fmt::format("port must be in [0, 65535], got {}", port));
  if (rank > 0 && port == 0) problems.push_back("ranks other than 0 need rank 0's port");
  if (host.empty()) problems.push_back("host must not be empty");
  if (!(timeout_s > 0)) problems.push_back(fmt::format("timeout_s must be positive, got {}", timeout_s));
  if (!(bucket_mb >= 0) || !std::isfinite(bucket_mb)) {
    problems.push_back(fmt::format("bucket_mb must be ≥ 0 (0 = one all-reduce after the backward), got {}", bucket_mb));
  }
  return problems;
}

double bucket_mb_from_env() {
  const char* env = std::getenv("LPS_DDP_BUCKET_MB");
  if (env == nullptr || *env == '\0') return kDefaultBucketMb;
  char* end = nullptr;
  const double mb = std::strtod(env, &end);
  if (end == env || *end != '\0' || !(mb >= 0) || !std::isfinite(mb)) {
    throw Error(ErrorKind::kUserInput, fmt::format("LPS_DDP_BUCKET_MB must be a number of MB ≥ 0 (0 = one all-reduce "
                                                   "after the backward; unset = {}), got '{}'", kDefaultBucketMb, env));
  }
  return mb;
}

struct RankGroup::Impl {
  RankOptions options;
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::Backend> backend;
  std::string backend_name;
  c10::Device device{c10::kCPU};
  bool nccl = false;
  std::atomic<bool> aborted{false};
  mutable std::mutex mu;
  std::string abort_reason;  // guarded by mu
  std::atomic<bool> closed{false};
  std::mutex pending_mu;
  std::vector<c10::intrusive_ptr<c10d::Work>> pending;  // started, not yet waited (guarded by pending_mu)

  [[nodiscard]] std::string reason() const {
    std::lock_guard lock(mu);
    return abort_reason;
  }
  [[nodiscard]] std::string who() const { return fmt::format("rank {}/{}", options.rank, options.world); }

  // Waits until every key exists (polling, so that abort() and the timeout are seen). Throws RunError.
  void wait_for(const std::vector<std::string>& keys, const std::string& what) {
    const Stopwatch waited;
    while (!store->check(keys)) {
      if (aborted.load()) throw RunError(fmt::format("{}: {} abandoned: {}", who(), what, reason()));
      if (waited.seconds() > options.timeout_s) {
        throw RunError(fmt::format("{}: {} timed out after {:.0f} s", who(), what, options.timeout_s));
      }
      std::this_thread::sleep_for(std::chrono::duration<double>(kPollS));
    }
  }

  // Waits for a collective; Gloo's CPU work is polled so abort() is seen, NCCL's only orders the stream.
  void finish(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    try {
      if (!nccl) {
        const Stopwatch waited;
        while (!work->isCompleted()) {
          if (aborted.load()) throw RunError(fmt::format("{}: {} abandoned: {}", who(), what, reason()));
          if (waited.seconds() > options.timeout_s + 5) {
            throw RunError(fmt::format("{}: {} timed out after {:.0f} s", who(), what, options.timeout_s));
          }
          std::this_thread::sleep_for(kCollectivePoll);
        }
      }
      work->wait();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      const std::string extra = aborted.load() ? fmt::format(" ({})", reason()) : "";
      throw RunError(fmt::format("{}: {} failed{}: {}", who(), what, extra, e.what()));
    }
  }

  void require_connected(const char* what) const {
    LPS_CHECK(!closed.load(), "{} after RankGroup::close()", what);
    LPS_CHECK(backend.defined(), "{} before RankGroup::connect()", what);
  }
};

RankGroup::RankGroup() : impl_(std::make_unique<Impl>()) {}

RankGroup::~RankGroup() {
  if (!impl_->backend.defined()) return;
  if (impl_->aborted.load()) {
    // A collective may still be stuck on a dead or hung peer; destroying the backend would join its threads
    // and wait for that. The process is about to end or retry: leave the communicator behind.
    (void)impl_->backend.release();
    return;
  }
  try {
    if (impl_->nccl) impl_->backend->shutdown();
  } catch (const std::exception& e) {
    log_warn("{}: closing the {} communicator: {}", impl_->who(), impl_->backend_name, e.what());
  }
}

std::unique_ptr<RankGroup> RankGroup::open(const RankOptions& options) {
  if (const auto problems = options.validate(); !problems.empty()) {
    std::string text = "invalid data-parallel rank options:";
    for (const auto& p : problems) text += "\n  " + p;
    throw Error(ErrorKind::kUserInput, text);
  }
  std::unique_ptr<RankGroup> group(new RankGroup());
  Impl& g = *group->impl_;
  g.options = options;
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<std::uint16_t>(options.port);
  store_options.isServer = options.rank == 0;
  store_options.waitWorkers = false;
  store_options.timeout = to_ms(options.timeout_s);
  try {
    g.store = c10::make_intrusive<c10d::TCPStore>(options.host, store_options);
  } catch (const std::exception& e) {
    throw RunError(fmt::format("{}: cannot {} the rendezvous at {}:{}: {}", g.who(),
                               options.rank == 0 ? "listen for" : "reach rank 0's", options.host, options.port,
                               e.what()));
  }
  g.options.port = g.store->getPort();
  if (options.rank > 0) g.store->set(kJoinedPrefix + std::to_string(options.rank), bytes_of("1"));
  return group;
}

int RankGroup::rank() const { return impl_->options.rank; }
int RankGroup::world() const { return impl_->options.world; }
int RankGroup::port() const { return impl_->options.port; }
double RankGroup::timeout_s() const { return impl_->options.timeout_s; }
double RankGroup::bucket_mb() const { return impl_->options.bucket_mb; }
bool RankGroup::connected() const { return impl_->backend.defined() && !impl_->closed.load(); }
std::string RankGroup::backend_name() const { return impl_->backend_name; }
bool RankGroup::aborted() const { return impl_->aborted.load(); }

void RankGroup::publish(const std::string& key, const std::string& value) { impl_->store->set(key, bytes_of(value)); }

std::string RankGroup::fetch(const std::string& key) {
  impl_->wait_for({key}, fmt::format("waiting for '{}' from rank 0", key));
  const std::vector<uint8_t> bytes = impl_->store->get(key);
  return std::string(bytes.begin(), bytes.end());
}

void RankGroup::connect(const c10::Device& device) {
  Impl& g = *impl_;
  LPS_CHECK(!g.backend.defined(), "RankGroup::connect() called twice");
  if (g.options.rank == 0) {
    std::vector<std::string> joined;
    for (int r = 1; r < g.options.world; ++r) joined.push_back(kJoinedPrefix + std::to_string(r));
    g.wait_for(joined, fmt::format("waiting for {} other rank(s) to start", g.options.world - 1));
  }
  if (device.is_cuda() && device.has_index()) at::accelerator::setDeviceIndex(device.index());  // NCCL's device
  // The backend's own keys live under a prefix, apart from ours.
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("lps/pg", g.store);
  const auto timeout = to_ms(g.options.timeout_s);
  try {
    c10::intrusive_ptr<c10d::Backend> backend =
        device.is_cuda() ? detail::make_nccl_backend(prefixed, g.options.rank, g.options.world, timeout)
                         : detail::make_gloo_backend(prefixed, g.options.rank, g.options.world, timeout, g.options.host);
    std::lock_guard lock(g.mu);  // abort() may look at the backend from another thread
    g.nccl = device.is_cuda();
    g.device = device;
    g.backend_name = g.nccl ? "nccl" : "gloo";
    g.backend = std::move(backend);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw RunError(fmt::format("{}: cannot connect the ranks ({}): {}", g.who(), device.is_cuda() ? "nccl" : "gloo",
                               e.what()));
  }
  log_info("{}: connected through {} on {}", g.who(), g.backend_name, device.str());
}

void RankGroup::all_reduce_sum(at::Tensor& tensor) {
  impl_->require_connected("all_reduce_sum");
  std::vector<at::Tensor> tensors{tensor};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::SUM;
  impl_->finish(impl_->backend->allreduce(tensors, options), "gradient all-reduce");
}

void RankGroup::start_all_reduce_sum(const at::Tensor& tensor) {
  impl_->require_connected("start_all_reduce_sum");
  LPS_CHECK(tensor.is_contiguous(), "start_all_reduce_sum needs a contiguous tensor");
  if (impl_->aborted.load()) throw RunError(fmt::format("{}: gradient all-reduce abandoned: {}", impl_->who(), impl_->reason()));
  std::vector<at::Tensor> tensors{tensor};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::SUM;
  std::lock_guard lock(impl_->pending_mu);
  try {
    impl_->pending.push_back(impl_->backend->allreduce(tensors, options));
  } catch (const std::exception& e) {
    throw RunError(fmt::format("{}: cannot start a gradient all-reduce: {}", impl_->who(), e.what()));
  }
}

void RankGroup::wait_all_reduces() {
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  {
    std::lock_guard lock(impl_->pending_mu);
    works.swap(impl_->pending);
  }
  for (const auto& work : works) impl_->finish(work, "gradient all-reduce");
}

void RankGroup::broadcast_from_rank0(at::Tensor& tensor) {
  impl_->require_connected("broadcast_from_rank0");
  LPS_CHECK(tensor.is_contiguous(), "broadcast_from_rank0 needs a contiguous tensor");
  std::vector<at::Tensor> tensors{tensor};
  c10d::BroadcastOptions options;
  options.rootRank = 0;
  impl_->finish(impl_->backend->broadcast(tensors, options), "broadcast of rank 0's state");
}

bool RankGroup::same_on_all_ranks(double value) {
  impl_->require_connected("same_on_all_ranks");
  // max(v) and max(-v) = -min(v) in one collective.
  auto both = torch::tensor({value, -value}, torch::kDouble).to(impl_->device);
  std::vector<at::Tensor> tensors{both};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::MAX;
  impl_->finish(impl_->backend->allreduce(tensors, options), "consistency check");
  const auto host = both.to(torch::kCPU);
  return host[0].item<double>() == -host[1].item<double>();
}

void RankGroup::close() {
  Impl& g = *impl_;
  c10::intrusive_ptr<c10d::Backend> backend;
  {
    std::lock_guard lock(g.mu);
    if (g.closed.load() || !g.backend.defined() || g.aborted.load()) return;
    g.closed.store(true);
    backend = std::move(g.backend);  // abort() from the monitor no longer reaches it
  }
  {
    std::lock_guard lock(g.pending_mu);
    g.pending.clear();
  }
  const Stopwatch took;
  try {
    if (g.nccl) backend->shutdown();  // returns once every rank has closed
  } catch (const std::exception& e) {
    log_warn("{}: closing the {} communicator: {}", g.who(), g.backend_name, e.what());
  }
  backend.reset();
  log_info("{}: {} communicator closed ({:.2f} s)", g.who(), g.backend_name, took.seconds());
}

void RankGroup::abort(const std::string& why) {
  std::lock_guard lock(impl_->mu);
  if (impl_->aborted.load()) return;
  impl_->abort_reason = why;
  impl_->aborted.store(true);
  log_warn("{}: stopping the ranks: {}", impl_->who(), why);
  if (impl_->nccl && impl_->backend.defined()) {
    try {
      impl_->backend->abort();  // NCCL kernels waiting on the dead peer return
    } catch (const std::exception& e) {
      log_warn("{}: aborting NCCL: {}", impl_->who(), e.what());
    }
  }
}

bool gloo_available() { return detail::built_with_gloo(); }
bool nccl_available() { return detail::built_with_nccl(); }

}  // namespace lps::train
