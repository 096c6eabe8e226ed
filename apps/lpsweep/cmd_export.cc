// `lpsweep export runs [SWEEP | --store PATH] --format csv|json [--output FILE]`: one row per run — key, label,
// N, D, scheme, final eval loss, tokens/s, wall time, status.
// `lpsweep export attempts [SWEEP | --store PATH] --format csv|json [--output FILE]`: one row per attempt —
// run key and label, attempt number, worker, start/heartbeat/end times, outcome, message, and the attempt info
// (where it ran: host, pid, SLURM ids; a JSON object in JSON, its text in CSV).
//
// `export` is a group of sub-subcommands, one function each. `export fit` is added by the fitter: call its
// add_export_fit(*cmd) (export_fit.cc).
#include "commands.h"
#include "export_fit.h"
#include "sweep_cli.h"

#include <lps/core/error.h>
#include <lps/store/attempt_info.h>

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

struct RunAttempts {
  const store::RunRow* run;
  std::vector<store::AttemptRow> attempts;
};

std::string attempts_csv(const std::vector<RunAttempts>& rows) {
  std::string out = "key,label,sweep,attempt,worker,started,heartbeat,ended,outcome,message,info\n";
  for (const auto& [r, attempts] : rows) {
    for (const auto& a : attempts) {
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", r->key, csv_field(r->label), csv_field(r->sweep),
                         a.attempt, csv_field(a.worker), a.started, a.heartbeat, opt_number(a.ended, ""),
                         a.outcome ? to_string(*a.outcome) : "running", csv_field(a.message),
                         csv_field(a.info.value_or("")));
    }
  }
  return out;
}

std::string attempts_json(const std::vector<RunAttempts>& rows) {
  std::string out = "[";
  bool first = true;
  for (const auto& [r, attempts] : rows) {
    for (const auto& a : attempts) {
      out += fmt::format(
          "{}\n  {{\"key\": {}, \"label\": {}, \"sweep\": {}, \"attempt\": {}, \"worker\": {}, \"started\": {}, "
          "\"heartbeat\": {}, \"ended\": {}, \"outcome\": \"{}\", \"message\": {}, \"info\": {}}}",
          first ? "" : ",", json_quote(r->key), json_quote(r->label), json_quote(r->sweep), a.attempt,
          json_quote(a.worker), a.started, a.heartbeat, opt_number(a.ended, "null"),
          a.outcome ? to_string(*a.outcome) : "running", json_quote(a.message), store::attempt_info_json_value(a.info));
      first = false;
    }
  }
  return out + (first ? "]\n" : "\n]\n");
}

// Writes `text` to `output` (standard output when empty); says on stderr what was written.
void write_export(const std::string& text, const std::string& output, size_t rows, const char* what) {
  if (output.empty()) {
    std::cout << text;
    return;
  }
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw IoError(fmt::format("{}: cannot write the export", output));
  std::fprintf(stderr, "wrote %zu %s to %s\n", rows, what, output.c_str());
}

void add_export_attempts_subcommand(CLI::App& export_cmd) {
  auto* cmd = export_cmd.add_subcommand("attempts", "One row per attempt: run key and label, attempt, worker, times, "
                                                    "outcome, message, where it ran (host, pid, SLURM ids)");
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
  cmd->add_option("--state", flags->states, "Only attempts of runs in these states (comma-separated)")->delimiter(',');
  cmd->callback([flags] {
    const auto target = resolve_store_target(flags->file, flags->target, false);
    auto store = open_existing_store(target.store_path);
    store::RunFilter filter;
    filter.sweep = target.sweep;
    filter.states = parse_states(flags->states);
    const auto runs = store.runs(filter);
    std::vector<RunAttempts> rows;
    size_t n = 0;
    for (const auto& r : runs) {
      rows.push_back({&r, store.attempts(r.id)});
      n += rows.back().attempts.size();
    }
    write_export(flags->format == "json" ? attempts_json(rows) : attempts_csv(rows), flags->output, n, "attempts");
  });
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
    write_export(flags->format == "json" ? runs_json(runs) : runs_csv(runs), flags->output, runs.size(), "runs");
  });
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Export runs, attempts or fits as CSV or JSON");
  cmd->require_subcommand(1);
  add_export_runs_subcommand(*cmd);
  add_export_attempts_subcommand(*cmd);
  add_export_fit(*cmd);  // `export fit` (export_fit.cc)
}

}  // namespace lps::cli
