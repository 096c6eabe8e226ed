// SweepSpec: one sweep file, parsed and validated, as plain data (docs/sweep-spec.md is its manual).
//
// load_sweep_file() fills it; lps::plan::expand() turns it into RunSpecs. Everything here is already
// checked: names are unique, values are in range, presets are resolved into shapes, paths are absolute.
// Grid entries keep the place they were written (`loc`) so that problems found later, while expanding
// (e.g. a tokens_per_param budget smaller than one optimizer step), can still point into the file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lps::config {

// A place in the sweep file; 1-based, 0 = unknown.
struct SourceLoc {
  int line = 0;
  int col = 0;
};

// One model of the grid, resolved: every shape field is filled (from a preset, the entry, or defaults).
struct ModelEntry {
  std::string name;    // what labels show: the preset name, or the entry's `name`
  std::string preset;  // "30M" ... "800M", "tiny-xs" ... "tiny-l", or "" for an explicit shape
  int n_layers = 0;
  int d_model = 0;
  int n_heads = 0;
  int head_dim = 0;
  int d_ff = 0;         // 256·⌈⌊8d/3⌋/256⌉ unless the entry gives it
  int seq_len = 0;      // entry's seq_len, else train.seq_len, else the preset's (paper 512)
  double paper_lr = 0;  // the preset's learning rate (train.lr: paper); 0 for explicit shapes
  SourceLoc loc;
};

// Token budgets per model: absolute counts and multiples of the model's N (D = ratio·N).
struct TokenBudgets {
  std::vector<int64_t> counts;
  std::vector<SourceLoc> count_locs;  // parallel to counts
  std::vector<double> per_param;
  std::vector<SourceLoc> per_param_locs;  // parallel to per_param
};

// One operand's quantizer (vocabulary in lps/plan/run_spec.h and docs/sweep-spec.md).
struct OperandEntry {
  std::string format = "bf16";
  std::string rounding = "rtn";
  std::string scale = "absmax";
  int hadamard = 0;
  bool random_signs = false;
  bool trust_mask = false;

  bool operator==(const OperandEntry&) const = default;
};

struct SchemeEntry {
  std::string name;
  std::string preset;  // a preset name, or "" when spelled out (operands then hold the definition)
  OperandEntry fwd_x, fwd_w, bwd_dy, bwd_w, bwd_dyt, bwd_xt;
  SourceLoc loc;
};

struct DataEntry {
  std::string kind = "synthetic";   // synthetic | text | shards
  std::vector<std::string> paths;   // absolute; globs kept as globs (each matched a readable file)
  std::string tokenizer = "bytes";  // bytes | absolute path of a sentencepiece model
  int vocab_size = 0;               // resolved: synthetic default 256, text+bytes 256
  uint64_t seed = 0;
  double heldout_fraction = 0.01;
  int synthetic_order = 0;
  std::string root;  // the sweep file's folder: relative paths were resolved against it
};

enum class LrRule {
  kConstant,  // one value for every model
  kPaper,     // each preset's paper learning rate (DESIGN.md §4; tiny presets have ours)
  kTable,     // a value per model name
  kPowerLaw,  // lr = base_lr · (N / base_params)^exponent
};

struct LrSpec {
  LrRule rule = LrRule::kPaper;
  double value = 0;                     // kConstant
  std::map<std::string, double> table;  // kTable: model name -> lr, covers every model
  double base_lr = 0;                   // kPowerLaw
  double base_params = 0;               // kPowerLaw: N at which lr = base_lr
  double exponent = 0;                  // kPowerLaw
  SourceLoc loc;
};

struct TrainEntry {
  LrSpec lr;
  double final_lr_ratio = 0.1;
  double warmup_fraction = 0.1;
  double warmup_start_ratio = 0.01;
  double weight_decay = 0.1;
  double beta1 = 0.9;
  double beta2 = 0.95;
  double grad_clip = 1.0;
  int64_t batch_seqs = 64;
  int64_t micro_batch_seqs = 0;  // 0 = batch_seqs
  int seq_len = 0;               // 0 = each model's own (presets: paper 512, tiny 64/128)
  int ranks = 1;                 // data-parallel processes per run, one GPU each (Gloo on CPUs);
                                 // docs/data-parallel.md (added by the data-parallel issue)
};

struct EvalEntry {
  int64_t every_steps = 0;
  int64_t tokens = 1 << 20;
};

struct CheckpointEntry {
  int64_t every_steps = 0;
  int keep = 2;
};

struct RetryEntry {
  int max_attempts = 3;
  double backoff_s = 10;
};

// The `fit:` section, for the fitter to read; parameter names are a (= ln A), alpha, b (= ln B), beta,
// e (= ln E), gamma (quartet form only).
struct FitEntry {
  bool present = false;                                     // the file has a fit: section
  std::string form = "quartet";                             // quartet | chinchilla | quest
  std::string baseline = "bf16";                            // a scheme name of this sweep
  double huber_delta = 0;                                   // resolved: 1e-4 quartet/quest, 1e-3 chinchilla
  std::string start_grid = "paper";                         // paper | custom (then start_values holds it)
  std::map<std::string, std::vector<double>> start_values;  // parameter -> start values (custom grid)
  int bootstrap = 200;                                      // resamples for uncertainty; 0 = none
  uint64_t bootstrap_seed = 0;
  std::map<std::string, double> fixed;  // parameter -> value held fixed
};

struct SweepSpec {
  std::string file;  // the sweep file as given (diagnostics use it)
  std::string dir;   // its folder, absolute
  std::string name;
  std::string store;   // absolute path of the SQLite store, or a postgresql:// URL (docs/postgresql.md)
  std::string output;  // absolute folder for plots and exports
  DataEntry data;
  std::vector<ModelEntry> models;
  TokenBudgets tokens;
  std::vector<SchemeEntry> schemes;
  std::vector<uint64_t> seeds{0};
  TrainEntry train;
  EvalEntry eval;
  CheckpointEntry checkpoint;
  RetryEntry retry;
  int64_t log_every_steps = 10;
  int64_t max_runs = 10000;  // grids larger than this are refused
  FitEntry fit;
};

}  // namespace lps::config
