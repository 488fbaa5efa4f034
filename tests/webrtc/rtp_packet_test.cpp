#include "media/webrtc/rtp_packet.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace onair::webrtc::rtp {
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

Bytes to_bytes(std::span<const uint8_t> s) {
  return {s.begin(), s.end()};
}
Bytes to_bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

std::expected<Packet, ParseError> parse(const Bytes& b) {
  return Packet::parse(b.data(), b.size());
}

TEST(RtpPacket, ParsesAMinimalPacket) {
  const Bytes b = unhex("8060 1234 000003e8 deadbeef 010203");
  auto p = parse(b);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->marker());
  EXPECT_FALSE(p->padding());
  EXPECT_EQ(p->payload_type(), 96);
  EXPECT_EQ(p->sequence_number(), 0x1234);
  EXPECT_EQ(p->timestamp(), 1000u);
  EXPECT_EQ(p->ssrc(), 0xdeadbeefu);
  EXPECT_EQ(p->csrc_count(), 0u);
  EXPECT_EQ(p->extension_form(), ExtensionForm::none);
  EXPECT_TRUE(p->extension_block().empty());
  EXPECT_FALSE(p->find_extension(1));
  EXPECT_EQ(p->header_size(), 12u);
  EXPECT_EQ(to_bytes(p->payload()), unhex("010203"));
  EXPECT_EQ(p->padding_size(), 0u);
}

// CSRCs, a one-byte extension block with a padding byte between elements, and RTP padding.
const Bytes kOneBytePacket = unhex(
    "b2e0 ffff 01020304 11223344"   // V=2 P X CC=2, M PT=96, seq 65535, ts, ssrc
    "aaaaaaaa bbbbbbbb"             // CSRCs
    "bede 0003"                     // one-byte form, 3 words
    "1085 00 311234 42616263 0000"  // id1 [85], pad, id3 [12 34], id4 "abc", pad
    "cafe"                          // payload
    "000003");                      // 3 bytes of padding

TEST(RtpPacket, ParsesCsrcsOneByteExtensionsAndPadding) {
  auto p = parse(kOneBytePacket);
  ASSERT_TRUE(p) << to_string(p.error());
  EXPECT_TRUE(p->marker());
  EXPECT_TRUE(p->padding());
  EXPECT_EQ(p->payload_type(), 96);
  EXPECT_EQ(p->sequence_number(), 65535);
  EXPECT_EQ(p->timestamp(), 0x01020304u);
  EXPECT_EQ(p->ssrc(), 0x11223344u);
  ASSERT_EQ(p->csrc_count(), 2u);
  EXPECT_EQ(p->csrc(0), 0xaaaaaaaau);
  EXPECT_EQ(p->csrc(1), 0xbbbbbbbbu);
  EXPECT_EQ(p->extension_profile(), kOneByteProfile);
  EXPECT_EQ(p->extension_form(), ExtensionForm::one_byte);
  EXPECT_EQ(p->extension_block().size(), 12u);
  ASSERT_TRUE(p->find_extension(1));
  EXPECT_EQ(to_bytes(*p->find_extension(1)), unhex("85"));
  EXPECT_EQ(to_bytes(*p->find_extension(3)), unhex("1234"));
  EXPECT_EQ(to_bytes(*p->find_extension(4)), to_bytes("abc"));
  EXPECT_FALSE(p->find_extension(2));
  EXPECT_FALSE(p->find_extension(0));
  EXPECT_EQ(ext::read_audio_level(*p->find_extension(1)), (ext::AudioLevel{true, 5}));
  EXPECT_EQ(ext::read_transport_cc(*p->find_extension(3)), 0x1234);
  EXPECT_EQ(ext::read_string(*p->find_extension(4)), "abc");
  std::vector<uint8_t> ids;
  EXPECT_EQ(p->for_each_extension([&](const Extension& e) { ids.push_back(e.id); }), 3u);
  EXPECT_EQ(ids, (std::vector<uint8_t>{1, 3, 4}));
  EXPECT_EQ(p->header_size(), 12u + 8 + 4 + 12);
  EXPECT_EQ(to_bytes(p->payload()), unhex("cafe"));
  EXPECT_EQ(p->padding_size(), 3u);
}

TEST(RtpPacket, ParsesTheTwoByteForm) {
  // id 1 empty, a padding byte, id 20 with 17 bytes, id 2 with 2 bytes: 2+1+19+4 = 26 -> 28.
  const Bytes b = unhex(
      "9060 0001 00000002 00000003"
      "1000 0007"
      "0100 00 1411 000102030405060708090a0b0c0d0e0f10 0202abcd 0000"
      "ff");
  auto p = parse(b);
  ASSERT_TRUE(p) << to_string(p.error());
  EXPECT_EQ(p->extension_form(), ExtensionForm::two_byte);
  auto empty = p->find_extension(1);
  ASSERT_TRUE(empty);  // present, zero length
  EXPECT_TRUE(empty->empty());
  ASSERT_TRUE(p->find_extension(20));
  EXPECT_EQ(p->find_extension(20)->size(), 17u);
  EXPECT_EQ((*p->find_extension(20))[16], 0x10);
  EXPECT_EQ(to_bytes(*p->find_extension(2)), unhex("abcd"));
  EXPECT_FALSE(p->find_extension(3));
  EXPECT_EQ(to_bytes(p->payload()), unhex("ff"));
}

TEST(RtpPacket, AcceptsTwoByteAppBits) {
  const Bytes b = unhex("9060 0001 00000002 00000003 100f 0001 0501aa00");
  auto p = parse(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->extension_form(), ExtensionForm::two_byte);
  EXPECT_EQ(to_bytes(*p->find_extension(5)), unhex("aa"));
  EXPECT_TRUE(p->payload().empty());
}

TEST(RtpPacket, OneByteIdFifteenEndsTheBlock) {
  const Bytes b = unhex("9060 0001 00000002 00000003 bede 0002 10aa f0 20bb 000000 77");
  auto p = parse(b);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->find_extension(1));
  EXPECT_FALSE(p->find_extension(2));
  EXPECT_EQ(to_bytes(p->payload()), unhex("77"));
}

TEST(RtpPacket, AnElementRunningPastItsBlockEndsTheWalkButNotThePacket) {
  // id1 with 1 byte, then id2 claiming 16 bytes inside a 4-byte block.
  const Bytes b = unhex("9060 0001 00000002 00000003 bede 0001 10aa 2fbb 0102");
  auto p = parse(b);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->find_extension(1));
  EXPECT_FALSE(p->find_extension(2));
  EXPECT_EQ(p->for_each_extension([](const Extension&) {}), 1u);
  EXPECT_EQ(to_bytes(p->payload()), unhex("0102"));
  // The same in the two-byte form: length 9 in a 4-byte block.
  const Bytes t = unhex("9060 0001 00000002 00000003 1000 0001 0109aabb");
  auto q = parse(t);
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->find_extension(1));
}

TEST(RtpPacket, UnknownProfileIsSkippedAsAWhole) {
  const Bytes b = unhex("9060 0001 00000002 00000003 abcd 0001 10aa0000 99");
  auto p = parse(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->extension_form(), ExtensionForm::other);
  EXPECT_EQ(p->extension_profile(), 0xabcd);
  EXPECT_FALSE(p->find_extension(1));
  EXPECT_EQ(to_bytes(p->payload()), unhex("99"));
}

TEST(RtpPacket, RefusesMalformedHeaders) {
  EXPECT_EQ(parse(unhex("8060 1234 000003e8 deadbe")).error(), ParseError::too_short);
  EXPECT_EQ(parse({}).error(), ParseError::too_short);
  EXPECT_EQ(parse(unhex("4060 1234 000003e8 deadbeef")).error(), ParseError::bad_version);
  EXPECT_EQ(parse(unhex("c060 1234 000003e8 deadbeef")).error(), ParseError::bad_version);
  // CC=3 with one CSRC.
  EXPECT_EQ(parse(unhex("8360 1234 000003e8 deadbeef 00000001")).error(),
            ParseError::truncated_csrcs);
  // X without room for the extension header.
  EXPECT_EQ(parse(unhex("9060 1234 000003e8 deadbeef bede")).error(),
            ParseError::truncated_extension);
  // An extension length past the end.
  EXPECT_EQ(parse(unhex("9060 1234 000003e8 deadbeef bede 0002 10aa0000")).error(),
            ParseError::truncated_extension);
  // Padding count 0, and larger than what follows the header.
  EXPECT_EQ(parse(unhex("a060 1234 000003e8 deadbeef 0100")).error(), ParseError::bad_padding);
  EXPECT_EQ(parse(unhex("a060 1234 000003e8 deadbeef 0103")).error(), ParseError::bad_padding);
  // P with nothing after the header: the count would be the SSRC's last byte.
  EXPECT_EQ(parse(unhex("a060 1234 000003e8 deadbe01")).error(), ParseError::bad_padding);
  EXPECT_EQ(to_string(ParseError::bad_padding), "bad_padding");
}

TEST(RtpPacket, AcceptsAPaddingOnlyPacket) {
  auto p = parse(unhex("a060 1234 000003e8 deadbeef 00000004"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload_size(), 0u);
  EXPECT_EQ(p->padding_size(), 4u);
}

TEST(RtpPacket, SettersRewriteInPlaceAndKeepTheOtherBits) {
  Bytes b = kOneBytePacket;
  set_payload_type(b.data(), 111);
  set_sequence_number(b.data(), 7);
  set_timestamp(b.data(), 0xa1b2c3d4);
  set_ssrc(b.data(), 0x01020304);
  auto p = parse(b);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->marker());
  EXPECT_EQ(p->payload_type(), 111);
  EXPECT_EQ(p->sequence_number(), 7);
  EXPECT_EQ(p->timestamp(), 0xa1b2c3d4u);
  EXPECT_EQ(p->ssrc(), 0x01020304u);
  set_marker(b.data(), false);
  p = parse(b);
  EXPECT_FALSE(p->marker());
  EXPECT_EQ(p->payload_type(), 111);
  set_payload_type(b.data(), 0xff);  // only 7 bits are written
  p = parse(b);
  EXPECT_EQ(p->payload_type(), 127);
  EXPECT_FALSE(p->marker());
  // Everything after the fixed header is untouched.
  EXPECT_TRUE(std::equal(b.begin() + 12, b.end(), kOneBytePacket.begin() + 12));
}

TEST(RtpPacket, WritesTheOneByteFormByteForByte) {
  const auto level = ext::audio_level_value({true, 5});
  const auto seq = ext::transport_cc_value(0x1234);
  const Extension exts[] = {{1, level}, {3, seq}, {4, ext::string_value("abc")}};
  const uint32_t csrcs[] = {0xaaaaaaaa, 0xbbbbbbbb};
  const Bytes payload = unhex("cafe");
  Header h{.marker = true,
           .payload_type = 96,
           .sequence_number = 65535,
           .timestamp = 0x01020304,
           .ssrc = 0x11223344,
           .csrcs = csrcs,
           .padding_size = 3};
  uint8_t out[128];
  const size_t n = write_rtp(out, sizeof out, h, exts, payload);
  EXPECT_EQ(n, rtp_size(h, exts, payload.size()));
  // As kOneBytePacket but without the padding element between ids 1 and 3.
  EXPECT_EQ(Bytes(out, out + n), unhex("b2e0 ffff 01020304 11223344 aaaaaaaa bbbbbbbb"
                                       "bede 0003 1085 311234 42616263 000000 cafe 000003"));
}

TEST(RtpPacket, ChoosesTheTwoByteFormOnlyWhenItMust) {
  uint8_t out[512];
  const Bytes v1 = unhex("01"), v16(16, 7), v17(17, 8), v0;
  auto form_of = [&](std::initializer_list<Extension> exts) {
    size_t n = write_rtp(out, sizeof out, Header{}, std::span(exts.begin(), exts.size()), {});
    EXPECT_GT(n, 0u);
    return parse(Bytes(out, out + n))->extension_form();
  };
  EXPECT_EQ(form_of({{1, v1}, {14, v16}}), ExtensionForm::one_byte);
  EXPECT_EQ(form_of({{1, v1}, {15, v1}}), ExtensionForm::two_byte);  // id 15
  EXPECT_EQ(form_of({{1, v17}}), ExtensionForm::two_byte);           // 17 bytes
  EXPECT_EQ(form_of({{1, v0}}), ExtensionForm::two_byte);            // empty value
  EXPECT_EQ(form_of({{255, v1}}), ExtensionForm::two_byte);
  // Nothing to write: no X bit.
  size_t n = write_rtp(out, sizeof out, Header{}, {}, {});
  EXPECT_EQ(n, 12u);
  EXPECT_EQ(out[0], 0x80);
}

TEST(RtpPacket, RefusesWhatCannotBeWritten) {
  uint8_t out[64];
  const Bytes v1 = unhex("01"), v256(256, 0);
  const Extension id0[] = {{0, v1}};
  EXPECT_EQ(write_rtp(out, sizeof out, Header{}, id0, {}), 0u);
  const Extension too_long[] = {{1, v256}};
  EXPECT_EQ(write_rtp(out, 1024, Header{}, too_long, {}), 0u);
  const uint32_t csrcs[16] = {};
  EXPECT_EQ(write_rtp(out, sizeof out + 100, Header{.csrcs = csrcs}, {}, {}), 0u);
  EXPECT_EQ(write_rtp(out, sizeof out, Header{.payload_type = 128}, {}, {}), 0u);
  // Capacity: exactly enough works, one byte less does not.
  const Bytes payload(20, 0x55);
  const Extension e[] = {{2, v1}};
  const Header h{.padding_size = 4};
  const size_t need = rtp_size(h, e, payload.size());
  EXPECT_EQ(need, 12u + 8 + 20 + 4);
  EXPECT_EQ(write_rtp(out, need - 1, h, e, payload), 0u);
  EXPECT_EQ(write_rtp(out, need, h, e, payload), need);
}

TEST(RtpPacket, RebuildsInPlaceWithALargerOrSmallerHeader) {
  // Grow: a bare packet gets extensions, its payload moves right within the same buffer.
  Bytes buf(256, 0xee);
  const Bytes payload = unhex("0102030405060708090a");
  size_t n =
      write_rtp(buf.data(), buf.size(), Header{.sequence_number = 1, .ssrc = 9}, {}, payload);
  ASSERT_EQ(n, 22u);
  const auto mid = std::string("video0");
  const auto seq = ext::transport_cc_value(77);
  const Extension exts[] = {{1, ext::string_value(mid)}, {5, seq}};
  n = write_rtp(buf.data(), buf.size(), Header{.sequence_number = 2, .ssrc = 10}, exts,
                std::span<const uint8_t>(buf.data() + 12, 10));
  const Bytes grown(buf.begin(), buf.begin() + n);
  auto p = parse(grown);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sequence_number(), 2);
  EXPECT_EQ(to_bytes(p->payload()), payload);
  EXPECT_EQ(ext::read_string(*p->find_extension(1)), "video0");
  EXPECT_EQ(ext::read_transport_cc(*p->find_extension(5)), 77);
  // Shrink: drop the extensions again, the payload moves left.
  const size_t off = p->payload_offset();
  EXPECT_EQ(off, 12u + 4 + 12);
  n = write_rtp(buf.data(), buf.size(), Header{.sequence_number = 3}, {},
                std::span<const uint8_t>(buf.data() + off, 10));
  const Bytes shrunk(buf.begin(), buf.begin() + n);
  auto q = parse(shrunk);
  ASSERT_TRUE(q);
  EXPECT_EQ(to_bytes(q->payload()), payload);
  EXPECT_EQ(q->extension_form(), ExtensionForm::none);
}

TEST(RtpPacket, ExtensionValues) {
  EXPECT_EQ(ext::transport_cc_value(0xabcd), (std::array<uint8_t, 2>{0xab, 0xcd}));
  EXPECT_FALSE(ext::read_transport_cc(unhex("01")));
  EXPECT_EQ(ext::read_transport_cc(unhex("01020304")), 0x0102);  // transport-cc-02's longer form
  EXPECT_EQ(ext::audio_level_value({false, 200})[0], 127);       // clamped
  EXPECT_EQ(ext::audio_level_value({true, 0})[0], 0x80);
  EXPECT_FALSE(ext::read_audio_level({}));
  EXPECT_EQ(ext::read_audio_level(unhex("7f")), (ext::AudioLevel{false, 127}));
  // abs-send-time: 6.18 fixed point, wrapping at 64 s.
  EXPECT_EQ(ext::abs_send_time_from_us(1'500'000), 0x060000u);
  EXPECT_EQ(ext::abs_send_time_from_us(0), 0u);
  EXPECT_EQ(ext::abs_send_time_from_us(64'500'000), ext::abs_send_time_from_us(500'000));
  EXPECT_EQ(ext::abs_send_time_from_us(-500'000), ext::abs_send_time_from_us(63'500'000));
  EXPECT_EQ(ext::abs_send_time_from_us(63'999'999), 0u);  // rounds up to 64 s, which wraps
  EXPECT_EQ(ext::abs_send_time_value(0x123456), (std::array<uint8_t, 3>{0x12, 0x34, 0x56}));
  EXPECT_EQ(ext::read_abs_send_time(unhex("123456")), 0x123456u);
  EXPECT_FALSE(ext::read_abs_send_time(unhex("1234")));
  EXPECT_EQ(ext::abs_send_time_to_us(0x060000), 1'500'000);
  for (int64_t us : {1, 3'814, 1'000'000, 12'345'678, 63'999'000}) {
    int64_t back = ext::abs_send_time_to_us(ext::abs_send_time_from_us(us));
    EXPECT_LE(std::abs(back - us), 4) << us;  // one step is 3.81 us
  }
  EXPECT_FALSE(ext::read_string({}));
}

TEST(RtpPacket, RandomPacketsRoundTrip) {
  std::mt19937 rng(20240601);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<uint8_t> out(2048);
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<uint32_t> csrcs(pick(0, 15));
    for (auto& c : csrcs) c = rng();
    const bool two_byte = pick(0, 3) == 0;
    std::vector<Bytes> values(pick(0, 6));
    std::vector<Extension> exts;
    for (size_t i = 0; i < values.size(); ++i) {
      values[i].resize(two_byte ? pick(0, 40) : pick(1, 16));
      for (auto& v : values[i]) v = uint8_t(rng());
      exts.push_back({uint8_t(two_byte ? 1 + i * 37 : 1 + i * 2), values[i]});
    }
    Bytes payload(pick(0, 300));
    for (auto& v : payload) v = uint8_t(rng());
    Header h{.marker = pick(0, 1) == 1,
             .payload_type = uint8_t(pick(0, 127)),
             .sequence_number = uint16_t(rng()),
             .timestamp = uint32_t(rng()),
             .ssrc = uint32_t(rng()),
             .csrcs = csrcs,
             .padding_size = uint8_t(pick(0, 3) == 0 ? pick(1, 255) : 0)};
    const size_t n = write_rtp(out.data(), out.size(), h, exts, payload);
    ASSERT_EQ(n, rtp_size(h, exts, payload.size()));
    auto p = Packet::parse(out.data(), n);
    ASSERT_TRUE(p) << to_string(p.error());
    EXPECT_EQ(p->marker(), h.marker);
    EXPECT_EQ(p->payload_type(), h.payload_type);
    EXPECT_EQ(p->sequence_number(), h.sequence_number);
    EXPECT_EQ(p->timestamp(), h.timestamp);
    EXPECT_EQ(p->ssrc(), h.ssrc);
    ASSERT_EQ(p->csrc_count(), csrcs.size());
    for (size_t i = 0; i < csrcs.size(); ++i) EXPECT_EQ(p->csrc(i), csrcs[i]);
    EXPECT_EQ(p->padding_size(), h.padding_size);
    EXPECT_EQ(to_bytes(p->payload()), payload);
    EXPECT_EQ(p->extension_block().size() % 4, 0u);
    for (const Extension& e : exts) {
      auto v = p->find_extension(e.id);
      ASSERT_TRUE(v) << int(e.id);
      EXPECT_EQ(to_bytes(*v), to_bytes(e.value));
    }
    EXPECT_EQ(p->for_each_extension([](const Extension&) {}), exts.size());
  }
}

TEST(RtpPacket, RandomBytesNeverEscapeTheInput) {
  std::mt19937 rng(7);
  Bytes b;
  int parsed = 0;
  for (int iter = 0; iter < 200000; ++iter) {
    b.resize(std::uniform_int_distribution<int>(0, 60)(rng));
    for (auto& v : b) v = uint8_t(rng());
    if (!b.empty()) b[0] = uint8_t((b[0] & 0x3f) | 0x80);  // mostly version 2
    auto p = Packet::parse(b.data(), b.size());
    if (!p) continue;
    ++parsed;
    const uint8_t* lo = b.data();
    const uint8_t* hi = b.data() + b.size();
    ASSERT_EQ(p->payload_offset() + p->payload_size() + p->padding_size(), b.size());
    p->for_each_extension([&](const Extension& e) {
      ASSERT_GE(e.value.data(), lo);
      ASSERT_LE(e.value.data() + e.value.size(), hi);
    });
  }
  EXPECT_GT(parsed, 1000);
}

}  // namespace
}  // namespace onair::webrtc::rtp
