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
// SHA-256). Throws lps::IoError naming the file on any failure (the old checkpoints stay intact).
[[nodiscard]] CheckpointRecord write_checkpoint_file(const std::string& dir, int64_t step, const std::vector<char>& bytes);

// Reads a checkpoint and checks its SHA-256 against the record; on mismatch or a missing/unreadable file,
// returns an empty vector and sets *why to the reason.
[[nodiscard]] std::vector<char> read_verified_checkpoint(const CheckpointRecord& record, std::string* why);

// Deletes all but the newest `keep` ckpt-*.pt files in dir (by step); stray *.tmp files too.
void prune_checkpoints(const std::string& dir, int keep);

}  // namespace lps::train
