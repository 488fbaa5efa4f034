#include "media/webrtc/rtcp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace onair::webrtc::rtcp {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes unhex(std::string_view h) {
  Bytes out;
  int hi = -1;
  for (char c : h) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(uint8_t(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

// The only packet in `b`, which must be exactly one valid packet.
Packet only(const Bytes& b) {
  CompoundReader r(b.data(), b.size());
  Packet p;
  EXPECT_TRUE(r.next(p));
  Packet extra;
  EXPECT_FALSE(r.next(extra));
  EXPECT_FALSE(r.error());
  return p;
}

template <class F>
Bytes build(F&& write) {
  Bytes out(2048);
  size_t n = write(out.data(), out.size());
  EXPECT_GT(n, 0u);
  EXPECT_EQ(n % 4, 0u);
  out.resize(n);
  return out;
}

const ReportBlock kBlock{.ssrc = 0x0a0b0c0d,
                         .fraction_lost = 0x40,
                         .cumulative_lost = -1,
                         .extended_highest_seq = 0x00010010,
                         .jitter = 0x20,
                         .last_sr = 0x11223344,
                         .delay_since_last_sr = 0x00010000};

TEST(Rtcp, WritesAReceiverReportByteForByte) {
  const ReportBlock blocks[] = {kBlock};
  Bytes b =
      build([&](uint8_t* o, size_t c) { return write_receiver_report(o, c, 0x01020304, blocks); });
  EXPECT_EQ(b, unhex("81c9 0007 01020304 0a0b0c0d 40ffffff 00010010 00000020 11223344 00010000"));
  auto rr = parse_receiver_report(only(b));
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->sender_ssrc, 0x01020304u);
  ASSERT_EQ(rr->blocks.size(), 1u);
  EXPECT_EQ(rr->blocks[0], kBlock);
  EXPECT_FALSE(parse_sender_report(only(b)));
}

TEST(Rtcp, SenderReportRoundTrips) {
  std::vector<ReportBlock> blocks;
  for (uint32_t i = 0; i < 3; ++i) {
    ReportBlock rb = kBlock;
    rb.ssrc = 100 + i;
    rb.cumulative_lost = int32_t(i) * 1000 - 1500;
    blocks.push_back(rb);
  }
  const SenderInfo info{.ntp = 0xe1b2c3d4a5b6c7d8,
                        .rtp_timestamp = 90000,
                        .packet_count = 1234,
                        .octet_count = 567890};
  Bytes b = build(
      [&](uint8_t* o, size_t c) { return write_sender_report(o, c, 0xfeedface, info, blocks); });
  EXPECT_EQ(b.size(), 28u + 3 * 24);
  EXPECT_EQ(b[0], 0x83);
  EXPECT_EQ(b[1], kSenderReport);
  auto sr = parse_sender_report(only(b));
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->sender_ssrc, 0xfeedfaceu);
  EXPECT_EQ(sr->info, info);
  ASSERT_EQ(sr->blocks.size(), 3u);
  std::vector<ReportBlock> back(sr->blocks.begin(), sr->blocks.end());
  EXPECT_EQ(back, blocks);
  // Without blocks: 28 bytes.
  Bytes e = build([&](uint8_t* o, size_t c) { return write_sender_report(o, c, 1, info); });
  EXPECT_EQ(e.size(), 28u);
  EXPECT_EQ(parse_sender_report(only(e))->blocks.size(), 0u);
}

TEST(Rtcp, CumulativeLostIsA24BitSignedNumber) {
  for (int32_t lost : {0, 1, -1, 0x7fffff, -0x800000, 0x1000000, -0x1000000}) {
    ReportBlock rb = kBlock;
    rb.cumulative_lost = lost;
    const ReportBlock blocks[] = {rb};
    Bytes b = build([&](uint8_t* o, size_t c) { return write_receiver_report(o, c, 1, blocks); });
    const int32_t clamped = std::clamp(lost, -0x800000, 0x7fffff);
    EXPECT_EQ(parse_receiver_report(only(b))->blocks[0].cumulative_lost, clamped) << lost;
  }
}

TEST(Rtcp, RefusesTooManyReportBlocksAndSmallBuffers) {
  std::vector<ReportBlock> blocks(32, kBlock);
  uint8_t out[2048];
  EXPECT_EQ(write_receiver_report(out, sizeof out, 1, blocks), 0u);
  EXPECT_EQ(write_sender_report(out, sizeof out, 1, {}, blocks), 0u);
  EXPECT_EQ(write_receiver_report(out, sizeof out, 1, std::span(blocks).first(31)), 8u + 31 * 24);
  EXPECT_EQ(write_receiver_report(out, 31, 1, std::span(blocks).first(1)), 0u);
  EXPECT_EQ(write_sender_report(out, 27, 1, {}), 0u);
  EXPECT_EQ(write_sdes_cname(out, 15, 1, "abc"), 0u);
  EXPECT_EQ(write_bye(out, 11, std::vector<uint32_t>{1}, "bye"), 0u);
  EXPECT_EQ(write_pli(out, 11, 1, 2), 0u);
  const FirEntry fir[] = {{1, 2}};
  EXPECT_EQ(write_fir(out, 19, 1, fir), 0u);
  EXPECT_EQ(write_remb(out, 23, 1, 1000, std::vector<uint32_t>{1}), 0u);
  const uint16_t lost[] = {1};
  EXPECT_EQ(write_nack(out, 15, 1, 2, lost), 0u);
  EXPECT_EQ(write_nack(out, 16, 1, 2, lost), 16u);
}

TEST(Rtcp, SdesCnameByteForByteAndPadded) {
  Bytes b = build([&](uint8_t* o, size_t c) { return write_sdes_cname(o, c, 0x11223344, "abc"); });
  EXPECT_EQ(b, unhex("81ca 0003 11223344 0103 616263 000000"));
  // Every length leaves at least one null octet and ends on 32 bits.
  for (size_t len = 0; len <= 255; ++len) {
    const std::string cname(len, 'x');
    Bytes p = build([&](uint8_t* o, size_t c) { return write_sdes_cname(o, c, 7, cname); });
    EXPECT_GE(p.size(), 4u + 4 + 2 + len + 1);
    EXPECT_EQ(p.back(), 0);
    SdesReader r(only(p));
    SdesItem item;
    ASSERT_TRUE(r.next(item)) << len;
    EXPECT_EQ(item.ssrc, 7u);
    EXPECT_EQ(item.type, kSdesCname);
    EXPECT_EQ(item.value, cname);
    EXPECT_FALSE(r.next(item));
    EXPECT_FALSE(r.error());
  }
  uint8_t out[600];
  EXPECT_EQ(write_sdes_cname(out, sizeof out, 1, std::string(256, 'x')), 0u);
}

TEST(Rtcp, ReadsSdesWithSeveralChunksAndItems) {
  // Chunk 1: CNAME "ab", NAME(2) "x", end; chunk 2: CNAME "c", end.
  const Bytes b = unhex("82ca 0005 00000001 0102 6162 0201 78 00 00000002 0101 63 00");
  SdesReader r(only(b));
  SdesItem item;
  ASSERT_TRUE(r.next(item));
  EXPECT_EQ(item.ssrc, 1u);
  EXPECT_EQ(item.value, "ab");
  ASSERT_TRUE(r.next(item));
  EXPECT_EQ(item.type, 2);
  EXPECT_EQ(item.value, "x");
  ASSERT_TRUE(r.next(item));
  EXPECT_EQ(item.ssrc, 2u);
  EXPECT_EQ(item.value, "c");
  EXPECT_FALSE(r.next(item));
  EXPECT_FALSE(r.error());
  // An item running past the packet.
  const Bytes bad = unhex("81ca 0002 00000001 0109 6162");
  SdesReader rb(only(bad));
  EXPECT_FALSE(rb.next(item));
  EXPECT_TRUE(rb.error());
}

TEST(Rtcp, CompoundSenderReportAndSdes) {
  uint8_t buf[256];
  const ReportBlock blocks[] = {kBlock};
  const SenderInfo info{.ntp = ntp_from_unix_us(1'700'000'000'000'000), .rtp_timestamp = 4242};
  size_t n = write_sender_report(buf, sizeof buf, 0xaaaa, info, blocks);
  ASSERT_GT(n, 0u);
  size_t m = write_sdes_cname(buf + n, sizeof buf - n, 0xaaaa, "onair-cname");
  ASSERT_GT(m, 0u);
  n += m;
  EXPECT_EQ(validate_compound(buf, n), 2u);
  CompoundReader r(buf, n);
  Packet p;
  ASSERT_TRUE(r.next(p));
  auto sr = parse_sender_report(p);
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->info, info);
  EXPECT_EQ(sr->blocks[0], kBlock);
  ASSERT_TRUE(r.next(p));
  EXPECT_EQ(p.type, kSdes);
  SdesReader sdes(p);
  SdesItem item;
  ASSERT_TRUE(sdes.next(item));
  EXPECT_EQ(item.value, "onair-cname");
  EXPECT_FALSE(r.next(p));
  EXPECT_FALSE(r.error());
}

TEST(Rtcp, AcceptsAReducedSizePacketAlone) {
  Bytes b = build([&](uint8_t* o, size_t c) { return write_pli(o, c, 1, 2); });
  EXPECT_EQ(b, unhex("81ce 0002 00000001 00000002"));
  EXPECT_EQ(validate_compound(b.data(), b.size()), 1u);
  auto pli = parse_pli(only(b));
  ASSERT_TRUE(pli);
  EXPECT_EQ(pli->sender_ssrc, 1u);
  EXPECT_EQ(pli->media_ssrc, 2u);
  EXPECT_FALSE(parse_fir(only(b)));
  EXPECT_FALSE(parse_remb(only(b)));
  EXPECT_FALSE(parse_nack(only(b)));
}

TEST(Rtcp, RefusesMalformedHeaders) {
  auto error_of = [](const Bytes& b) {
    auto v = validate_compound(b.data(), b.size());
    return v ? std::optional<ParseError>() : std::optional(v.error());
  };
  EXPECT_EQ(error_of({}), ParseError::too_short);
  EXPECT_EQ(error_of(unhex("81ce00")), ParseError::too_short);
  EXPECT_EQ(error_of(unhex("41ce 0002 00000001 00000002")), ParseError::bad_version);
  EXPECT_EQ(error_of(unhex("81ce 0003 00000001 00000002")), ParseError::bad_length);
  // Padding: count 0; count larger than the body.
  EXPECT_EQ(error_of(unhex("a1ce 0002 00000001 00000000")), ParseError::bad_padding);
  EXPECT_EQ(error_of(unhex("a1ce 0002 00000001 00000009")), ParseError::bad_padding);
  // Valid padding is stripped from the body.
  const Bytes padded = unhex("a1ce 0003 00000001 00000002 00000004");
  EXPECT_EQ(validate_compound(padded.data(), padded.size()), 1u);
  EXPECT_EQ(only(padded).body.size(), 8u);
  EXPECT_EQ(parse_pli(only(padded))->media_ssrc, 2u);
  // A good packet followed by garbage: the reader gives the good one, then stops with an error.
  Bytes two = unhex("81ce 0002 00000001 00000002 81ce 0009 0000");
  CompoundReader r(two.data(), two.size());
  Packet p;
  EXPECT_TRUE(r.next(p));
  EXPECT_FALSE(r.next(p));
  EXPECT_EQ(r.error(), ParseError::bad_length);
  EXPECT_FALSE(validate_compound(two.data(), two.size()));
  EXPECT_EQ(to_string(ParseError::bad_length), "bad_length");
}

TEST(Rtcp, TypeParsersRefuseBodiesShorterThanTheyClaim) {
  // An RR saying RC=2 with room for one block.
  Bytes rr = unhex("82c9 0007 01020304 0a0b0c0d 40ffffff 00010010 00000020 11223344 00010000");
  EXPECT_FALSE(parse_receiver_report(only(rr)));
  // An SR shorter than its sender info.
  EXPECT_FALSE(parse_sender_report(only(unhex("80c8 0001 00000001"))));
  // A BYE with SC=2 and one SSRC; a reason longer than the packet.
  EXPECT_FALSE(parse_bye(only(unhex("82cb 0001 00000001"))));
  EXPECT_FALSE(parse_bye(only(unhex("81cb 0002 00000001 09616263"))));
  // NACK and FIR without an FCI entry; REMB with fewer SSRCs than it counts.
  EXPECT_FALSE(parse_nack(only(unhex("81cd 0002 00000001 00000002"))));
  EXPECT_FALSE(parse_fir(only(unhex("84ce 0002 00000001 00000000"))));
  EXPECT_FALSE(parse_remb(only(unhex("8fce 0005 00000001 00000000 52454d42 020bd090 12345678"))));
  EXPECT_FALSE(parse_remb(only(unhex("8fce 0005 00000001 00000000 52454d43 010bd090 12345678"))));
  EXPECT_FALSE(parse_feedback_ssrcs(only(unhex("81cd 0001 00000001"))));
}

TEST(Rtcp, EveryTruncationOfACompoundPacketIsRefusedOrCut) {
  uint8_t buf[512];
  const ReportBlock blocks[] = {kBlock, kBlock};
  size_t n = write_sender_report(buf, sizeof buf, 1, {}, blocks);
  n += write_sdes_cname(buf + n, sizeof buf - n, 1, "cname");
  const uint16_t lost[] = {1, 2, 3, 40};
  n += write_nack(buf + n, sizeof buf - n, 1, 2, lost);
  n += write_remb(buf + n, sizeof buf - n, 1, 500'000, std::vector<uint32_t>{2, 3});
  ASSERT_EQ(validate_compound(buf, n), 4u);
  std::set<size_t> boundaries = {0};
  {
    CompoundReader r(buf, n);
    Packet p;
    while (r.next(p)) boundaries.insert(size_t(p.bytes.data() + p.bytes.size() - buf));
  }
  for (size_t cut = 0; cut < n; ++cut) {
    Bytes b(buf, buf + cut);  // its own allocation, so ASan sees any read past the cut
    auto v = validate_compound(b.data(), b.size());
    if (boundaries.count(cut) && cut > 0) {
      EXPECT_TRUE(v) << cut;
    } else {
      EXPECT_FALSE(v) << cut;
    }
  }
}

TEST(Rtcp, ByeRoundTrips) {
  Bytes b = build([&](uint8_t* o, size_t c) {
    return write_bye(o, c, std::vector<uint32_t>{0x12345678}, "bye");
  });
  EXPECT_EQ(b, unhex("81cb 0002 12345678 03627965"));
  auto bye = parse_bye(only(b));
  ASSERT_TRUE(bye);
  ASSERT_EQ(bye->ssrcs.size(), 1u);
  EXPECT_EQ(bye->ssrcs[0], 0x12345678u);
  EXPECT_EQ(bye->reason, "bye");
  Bytes plain = build([&](uint8_t* o, size_t c) {
    return write_bye(o, c, std::vector<uint32_t>{1, 2, 3});
  });
  auto bye2 = parse_bye(only(plain));
  ASSERT_TRUE(bye2);
  EXPECT_EQ(std::vector<uint32_t>(bye2->ssrcs.begin(), bye2->ssrcs.end()),
            (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_TRUE(bye2->reason.empty());
  uint8_t out[256];
  EXPECT_EQ(write_bye(out, sizeof out, std::vector<uint32_t>(32, 1)), 0u);
}

std::vector<uint16_t> lost_of(const Bytes& b) {
  auto nack = parse_nack(only(b));
  EXPECT_TRUE(nack);
  std::vector<uint16_t> out;
  if (nack) nack->for_each_lost([&](uint16_t s) { out.push_back(s); });
  return out;
}

TEST(Rtcp, NackPacksSequenceNumbersIntoPidAndBlp) {
  const std::vector<uint16_t> lost = {100, 101, 116, 117};
  Bytes b = build([&](uint8_t* o, size_t c) { return write_nack(o, c, 0x11, 0x22, lost); });
  // 100 with BLP bit 0 (101) and bit 15 (116); 117 is 17 past 100, so it starts a new item.
  EXPECT_EQ(b, unhex("81cd 0004 00000011 00000022 0064 8001 0075 0000"));
  EXPECT_EQ(nack_item_count(lost), 2u);
  auto nack = parse_nack(only(b));
  ASSERT_TRUE(nack);
  EXPECT_EQ(nack->sender_ssrc, 0x11u);
  EXPECT_EQ(nack->media_ssrc, 0x22u);
  ASSERT_EQ(nack->items.size(), 2u);
  EXPECT_EQ(nack->items[0], (NackItem{100, 0x8001}));
  EXPECT_EQ(lost_of(b), lost);
  // Into a fixed array, stopping when it is full.
  uint16_t some[3];
  EXPECT_EQ(nack->lost(some), 3u);
  EXPECT_EQ(some[2], 116);
}

TEST(Rtcp, NackPacksAcrossTheWrap) {
  const std::vector<uint16_t> lost = {65534, 65535, 0, 5};
  Bytes b = build([&](uint8_t* o, size_t c) { return write_nack(o, c, 1, 2, lost); });
  EXPECT_EQ(b, unhex("81cd 0003 00000001 00000002 fffe 0043"));
  EXPECT_EQ(lost_of(b), lost);
}

TEST(Rtcp, NackOfAnUnsortedListWithDuplicatesIsStillRight) {
  const std::vector<uint16_t> lost = {50, 50, 10, 12, 11, 60, 59};
  Bytes b = build([&](uint8_t* o, size_t c) { return write_nack(o, c, 1, 2, lost); });
  std::vector<uint16_t> back = lost_of(b);
  EXPECT_EQ(std::set<uint16_t>(back.begin(), back.end()),
            std::set<uint16_t>(lost.begin(), lost.end()));
  uint8_t out[64];
  EXPECT_EQ(write_nack(out, sizeof out, 1, 2, {}), 0u);  // nothing to say
}

TEST(Rtcp, RandomNackListsRoundTrip) {
  std::mt19937 rng(4585);
  for (int iter = 0; iter < 2000; ++iter) {
    std::set<uint16_t> want;
    const uint16_t start = uint16_t(rng());
    const int span = std::uniform_int_distribution<int>(1, 600)(rng);
    const int count = std::uniform_int_distribution<int>(1, 200)(rng);
    for (int i = 0; i < count; ++i) want.insert(uint16_t(start + rng() % span));
    std::vector<uint16_t> lost;  // sorted in wrap-around order from `start`
    for (int i = 0; i < span; ++i)
      if (want.count(uint16_t(start + i))) lost.push_back(uint16_t(start + i));
    Bytes b = build([&](uint8_t* o, size_t c) { return write_nack(o, c, 1, 2, lost); });
    EXPECT_EQ(lost_of(b), lost);
    EXPECT_LE(parse_nack(only(b))->items.size(), lost.size());
  }
}

TEST(Rtcp, FirRoundTrips) {
  const FirEntry entries[] = {{0x12345678, 7}, {0x9abcdef0, 255}};
  Bytes b = build([&](uint8_t* o, size_t c) { return write_fir(o, c, 0x42, entries); });
  EXPECT_EQ(b, unhex("84ce 0006 00000042 00000000 12345678 07000000 9abcdef0 ff000000"));
  auto fir = parse_fir(only(b));
  ASSERT_TRUE(fir);
  EXPECT_EQ(fir->sender_ssrc, 0x42u);
  ASSERT_EQ(fir->entries.size(), 2u);
  EXPECT_EQ(fir->entries[0], entries[0]);
  EXPECT_EQ(fir->entries[1], entries[1]);
  EXPECT_FALSE(parse_pli(only(b)));
}

TEST(Rtcp, RembByteForByte) {
  // 1 Mbit/s = 250000 << 2: exponent 2, mantissa 0x3d090.
  Bytes b = build([&](uint8_t* o, size_t c) {
    return write_remb(o, c, 0x01, 1'000'000, std::vector<uint32_t>{0x12345678});
  });
  EXPECT_EQ(b, unhex("8fce 0005 00000001 00000000 52454d42 010bd090 12345678"));
  auto remb = parse_remb(only(b));
  ASSERT_TRUE(remb);
  EXPECT_EQ(remb->bitrate_bps, 1'000'000u);
  ASSERT_EQ(remb->ssrcs.size(), 1u);
  EXPECT_EQ(remb->ssrcs[0], 0x12345678u);
}

TEST(Rtcp, RembMantissaAndExponentForLargeBitrates) {
  for (uint64_t bps : {uint64_t(0), uint64_t(1), uint64_t(262143), uint64_t(262144),
                       uint64_t(30'000'000), uint64_t(2'500'000'000), uint64_t(10'000'000'000),
                       uint64_t(1) << 40, uint64_t(UINT64_MAX)}) {
    Bytes b = build(
        [&](uint8_t* o, size_t c) { return write_remb(o, c, 1, bps, std::vector<uint32_t>{}); });
    auto remb = parse_remb(only(b));
    ASSERT_TRUE(remb);
    const uint64_t got = remb->bitrate_bps;
    EXPECT_LE(got, bps);
    // Rounded down by less than one part in 2^17.
    EXPECT_GE(got, bps - (bps >> 17)) << bps;
    if (bps < (1u << 18)) {
      EXPECT_EQ(got, bps);
    }
    EXPECT_LT(unsigned(b[17] >> 2), 47u);
  }
  // An exponent of 63 with a full mantissa saturates instead of overflowing.
  Bytes big = unhex("8fce 0004 00000001 00000000 52454d42 00ffffff");
  EXPECT_EQ(parse_remb(only(big))->bitrate_bps, UINT64_MAX);
  Bytes edge = unhex("8fce 0004 00000001 00000000 52454d42 00b80001");  // 1 << 46
  EXPECT_EQ(parse_remb(only(edge))->bitrate_bps, uint64_t(1) << 46);
}

TEST(Rtcp, NtpTimes) {
  EXPECT_EQ(ntp_from_unix_us(0), uint64_t(0x83aa7e80) << 32);
  EXPECT_EQ(ntp_from_unix_us(1'500'000), (uint64_t(0x83aa7e81) << 32) | 0x80000000u);
  for (int64_t us : {int64_t(0), int64_t(1), int64_t(999'999), int64_t(1'700'000'000'123'456)})
    EXPECT_EQ(unix_us_from_ntp(ntp_from_unix_us(us)), us);
  EXPECT_EQ(ntp_compact(0x0000123456780000), 0x12345678u);
  EXPECT_EQ(compact_from_us(1'000'000), 65536u);
  EXPECT_EQ(compact_from_us(-5), 0u);
  EXPECT_EQ(compact_from_us(int64_t(1) << 50), 0xffffffffu);
  EXPECT_EQ(us_from_compact(32768), 500'000);
  // RTT = arrival (compact NTP) - LSR - DLSR (RFC 3550 6.4.1).
  const int64_t sr_sent = 1'700'000'000'000'000, rr_sent = sr_sent + 40'000,
                rr_arrived = rr_sent + 30'000;
  const uint32_t lsr = ntp_compact(ntp_from_unix_us(sr_sent));
  const uint32_t dlsr = compact_from_us(rr_sent - sr_sent);
  const uint32_t rtt = ntp_compact(ntp_from_unix_us(rr_arrived)) - lsr - dlsr;
  EXPECT_NEAR(double(us_from_compact(rtt)), 30'000.0, 50.0);
}

TEST(Rtcp, RandomBytesNeverCrashAParser) {
  std::mt19937 rng(3550);
  uint8_t seed[512];
  size_t n = write_sender_report(seed, sizeof seed, 1, {}, std::vector<ReportBlock>(2, kBlock));
  n += write_sdes_cname(seed + n, sizeof seed - n, 1, "cname");
  const uint16_t lost[] = {1, 9, 30};
  n += write_nack(seed + n, sizeof seed - n, 1, 2, lost);
  n += write_remb(seed + n, sizeof seed - n, 1, 7'000'000, std::vector<uint32_t>{2});
  n += write_bye(seed + n, sizeof seed - n, std::vector<uint32_t>{1}, "x");
  size_t packets = 0;
  for (int iter = 0; iter < 100000; ++iter) {
    Bytes b(seed, seed + n);
    const int flips = std::uniform_int_distribution<int>(1, 6)(rng);
    for (int i = 0; i < flips; ++i) b[rng() % b.size()] ^= uint8_t(1u << (rng() % 8));
    if (rng() % 4 == 0) b.resize(rng() % b.size());
    CompoundReader r(b.data(), b.size());
    Packet p;
    while (r.next(p)) {
      ++packets;
      ASSERT_GE(p.bytes.data(), b.data());
      ASSERT_LE(p.bytes.data() + p.bytes.size(), b.data() + b.size());
      if (auto sr = parse_sender_report(p))
        for (ReportBlock rb : sr->blocks) (void)rb;
      if (auto rr = parse_receiver_report(p))
        for (ReportBlock rb : rr->blocks) (void)rb;
      SdesReader s(p);
      SdesItem item;
      while (s.next(item))
        ASSERT_LE(item.value.data() + item.value.size(),
                  reinterpret_cast<const char*>(b.data() + b.size()));
      if (auto bye = parse_bye(p))
        for (uint32_t x : bye->ssrcs) (void)x;
      if (auto nack = parse_nack(p)) nack->for_each_lost([](uint16_t) {});
      if (auto fir = parse_fir(p))
        for (FirEntry e : fir->entries) (void)e;
      if (auto remb = parse_remb(p))
        for (uint32_t x : remb->ssrcs) (void)x;
      (void)parse_pli(p);
    }
  }
  EXPECT_GT(packets, 50000u);
}

}  // namespace
}  // namespace onair::webrtc::rtcp
