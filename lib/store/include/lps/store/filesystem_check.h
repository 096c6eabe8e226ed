// Refusing network filesystems: SQLite's file locking is unreliable over NFS, CIFS/SMB and friends, and a
// queue whose locks lie hands one run to two workers. Stores must live on a local disk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lps::store {

// The filesystem's name when `statfs_magic` (statfs.f_type) is a network filesystem, else nullopt.
[[nodiscard]] std::optional<std::string> network_filesystem_name(int64_t statfs_magic);

// Throws IoError naming the path, the filesystem and the alternatives when `dir` is on a network
// filesystem. A missing dir is left to the caller.
void check_local_filesystem(const std::string& dir);

}  // namespace lps::store
