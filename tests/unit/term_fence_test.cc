// The subscriber's rule for terms (subscriber/src/term_fence.h): epochs only
// grow along the wire, so an older term's event past where a newer term
// began is a fenced primary's and is refused; history before it is not.
#include "term_fence.h"

#include <gtest/gtest.h>

namespace newswire::subscriber {
namespace {

TEST(TermFenceTest, RefusesAnOlderTermPastWhereTheNewerBegan) {
  TermFence fence;
  EXPECT_TRUE(fence.Admit(7, 100));
  EXPECT_TRUE(fence.Admit(7, 101));
  EXPECT_TRUE(fence.Admit(9, 102));  // A failover: the new term begins at 102.
  EXPECT_EQ(fence.epoch(), 9u);
  EXPECT_FALSE(fence.Admit(7, 102));  // The old primary's 102 and on.
  EXPECT_FALSE(fence.Admit(7, 150));
  EXPECT_TRUE(fence.Admit(7, 99));  // Its history before the new term stands (gap repair).
  EXPECT_TRUE(fence.Admit(9, 103));
}

TEST(TermFenceTest, AWireWithoutAClusterIsNeverFenced) {
  TermFence fence;
  for (uint64_t seq = 1; seq <= 5; ++seq) EXPECT_TRUE(fence.Admit(0, seq));
  EXPECT_TRUE(fence.Admit(0, 1));  // Order is the sequencer's business, not the fence's.
}

}  // namespace
}  // namespace newswire::subscriber
