// Our C++ model and trainer against the PyTorch reference (analysis/reference/check_against_cpp.py):
// the same initial weights give logits within 1e-5 relative, and 50 training steps track ours.
#include <lps/data/synthetic_source.h>
#include <lps/train/trainer.h>

#include "test_support.h"

#include <gtest/gtest.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

namespace lps::train {
namespace {
namespace fs = std::filesystem;

constexpr int64_t kSteps = 50;

bool python_has_torch() {
  if (!fs::exists(LPS_PYTHON)) return false;
  return test::run_command(std::string(LPS_PYTHON) + " -c 'import torch'").exit_code == 0;
}

TEST(PythonReference, ForwardMatchesAndFiftyStepsTrackOurs) {
  if (!python_has_torch()) GTEST_SKIP() << "no Python with PyTorch at " << LPS_PYTHON << " (run scripts/setup.sh)";
  torch::set_num_threads(1);
  data::SyntheticSource source({.vocab_size = 48, .order = 3, .seed = 2});
  model::ModelConfig config;
  config.n_layers = 2;
  config.d_model = 48;
  config.n_heads = 3;
  config.head_dim = 16;
  config.vocab_size = 48;
  config.max_seq_len = 24;
  TrainerOptions o;
  o.batch_seqs = 4;
  o.micro_batch_seqs = 2;
  o.seq_len = 24;
  o.schedule = {.lr = 3e-3, .total_steps = kSteps, .warmup_steps = 5};
  o.seed = 4;
  Trainer trainer(o, config, source, torch::kCPU);

  c10::Dict<std::string, torch::Tensor> ex;
  for (const auto& item : trainer.model()->named_parameters()) ex.insert("model." + item.key(), item.value().detach().clone());
  std::vector<int32_t> buffer(static_cast<size_t>(kSteps * o.batch_seqs * (o.seq_len + 1)));
  source.next_train(kSteps * o.batch_seqs, o.seq_len, buffer);
  const auto tokens = torch::from_blob(buffer.data(), {kSteps, o.batch_seqs, o.seq_len + 1}, torch::kInt32).to(torch::kLong);
  ex.insert("tokens", tokens);
  {
    torch::NoGradGuard guard;
    ex.insert("logits", trainer.model()->forward(tokens[0].narrow(1, 0, o.seq_len)));
  }
  for (int64_t s = 0; s < kSteps; ++s) trainer.train_step_on(tokens[s]);
  std::vector<double> losses;
  for (const auto& v : trainer.flush_metrics()) losses.push_back(v.loss);
  ex.insert("losses", torch::tensor(losses, torch::kDouble));
  auto scalar = [&](const std::string& k, double v) { ex.insert(k, torch::tensor(v, torch::kDouble)); };
  scalar("cfg.n_layers", config.n_layers);
  scalar("cfg.d_model", config.d_model);
  scalar("cfg.n_heads", config.n_heads);
  scalar("cfg.head_dim", config.head_dim);
  scalar("cfg.d_ff", config.ffn_dim());
  scalar("cfg.vocab_size", config.vocab_size);
  scalar("cfg.max_seq_len", config.max_seq_len);
  scalar("cfg.rope_theta", config.rope_theta);
  scalar("cfg.norm_eps", config.norm_eps);
  scalar("opt.lr", o.schedule.lr);
  scalar("opt.total_steps", static_cast<double>(o.schedule.total_steps));
  scalar("opt.warmup_steps", static_cast<double>(o.schedule.warmup_steps));
  scalar("opt.warmup_start_ratio", o.schedule.warmup_start_ratio);
  scalar("opt.final_ratio", o.schedule.final_ratio);
  scalar("opt.weight_decay", o.weight_decay);
  scalar("opt.beta1", o.beta1);
  scalar("opt.beta2", o.beta2);
  scalar("opt.eps", o.eps);
  scalar("opt.grad_clip", o.grad_clip);
  scalar("opt.micro_batch_seqs", static_cast<double>(o.micro_batch_seqs));
  const fs::path file = fs::temp_directory_path() / ("lps_reference_" + std::to_string(::getpid()) + ".pt");
  {
    const auto bytes = torch::pickle_save(ex);
    std::ofstream out(file, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  const auto script = test::source_dir() / "analysis" / "reference" / "check_against_cpp.py";
  const auto result = test::run_command(std::string(LPS_PYTHON) + " " + script.string() + " " + file.string());
  std::printf("%s", result.output.c_str());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("\"ok\": true"), std::string::npos) << result.output;
  fs::remove(file);
}

}  // namespace
}  // namespace lps::train
