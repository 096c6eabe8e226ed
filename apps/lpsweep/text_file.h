// Writing the CLI's output files (fit JSON, plot data, benchmark results, speedup tables): whole or not at
// all, with an error that names the file and the reason.
#pragma once

#include <filesystem>
#include <string_view>

namespace lps::cli {

// Writes `text` to `path` through a temporary file in the same folder and a rename, so a reader never sees
// half a file and an earlier version survives a failed write. Throws IoError naming the path and the cause
// (missing folder, permission, disk full).
void write_text_file(const std::filesystem::path& path, std::string_view text);

}  // namespace lps::cli
