#include "media/bridge/sample_timeline.hpp"

#include <gtest/gtest.h>

#include <random>

namespace onair::bridge {
namespace {

using Kind = SampleTimeline::Kind;

TEST(SampleTimeline, ContiguousPacketsAreInPlace) {
  SampleTimeline t({});
  EXPECT_EQ(t.place(1000).kind, Kind::start);
  EXPECT_EQ(t.next(), 1000);
  t.advance(960);
  EXPECT_EQ(t.place(1960).kind, Kind::contiguous);
  t.advance(960);
  EXPECT_EQ(t.next(), 2920);
}

TEST(SampleTimeline, AGapSaysHowMuchIsMissing) {
  SampleTimeline t({});
  t.place(0);
  t.advance(960);
  auto p = t.place(3 * 960);  // packets 1 and 2 lost
  EXPECT_EQ(p.kind, Kind::gap);
  EXPECT_EQ(p.gap, 2 * 960);
  EXPECT_EQ(t.next(), 960);  // the caller advances for the fill and the packet
  t.advance(2 * 960 + 960);
  EXPECT_EQ(t.place(4 * 960).kind, Kind::contiguous);
}

TEST(SampleTimeline, LatePacketsAndJumpsAreToldApart) {
  SampleTimeline t({.tolerance = 0, .max_gap = 48000, .max_late = 9600});
  t.place(100000);
  t.advance(20 * 960);
  const int64_t next = t.next();
  EXPECT_EQ(t.place(next - 960).kind, Kind::late);  // reordered
  EXPECT_EQ(t.next(), next);
  EXPECT_EQ(t.place(next + 48000).kind, Kind::gap);  // one second: still filled
  EXPECT_EQ(t.place(next + 48001).kind, Kind::reset);
  EXPECT_EQ(t.next(), next + 48001);
  t.advance(960);
  EXPECT_EQ(t.place(next + 48001 - 9601 + 960).kind, Kind::reset);  // back too far
}

TEST(SampleTimeline, ToleranceAbsorbsJitterWithoutMovingTheCount) {
  SampleTimeline t({.tolerance = 480, .max_gap = 48000, .max_late = 48000});
  t.place(0);
  std::mt19937 rng(7);
  int64_t produced = 0;
  for (int i = 0; i < 10000; ++i) {
    produced += 1024;
    t.advance(1024);
    int64_t jitter = int64_t(rng() % 97) - 48;  // ms timestamps: about +-1 ms at 48 kHz
    EXPECT_EQ(t.place(produced + jitter).kind, Kind::contiguous);
  }
  EXPECT_EQ(t.next(), produced);
}

TEST(SampleTimeline, AnHourOfPacketsAcrossTheRtpWrapDoesNotDrift) {
  // 180000 packets of 20 ms at 48 kHz, starting just before the 32-bit wrap.
  SampleTimeline t({});
  uint32_t rtp = 0xFFFFFFFFu - 5 * 960;
  int64_t ext = rtp;
  const int64_t first = ext;
  for (int i = 0; i < 180000; ++i) {
    ext = unwrap_rtp_timestamp(rtp, ext);
    auto p = t.place(ext - first);
    ASSERT_EQ(p.kind, i == 0 ? Kind::start : Kind::contiguous) << i;
    t.advance(960);
    rtp += 960;
  }
  EXPECT_EQ(t.next(), int64_t(180000) * 960);  // exactly one hour of samples
  EXPECT_EQ(t.next(), int64_t(3600) * 48000);
}

TEST(SampleTimeline, RestartBeginsAgain) {
  SampleTimeline t({});
  t.place(0);
  t.advance(960);
  t.restart();
  EXPECT_FALSE(t.started());
  EXPECT_EQ(t.place(123456).kind, Kind::start);
  EXPECT_EQ(t.next(), 123456);
}

TEST(UnwrapRtpTimestamp, CountsAcrossTheWrapBothWays) {
  EXPECT_EQ(unwrap_rtp_timestamp(100, 0xFFFFFF00LL), 0x100000064LL);
  EXPECT_EQ(unwrap_rtp_timestamp(0xFFFFFF00u, 0x100000064LL), 0xFFFFFF00LL);
  EXPECT_EQ(unwrap_rtp_timestamp(5000, 4000), 5000);
  EXPECT_EQ(unwrap_rtp_timestamp(3000, 4000), 3000);
  EXPECT_EQ(unwrap_rtp_timestamp(7, int64_t(3) << 32), (int64_t(3) << 32) + 7);
}

}  // namespace
}  // namespace onair::bridge
