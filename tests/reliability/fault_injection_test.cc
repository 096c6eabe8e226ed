// lps/core/fault_injection.h: which hits of a point fail, malformed specs, the whole-disk switch.
#include <lps/core/fault_injection.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <vector>

namespace lps {
namespace {

class FaultInjection : public ::testing::Test {
 protected:
  void TearDown() override {
    arm_fault_enospc("");
    set_disk_full_for_testing(false);
  }
};

std::vector<bool> hits(std::string_view point, int n) {
  std::vector<bool> out;
  for (int i = 0; i < n; ++i) out.push_back(fault_enospc(point));
  return out;
}

TEST_F(FaultInjection, NothingFailsWhenNothingIsArmed) {
  arm_fault_enospc("");
  EXPECT_EQ(hits("ckpt.write", 3), (std::vector<bool>{false, false, false}));
}

TEST_F(FaultInjection, ASingleCountFailsOnlyThatHitOfThatPoint) {
  arm_fault_enospc("ckpt.write:2");
  EXPECT_EQ(hits("ckpt.fsync", 3), (std::vector<bool>{false, false, false}));
  EXPECT_EQ(hits("ckpt.write", 4), (std::vector<bool>{false, true, false, false}));
}

TEST_F(FaultInjection, ARangeFailsItsHitsAndSpaceReturnsAfterIt) {
  arm_fault_enospc("ckpt.write:2-3,sqlite.write:1");
  EXPECT_EQ(hits("ckpt.write", 5), (std::vector<bool>{false, true, true, false, false}));
  EXPECT_EQ(hits("sqlite.write", 2), (std::vector<bool>{true, false}));
}

TEST_F(FaultInjection, ANameWithoutCountFailsEveryHitAndReArmingResetsCounts) {
  arm_fault_enospc("ckpt.write");
  EXPECT_EQ(hits("ckpt.write", 3), (std::vector<bool>{true, true, true}));
  arm_fault_enospc("ckpt.write:1");
  EXPECT_EQ(hits("ckpt.write", 2), (std::vector<bool>{true, false}));
}

TEST_F(FaultInjection, MalformedSpecsAreUserErrorsNamingTheSpec) {
  for (const char* bad : {"ckpt.write:0", "ckpt.write:x", "ckpt.write:3-2", ":2", "ckpt.write:1-"}) {
    try {
      arm_fault_enospc(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUserInput) << bad;
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST_F(FaultInjection, TheDiskFullSwitchFailsEveryPointUntilTurnedOff) {
  set_disk_full_for_testing(true);
  EXPECT_TRUE(fault_enospc("anything"));
  EXPECT_TRUE(fault_enospc("ckpt.write"));
  set_disk_full_for_testing(false);
  EXPECT_FALSE(fault_enospc("ckpt.write"));
}

TEST_F(FaultInjection, EnospcAndEdquotAreDiskFullAndDiskFullErrorIsAnIoError) {
  EXPECT_TRUE(is_disk_full_errno(ENOSPC));
  EXPECT_TRUE(is_disk_full_errno(EDQUOT));
  EXPECT_FALSE(is_disk_full_errno(EIO));
  try {
    throw DiskFullError("full");
  } catch (const IoError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
  }
}

}  // namespace
}  // namespace lps
