// Scaling-law forms in log parametrisation. A form maps parameters p and one observation to ln L̂ and
// its gradient; the fitter minimises ½Σρ(ln L − ln L̂) over the parameters that are not fixed.
//
//   chinchilla  L = A/N^α + B/D^β + E                                   p = [a, alpha, b, beta, e]
//   quartet     L = (A/(N·effN[fwd])^α + B/(D·effD[bwd])^β)^γ + E      p = [a, alpha, b, beta, e, gamma,
//                                                                            effN[..]..., effD[..]...]
//   quest       L = A/(N·eff[fwd])^α + B/D^β + E                         p = [a, alpha, b, beta, e,
//   eff[..]...]
// with A = e^a, B = e^b, E = e^e. Efficiencies are plain (not logged) numbers, one per scheme label other
// than the baseline (effN/eff keyed by the forward label, effD by the backward label); the baseline's is 1.
// A new form is one small class deriving LawForm (src/<name>_law.cc) plus a line in make_law().
#pragma once

#include <lps/analysis/observation.h>
#include <lps/analysis/start_grid.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lps::analysis {

enum class LawKind { kChinchilla, kQuartet, kQuest };

[[nodiscard]] std::string_view to_string(LawKind kind);
// Parses "chinchilla" | "quartet" | "quest"; throws lps::Error(kUserInput) naming the choices otherwise.
[[nodiscard]] LawKind parse_law_kind(std::string_view text);

struct LawSpec {
  LawKind kind = LawKind::kQuartet;  // which form
  std::string baseline = "BF16";     // scheme label whose efficiencies are 1 (compared case-insensitively)
};

// An observation prepared for one law: logs and the indices of its efficiency parameters (-1: none).
struct PreparedPoint {
  double ln_n = 0;
  double ln_d = 0;
  double ln_loss = 0;
  int eff_n = -1;  // index into p of effN / eff for this point's forward scheme
  int eff_d = -1;  // index into p of effD for this point's backward scheme
};

class LawForm {
 public:
  virtual ~LawForm() = default;

  [[nodiscard]] virtual LawKind kind() const = 0;
  [[nodiscard]] virtual std::string formula() const = 0;
  // The published start grid for this form (see start_grid.h).
  [[nodiscard]] virtual StartGrid default_grid() const = 0;
  // ln L̂(p; x); when grad != nullptr also writes d ln L̂ / dp_i for every parameter (num_parameters()).
  [[nodiscard]] virtual double log_predict(const double* p, const PreparedPoint& x, double* grad) const = 0;

  [[nodiscard]] const LawSpec& spec() const { return spec_; }
  [[nodiscard]] const std::vector<std::string>& parameter_names() const { return names_; }
  [[nodiscard]] size_t num_parameters() const { return names_.size(); }
  // Index of a parameter by name ("alpha", "effD[SR]"; also accepts "A", "B", "E" for a, b, e); -1 if absent.
  [[nodiscard]] int index_of(std::string_view name) const;
  // Start value for a parameter absent from the grid: 1 for efficiencies, 0 otherwise.
  [[nodiscard]] double default_start(size_t index) const;
  [[nodiscard]] bool is_efficiency(size_t index) const { return index >= num_core_; }
  [[nodiscard]] size_t num_core() const { return num_core_; }
  // Maps an observation onto this law; throws lps::Error(kUserInput) if its scheme has no parameter here.
  [[nodiscard]] PreparedPoint prepare(const Observation& o) const;
  // L̂ for an arbitrary (n, d, fwd, bwd) — used by the recommender and the plots.
  [[nodiscard]] double predict(std::span<const double> p, double n, double d, const std::string& fwd,
                               const std::string& bwd) const;
  // Name and value as people read them: "A" = e^a, "B" = e^b, "E" = e^e; everything else unchanged.
  [[nodiscard]] std::string display_name(size_t index) const;
  [[nodiscard]] double display_value(size_t index, double raw) const;
  [[nodiscard]] bool is_baseline(const std::string& scheme) const;
  // Efficiency index for a forward / backward label (-1 for the baseline or a label this law ignores);
  // throws if a non-baseline label has no parameter.
  [[nodiscard]] int fwd_index(const std::string& fwd) const;
  [[nodiscard]] int bwd_index(const std::string& bwd) const;

 protected:
  LawForm(LawSpec spec, std::vector<std::string> core_names, std::vector<std::string> fwd_labels,
          std::vector<std::string> bwd_labels, std::string fwd_prefix, std::string bwd_prefix);

 private:
  LawSpec spec_;
  std::vector<std::string> names_;
  std::vector<std::string> fwd_labels_, bwd_labels_;
  size_t num_core_ = 0;
};

// Builds the law for `spec`, with one efficiency parameter per non-baseline scheme label in `observations`
// (sorted by label). Chinchilla has none (it ignores scheme labels); QuEST ignores backward labels.
[[nodiscard]] std::unique_ptr<LawForm> make_law(const LawSpec& spec,
                                                std::span<const Observation> observations);

}  // namespace lps::analysis
