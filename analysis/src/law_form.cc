// LawForm's shared bookkeeping (parameter names, efficiency lookup) and the factory.
#include <fmt/format.h>
#include <lps/core/error.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "laws.h"

namespace lps::analysis {
namespace {

bool iequals(std::string_view x, std::string_view y) {
  return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin(), [](char p, char q) {
           return std::tolower(static_cast<unsigned char>(p)) == std::tolower(static_cast<unsigned char>(q));
         });
}

int find_label(const std::vector<std::string>& labels, const std::string& label) {
  auto it = std::find(labels.begin(), labels.end(), label);
  return it == labels.end() ? -1 : static_cast<int>(it - labels.begin());
}

}  // namespace

std::string_view to_string(LawKind kind) {
  switch (kind) {
    case LawKind::kChinchilla: return "chinchilla";
    case LawKind::kQuartet: return "quartet";
    case LawKind::kQuest: return "quest";
  }
  return "?";
}

LawKind parse_law_kind(std::string_view text) {
  for (LawKind k : {LawKind::kChinchilla, LawKind::kQuartet, LawKind::kQuest}) {
    if (iequals(text, to_string(k))) return k;
  }
  throw Error(ErrorKind::kUserInput,
              fmt::format("unknown law '{}': choose chinchilla, quartet or quest", text));
}

LawForm::LawForm(LawSpec spec, std::vector<std::string> core_names, std::vector<std::string> fwd_labels,
                 std::vector<std::string> bwd_labels, std::string fwd_prefix, std::string bwd_prefix)
    : spec_(std::move(spec)),
      names_(std::move(core_names)),
      fwd_labels_(std::move(fwd_labels)),
      bwd_labels_(std::move(bwd_labels)) {
  num_core_ = names_.size();
  for (const auto& l : fwd_labels_) names_.push_back(fmt::format("{}[{}]", fwd_prefix, l));
  for (const auto& l : bwd_labels_) names_.push_back(fmt::format("{}[{}]", bwd_prefix, l));
}

int LawForm::index_of(std::string_view name) const {
  std::string wanted(name);
  if (wanted == "A" || wanted == "B" || wanted == "E")
    wanted = std::string(1, static_cast<char>(wanted[0] + 32));
  auto it = std::find(names_.begin(), names_.end(), wanted);
  return it == names_.end() ? -1 : static_cast<int>(it - names_.begin());
}

double LawForm::default_start(size_t index) const {
  return is_efficiency(index) ? 1.0 : 0.0;
}

bool LawForm::is_baseline(const std::string& scheme) const {
  return scheme.empty() || iequals(scheme, spec_.baseline);
}

int LawForm::fwd_index(const std::string& fwd) const {
  if (is_baseline(fwd) || fwd_labels_.empty()) return -1;
  const int i = find_label(fwd_labels_, fwd);
  if (i < 0) {
    throw Error(ErrorKind::kUserInput,
                fmt::format("forward scheme '{}' has no efficiency in this {} fit (known: {}; baseline {})",
                            fwd, to_string(kind()), fmt::join(fwd_labels_, ", "), spec_.baseline));
  }
  return static_cast<int>(num_core_) + i;
}

int LawForm::bwd_index(const std::string& bwd) const {
  if (is_baseline(bwd) || bwd_labels_.empty()) return -1;
  const int i = find_label(bwd_labels_, bwd);
  if (i < 0) {
    throw Error(ErrorKind::kUserInput,
                fmt::format("backward scheme '{}' has no efficiency in this {} fit (known: {}; baseline {})",
                            bwd, to_string(kind()), fmt::join(bwd_labels_, ", "), spec_.baseline));
  }
  return static_cast<int>(num_core_ + fwd_labels_.size()) + i;
}

PreparedPoint LawForm::prepare(const Observation& o) const {
  PreparedPoint x;
  x.ln_n = std::log(o.n);
  x.ln_d = std::log(o.d);
  x.ln_loss = std::log(o.loss);
  x.eff_n = fwd_index(o.fwd);
  x.eff_d = bwd_index(o.bwd);
  return x;
}

double LawForm::predict(std::span<const double> p, double n, double d, const std::string& fwd,
                        const std::string& bwd) const {
  LPS_CHECK(p.size() == num_parameters(), "{} parameters given, law has {}", p.size(), num_parameters());
  return std::exp(log_predict(p.data(), prepare(Observation{n, d, 1.0, fwd, bwd, ""}), nullptr));
}

std::string LawForm::display_name(size_t index) const {
  const std::string& n = names_.at(index);
  if (n == "a" || n == "b" || n == "e") return std::string(1, static_cast<char>(n[0] - 32));
  return n;
}

double LawForm::display_value(size_t index, double raw) const {
  const std::string& n = names_.at(index);
  return (n == "a" || n == "b" || n == "e") ? std::exp(raw) : raw;
}

std::unique_ptr<LawForm> make_law(const LawSpec& spec, std::span<const Observation> observations) {
  auto labels = [&](bool forward) {
    std::set<std::string> out;
    for (const auto& o : observations) {
      const std::string& l = forward ? o.fwd : o.bwd;
      if (!(l.empty() || iequals(l, spec.baseline))) out.insert(l);
    }
    return std::vector<std::string>(out.begin(), out.end());
  };
  switch (spec.kind) {
    case LawKind::kChinchilla: return make_chinchilla_law(spec);
    case LawKind::kQuartet: return make_quartet_law(spec, labels(true), labels(false));
    case LawKind::kQuest: return make_quest_law(spec, labels(true));
  }
  LPS_CHECK(false, "unhandled law kind");
  return nullptr;
}

}  // namespace lps::analysis
