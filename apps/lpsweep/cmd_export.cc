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
#include <functional>
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

// What an export of store rows writes: the text and how many rows it holds.
struct ExportText {
  std::string text;
  size_t rows = 0;
};
using ExportWriter =
    std::function<ExportText(store::Store&, const std::vector<store::RunRow>&, bool json)>;

// `export NAME [SWEEP | --store PATH] --format csv|json [-o FILE] [--state S]`: the runs selected, written by
// `write`; `what` names its rows ("runs", "attempts").
void add_rows_export(CLI::App& export_cmd, const char* name, const char* what, const std::string& description,
                     const std::string& state_help, ExportWriter write) {
  auto* cmd = export_cmd.add_subcommand(name, description);
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
  cmd->add_option("--state", flags->states, state_help)->delimiter(',');
  cmd->callback([flags, what, write = std::move(write)] {
    const auto target = resolve_store_target(flags->file, flags->target, false);
    auto store = open_existing_store(target.store_path);
    store::RunFilter filter;
    filter.sweep = target.sweep;
    filter.states = parse_states(flags->states);
    const auto runs = store.runs(filter);
    const ExportText out = write(store, runs, flags->format == "json");
    write_export(out.text, flags->output, out.rows, what);
  });
}

void add_export_runs_subcommand(CLI::App& export_cmd) {
  add_rows_export(export_cmd, "runs", "runs",
                  "One row per run: key, label, N, D, scheme, final eval loss, tokens/s, wall time, status",
                  "Only runs in these states (comma-separated)",
                  [](store::Store&, const std::vector<store::RunRow>& runs, bool json) {
                    return ExportText{json ? runs_json(runs) : runs_csv(runs), runs.size()};
                  });
}

void add_export_attempts_subcommand(CLI::App& export_cmd) {
  add_rows_export(export_cmd, "attempts", "attempts",
                  "One row per attempt: run key and label, attempt, worker, times, outcome, message, where it ran "
                  "(host, pid, SLURM ids)",
                  "Only attempts of runs in these states (comma-separated)",
                  [](store::Store& store, const std::vector<store::RunRow>& runs, bool json) {
                    std::vector<RunAttempts> rows;
                    size_t n = 0;
                    for (const auto& r : runs) {
                      rows.push_back({&r, store.attempts(r.id)});
                      n += rows.back().attempts.size();
                    }
                    return ExportText{json ? attempts_json(rows) : attempts_csv(rows), n};
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
