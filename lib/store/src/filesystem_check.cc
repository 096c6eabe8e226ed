#include <lps/core/error.h>
#include <lps/store/filesystem_check.h>

#include <fmt/format.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstring>

namespace lps::store {
namespace {

struct NetworkFs {
  int64_t magic;
  const char* name;
};

// statfs(2) f_type values of network and cluster filesystems (linux/magic.h and the filesystems' sources).
constexpr NetworkFs kNetworkFilesystems[] = {
    {0x6969, "NFS"},
    {0xFF534D42, "CIFS"},
    {0xFE534D42, "SMB2"},
    {0x517B, "SMB"},
    {0x73757245, "Coda"},
    {0x5346414F, "AFS"},
    {0x6B414653, "kAFS"},
    {0x00C36400, "CephFS"},
    {0x0BD00BD0, "Lustre"},
    {0x47504653, "GPFS"},
    {0x01021997, "9P"},
    {0x013111A8, "IBRIX"},
    {0x564C, "NCP"},
    {0xAAD7AAEA, "PanFS"},
    {0x19830326, "BeeGFS"},
};

}  // namespace

std::optional<std::string> network_filesystem_name(int64_t statfs_magic) {
  const int64_t magic = statfs_magic & 0xFFFFFFFF;
  for (const auto& fs : kNetworkFilesystems) {
    if (fs.magic == magic) return std::string(fs.name);
  }
  return std::nullopt;
}

void check_local_filesystem(const std::string& dir) {
  struct statfs info {};
  if (::statfs(dir.c_str(), &info) != 0) {
    throw IoError(fmt::format("store folder {}: cannot inspect its filesystem: {}", dir, std::strerror(errno)));
  }
  if (const auto name = network_filesystem_name(static_cast<int64_t>(info.f_type))) {
    throw IoError(fmt::format(
        "store folder {} is on a network filesystem ({}); SQLite's locks are not reliable there and two workers "
        "could run the same run. Put the store on a local disk (each host its own sweep), or use the scale-out "
        "PostgreSQL backend for workers on several hosts (docs/queue.md, \"Scale-out\").",
        dir, *name));
  }
}

}  // namespace lps::store
