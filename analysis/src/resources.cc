// Locations of the Python helpers (compiled in from the source tree) and running them.
#include <lps/analysis/resources.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

namespace lps::analysis {
namespace {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::filesystem::path plot_script_path() {
  return std::filesystem::path(LPS_ANALYSIS_DIR) / "plot/plot_fit.py";
}

std::filesystem::path bench_script_path() {
  return std::filesystem::path(LPS_ANALYSIS_DIR) / "bench/scipy_fit_bench.py";
}

std::string python_executable() {
  if (const char* env = std::getenv("LPS_PYTHON"); env != nullptr && *env != '\0') return env;
  const std::filesystem::path venv = std::filesystem::path(LPS_PROJECT_DIR) / ".venv/bin/python3";
  if (std::filesystem::exists(venv)) return venv.string();
  return "python3";
}

std::filesystem::path fixtures_dir() {
  if (const char* env = std::getenv("LPS_FIXTURES_DIR"); env != nullptr && *env != '\0') return env;
  return std::filesystem::path(LPS_PROJECT_DIR) / "../shared/fixtures";
}

int run_python(const std::filesystem::path& script, const std::vector<std::string>& args) {
  std::string command = shell_quote(python_executable()) + " " + shell_quote(script.string());
  for (const auto& a : args) command += " " + shell_quote(a);
  // What we printed goes out before the helper's first line (stdout is fully buffered into a file or a pipe).
  std::fflush(nullptr);
  const int status = std::system(command.c_str());
  if (status == -1) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace lps::analysis
