// `lpsweep export runs [SWEEP | --store PATH] --format csv|json [--output FILE]`: one row per run — key, label,
// N, D, scheme, final eval loss, tokens/s, wall time, status.
//
// `export` is a group of sub-subcommands, one function each. `export fit` is added by the fitter: call its
// add_export_fit(*cmd) (export_fit.cc).
#include "commands.h"
#include "export_fit.h"
#include "sweep_cli.h"

#include <lps/core/error.h>

#include <fmt/format.h>

#include <fstream>
#include <iostream>

namespace lps::cli {
namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

template <typename T>
std::string opt_number(const std::optional<T>& v, const char* empty) {
  return v ? fmt::format("{}", *v) : std::string(empty);
}

std::string runs_csv(const std::vector<store::RunRow>& runs) {
  std::string out = "key,label,sweep,n_params,tokens,scheme,final_eval_loss,tokens_per_s,wall_s,status,attempts,error\n";
  for (const auto& r : runs) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", r.key, csv_field(r.label), csv_field(r.sweep),
                       r.n_params, r.tokens, csv_field(r.scheme), opt_number(r.final_eval_loss, ""),
                       opt_number(r.tokens_per_s, ""), opt_number(r.wall_s, ""), to_string(r.state), r.attempts,
                       csv_field(r.error));
  }
  return out;
}

std::string runs_json(const std::vector<store::RunRow>& runs) {
  std::string out = "[";
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    out += fmt::format(
        "{}\n  {{\"key\": {}, \"label\": {}, \"sweep\": {}, \"n_params\": {}, \"tokens\": {}, \"scheme\": {}, "
        "\"final_eval_loss\": {}, \"tokens_per_s\": {}, \"wall_s\": {}, \"status\": \"{}\", \"attempts\": {}, "
        "\"error\": {}}}",
        i ? "," : "", json_quote(r.key), json_quote(r.label), json_quote(r.sweep), r.n_params, r.tokens,
        json_quote(r.scheme), opt_number(r.final_eval_loss, "null"), opt_number(r.tokens_per_s, "null"),
        opt_number(r.wall_s, "null"), to_string(r.state), r.attempts, json_quote(r.error));
  }
  return out + (runs.empty() ? "]\n" : "\n]\n");
}

void add_export_runs_subcommand(CLI::App& export_cmd) {
  auto* cmd = export_cmd.add_subcommand("runs", "One row per run: key, label, N, D, scheme, final eval loss, "
                                                "tokens/s, wall time, status");
  struct Flags {
    std::string file;
    StoreTargetFlags target;
    std::string format = "csv";
    std::string output;
    std::vector<std::string> states;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("SWEEP", flags->file, "Sweep file; or use --store");
  add_store_target_flags(cmd, flags->target);
  cmd->add_option("--format", flags->format, "csv or json")->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("--output,-o", flags->output, "Write to this file instead of standard output");
  cmd->add_option("--state", flags->states, "Only runs in these states (comma-separated)")->delimiter(',');
  cmd->callback([flags] {
    const auto target = resolve_store_target(flags->file, flags->target, false);
    auto store = open_existing_store(target.store_path);
    store::RunFilter filter;
    filter.sweep = target.sweep;
    filter.states = parse_states(flags->states);
    const auto runs = store.runs(filter);
    const std::string text = flags->format == "json" ? runs_json(runs) : runs_csv(runs);
    if (flags->output.empty()) {
      std::cout << text;
      return;
    }
    std::ofstream out(flags->output, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw IoError(fmt::format("{}: cannot write the export", flags->output));
    std::fprintf(stderr, "wrote %zu runs to %s\n", runs.size(), flags->output.c_str());
  });
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Export runs or fits as CSV or JSON");
  cmd->require_subcommand(1);
  add_export_runs_subcommand(*cmd);
  add_export_fit(*cmd);  // `export fit` (export_fit.cc)
}

}  // namespace lps::cli
