// Checkpoint files on disk: written atomically (temporary file, fsync, rename, fsync the folder), named
// ckpt-<step>.pt, identified by the SHA-256 of their bytes, verified before use, pruned to the newest few.
// The bytes themselves (a torch pickle of the trainer state) are the trainer's business (trainer.h).
#pragma once

#include <lps/train/run_hooks.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lps::train {

// Writes bytes as <dir>/ckpt-<step>.pt atomically and durably; returns its record (absolute path, step,
// SHA-256). Throws lps::IoError naming the file on any failure — lps::DiskFullError (fault_injection.h) when
// the disk or quota is full — and removes the temporary file; the old checkpoints stay intact.
// Crash points (LPS_CRASH_AT): ckpt.tmp_written (before the rename), ckpt.renamed (before the folder fsync);
// ENOSPC faults (LPS_FAULT_ENOSPC): ckpt.write, ckpt.fsync.
[[nodiscard]] CheckpointRecord write_checkpoint_file(const std::string& dir, int64_t step, const std::vector<char>& bytes);

// Reads a checkpoint and checks its SHA-256 against the record; on mismatch or a missing/unreadable file,
// returns an empty vector and sets *why to the reason.
[[nodiscard]] std::vector<char> read_verified_checkpoint(const CheckpointRecord& record, std::string* why);

// Deletes all but the newest `keep` ckpt-*.pt files in dir (by step); stray *.tmp files too.
// Crash point ckpt.pruned after the deletions.
void prune_checkpoints(const std::string& dir, int keep);

// Deletes the ckpt-*.tmp files a killed earlier attempt left in dir (the caller owns the run, so no other
// process is writing them); returns how many. Added by the reliability issue (additive).
int remove_stale_temporaries(const std::string& dir);

}  // namespace lps::train
