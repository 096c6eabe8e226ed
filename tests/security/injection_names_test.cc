// Names are data, never code: a sweep, model and scheme named with SQL quotes, shell metacharacters, format
// directives, path-like dots or 200 characters goes through submit → run → status/runs/export verbatim and
// harms nothing; names the store cannot hold safely as file-name parts ('/', '\', control characters, NUL,
// newlines, more than 200 characters, nothing) are refused at their line and column before anything is written.
#include <lps/config/load_sweep.h>
#include <lps/plan/expand.h>
#include <lps/plan/run_key.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

#include "security_test_support.h"

namespace lps::security {
namespace {

namespace fs = std::filesystem;

// Splits RFC 4180 CSV text (quoted fields may hold commas, quotes and newlines) into rows of fields.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (c == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  if (!rows.back().empty() || !field.empty()) {
    rows.back().push_back(field);
  } else {
    rows.pop_back();
  }
  return rows;
}

// Each hostile name is used at once as the sweep's, the model's and the scheme's name.
std::string hostile_sweep(const std::string& name) {
  return "name: " + yaml_quote(name) + "\nmodels:\n  - {name: " + yaml_quote(name) +
         ", n_layers: 1, d_model: 32, n_heads: 2, head_dim: 16, seq_len: 32}\nschemes:\n  - {name: " +
         yaml_quote(name) + ", preset: bf16}\nstore: runs.db\n" + tiny_sweep_body();
}

const std::vector<std::string>& accepted_names() {
  static const std::vector<std::string> names = {
      "x'; DROP TABLE runs; --",
      "\" OR \"1\"=\"1",
      "$(touch PWNED) `touch PWNED` ; touch PWNED | touch PWNED & > PWNED",
      "%s%n%x {} {0} {:>999999999}",
      "..",
      "x --help -rf ~",
      "名前 ✓ émoji 🚀 <b>&amp;<i>",
      std::string(194, 'L') + "'\";$`*",  // 200 characters, the longest name allowed
  };
  return names;
}

TEST(InjectionNames, EveryNameFieldGoesThroughSubmitRunStatusRunsAndExportVerbatim) {
  for (const std::string& name : accepted_names()) {
    SCOPED_TRACE(name);
    TempDir dir;
    const std::string sweep = write_file(dir.sweep_dir() / "hostile.yaml", hostile_sweep(name));
    // The label lpsweep derives from these names, computed by the library itself.
    const auto specs = plan::expand(config::load_sweep_file(sweep));
    ASSERT_EQ(specs.size(), 1u);
    const std::string label = plan::run_label(specs[0]);
    ASSERT_NE(label.find(name), std::string::npos) << label;

    // From inside the sweep's folder, so a shell-executed name would leave PWNED there.
    const std::string in_dir = "cd " + shell_quote(dir.sweep_dir().string()) + " && " + LPS_CLI_PATH + " ";
    auto r = test::run_command(in_dir + "submit " + shell_quote(sweep));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // Selecting the run by its label (a bound SQL parameter) finds exactly it.
    r = test::run_command(in_dir + "cancel " + shell_quote(sweep) + " " + shell_quote(label));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("cancelled 1 run\n"), std::string::npos) << r.output;
    r = test::run_command(in_dir + "retry " + shell_quote(sweep) + " " + shell_quote(label));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("requeued 1 run\n"), std::string::npos) << r.output;
    r = test::run_command(in_dir + "run " + shell_quote(sweep) + " --executor test-double");
    ASSERT_EQ(r.exit_code, 0) << r.output;

    r = cli("status " + shell_quote(sweep));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(name), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("1 completed"), std::string::npos) << r.output;

    r = cli("runs " + shell_quote(sweep));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(label), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\n1 run\n"), std::string::npos) << r.output;

    r = cli("export runs " + shell_quote(sweep) + " --format csv");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto rows = parse_csv(r.output);
    ASSERT_EQ(rows.size(), 2u) << r.output;
    ASSERT_EQ(rows[1].size(), rows[0].size()) << r.output;
    EXPECT_EQ(rows[0][1], "label");
    EXPECT_EQ(rows[1][1], label);
    EXPECT_EQ(rows[0][2], "sweep");
    EXPECT_EQ(rows[1][2], name);
    EXPECT_EQ(rows[0][5], "scheme");
    EXPECT_EQ(rows[1][5], name);

    const std::string json_path = (dir.root() / "runs.json").string();
    r = cli("export runs " + shell_quote(sweep) + " --format json -o " + shell_quote(json_path));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto json = nlohmann::json::parse(read_file(json_path));
    ASSERT_EQ(json.size(), 1u) << json.dump();
    EXPECT_EQ(json[0]["label"].get<std::string>(), label);
    EXPECT_EQ(json[0]["sweep"].get<std::string>(), name);
    EXPECT_EQ(json[0]["scheme"].get<std::string>(), name);
    EXPECT_EQ(json[0]["status"].get<std::string>(), "completed");

    for (const fs::path& where : {dir.sweep_dir(), dir.root(), fs::current_path()}) {
      EXPECT_FALSE(fs::exists(where / "PWNED")) << "a name was executed by a shell in " << where;
    }
  }
}

struct RefusedName {
  std::string name;
  std::string message;  // what the located problem says
};

TEST(InjectionNames, NamesThatCannotBeSafeAreRefusedAtTheirPlaceAndNothingIsWritten) {
  const std::vector<RefusedName> refused = {
      {"../../etc/passwd", "names may not contain '/'"},
      {"a\\b", "names may not contain '\\'"},
      {"two\nlines", "names may not contain control characters"},
      {std::string("nul\0byte", 8), "names may not contain control characters"},
      {"tab\there", "names may not contain control characters"},
      {"esc\x1b[31mred", "names may not contain control characters"},
      {std::string(201, 'x'), "is 201 characters long; names are limited to 200"},
      {std::string(100'000, 'x'), "is 100000 characters long; names are limited to 200"},
  };
  for (const RefusedName& c : refused) {
    SCOPED_TRACE(c.message);
    TempDir dir;
    const std::string sweep = write_file(dir.sweep_dir() / "hostile.yaml", hostile_sweep(c.name));
    const auto r = cli("submit " + shell_quote(sweep));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    // Three problems (sweep, model, scheme name), each at its line and column.
    for (const char* key : {"name", "models[0].name", "schemes[0].name"}) {
      const std::regex located(std::regex_replace(sweep, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                               R"(:\d+:\d+: )" + std::regex_replace(key, std::regex(R"([.\[\]])"), R"(\$&)") + ": " +
                               std::regex_replace(c.message, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)"));
      EXPECT_TRUE(std::regex_search(r.output, located)) << key << " not located in:\n" << r.output.substr(0, 2000);
    }
    EXPECT_FALSE(fs::exists(dir.sweep_dir() / "runs.db")) << "a refused sweep created its store";
  }
}

}  // namespace
}  // namespace lps::security
