#include "media/webrtc/nack_generator.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace onair::webrtc {
namespace {

std::vector<uint16_t> due(NackGenerator& g, int64_t now_ms, int64_t rtt_ms, size_t room = 64) {
  std::array<uint16_t, 1024> buf{};
  size_t n = g.due(now_ms, rtt_ms, std::span<uint16_t>(buf.data(), room));
  return {buf.begin(), buf.begin() + ptrdiff_t(n)};
}

using Seqs = std::vector<uint16_t>;

TEST(NackGenerator, AsksForNothingWithoutGaps) {
  NackGenerator g;
  for (uint16_t s = 100; s < 200; ++s) g.on_packet(s, s);
  EXPECT_EQ(g.missing_count(), 0u);
  EXPECT_TRUE(due(g, 300, 50).empty());
}

TEST(NackGenerator, AsksForAGapAtOnceThenAgainAfterAnRtt) {
  NackGenerator g;
  g.on_packet(1, 0);
  g.on_packet(2, 0);
  auto r = g.on_packet(5, 0);
  EXPECT_FALSE(r.keyframe_needed);
  EXPECT_EQ(g.missing_count(), 2u);
  EXPECT_EQ(due(g, 0, 50), (Seqs{3, 4}));
  EXPECT_TRUE(due(g, 10, 50).empty());
  EXPECT_TRUE(due(g, 49, 50).empty());
  EXPECT_EQ(due(g, 50, 50), (Seqs{3, 4}));
  EXPECT_TRUE(due(g, 60, 50).empty());
}

TEST(NackGenerator, RetriesNoFasterThanTheMinimumIntervalWhenTheRttIsTiny) {
  NackGenerator g;
  g.on_packet(1, 0);
  g.on_packet(3, 0);
  EXPECT_EQ(due(g, 0, 1), (Seqs{2}));
  EXPECT_TRUE(due(g, 19, 1).empty());
  EXPECT_EQ(due(g, 20, 1), (Seqs{2}));
}

TEST(NackGenerator, ForgetsAPacketThatArrivesLate) {
  NackGenerator g;
  g.on_packet(1, 0);
  g.on_packet(4, 0);
  EXPECT_EQ(due(g, 0, 50), (Seqs{2, 3}));
  EXPECT_TRUE(g.on_packet(3, 30).recovered);
  EXPECT_FALSE(g.on_packet(3, 31).recovered);  // a duplicate of it
  EXPECT_EQ(due(g, 50, 50), (Seqs{2}));
}

TEST(NackGenerator, GivesUpAfterTheMaximumNumberOfRetries) {
  NackGenerator g;
  g.on_packet(1, 0);
  g.on_packet(3, 0);
  int asked = 0;
  for (int64_t t = 0; t < 900; t += 20) asked += int(due(g, t, 20).size());
  EXPECT_EQ(asked, 10);
  EXPECT_EQ(g.missing_count(), 0u);
}

TEST(NackGenerator, ExpiresEntriesOlderThanTheMaximumAge) {
  NackGenerator g;
  g.on_packet(1, 0);
  g.on_packet(3, 0);
  EXPECT_EQ(due(g, 0, 400), (Seqs{2}));
  EXPECT_EQ(due(g, 400, 400), (Seqs{2}));
  EXPECT_EQ(due(g, 800, 400), (Seqs{2}));
  EXPECT_TRUE(due(g, 1001, 400).empty());  // past 1 s
  EXPECT_EQ(g.missing_count(), 0u);
}

TEST(NackGenerator, ExpiresEntriesFarBehindTheNewestPacket) {
  NackGenerator g(NackConfig{.max_seq_age = 100});
  g.on_packet(1, 0);
  g.on_packet(3, 0);  // 2 missing
  for (uint16_t s = 4; s <= 102; ++s) g.on_packet(s, 1);
  EXPECT_EQ(due(g, 1, 50), (Seqs{2}));  // 100 behind: still asked
  g.on_packet(103, 2);
  EXPECT_TRUE(due(g, 100, 50).empty());
}

TEST(NackGenerator, HandlesTheWrapAt65535) {
  NackGenerator g;
  g.on_packet(65533, 0);
  g.on_packet(65534, 0);
  g.on_packet(2, 0);
  EXPECT_EQ(due(g, 0, 50), (Seqs{65535, 0, 1}));  // in extended order
  EXPECT_TRUE(g.on_packet(0, 5).recovered);
  EXPECT_EQ(due(g, 60, 50), (Seqs{65535, 1}));
}

TEST(NackGenerator, IgnoresDuplicatesAndStaleOldPackets) {
  NackGenerator g;
  g.on_packet(10, 0);
  auto r = g.on_packet(10, 0);
  EXPECT_FALSE(r.recovered);
  EXPECT_FALSE(r.keyframe_needed);
  g.on_packet(5, 0);  // older than anything missing
  EXPECT_EQ(g.missing_count(), 0u);
}

TEST(NackGenerator, AGapLargerThanTheListAsksForAKeyframeInstead) {
  NackGenerator g;
  g.on_packet(1, 0);
  g.on_packet(3, 0);
  auto r = g.on_packet(uint16_t(3 + 513 + 1), 0);  // 513 missing > 512
  EXPECT_TRUE(r.keyframe_needed);
  EXPECT_EQ(g.missing_count(), 0u);
  EXPECT_TRUE(due(g, 0, 50).empty());
  auto fits = g.on_packet(uint16_t(517 + 512 + 1), 0);  // exactly 512 missing
  EXPECT_FALSE(fits.keyframe_needed);
  EXPECT_EQ(g.missing_count(), 512u);
}

TEST(NackGenerator, OverflowGivesUpTheOldestAndAsksForAKeyframe) {
  NackGenerator g(NackConfig{.max_missing = 8});
  g.on_packet(0, 0);
  EXPECT_FALSE(g.on_packet(6, 0).keyframe_needed);   // 1..5
  EXPECT_TRUE(g.on_packet(12, 0).keyframe_needed);   // 7..11 -> 10 > 8: drop 1, 2
  EXPECT_EQ(g.missing_count(), 8u);
  EXPECT_EQ(due(g, 0, 50), (Seqs{3, 4, 5, 7, 8, 9, 10, 11}));
}

TEST(NackGenerator, EntriesThatDoNotFitTheBufferStayDue) {
  NackGenerator g;
  g.on_packet(0, 0);
  g.on_packet(6, 0);
  EXPECT_EQ(due(g, 0, 50, 3), (Seqs{1, 2, 3}));
  EXPECT_EQ(due(g, 1, 50, 3), (Seqs{4, 5}));
  EXPECT_TRUE(due(g, 2, 50, 3).empty());
}

TEST(NackGenerator, ResetForgetsEverything) {
  NackGenerator g;
  g.on_packet(0, 0);
  g.on_packet(6, 0);
  g.reset();
  EXPECT_EQ(g.missing_count(), 0u);
  g.on_packet(40000, 0);  // a new sequence space is no gap
  EXPECT_EQ(g.missing_count(), 0u);
}

}  // namespace
}  // namespace onair::webrtc
