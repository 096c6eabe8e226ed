// Injected ENOSPC faults (fault_injection.h).
#include <lps/core/fault_injection.h>

#include <lps/core/log.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace lps {
namespace {

struct Selection {
  std::string name;
  long first = 1;   // first failing hit (1-based)
  long last = -1;   // last failing hit; -1 = no end
};

[[nodiscard]] long parse_count(std::string_view text, std::string_view whole) {
  long n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr != text.data() + text.size() || n < 1) {
    throw Error(ErrorKind::kUserInput,
                fmt::format("LPS_FAULT_ENOSPC='{}': '{}' is not a positive hit count (name[:n[-m]],...)", whole, text));
  }
  return n;
}

[[nodiscard]] std::vector<Selection> parse(std::string_view spec) {
  std::vector<Selection> out;
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t comma = spec.find(',', start);
    const std::string_view item = spec.substr(start, comma == std::string_view::npos ? spec.npos : comma - start);
    if (!item.empty()) {
      Selection s;
      const size_t colon = item.find(':');
      s.name = std::string(item.substr(0, colon));
      if (colon != std::string_view::npos) {
        const std::string_view range = item.substr(colon + 1);
        const size_t dash = range.find('-');
        s.first = parse_count(range.substr(0, dash), spec);
        s.last = dash == std::string_view::npos ? s.first : parse_count(range.substr(dash + 1), spec);
        if (s.last < s.first) {
          throw Error(ErrorKind::kUserInput, fmt::format("LPS_FAULT_ENOSPC='{}': range {} ends before it starts", spec, range));
        }
      }
      if (s.name.empty()) throw Error(ErrorKind::kUserInput, fmt::format("LPS_FAULT_ENOSPC='{}': empty point name", spec));
      out.push_back(std::move(s));
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

struct State {
  std::mutex mu;
  std::vector<Selection> selections;
  std::map<std::string, long, std::less<>> hits;
  std::atomic<bool> armed{false};
  std::atomic<bool> full{false};

  State() {
    const char* env = std::getenv("LPS_FAULT_ENOSPC");
    if (env == nullptr || *env == '\0') return;
    try {
      selections = parse(env);
      armed.store(!selections.empty());
    } catch (const Error& e) {
      log_warn("{}; no fault armed", e.what());
    }
  }
};

State& state() {
  static State s;
  return s;
}

}  // namespace

bool is_disk_full_errno(int err) { return err == ENOSPC || err == EDQUOT; }

bool fault_enospc(std::string_view point) {
  State& s = state();
  if (s.full.load(std::memory_order_relaxed)) return true;
  if (!s.armed.load(std::memory_order_relaxed)) return false;
  std::lock_guard lock(s.mu);
  bool selected = false;
  long hit = 0;
  for (const auto& sel : s.selections) {
    if (sel.name != point) continue;
    if (hit == 0) {
      auto it = s.hits.find(point);
      if (it == s.hits.end()) it = s.hits.emplace(std::string(point), 0).first;
      hit = ++it->second;
    }
    selected = selected || (hit >= sel.first && (sel.last < 0 || hit <= sel.last));
  }
  if (selected) log_warn("fault injection: {} hit {} fails with ENOSPC (LPS_FAULT_ENOSPC)", point, hit);
  return selected;
}

void arm_fault_enospc(std::string_view spec) {
  auto parsed = parse(spec);
  State& s = state();
  std::lock_guard lock(s.mu);
  s.selections = std::move(parsed);
  s.hits.clear();
  s.armed.store(!s.selections.empty());
}

void set_disk_full_for_testing(bool full) { state().full.store(full); }

}  // namespace lps
