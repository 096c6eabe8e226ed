// SIGTERM/SIGINT/SIGUSR1 handling for workers: the first signal asks every worker of the process to stop (the
// executor checkpoints, the lease is released, the process exits 0). What SLURM needs: SIGTERM at scancel,
// preemption and the time limit; SIGUSR1 as the early warning of `sbatch --signal=B:USR1@120` (docs/slurm.md).
#pragma once

namespace lps::runner {

// Installs handlers for SIGTERM, SIGINT and SIGUSR1 that set the process-wide stop flag. Idempotent.
void install_stop_signal_handlers();
// True once SIGTERM/SIGINT/SIGUSR1 arrived or request_process_stop() was called.
[[nodiscard]] bool process_stop_requested();
// The first signal that asked to stop (SIGTERM, SIGINT or SIGUSR1); 0 when none did (or the stop was
// requested by request_process_stop()).
[[nodiscard]] int process_stop_signal();
// "SIGUSR1 (SLURM's time-limit warning)", "SIGTERM", ...; "a stop request" for 0.
[[nodiscard]] const char* describe_stop_signal(int signal);
// Sets the process-wide stop flag (what the signal handler does).
void request_process_stop();
// Clears it (tests).
void reset_process_stop();

}  // namespace lps::runner
