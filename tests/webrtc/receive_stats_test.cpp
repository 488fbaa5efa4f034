#include "media/webrtc/receive_stats.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace onair::webrtc {
namespace {

constexpr uint32_t kSsrc = 0x11223344;
constexpr int64_t kWall = 1'700'000'000'000'000;  // µs since 1970, a whole second

// Packets every 20 ms of an 8 kHz clock arriving on time: the jitter stays 0.
void receive(ReceiveStats& s, uint16_t seq, uint32_t i) { s.on_packet(seq, 160 * i, 5000 + 160 * i); }

TEST(ReceiveStats, CountsExpectedAndLostAcrossTheSeqWrap) {
  ReceiveStats s(kSsrc);
  uint32_t i = 0;
  for (uint32_t seq = 65530; seq < 65536 + 10; ++seq, ++i) {
    uint16_t s16 = uint16_t(seq);
    if (s16 == 2 || s16 == 5 || s16 == 7) continue;  // lost
    receive(s, s16, i);
  }
  EXPECT_EQ(s.extended_highest_seq(), 65536u + 9);
  EXPECT_EQ(s.packets_expected(), 16);  // 65530 .. 65545
  EXPECT_EQ(s.packets_received(), 13u);
  EXPECT_EQ(s.packets_lost(), 3);
  ReportBlock b = s.report_block(kWall);
  EXPECT_EQ(b.ssrc, kSsrc);
  EXPECT_EQ(b.extended_highest_seq, 0x00010009u);  // 1 cycle, highest seq 9
  EXPECT_EQ(b.cumulative_lost, 3);
  EXPECT_EQ(b.fraction_lost, 48);  // 3 * 256 / 16
  EXPECT_EQ(b.jitter, 0u);
  EXPECT_EQ(b.lsr, 0u);
  EXPECT_EQ(b.dlsr, 0u);
}

TEST(ReceiveStats, FractionLostCoversOnlyTheIntervalSinceTheLastReport) {
  ReceiveStats s(kSsrc);
  for (uint16_t seq = 0; seq < 10; ++seq)
    if (seq != 4) receive(s, seq, seq);
  EXPECT_EQ(s.report_block(kWall).fraction_lost, 25);  // 1 * 256 / 10
  for (uint16_t seq = 10; seq < 20; ++seq) receive(s, seq, seq);
  ReportBlock clean = s.report_block(kWall);
  EXPECT_EQ(clean.fraction_lost, 0);
  EXPECT_EQ(clean.cumulative_lost, 1);
  for (uint16_t seq = 20; seq < 30; ++seq)
    if (seq != 20 && seq != 21) receive(s, seq, seq);
  ReportBlock lossy = s.report_block(kWall);
  EXPECT_EQ(lossy.fraction_lost, 51);  // 2 * 256 / 10
  EXPECT_EQ(lossy.cumulative_lost, 3);
  EXPECT_EQ(s.report_block(kWall).fraction_lost, 0);  // nothing new: nothing expected
}

TEST(ReceiveStats, DuplicatesMakeTheLossNegativeAndTheFractionZero) {
  ReceiveStats s(kSsrc);
  receive(s, 1, 1);
  receive(s, 2, 2);
  receive(s, 2, 2);
  receive(s, 3, 3);
  EXPECT_EQ(s.packets_lost(), -1);
  ReportBlock b = s.report_block(kWall);
  EXPECT_EQ(b.cumulative_lost, -1);
  EXPECT_EQ(b.fraction_lost, 0);
}

TEST(ReceiveStats, ReorderedPacketsCountWithoutMovingTheHighestSeq) {
  ReceiveStats s(kSsrc);
  receive(s, 100, 0);
  receive(s, 102, 2);
  receive(s, 101, 1);
  EXPECT_EQ(s.extended_highest_seq(), 102u);
  EXPECT_EQ(s.packets_lost(), 0);
}

TEST(ReceiveStats, CumulativeLostIsClampedTo24Bits) {
  ReceiveStats s(kSsrc);
  uint32_t seq = 0;
  for (int i = 0; i < 3000; ++i, seq += 2999) receive(s, uint16_t(seq), uint32_t(i));  // 2998 lost each step
  EXPECT_GT(s.packets_lost(), 0x7FFFFF);
  EXPECT_EQ(s.report_block(kWall).cumulative_lost, 0x7FFFFF);
}

TEST(ReceiveStats, AVeryLargeJumpIsARestartOnlyWhenTheNextPacketFollows) {
  ReceiveStats s(kSsrc);
  receive(s, 100, 0);
  receive(s, 101, 1);
  EXPECT_FALSE(s.on_packet(40000, 0, 0));  // a stray: not counted
  EXPECT_EQ(s.packets_received(), 2u);
  EXPECT_TRUE(s.on_packet(102, 0, 0));
  EXPECT_FALSE(s.on_packet(50000, 0, 0));
  EXPECT_TRUE(s.on_packet(50001, 0, 0));  // two in a row: the sender restarted (A.1)
  EXPECT_EQ(s.extended_highest_seq(), 50001u);
  EXPECT_EQ(s.packets_received(), 1u);
  EXPECT_EQ(s.packets_expected(), 1);
}

// RFC 3550 A.8 with an 8 kHz clock, packets every 160 ticks, by hand (J kept × 16):
//   p0: ts 1000, arrives 5000: transit 4000
//   p1: ts 1160, arrives 5180: transit 4020, |D| = 20, J16 = 0  + 20 - (( 0 + 8) >> 4) = 20
//   p2: ts 1320, arrives 5320: transit 4000, |D| = 20, J16 = 20 + 20 - ((20 + 8) >> 4) = 39
//   p3: ts 1480, arrives 5520: transit 4040, |D| = 40, J16 = 39 + 40 - ((39 + 8) >> 4) = 77
//   jitter = 77 >> 4 = 4 (the floating-point form gives 4.77)
TEST(ReceiveStats, JitterFollowsTheA8Estimator) {
  ReceiveStats s(kSsrc);
  s.on_packet(10, 1000, 5000);
  s.on_packet(11, 1160, 5180);
  EXPECT_EQ(s.jitter(), 1u);  // 20 >> 4
  s.on_packet(12, 1320, 5320);
  s.on_packet(13, 1480, 5520);
  EXPECT_EQ(s.jitter(), 4u);
  EXPECT_EQ(s.report_block(kWall).jitter, 4u);
}

TEST(ReceiveStats, JitterHandlesTimestampAndArrivalWrap) {
  ReceiveStats s(kSsrc);
  s.on_packet(1, 0xFFFFFF00u, 0xFFFFFFF0u);
  s.on_packet(2, 0xFFFFFF00u + 160, 0xFFFFFFF0u + 160 + 32);  // both wrap; |D| = 32
  EXPECT_EQ(s.jitter(), 2u);
}

TEST(ReceiveStats, RetransmissionsCountButStayOutOfTheJitter) {
  ReceiveStats s(kSsrc);
  s.on_packet(1, 0, 1000);
  s.on_packet(3, 320, 1320);
  s.on_packet(2, 160, 1900, /*retransmitted=*/true);  // 420 ticks late
  EXPECT_EQ(s.jitter(), 0u);
  EXPECT_EQ(s.packets_lost(), 0);
}

TEST(ReceiveStats, ReportsLsrAndDlsrFromTheLastSenderReport) {
  ReceiveStats s(kSsrc);
  receive(s, 1, 1);
  s.on_sender_report(0xAABBCCDDEEFF0011ull, 90000, kWall);
  EXPECT_TRUE(s.has_sender_report());
  EXPECT_EQ(s.last_sr_rtp_timestamp(), 90000u);
  ReportBlock b = s.report_block(kWall + 1'500'000);
  EXPECT_EQ(b.lsr, 0xCCDDEEFFu);
  EXPECT_EQ(b.dlsr, 98304u);  // 1.5 s × 65536
}

TEST(Ntp, ConvertsUnixTimeToNtpAndBack) {
  EXPECT_EQ(ntp_from_unix_us(0), 0x83AA7E80ull << 32);  // 2208988800 s
  EXPECT_EQ(ntp_from_unix_us(500'000), (0x83AA7E80ull << 32) | 0x80000000u);
  EXPECT_EQ(ntp_compact(ntp_from_unix_us(kWall + 250'000)) & 0xFFFF, 0x4000u);
  for (int64_t us : {kWall, kWall + 1, kWall + 999'999, kWall + 123'457}) EXPECT_EQ(unix_us_from_ntp(ntp_from_unix_us(us)), us);
  int64_t after_2036 = (int64_t(1) << 32) * 1'000'000 - 2'208'988'800LL * 1'000'000 + 5'000'000;
  EXPECT_EQ(ntp_from_unix_us(after_2036) >> 32, 5u);  // era 1
  EXPECT_EQ(unix_us_from_ntp(ntp_from_unix_us(after_2036)), after_2036);
}

TEST(SendStats, SenderInfoWaitsForTheFirstPacket) {
  SendStats s(kSsrc, 90000);
  EXPECT_EQ(s.sender_info(kWall), std::nullopt);
}

TEST(SendStats, SenderInfoExtrapolatesTheRtpTimestampAtTheClockRate) {
  SendStats s(kSsrc, 90000);
  s.on_packet_sent(1000, 1100, kWall);
  s.on_packet_sent(1000, 900, kWall + 1000);
  s.on_packet_sent(4000, 1200, kWall + 33'000);
  auto info = s.sender_info(kWall + 53'000);  // 20 ms after the newest packet
  ASSERT_TRUE(info);
  EXPECT_EQ(info->rtp_timestamp, 4000u + 1800);
  EXPECT_EQ(info->ntp, ntp_from_unix_us(kWall + 53'000));
  EXPECT_EQ(info->packet_count, 3u);
  EXPECT_EQ(info->octet_count, 3200u);
}

TEST(SendStats, SuccessiveSenderReportsAgreeOnNtpAndRtp) {
  SendStats s(kSsrc, 48000);
  s.on_packet_sent(0xFFFFF000u, 100, kWall);
  auto a = *s.sender_info(kWall + 100'000);
  auto b = *s.sender_info(kWall + 1'100'000);
  EXPECT_EQ(b.rtp_timestamp - a.rtp_timestamp, 48000u);  // across the 2^32 wrap
  EXPECT_EQ(unix_us_from_ntp(b.ntp) - unix_us_from_ntp(a.ntp), 1'000'000);
}

TEST(SendStats, ARetransmissionDoesNotMoveTheRtpBase) {
  SendStats s(kSsrc, 90000);
  s.on_packet_sent(9000, 100, kWall);
  s.on_packet_sent(6000, 100, kWall + 10'000);  // an old packet resent
  EXPECT_EQ(s.sender_info(kWall + 10'000)->rtp_timestamp, 9000u + 900);
  EXPECT_EQ(s.packets_sent(), 2u);
}

TEST(SendStats, RoundTripTimeFromLsrAndDlsr) {
  SendStats s(kSsrc, 90000);
  s.on_packet_sent(0, 100, kWall);
  auto sr = *s.sender_info(kWall);
  // The peer holds the SR 0.5 s before answering; its RR arrives 562.5 ms after the SR.
  ReportBlock rr{.ssrc = kSsrc, .fraction_lost = 12, .cumulative_lost = 40, .jitter = 77,
                 .lsr = ntp_compact(sr.ntp), .dlsr = 32768};
  EXPECT_EQ(s.on_report_block(rr, kWall + 562'500), 62'500);  // 4096 / 65536 s
  EXPECT_EQ(s.rtt_us(), 62'500);
  EXPECT_EQ(s.fraction_lost(), 12);
  EXPECT_EQ(s.cumulative_lost(), 40);
  EXPECT_EQ(s.jitter(), 77u);
}

TEST(SendStats, RoundTripTimeNeedsAKnownLsrAndIsNeverNegative) {
  SendStats s(kSsrc, 90000);
  s.on_packet_sent(0, 100, kWall);
  EXPECT_EQ(s.on_report_block(ReportBlock{.ssrc = kSsrc, .fraction_lost = 3}, kWall), std::nullopt);
  EXPECT_EQ(s.fraction_lost(), 3);  // loss is remembered anyway
  auto sr = *s.sender_info(kWall);
  ReportBlock rr{.ssrc = kSsrc, .lsr = ntp_compact(sr.ntp), .dlsr = 65536};
  EXPECT_EQ(s.on_report_block(rr, kWall + 999'000), 0);  // DLSR overshoots by 1 ms
  rr.lsr += 1;  // an SR we never sent
  EXPECT_EQ(s.on_report_block(rr, kWall + 999'000), std::nullopt);
}

TEST(SendStats, RoundTripTimeMatchesTheRightOneOfSeveralSenderReports) {
  SendStats s(kSsrc, 90000);
  s.on_packet_sent(0, 100, kWall);
  std::vector<uint32_t> lsrs;
  for (int i = 0; i < 5; ++i) lsrs.push_back(ntp_compact(s.sender_info(kWall + i * 1'000'000)->ntp));
  // The peer answers the SR sent at +2 s, holding it 0.25 s; the RR arrives at +4.375 s.
  ReportBlock rr{.ssrc = kSsrc, .lsr = lsrs[2], .dlsr = 16384};
  EXPECT_EQ(s.on_report_block(rr, kWall + 4'375'000), 2'125'000);
}

TEST(SendStats, UsesTheSteadyClockForRtpAndRttAndTheWallClockOnlyForNtp) {
  SendStats s(kSsrc, 90000);
  constexpr int64_t kSteady = 42'000'000;  // the loop's clock: unrelated origin
  s.on_packet_sent(3000, 100, kSteady);
  auto sr = *s.sender_info(kSteady + 100'000, kWall);
  EXPECT_EQ(sr.ntp, ntp_from_unix_us(kWall));
  EXPECT_EQ(sr.rtp_timestamp, 3000u + 9000);
  // The wall clock may step meanwhile; only the steady clock measures the round trip.
  ReportBlock rr{.ssrc = kSsrc, .lsr = ntp_compact(sr.ntp), .dlsr = 6554};  // 100.006 ms
  EXPECT_EQ(s.on_report_block(rr, kSteady + 100'000 + 180'006), 80'000);
  EXPECT_EQ(s.rtt_us(), 80'000);
}

TEST(SendStats, RoundTripFromAReceiveStatsReportBlock) {
  // Our SR goes out, the peer's ReceiveStats answers 200 ms later, and the RR takes 30 ms
  // each way: the RTT is 60 ms within the 1/65536 s resolution.
  SendStats sender(kSsrc, 90000);
  ReceiveStats receiver(kSsrc);
  sender.on_packet_sent(0, 100, kWall);
  receiver.on_packet(1, 0, 0);
  auto sr = *sender.sender_info(kWall + 7'000);
  receiver.on_sender_report(sr.ntp, sr.rtp_timestamp, kWall + 37'000);
  ReportBlock rr = receiver.report_block(kWall + 237'000);
  auto rtt = sender.on_report_block(rr, kWall + 267'000);
  ASSERT_TRUE(rtt);
  EXPECT_NEAR(double(*rtt), 60'000, 32);
}

}  // namespace
}  // namespace onair::webrtc
