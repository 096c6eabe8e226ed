// `lpsweep tokenize`: Train a sentencepiece vocabulary and tokenize text into token shards.
// Not built yet: the library pieces it wires together arrive with issue #4. Until then the command
// exists (so --help shows the whole tool) and says plainly that it cannot run; it never pretends to work.
#include "commands.h"

#include <lps/core/error.h>

namespace lps::cli {

void add_tokenize_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("tokenize", "Train a sentencepiece vocabulary and tokenize text into token shards");
  cmd->allow_extras();
  cmd->callback([] {
    throw Error(ErrorKind::kUserInput,
                "'lpsweep tokenize' is not available in this version yet (tracked in issue #4)");
  });
}

}  // namespace lps::cli
