// SIGTERM/SIGINT handling for workers: the first signal asks every worker of the process to stop (the
// executor checkpoints, the lease is released, the process exits 0). What SLURM preemption needs.
#pragma once

namespace lps::runner {

// Installs handlers for SIGTERM and SIGINT that set the process-wide stop flag. Idempotent.
void install_stop_signal_handlers();
// True once SIGTERM/SIGINT arrived or request_process_stop() was called.
[[nodiscard]] bool process_stop_requested();
// Sets the process-wide stop flag (what the signal handler does).
void request_process_stop();
// Clears it (tests).
void reset_process_stop();

}  // namespace lps::runner
