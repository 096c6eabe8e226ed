#include <lps/core/diagnostic.h>

#include <gtest/gtest.h>

namespace lps {
namespace {

TEST(Diagnostic, PrintsFileLineColumnKeyAndMessage) {
  Diagnostic d{"sweep.yaml", 12, 5, "grid.models[1].d_model", "must be a positive multiple of n_heads"};
  EXPECT_EQ(d.str(), "sweep.yaml:12:5: grid.models[1].d_model: must be a positive multiple of n_heads");
}

TEST(Diagnostic, OmitsUnknownPositionAndEmptyKey) {
  EXPECT_EQ((Diagnostic{"a.csv", 0, 0, "", "is empty"}).str(), "a.csv: is empty");
  EXPECT_EQ((Diagnostic{"a.csv", 3, 0, "", "bad"}).str(), "a.csv:3: bad");
}

TEST(DiagnosticList, ThrowsOneErrorListingEveryProblemInOrder) {
  DiagnosticList list;
  EXPECT_NO_THROW(list.throw_if_any());
  list.add({"s.yaml", 1, 1, "a", "first"});
  list.add({"s.yaml", 2, 3, "b", "second"});
  try {
    list.throw_if_any();
    FAIL() << "expected UserInputError";
  } catch (const UserInputError& e) {
    ASSERT_EQ(e.problems().size(), 2u);
    EXPECT_EQ(std::string(e.what()), "s.yaml:1:1: a: first\ns.yaml:2:3: b: second");
    EXPECT_EQ(e.kind(), ErrorKind::kUserInput);
  }
}

TEST(DiagnosticList, AMessageListsTheFirstFiftyProblemsAndCountsTheRest) {
  DiagnosticList list;
  for (int i = 1; i <= 50001; ++i) list.add({"s.yaml", i, 3, "seeds", "duplicate seed 7"});
  try {
    list.throw_if_any();
    FAIL() << "expected UserInputError";
  } catch (const UserInputError& e) {
    EXPECT_EQ(e.problems().size(), 50001u);  // every problem is kept for callers
    const std::string text = e.what();
    EXPECT_NE(text.find("s.yaml:50:3: seeds: duplicate seed 7\n"), std::string::npos);
    EXPECT_EQ(text.find("s.yaml:51:3"), std::string::npos);
    EXPECT_NE(text.find("... and 49951 more problems (the first 50 are shown; fix these and run again)"), std::string::npos)
        << text.substr(text.size() - 200);
    EXPECT_LT(text.size(), 4000u);
  }
}

}  // namespace
}  // namespace lps
