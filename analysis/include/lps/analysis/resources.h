// Files the analysis tools run beside the C++ code: the matplotlib plot script, the scipy benchmark
// script, and the Python that runs them ($LPS_PYTHON, else the project's .venv/bin/python3, else python3).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lps::analysis {

[[nodiscard]] std::filesystem::path plot_script_path();   // analysis/plot/plot_fit.py
[[nodiscard]] std::filesystem::path bench_script_path();  // analysis/bench/scipy_fit_bench.py
[[nodiscard]] std::string python_executable();
// The published fixtures: $LPS_FIXTURES_DIR, else ../shared/fixtures beside the source tree.
[[nodiscard]] std::filesystem::path fixtures_dir();

// Runs `python script args...` (each argument shell-quoted); returns the exit status (127: not found).
[[nodiscard]] int run_python(const std::filesystem::path& script, const std::vector<std::string>& args);

}  // namespace lps::analysis
