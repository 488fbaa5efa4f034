#include "media/webrtc/packet_cache.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <stdexcept>
#include <vector>

namespace onair::webrtc {
namespace {

// A fake RTP packet whose bytes say which seq it was stored under.
std::vector<uint8_t> packet(uint16_t seq, size_t size = 40) {
  std::vector<uint8_t> p(size, uint8_t(seq * 7));
  p[0] = 0x80;
  p[2] = uint8_t(seq >> 8);
  p[3] = uint8_t(seq);
  return p;
}

bool holds(const PacketCache& cache, uint16_t seq, size_t size = 40) {
  auto got = cache.get(seq);
  auto want = packet(seq, size);
  return std::vector<uint8_t>(got.begin(), got.end()) == want;
}

TEST(PacketCache, ReturnsTheStoredPacket) {
  PacketCache cache(16);
  ASSERT_TRUE(cache.put(100, packet(100, 1200)));
  EXPECT_TRUE(holds(cache, 100, 1200));
  EXPECT_EQ(cache.get(100).size(), 1200u);
}

TEST(PacketCache, ReturnsNothingForASeqNeverStored) {
  PacketCache cache(16);
  EXPECT_TRUE(cache.get(5).empty());
  cache.put(100, packet(100));
  EXPECT_TRUE(cache.get(99).empty());   // same window, never stored
  EXPECT_TRUE(cache.get(101).empty());  // newer than anything stored
}

TEST(PacketCache, ForgetsPacketsOverwrittenByNewerOnes) {
  PacketCache cache(8);
  for (uint16_t s = 0; s <= 8; ++s) cache.put(s, packet(s));
  EXPECT_TRUE(cache.get(0).empty());  // slot 0 now holds seq 8
  for (uint16_t s = 1; s <= 8; ++s) EXPECT_TRUE(holds(cache, s)) << s;
}

TEST(PacketCache, KeepsWorkingAcrossTheWrapAt65535) {
  PacketCache cache(16);
  for (uint32_t i = 0; i < 12; ++i) cache.put(uint16_t(65530 + i), packet(uint16_t(65530 + i)));
  for (uint32_t i = 0; i < 12; ++i) EXPECT_TRUE(holds(cache, uint16_t(65530 + i))) << i;
  EXPECT_TRUE(cache.get(6).empty());
}

TEST(PacketCache, AcceptsReorderedPacketsInsideTheWindow) {
  PacketCache cache(16);
  cache.put(10, packet(10));
  cache.put(12, packet(12));
  EXPECT_TRUE(cache.put(11, packet(11)));
  EXPECT_TRUE(holds(cache, 11));
  EXPECT_TRUE(holds(cache, 12));
}

TEST(PacketCache, RefusesPacketsOlderThanTheWindow) {
  PacketCache cache(8);
  cache.put(100, packet(100));
  EXPECT_FALSE(cache.put(92, packet(92)));  // slot 4 may belong to 100's window
  EXPECT_TRUE(cache.put(93, packet(93)));
  EXPECT_TRUE(holds(cache, 100));
}

TEST(PacketCache, NeverAnswersWithAPacketFromAFullSeqCycleAgo) {
  PacketCache cache(16);
  cache.put(5, packet(5));
  // A whole cycle of 65536 numbers in which every seq landing in slot 5 is lost.
  for (uint32_t i = 6; i < 6 + 65536; ++i)
    if ((i & 15) != 5) cache.put(uint16_t(i), packet(uint16_t(i)));
  EXPECT_TRUE(cache.get(5).empty());
}

TEST(PacketCache, RefusesEmptyAndOversizedPackets) {
  PacketCache cache(16);
  EXPECT_FALSE(cache.put(1, {}));
  EXPECT_FALSE(cache.put(1, packet(1, PacketCache::kSlotBytes + 1)));
  EXPECT_TRUE(cache.put(1, packet(1, PacketCache::kSlotBytes)));
  EXPECT_TRUE(holds(cache, 1, PacketCache::kSlotBytes));
}

TEST(PacketCache, RejectsSizesThatAreNotPowersOfTwo) {
  EXPECT_THROW(PacketCache(0), std::invalid_argument);
  EXPECT_THROW(PacketCache(1000), std::invalid_argument);
  EXPECT_THROW(PacketCache(65536), std::invalid_argument);
  EXPECT_EQ(PacketCache().capacity(), 1024u);
}

TEST(PacketCache, ClearForgetsEverythingAndAcceptsANewSequenceSpace) {
  PacketCache cache(16);
  cache.put(1000, packet(1000));
  cache.clear();
  EXPECT_TRUE(cache.get(1000).empty());
  EXPECT_TRUE(cache.put(40000, packet(40000)));  // far from the old numbers
  EXPECT_TRUE(holds(cache, 40000));
}

TEST(PacketCache, MatchesAModelUnderRandomLossAndReordering) {
  constexpr size_t kSlots = 64;
  PacketCache cache(kSlots);
  std::mt19937 rng(1234);
  std::map<int64_t, bool> stored;  // extended seq -> stored
  int64_t highest = -1;
  int64_t next = 65000;  // wraps during the run
  for (int i = 0; i < 5000; ++i) {
    int64_t ext = next++;
    if (rng() % 10 == 0) continue;                       // lost
    if (rng() % 8 == 0 && ext - 3 > 65000) ext -= 3;     // a late copy of an older one
    bool ok = cache.put(uint16_t(ext), packet(uint16_t(ext)));
    EXPECT_EQ(ok, highest < 0 || ext > highest - int64_t(kSlots)) << ext;
    if (ok) stored[ext] = true;
    highest = std::max(highest, ext);
    for (int64_t s = highest - int64_t(kSlots) - 4; s <= highest; ++s) {
      bool want = s > highest - int64_t(kSlots) && stored.count(s);
      ASSERT_EQ(holds(cache, uint16_t(s)), want) << "seq " << s << " highest " << highest;
    }
  }
}

}  // namespace
}  // namespace onair::webrtc
