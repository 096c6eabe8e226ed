// run_python: what lpsweep printed before starting a Python helper reaches the same output before the
// helper's own lines, also when stdout is a file or a pipe (fully buffered, as under `| tee log`).
#include <gtest/gtest.h>
#include <lps/analysis/resources.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(RunPython, OurOutputBeforeTheHelperStartsComesBeforeTheHelpersOutput) {
  const fs::path dir = fs::temp_directory_path() / ("lps_run_python_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path script = dir / "child.py";
  std::ofstream(script) << "print('child line')\n";
  const fs::path captured = dir / "stdout.txt";

  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  ASSERT_GE(saved, 0);
  FILE* file = std::fopen(captured.c_str(), "w");
  ASSERT_NE(file, nullptr);
  ASSERT_GE(::dup2(::fileno(file), STDOUT_FILENO), 0);
  // A partial line stays in stdio's buffer whatever its buffering mode, until something flushes it.
  std::fputs("parent, before the helper: ", stdout);
  const int rc = lps::analysis::run_python(script, {});
  std::fputs("parent, after\n", stdout);
  std::fflush(stdout);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  std::fclose(file);

  ASSERT_EQ(rc, 0) << "python could not run " << script;
  EXPECT_EQ(read_all(captured), "parent, before the helper: child line\nparent, after\n");
  fs::remove_all(dir);
}

}  // namespace
