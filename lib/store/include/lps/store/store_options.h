// Options for opening a store. Every field has a default; validate() lists every problem at once.
#pragma once

#include <string>
#include <vector>

namespace lps::store {

enum class Durability {
  kNormal,  // WAL + synchronous=NORMAL: survives process crashes (kill -9); a power cut may lose the
            // last few commits, which only re-runs work — never corrupts the store
  kFull,    // synchronous=FULL: every commit fsynced
};

struct StoreOptions {
  double lease_s = 60;           // how long a claim holds a run without a heartbeat
  int busy_timeout_ms = 2000;    // SQLite's wait for a lock inside one call
  double busy_give_up_s = 600;   // our retry-with-backoff budget before reporting a stuck lock
  Durability durability = Durability::kNormal;
  bool create = true;            // create the file (0600) when missing; false = it must exist

  // Empty when valid, else one message per problem.
  [[nodiscard]] std::vector<std::string> validate() const;
};

}  // namespace lps::store
