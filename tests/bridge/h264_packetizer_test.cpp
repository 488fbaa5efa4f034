#include "media/bridge/h264_packetizer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

#include "media/bridge/h264_depacketizer.hpp"
#include "media/bridge/jitter_buffer.hpp"

namespace onair::bridge {
namespace {

using Bytes = std::vector<uint8_t>;

// libx264 High 1920x1080 parameter sets (see avc_test.cpp).
const Bytes kSps = {0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02,
                    0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04,
                    0x00, 0x00, 0x03, 0x00, 0xc8, 0x3c, 0x60, 0xc6, 0x58};
const Bytes kPps = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};

Bytes nal_of(uint8_t header, size_t size, uint32_t seed) {
  Bytes n(size);
  n[0] = header;
  std::mt19937 rng(seed);
  for (size_t i = 1; i < size; ++i) n[i] = uint8_t(rng());
  return n;
}

struct Packet {
  Bytes payload;
  bool marker;
};

std::vector<Packet> packetize(H264Packetizer& p, const std::vector<Bytes>& nals) {
  std::vector<NalView> views(nals.begin(), nals.end());
  std::vector<Packet> out;
  size_t n = p.packetize(views, [&](std::span<const uint8_t> payload, bool marker) {
    EXPECT_LE(payload.size(), p.max_payload());
    out.push_back({Bytes(payload.begin(), payload.end()), marker});
  });
  EXPECT_EQ(n, out.size());
  return out;
}

TEST(H264Packetizer, SendsASmallNalUnitAsItIsWithTheMarkerOnTheLast) {
  H264Packetizer p(1200);
  Bytes sei = nal_of(0x06, 50, 1), slice = nal_of(0x41, 1200, 2);
  NalView views[] = {sei, slice};
  std::vector<const uint8_t*> where;
  std::vector<bool> markers;
  p.packetize(views, [&](std::span<const uint8_t> payload, bool marker) {
    where.push_back(payload.data());
    markers.push_back(marker);
  });
  // No copy: single NAL unit packets are the caller's bytes (RFC 6184 5.6).
  EXPECT_EQ(where, (std::vector<const uint8_t*>{sei.data(), slice.data()}));
  EXPECT_EQ(markers, (std::vector<bool>{false, true}));
}

TEST(H264Packetizer, FragmentsALargeNalUnitIntoEvenFuAs) {
  H264Packetizer p(1200);
  Bytes slice = nal_of(0x41, 3000, 3);  // F = 0, NRI = 2, type 1
  auto out = packetize(p, {slice});
  ASSERT_EQ(out.size(), 3u);  // 2999 bytes after the header, 1198 per packet
  Bytes joined = {slice[0]};
  for (size_t i = 0; i < out.size(); ++i) {
    const Bytes& b = out[i].payload;
    EXPECT_EQ(b[0], 0x5C);  // NRI 2, type 28
    uint8_t s = i == 0 ? 0x80 : 0, e = i == 2 ? 0x40 : 0;
    EXPECT_EQ(b[1], s | e | 0x01);
    EXPECT_GE(b.size() - 2, 999u);  // near-equal: 1000, 1000, 999
    EXPECT_LE(b.size() - 2, 1000u);
    EXPECT_EQ(out[i].marker, i == 2);
    joined.insert(joined.end(), b.begin() + 2, b.end());
  }
  EXPECT_EQ(joined, slice);
}

TEST(H264Packetizer, SendsParameterSetsAsAStapABeforeEachIdr) {
  H264Packetizer p(1200);
  p.set_parameter_sets(kSps, kPps);
  Bytes idr = nal_of(0x65, 100, 4);
  auto out = packetize(p, {idr});
  ASSERT_EQ(out.size(), 2u);
  Bytes stap = {0x78, 0, uint8_t(kSps.size())};  // NRI 3 (the larger), type 24
  stap.insert(stap.end(), kSps.begin(), kSps.end());
  stap.insert(stap.end(), {0, uint8_t(kPps.size())});
  stap.insert(stap.end(), kPps.begin(), kPps.end());
  EXPECT_EQ(out[0].payload, stap);
  EXPECT_FALSE(out[0].marker);
  EXPECT_EQ(out[1].payload, idr);
  EXPECT_TRUE(out[1].marker);
  // Not before other pictures, nor when the unit carries its own SPS.
  EXPECT_EQ(packetize(p, {nal_of(0x41, 100, 5)}).size(), 1u);
  auto inband = packetize(p, {kSps, kPps, idr});
  ASSERT_EQ(inband.size(), 3u);
  EXPECT_EQ(inband[0].payload, kSps);
}

TEST(H264Packetizer, SendsParameterSetsSeparatelyWhenTheyDoNotFitTogether) {
  H264Packetizer p(30);  // the SPS fits alone, not with the PPS and sizes
  p.set_parameter_sets(kSps, kPps);
  auto out = packetize(p, {nal_of(0x65, 20, 6)});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].payload, kSps);
  EXPECT_EQ(out[1].payload, kPps);
  H264Packetizer tiny(10);
  tiny.set_parameter_sets(kSps, kPps);
  auto frags = packetize(tiny, {nal_of(0x65, 5, 7)});
  EXPECT_EQ(frags[0].payload[0], 0x7C);  // the SPS as an FU-A
  EXPECT_EQ(frags[0].payload[1], 0x87);
  EXPECT_TRUE(frags.back().marker);
}

TEST(H264Packetizer, SkipsAccessUnitDelimitersAndFillerButForwardsSei) {
  H264Packetizer p;
  Bytes aud = {0x09, 0xF0}, filler = {0x0C, 0xFF, 0xFF, 0x80}, sei = nal_of(0x06, 20, 8);
  Bytes slice = nal_of(0x41, 20, 9);
  auto out = packetize(p, {aud, sei, slice, filler, Bytes{}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].payload, sei);
  EXPECT_EQ(out[1].payload, slice);
  EXPECT_TRUE(out[1].marker);  // the marker moves to the last unit that is sent
  EXPECT_TRUE(packetize(p, {aud}).empty());
}

TEST(H264Packetizer, RefusesAPayloadSizeTooSmallForAnFuA) {
  EXPECT_THROW(H264Packetizer(2), std::invalid_argument);
  EXPECT_NO_THROW(H264Packetizer(3));
}

// Each size of NAL unit from 10 bytes to 100 kB, through each MTU, comes out of the
// depacketizer byte for byte.
TEST(H264Packetizer, RoundTripsThroughTheDepacketizerByteForByte) {
  const size_t sizes[] = {10,   11,   100,  1000, 1197, 1198,  1199,  1200,  1201,
                          1202, 2399, 2400, 2401, 5000, 65535, 65536, 100000};
  for (size_t mtu : {3, 50, 500, 1000, 1200, 1400}) {
    H264Packetizer p(mtu);
    p.set_parameter_sets(kSps, kPps);
    std::vector<Bytes> got;
    H264Depacketizer d([&](const AccessUnit& au) {
      got.clear();
      for (NalView n : au.nals) got.emplace_back(n.begin(), n.end());
    });
    uint16_t seq = uint16_t(mtu * 31);
    uint32_t ts = 0;
    for (size_t size : sizes) {
      if (mtu == 3 && size > 5000) continue;  // 100 kB in 1-byte fragments is slow, not new
      for (uint8_t header : {uint8_t(0x65), uint8_t(0x41), uint8_t(0x06)}) {
        std::vector<Bytes> nals = {nal_of(header, size, uint32_t(size)),
                                   nal_of(0x41, size / 3 + 1, uint32_t(size) + 1)};
        if (header != 0x65) nals.insert(nals.begin(), nal_of(0x65, 10, 0));  // an IDR
        got.clear();
        std::vector<NalView> views(nals.begin(), nals.end());
        p.packetize(views, [&](std::span<const uint8_t> payload, bool marker) {
          d.push(seq++, ts, marker, payload);
        });
        ts += 3000;
        std::vector<Bytes> expect = {kSps, kPps};
        expect.insert(expect.end(), nals.begin(), nals.end());
        EXPECT_EQ(got, expect) << "mtu " << mtu << " size " << size;
      }
    }
    EXPECT_EQ(d.counters().malformed, 0u);
    EXPECT_EQ(d.counters().dropped_units, 0u);
  }
}

TEST(H264Packetizer, PullFormMatchesTheCallback) {
  H264Packetizer p(500);
  p.set_parameter_sets(kSps, kPps);
  std::vector<Bytes> nals = {nal_of(0x65, 1800, 10), nal_of(0x65, 30, 11)};
  auto pushed = packetize(p, nals);
  std::vector<NalView> views(nals.begin(), nals.end());
  p.begin(views);
  std::span<const uint8_t> payload;
  bool marker = false;
  size_t i = 0;
  while (p.next(payload, marker)) {
    ASSERT_LT(i, pushed.size());
    EXPECT_TRUE(std::ranges::equal(payload, pushed[i].payload));
    EXPECT_EQ(marker, pushed[i].marker);
    ++i;
  }
  EXPECT_EQ(i, pushed.size());
}

// The whole receive path: packetizer -> seeded shuffle and duplicates -> jitter buffer ->
// depacketizer gives back every access unit intact and in order.
TEST(H264Packetizer, SurvivesReorderingThroughTheJitterBuffer) {
  std::mt19937 rng(2024);
  H264Packetizer p(1100);
  p.set_parameter_sets(kSps, kPps);
  struct Sent {
    uint16_t seq;
    uint32_t ts;
    bool marker;
    Bytes payload;
  };
  std::vector<Sent> wire;
  std::vector<std::vector<Bytes>> frames;
  uint16_t seq = 65000;
  for (int f = 0; f < 120; ++f) {
    bool key = f % 40 == 0;
    std::vector<Bytes> nals;
    for (int i = 0, n = 1 + int(rng() % 3); i < n; ++i)
      nals.push_back(nal_of(key ? 0x65 : 0x41, 10 + rng() % 20000, uint32_t(rng())));
    std::vector<NalView> views(nals.begin(), nals.end());
    uint32_t ts = uint32_t(f) * 3000;
    p.packetize(views, [&](std::span<const uint8_t> payload, bool marker) {
      wire.push_back({seq++, ts, marker, Bytes(payload.begin(), payload.end())});
    });
    if (key) nals.insert(nals.begin(), {kSps, kPps});
    frames.push_back(std::move(nals));
  }
  for (size_t at = 1; at < wire.size();) {
    size_t len = std::min(wire.size() - at, size_t(1 + rng() % 16));
    std::shuffle(wire.begin() + long(at), wire.begin() + long(at + len), rng);
    at += len;
  }
  for (int i = 0; i < 50; ++i) {
    size_t at = rng() % (wire.size() - 5);
    Sent again = wire[at];
    wire.insert(wire.begin() + long(at + 2), again);
  }
  std::vector<std::vector<Bytes>> got;
  H264Depacketizer d([&](const AccessUnit& au) {
    got.emplace_back();
    for (NalView n : au.nals) got.back().emplace_back(n.begin(), n.end());
  });
  JitterBuffer jb;
  int64_t now = 0;
  for (const Sent& s : wire) {
    jb.push(s.seq, s.ts, s.marker, s.payload, now++);
    jb.poll(now, [&](const JitterOutput& o) {
      if (o.kind == JitterOutput::Kind::loss)
        d.lost();
      else
        d.push(o.seq, o.timestamp, o.marker, o.payload);
    });
  }
  EXPECT_EQ(got, frames);
  EXPECT_EQ(jb.counters().lost, 0u);
  EXPECT_EQ(d.counters().lost, 0u);
}

}  // namespace
}  // namespace onair::bridge
