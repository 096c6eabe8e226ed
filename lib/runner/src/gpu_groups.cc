#include <lps/runner/gpu_groups.h>

#include <lps/core/error.h>
#include <lps/core/log.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace lps::runner {

std::vector<ChildProcess> plan_gpu_group_workers(const std::vector<std::string>& worker_argv,
                                                 const std::vector<int>& gpus, int gpus_per_worker,
                                                 const std::string& base_id) {
  LPS_CHECK(!worker_argv.empty(), "worker_argv needs the executable");
  LPS_CHECK(gpus_per_worker >= 1, "gpus_per_worker must be ≥ 1");
  const size_t size = static_cast<size_t>(gpus_per_worker);
  if (gpus.size() < size) {
    throw Error(ErrorKind::kUserInput, fmt::format("the sweep's runs train on {} GPUs each (train.ranks) but --gpus "
                                                   "names {}", gpus_per_worker, gpus.size()));
  }
  std::vector<ChildProcess> children;
  for (size_t first = 0; first + size <= gpus.size(); first += size) {
    const std::vector<int> group(gpus.begin() + static_cast<std::ptrdiff_t>(first),
                                 gpus.begin() + static_cast<std::ptrdiff_t>(first + size));
    ChildProcess child;
    child.name = fmt::format("gpus{}", fmt::join(group, "-"));
    child.argv = worker_argv;
    child.argv.push_back("--id");
    child.argv.push_back(fmt::format("{}:{}", base_id, child.name));
    child.env = {{"CUDA_VISIBLE_DEVICES", fmt::format("{}", fmt::join(group, ","))}};
    children.push_back(std::move(child));
  }
  if (const size_t left = gpus.size() % size; left > 0) {
    log_warn("{} GPU(s) left unused: the sweep's runs train on {} GPUs each", left, gpus_per_worker);
  }
  return children;
}

}  // namespace lps::runner
