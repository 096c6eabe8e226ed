#include <lps/core/log.h>
#include <lps/core/progress.h>

#include <fmt/format.h>

namespace lps {

Progress::Progress(std::string what, int64_t total, ProgressOptions options)
    : what_(std::move(what)), total_(total), options_(std::move(options)) {}

double Progress::rate() const {
  const double t = clock_.seconds();
  return t > 0 ? static_cast<double>(last_done_) / t : 0.0;
}

double Progress::eta_seconds(int64_t done) const {
  const double t = clock_.seconds();
  if (done <= 0 || t <= 0) return -1;
  return static_cast<double>(total_ - done) * t / static_cast<double>(done);
}

std::string Progress::line(int64_t done, const std::string& extra) const {
  const double t = clock_.seconds();
  const double r = t > 0 ? static_cast<double>(done) / t : 0.0;
  std::string out = fmt::format("{}: {}/{} {}", what_, done, total_, options_.unit);
  if (total_ > 0) out += fmt::format(" ({:.1f}%)", 100.0 * static_cast<double>(done) / static_cast<double>(total_));
  out += fmt::format(" {:.4g} {}/s", r, options_.unit);
  if (done < total_) out += " ETA " + format_duration(eta_seconds(done));
  else out += " in " + format_duration(t);
  if (!extra.empty()) out += " | " + extra;
  return out;
}

bool Progress::update(int64_t done, const std::string& extra) {
  last_done_ = done;
  const double t = clock_.seconds();
  if (done < total_ && t - last_print_ < options_.interval_s) return false;
  last_print_ = t;
  log_info("{}", line(done, extra));
  return true;
}

}  // namespace lps
