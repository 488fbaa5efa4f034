#include "media/bridge/jitter_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace onair::bridge {
namespace {

using Bytes = std::vector<uint8_t>;

// One released packet or loss, as a test sees it.
struct Out {
  bool loss;
  uint16_t seq;
  uint32_t missing;
  Bytes payload;
  bool operator==(const Out&) const = default;
};

Out pkt(uint16_t seq) {
  return {false, seq, 0, {uint8_t(seq), uint8_t(seq >> 8)}};
}
Out loss(uint16_t seq, uint32_t missing) {
  return {true, seq, missing, {}};
}

struct Harness {
  JitterBuffer jb;
  std::vector<Out> out;
  explicit Harness(int wait_ms = 150) : jb(JitterConfig{wait_ms}) {}

  JitterBuffer::Push push(uint16_t seq, int64_t now) {
    Bytes payload = {uint8_t(seq), uint8_t(seq >> 8)};
    auto r = jb.push(seq, seq * 10u, seq % 3 == 0, payload, now);
    payload.assign(payload.size(), 0xEE);  // the buffer copied it
    poll(now);
    return r;
  }
  void poll(int64_t now) {
    jb.poll(now, [this](const JitterOutput& o) {
      if (o.kind == JitterOutput::Kind::loss) {
        out.push_back(loss(o.seq, o.missing));
        return;
      }
      EXPECT_EQ(o.timestamp, uint32_t(o.seq * 10u));
      EXPECT_EQ(o.marker, o.seq % 3 == 0);
      out.push_back({false, o.seq, 0, Bytes(o.payload.begin(), o.payload.end())});
    });
  }
};

TEST(JitterBuffer, ReleasesInOrderPacketsAtOnce) {
  Harness h;
  for (uint16_t s = 100; s < 105; ++s) h.push(s, 0);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(100), pkt(101), pkt(102), pkt(103), pkt(104)}));
  EXPECT_EQ(h.jb.held(), 0u);
  EXPECT_FALSE(h.jb.next_deadline_ms());
}

TEST(JitterBuffer, ReordersBySequenceNumber) {
  Harness h;
  h.push(10, 0);
  h.push(13, 1);
  h.push(12, 2);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(10)}));
  h.push(11, 3);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(10), pkt(11), pkt(12), pkt(13)}));
  EXPECT_EQ(h.jb.counters().lost, 0u);
}

TEST(JitterBuffer, DropsDuplicatesAndPacketsOlderThanTheReleasePoint) {
  Harness h;
  h.push(10, 0);
  h.push(12, 0);
  EXPECT_EQ(h.push(12, 1), JitterBuffer::Push::duplicate);
  EXPECT_EQ(h.push(10, 1), JitterBuffer::Push::late);
  EXPECT_EQ(h.push(9, 1), JitterBuffer::Push::late);
  h.push(11, 2);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(10), pkt(11), pkt(12)}));
  EXPECT_EQ(h.jb.counters().duplicates, 1u);
  EXPECT_EQ(h.jb.counters().late, 2u);
}

TEST(JitterBuffer, ReordersAcrossTheSequenceWrap) {
  Harness h;
  h.push(65534, 0);
  h.push(1, 1);
  h.push(65535, 2);
  h.push(0, 3);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(65534), pkt(65535), pkt(0), pkt(1)}));
  EXPECT_EQ(h.push(65535, 4), JitterBuffer::Push::late);
}

TEST(JitterBuffer, DeclaresALossExactlyMaxWaitAfterALaterPacketArrived) {
  Harness h(150);
  h.push(10, 1000);
  h.push(13, 1020);  // 11 and 12 missing: the wait starts now
  h.push(14, 1100);
  EXPECT_EQ(h.jb.next_deadline_ms(), 1170);
  h.poll(1169);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(10)}));
  h.poll(1170);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(10), loss(11, 2), pkt(13), pkt(14)}));
  EXPECT_EQ(h.jb.counters().lost, 2u);
  EXPECT_EQ(h.push(12, 1171), JitterBuffer::Push::late);  // too late now
  EXPECT_FALSE(h.jb.next_deadline_ms());
}

TEST(JitterBuffer, ALateRetransmissionInsideTheWaitFillsTheGap) {
  Harness h(150);
  h.push(10, 0);
  h.push(12, 10);
  h.poll(100);
  h.push(11, 159);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(10), pkt(11), pkt(12)}));
  EXPECT_EQ(h.jb.counters().lost, 0u);
}

TEST(JitterBuffer, ALaterGapWaitsFromItsOwnFirstLaterPacket) {
  Harness h(100);
  h.push(1, 0);
  h.push(3, 10);  // gap at 2, waits from 10
  h.push(6, 50);  // gap at 4-5, waits from 50 (6 is the first packet after it)
  EXPECT_EQ(h.jb.next_deadline_ms(), 110);
  h.poll(110);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(1), loss(2, 1), pkt(3)}));
  EXPECT_EQ(h.jb.next_deadline_ms(), 150);
  h.poll(149);
  EXPECT_EQ(h.out.size(), 3u);
  h.poll(150);
  EXPECT_EQ(h.out.back(), pkt(6));
  EXPECT_EQ(h.out[3], loss(4, 2));
}

TEST(JitterBuffer, AGapWhoseLaterPacketCameLongAgoIsDeclaredAtOnce) {
  Harness h(100);
  h.push(1, 0);
  h.push(3, 5);  // gap at 2, waits from 5
  h.push(5, 6);  // gap at 4, waits from 6: its wait ends while the first one's runs
  h.poll(105);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(1), loss(2, 1), pkt(3)}));
  EXPECT_EQ(h.jb.next_deadline_ms(), 106);
  h.poll(106);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(1), loss(2, 1), pkt(3), loss(4, 1), pkt(5)}));
}

TEST(JitterBuffer, ZeroWaitDeclaresAGapOnTheNextPoll) {
  Harness h(0);
  h.push(1, 0);
  h.push(3, 0);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(1), loss(2, 1), pkt(3)}));
}

TEST(JitterBuffer, RestartsOnAConfirmedSequenceJump) {
  Harness h;
  h.push(100, 0);
  h.push(102, 1);  // 101 missing, 102 held
  EXPECT_EQ(h.push(40000, 2), JitterBuffer::Push::far);
  EXPECT_EQ(h.push(40001, 3), JitterBuffer::Push::restarted);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(100), loss(40000, 0), pkt(40000), pkt(40001)}));
  h.push(40002, 4);
  EXPECT_EQ(h.out.back(), pkt(40002));
  EXPECT_EQ(h.jb.counters().restarts, 1u);
  EXPECT_EQ(h.jb.counters().flushed, 1u);
  EXPECT_EQ(h.push(101, 5), JitterBuffer::Push::far);  // the old stream is gone
}

TEST(JitterBuffer, RestartsBackwardsAndWithTheSecondPacketReordered) {
  Harness h;
  h.push(30000, 0);
  EXPECT_EQ(h.push(5003, 1), JitterBuffer::Push::far);
  EXPECT_EQ(h.push(5005, 2), JitterBuffer::Push::restarted);
  h.push(5004, 3);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(30000), loss(5003, 0), pkt(5003), pkt(5004), pkt(5005)}));
}

TEST(JitterBuffer, AStrayFarPacketDoesNotRestart) {
  Harness h;
  h.push(100, 0);
  EXPECT_EQ(h.push(20000, 1), JitterBuffer::Push::far);
  h.push(101, 2);
  EXPECT_EQ(h.push(20001, 3), JitterBuffer::Push::far);  // 20000 was forgotten at 101
  EXPECT_EQ(h.push(30000, 4), JitterBuffer::Push::far);  // not close to 20001
  h.push(102, 5);
  EXPECT_EQ(h.out, (std::vector<Out>{pkt(100), pkt(101), pkt(102)}));
  EXPECT_EQ(h.jb.counters().restarts, 0u);
  EXPECT_EQ(h.jb.counters().far, 3u);
}

TEST(JitterBuffer, HoldsAWindowOfKSlots) {
  Harness h;
  h.push(0, 0);
  h.push(2, 0);
  EXPECT_EQ(h.push(1 + JitterBuffer::kSlots - 1, 0), JitterBuffer::Push::queued);
  EXPECT_EQ(h.push(1 + JitterBuffer::kSlots, 0), JitterBuffer::Push::far);
}

TEST(JitterBuffer, RefusesPayloadsLargerThanASlot) {
  JitterBuffer jb;
  Bytes big(JitterBuffer::kMaxPayload + 1);
  EXPECT_EQ(jb.push(1, 0, false, big, 0), JitterBuffer::Push::oversize);
  Bytes full(JitterBuffer::kMaxPayload, 0x5A);
  EXPECT_EQ(jb.push(2, 0, false, full, 0), JitterBuffer::Push::queued);
  size_t got = 0;
  jb.poll(0, [&](const JitterOutput& o) { got = o.payload.size(); });
  EXPECT_EQ(got, full.size());
}

// Seeded shuffles: every packet pushed (some twice), none lost, each released once in order.
TEST(JitterBuffer, SeededShufflesComeOutInOrder) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    const uint16_t first = uint16_t(rng());
    const int n = 3000;
    std::vector<uint16_t> order;
    for (int i = 0; i < n; ++i) order.push_back(uint16_t(first + i));
    // Local reordering: shuffle each block of up to 40 packets.
    for (int at = 0; at < n;) {
      int len = std::min(n - at, 1 + int(rng() % 40));
      std::shuffle(order.begin() + at, order.begin() + at + len, rng);
      at += len;
    }
    for (int i = 0; i < 100; ++i) {  // duplicates a little later
      size_t at = rng() % (order.size() - 10);
      const uint16_t again = order[at];
      order.insert(order.begin() + long(at + 1 + rng() % 8), again);
    }
    Harness h;
    h.push(uint16_t(first - 1), 0);  // the release point starts before the shuffled ones
    int64_t now = 0;
    for (uint16_t s : order) h.push(s, now++);
    ASSERT_EQ(h.out.size(), size_t(n + 1)) << seed;
    for (int i = 0; i <= n; ++i) ASSERT_EQ(h.out[size_t(i)], pkt(uint16_t(first - 1 + i))) << seed;
    EXPECT_EQ(h.jb.counters().lost, 0u);
    EXPECT_GT(h.jb.counters().duplicates + h.jb.counters().late, 0u);
  }
}

// Seeded shuffles with real losses: packets come out in order, each missing one reported
// exactly once, and released + lost covers every sequence number.
TEST(JitterBuffer, SeededLossesAreEachReportedOnce) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed * 7919);
    const uint16_t first = uint16_t(rng());
    const int n = 4000;
    std::vector<uint16_t> order;
    std::vector<bool> dropped(n);
    for (int i = 0; i < n; ++i) {
      dropped[size_t(i)] = i > 0 && i < n - 1 && rng() % 20 == 0;
      if (!dropped[size_t(i)]) order.push_back(uint16_t(first + i));
    }
    for (size_t at = 1; at < order.size();) {
      size_t len = std::min(order.size() - at, size_t(1 + rng() % 10));
      std::shuffle(order.begin() + long(at), order.begin() + long(at + len), rng);
      at += len;
    }
    std::swap(order[0], *std::find(order.begin(), order.end(), first));
    Harness h(150);  // a displaced packet is at most ~19 pushes (76 ms) late
    int64_t now = 0;
    for (uint16_t s : order) {
      now += rng() % 5;
      h.push(s, now);
    }
    h.poll(now + 150);
    int expect = 0;
    for (const Out& o : h.out) {
      int at = uint16_t(o.seq - first);
      ASSERT_EQ(at, expect) << seed;
      uint32_t span = o.loss ? o.missing : 1;
      for (uint32_t k = 0; k < span; ++k) {
        EXPECT_EQ(dropped[size_t(at + int(k))], o.loss) << seed << " at " << at + int(k);
      }
      expect += int(span);
    }
    EXPECT_EQ(expect, n) << seed;
    EXPECT_EQ(h.jb.held(), 0u);
  }
}

}  // namespace
}  // namespace onair::bridge
