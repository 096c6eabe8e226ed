// `lpsweep export fit`: attached to the `export` command by cmd_export.cc.
#pragma once

#include <CLI/CLI.hpp>

namespace lps::cli {

void add_export_fit(CLI::App& export_cmd);

}  // namespace lps::cli
