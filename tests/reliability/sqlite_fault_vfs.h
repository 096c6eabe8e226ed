// A SQLite VFS for the disk-full suite: it wraps the default ("unix") VFS and, whenever
// lps::fault_enospc("sqlite.write") says so (LPS_FAULT_ENOSPC, or set_disk_full_for_testing), answers
// writes, truncations and file growth with SQLITE_FULL — what SQLite itself returns when write(2) fails
// with ENOSPC. Everything else goes to the real VFS, so WAL, locking and shared memory behave as usual.
#pragma once

namespace lps::reliability {

// Registers the VFS as the process's default (idempotent). Call before opening any store.
void install_sqlite_fault_vfs();

}  // namespace lps::reliability
