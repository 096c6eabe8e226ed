// Private: constructors of the concrete law forms (one file each).
#pragma once

#include <lps/analysis/law_form.h>

namespace lps::analysis {

[[nodiscard]] std::unique_ptr<LawForm> make_chinchilla_law(const LawSpec& spec);
[[nodiscard]] std::unique_ptr<LawForm> make_quartet_law(const LawSpec& spec,
                                                        std::vector<std::string> fwd_labels,
                                                        std::vector<std::string> bwd_labels);
[[nodiscard]] std::unique_ptr<LawForm> make_quest_law(const LawSpec& spec,
                                                      std::vector<std::string> fwd_labels);

// Core parameter indices shared by the three forms: p = [a, alpha, b, beta, e, ...].
inline constexpr int kA = 0, kAlpha = 1, kB = 2, kBeta = 3, kE = 4, kGamma = 5;

}  // namespace lps::analysis
