#include "text_file.h"

#include <lps/core/error.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <unistd.h>

namespace lps::cli {

void write_text_file(const std::filesystem::path& path, std::string_view text) {
  const std::filesystem::path tmp = path.string() + fmt::format(".tmp{}", ::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    throw IoError(fmt::format("{}: cannot write: {} (does the folder exist and is it writable?)", path.string(),
                              std::strerror(errno)));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    const int err = !written ? write_errno : errno;
    std::remove(tmp.c_str());
    throw IoError(fmt::format("{}: cannot write: {}", path.string(), std::strerror(err)));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw IoError(fmt::format("{}: cannot replace it: {}", path.string(), ec.message()));
  }
}

}  // namespace lps::cli
