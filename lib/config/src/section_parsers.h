// One function per section of a sweep file. Each fills its part of the SweepSpec from a YAML node
// (Undefined when the section is absent) and reports problems through the YamlReader.
#pragma once

#include <lps/config/sweep_spec.h>

#include <string>

#include "yaml_reader.h"

namespace lps::config::detail {

// store:/output: — `text` relative to `dir` unless absolute; refuses paths that leave `dir` through "..".
[[nodiscard]] std::optional<std::string> resolve_output_path(YamlReader& r, const YAML::Node& node,
                                                             const std::string& path, const std::string& dir);

// store: — a postgresql:// or postgres:// URL is kept verbatim (the PostgreSQL store, docs/postgresql.md);
// sqlite:PATH and a plain PATH are resolved as resolve_output_path does and returned as a plain path.
[[nodiscard]] std::optional<std::string> resolve_store(YamlReader& r, const YAML::Node& node, const std::string& dir);

// check_paths: each data path/glob must match readable files (LoadOptions::check_data_paths).
void parse_data(YamlReader& r, const YAML::Node& node, const std::string& dir, bool check_paths,
                DataEntry& out);
// `node` is present. `train_seq_len` (0 = unset) overrides the presets' sequence lengths.
void parse_models(YamlReader& r, const YAML::Node& node, int train_seq_len, std::vector<ModelEntry>& out);
void parse_token_budgets(YamlReader& r, const YAML::Node& tokens, const YAML::Node& per_param,
                         const YAML::Node& root, TokenBudgets& out);
// `node` is present.
void parse_schemes(YamlReader& r, const YAML::Node& node, std::vector<SchemeEntry>& out);
void parse_seeds(YamlReader& r, const YAML::Node& node, std::vector<uint64_t>& out);
// train: everything but the learning rate, which needs the models (parse_lr).
void parse_train(YamlReader& r, const YAML::Node& node, TrainEntry& out);
void parse_lr(YamlReader& r, const YAML::Node& node, const std::vector<ModelEntry>& models, LrSpec& out);
void parse_eval(YamlReader& r, const YAML::Node& node, EvalEntry& out);
void parse_checkpoint(YamlReader& r, const YAML::Node& node, CheckpointEntry& out);
void parse_retry(YamlReader& r, const YAML::Node& node, RetryEntry& out);
void parse_fit(YamlReader& r, const YAML::Node& node, const std::vector<SchemeEntry>& schemes, FitEntry& out);

}  // namespace lps::config::detail
