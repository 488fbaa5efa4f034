#include "media/webrtc/rtp_rewriter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace onair::webrtc {
namespace {

constexpr uint32_t kVideo = 90000;
constexpr uint64_t kLayerA = 0x1111;
constexpr uint64_t kLayerB = 0x2222;
constexpr int64_t kT0 = 5'000'000;  // µs

TEST(SeqTsRewriter, FirstPacketGetsTheInitialNumbers) {
  SeqTsRewriter r(1000, 777777, kVideo);
  EXPECT_FALSE(r.started());
  EXPECT_EQ(r.rewrite(kLayerA, 50, 123, kT0), std::nullopt);  // nothing started yet
  EXPECT_EQ(r.switch_source(kLayerA, 50, 123, kT0), (RtpNumbers{1000, 777777}));
  EXPECT_TRUE(r.started());
  EXPECT_EQ(r.source(), kLayerA);
}

TEST(SeqTsRewriter, MapsAStreamWithFixedOffsets) {
  SeqTsRewriter r(1000, 500000, kVideo);
  r.switch_source(kLayerA, 50, 9000, kT0);
  EXPECT_EQ(r.rewrite(kLayerA, 51, 9000, kT0), (RtpNumbers{1001, 500000}));
  EXPECT_EQ(r.rewrite(kLayerA, 52, 12000, kT0 + 33'000), (RtpNumbers{1002, 503000}));
  EXPECT_EQ(r.next_seq(), 1003);
  EXPECT_EQ(r.map_timestamp(15000), 506000u);
}

TEST(SeqTsRewriter, WrapsSourceAndOutputSeqAt65535) {
  SeqTsRewriter r(65534, 0xfffffff0u, kVideo);
  r.switch_source(kLayerA, 65533, 100, kT0);
  EXPECT_EQ(r.rewrite(kLayerA, 65534, 100, kT0)->seq, 65535);
  EXPECT_EQ(r.rewrite(kLayerA, 65535, 3100, kT0)->seq, 0);
  auto n = r.rewrite(kLayerA, 0, 6100, kT0);
  EXPECT_EQ(n->seq, 1);
  EXPECT_EQ(n->timestamp, 0xfffffff0u + 6000);  // wraps mod 2^32
  EXPECT_EQ(r.rewrite(kLayerA, 1, 6100, kT0)->seq, 2);
  EXPECT_EQ(r.rewrite(kLayerA, 65535, 3100, kT0)->seq, 0);  // late, behind the wrap
}

TEST(SeqTsRewriter, ReorderedAndDuplicatePacketsMapTheSameWay) {
  SeqTsRewriter r(100, 0, kVideo);
  r.switch_source(kLayerA, 10, 0, kT0);
  auto a13 = r.rewrite(kLayerA, 13, 3000, kT0);
  auto a11 = r.rewrite(kLayerA, 11, 0, kT0);
  auto a12 = r.rewrite(kLayerA, 12, 3000, kT0);
  EXPECT_EQ(a13->seq, 103);
  EXPECT_EQ(a11->seq, 101);
  EXPECT_EQ(a12->seq, 102);
  EXPECT_EQ(r.rewrite(kLayerA, 12, 3000, kT0), a12);  // duplicate
  EXPECT_EQ(r.rewrite(kLayerA, 13, 3000, kT0), a13);
  EXPECT_EQ(r.rewrite(kLayerA, 10, 0, kT0)->seq, 100);
}

TEST(SeqTsRewriter, UpstreamLossKeepsItsGapForTheSubscriberToNack) {
  SeqTsRewriter r(100, 0, kVideo);
  r.switch_source(kLayerA, 10, 0, kT0);
  EXPECT_EQ(r.rewrite(kLayerA, 14, 0, kT0)->seq, 104);
  EXPECT_EQ(r.source_seq(102), 12);  // the hole maps back to the lost packet
}

TEST(SeqTsRewriter, SourceSwitchContinuesSeqAndAdvancesTimestampByElapsedWallTime) {
  SeqTsRewriter r(1000, 50000, kVideo);
  r.switch_source(kLayerA, 7, 3000, kT0);
  auto last = r.rewrite(kLayerA, 8, 6000, kT0 + 33'000);  // out 1001, ts 53000 at +33 ms
  ASSERT_EQ(last, (RtpNumbers{1001, 53000}));
  // 100 ms later the other layer's keyframe, with unrelated numbers.
  auto first = r.switch_source(kLayerB, 40000, 123456789, kT0 + 133'000);
  EXPECT_EQ(first.seq, 1002);
  EXPECT_EQ(first.timestamp, 53000u + 9000);  // 100 ms at 90 kHz
  EXPECT_EQ(r.rewrite(kLayerB, 40001, 123456789, kT0 + 134'000), (RtpNumbers{1003, 62000}));
  EXPECT_EQ(r.rewrite(kLayerB, 40002, 123456789 + 3000, kT0 + 160'000), (RtpNumbers{1004, 65000}));
}

TEST(SeqTsRewriter, SwitchAdvancesTheTimestampAtLeastOneTick) {
  SeqTsRewriter r(1, 1000, 48000);
  r.switch_source(kLayerA, 1, 0, kT0);
  EXPECT_EQ(r.switch_source(kLayerB, 9, 0, kT0).timestamp, 1001u);
  EXPECT_EQ(r.switch_source(kLayerA, 9, 0, kT0 - 10).timestamp, 1002u);  // a clock going back
  EXPECT_EQ(r.switch_source(kLayerB, 9, 0, kT0 + 20'000).timestamp, 1002u + 960);
}

TEST(SeqTsRewriter, DropsPacketsOfTheOldSourceAfterASwitch) {
  SeqTsRewriter r(1, 0, kVideo);
  r.switch_source(kLayerA, 100, 0, kT0);
  r.rewrite(kLayerA, 101, 0, kT0);
  r.switch_source(kLayerB, 5000, 0, kT0 + 1000);
  EXPECT_EQ(r.rewrite(kLayerA, 102, 0, kT0 + 2000), std::nullopt);
  EXPECT_EQ(r.rewrite(kLayerA, 101, 0, kT0 + 2000), std::nullopt);
  EXPECT_EQ(r.rewrite(kLayerB, 5001, 0, kT0 + 2000)->seq, 4);
}

TEST(SeqTsRewriter, DropsPacketsOfTheNewSourceFromBeforeTheSwitchPoint) {
  SeqTsRewriter r(1, 0, kVideo);
  r.switch_source(kLayerA, 100, 0, kT0);
  r.switch_source(kLayerB, 5000, 0, kT0);  // out 2
  EXPECT_EQ(r.rewrite(kLayerB, 4999, 0, kT0), std::nullopt);  // would collide with out 1
  EXPECT_EQ(r.rewrite(kLayerB, 5001, 0, kT0)->seq, 3);
}

TEST(SeqTsRewriter, SkippedPacketsLeaveNoGap) {
  SeqTsRewriter r(200, 0, kVideo);
  r.switch_source(kLayerA, 1, 0, kT0);
  EXPECT_EQ(r.rewrite(kLayerA, 2, 0, kT0)->seq, 201);
  r.skip(kLayerA, 3);  // e.g. padding only
  r.skip(kLayerA, 4);
  EXPECT_EQ(r.rewrite(kLayerA, 5, 0, kT0)->seq, 202);
  EXPECT_EQ(r.rewrite(kLayerA, 6, 0, kT0)->seq, 203);
  EXPECT_EQ(r.rewrite(kLayerA, 3, 0, kT0), std::nullopt);  // a skipped packet stays skipped
  EXPECT_EQ(r.rewrite(kLayerA, 5, 0, kT0)->seq, 202);
}

TEST(SeqTsRewriter, SkipsAcrossALossAndTheWrapKeepNumbering) {
  SeqTsRewriter r(65535, 0, kVideo);
  r.switch_source(kLayerA, 65534, 0, kT0);        // out 65535
  r.skip(kLayerA, 65535);
  EXPECT_EQ(r.rewrite(kLayerA, 2, 0, kT0)->seq, 2);  // 0 and 1 lost: out 0, 1 stay holes
  EXPECT_EQ(r.rewrite(kLayerA, 0, 0, kT0)->seq, 0);  // and map when they come late
  EXPECT_EQ(r.rewrite(kLayerA, 1, 0, kT0)->seq, 1);
}

TEST(SeqTsRewriter, ASkipOlderThanTheNewestPacketIsIgnored) {
  SeqTsRewriter r(0, 0, kVideo);
  r.switch_source(kLayerA, 10, 0, kT0);
  EXPECT_EQ(r.rewrite(kLayerA, 12, 0, kT0)->seq, 2);  // 11 is late
  r.skip(kLayerA, 11);                                  // too late to close the gap
  EXPECT_EQ(r.rewrite(kLayerA, 13, 0, kT0)->seq, 3);
  EXPECT_EQ(r.source_seq(1), 11);
}

TEST(SeqTsRewriter, ASwitchAfterTrailingSkipsContinuesAtLastSentPlusOne) {
  SeqTsRewriter r(0, 0, kVideo);
  r.switch_source(kLayerA, 10, 0, kT0);  // out 0
  r.rewrite(kLayerA, 11, 0, kT0);        // out 1
  r.skip(kLayerA, 12);                   // waiting for the other layer's keyframe
  r.skip(kLayerA, 13);
  EXPECT_EQ(r.switch_source(kLayerB, 900, 0, kT0).seq, 2);
}

TEST(SeqTsRewriter, SkipAndRewriteIgnoreOtherSources) {
  SeqTsRewriter r(0, 0, kVideo);
  r.switch_source(kLayerA, 10, 0, kT0);
  r.skip(kLayerB, 11);
  EXPECT_EQ(r.rewrite(kLayerA, 11, 0, kT0)->seq, 1);
}

TEST(SeqTsRewriter, ReverseLookupMapsANackedSeqBackAcrossSkips) {
  SeqTsRewriter r(65530, 0, kVideo);
  r.switch_source(kLayerA, 100, 0, kT0);  // 100 -> 65530
  r.rewrite(kLayerA, 101, 0, kT0);        // 101 -> 65531
  r.skip(kLayerA, 102);
  r.skip(kLayerA, 103);
  r.rewrite(kLayerA, 104, 0, kT0);  // -> 65532
  r.skip(kLayerA, 105);
  r.rewrite(kLayerA, 108, 0, kT0);  // 106, 107 lost -> 65533, 65534 holes; 108 -> 65535
  r.rewrite(kLayerA, 109, 0, kT0);  // -> 0
  EXPECT_EQ(r.source_seq(65530), 100);
  EXPECT_EQ(r.source_seq(65531), 101);
  EXPECT_EQ(r.source_seq(65532), 104);
  EXPECT_EQ(r.source_seq(65533), 106);
  EXPECT_EQ(r.source_seq(65534), 107);
  EXPECT_EQ(r.source_seq(65535), 108);
  EXPECT_EQ(r.source_seq(0), 109);
  EXPECT_EQ(r.source_seq(1), std::nullopt);      // not sent yet
  EXPECT_EQ(r.source_seq(65529), std::nullopt);  // before this epoch
}

TEST(SeqTsRewriter, ReverseLookupRefusesSeqsOfAnEarlierSource) {
  SeqTsRewriter r(10, 0, kVideo);
  r.switch_source(kLayerA, 500, 0, kT0);
  r.rewrite(kLayerA, 501, 0, kT0);  // out 11
  r.switch_source(kLayerB, 7, 0, kT0);  // out 12
  EXPECT_EQ(r.source_seq(11), std::nullopt);
  EXPECT_EQ(r.source_seq(12), 7);
}

TEST(SeqTsRewriter, MapTimestampFollowsTheCurrentSource) {
  SeqTsRewriter r(0, 1000, kVideo);
  r.switch_source(kLayerA, 1, 50000, kT0);
  EXPECT_EQ(r.map_timestamp(53000), 4000u);
  r.switch_source(kLayerB, 1, 90000, kT0 + 1'000'000);  // 1000 + 90000
  EXPECT_EQ(r.map_timestamp(90000), 91000u);
  EXPECT_EQ(r.map_timestamp(93000), 94000u);
}

TEST(SeqTsRewriter, ManySkipsBeyondItsMemoryKeepTheOutputContinuous) {
  SeqTsRewriter r(0, 0, kVideo);
  r.switch_source(kLayerA, 0, 0, kT0);
  uint16_t expected = 1;
  for (uint16_t s = 1; s < 2000; ++s) {
    if (s % 3 == 0) {
      r.skip(kLayerA, s);
    } else {
      auto n = r.rewrite(kLayerA, s, 0, kT0);
      ASSERT_TRUE(n) << s;
      EXPECT_EQ(n->seq, expected++) << s;
      EXPECT_EQ(r.source_seq(n->seq), s);
    }
  }
  // Recent history is still exact; packets behind the forgotten skips are refused.
  EXPECT_EQ(r.rewrite(kLayerA, 1997, 0, kT0)->seq, uint16_t(expected - 2));
  EXPECT_EQ(r.rewrite(kLayerA, 2, 0, kT0), std::nullopt);
  EXPECT_EQ(r.source_seq(1), std::nullopt);
}

TEST(SeqTsRewriter, InOrderStreamWithRandomLossAndSkipsNumbersExactly) {
  std::mt19937 rng(42);
  SeqTsRewriter r(60000, 0, kVideo);
  r.switch_source(kLayerA, 65000, 0, kT0);
  int64_t out = 60000;  // extended expected output of the newest position
  for (uint32_t i = 1; i < 20000; ++i) {
    uint16_t seq = uint16_t(65000 + i);
    int kind = int(rng() % 10);
    if (kind == 0) {
      ++out;  // lost upstream: a hole the subscriber may NACK
    } else if (kind == 1) {
      r.skip(kLayerA, seq);  // no hole
    } else {
      auto n = r.rewrite(kLayerA, seq, 0, kT0);
      ASSERT_TRUE(n);
      ASSERT_EQ(n->seq, uint16_t(++out)) << i;
    }
  }
}

TEST(SeqTsRewriter, ReorderedDuplicatedStreamMapsConsistentlyAndReversibly) {
  std::mt19937 rng(7);
  SeqTsRewriter r(12345, 0, kVideo);
  std::vector<uint16_t> arrivals;
  for (uint32_t i = 0; i < 30000; ++i) arrivals.push_back(uint16_t(50000 + i));  // wraps
  for (size_t i = 1; i + 4 < arrivals.size(); ++i)  // local reordering
    if (rng() % 5 == 0) std::swap(arrivals[i], arrivals[i + 1 + rng() % 3]);
  r.switch_source(kLayerA, arrivals[0], 0, kT0);
  std::map<uint16_t, uint16_t> out_of;  // source seq -> out seq (all distinct sources in window)
  std::map<uint16_t, uint16_t> in_of;
  for (size_t i = 1; i < arrivals.size(); ++i) {
    uint16_t seq = arrivals[i];
    auto n = r.rewrite(kLayerA, seq, 0, kT0);
    if (!n) continue;  // older than the epoch start
    if (rng() % 10 == 0) {
      ASSERT_EQ(r.rewrite(kLayerA, seq, 0, kT0), n);  // a duplicate
    }
    if (out_of.count(seq)) {
      ASSERT_EQ(out_of[seq], n->seq);
    }
    if (in_of.count(n->seq)) {
      ASSERT_EQ(in_of[n->seq], seq) << "two sources on one out seq";
    }
    out_of[seq] = n->seq;
    in_of[n->seq] = seq;
    ASSERT_EQ(r.source_seq(n->seq), seq);
    if (out_of.size() > 20000) {  // keep the maps inside one 16-bit cycle
      out_of.clear();
      in_of.clear();
    }
  }
}

}  // namespace
}  // namespace onair::webrtc
