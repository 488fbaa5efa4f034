#include "media/bridge/h264_depacketizer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "media/bridge/h264_packetizer.hpp"

namespace onair::bridge {
namespace {

using Bytes = std::vector<uint8_t>;

// libx264 Constrained Baseline 640x480 parameter sets (see avc_test.cpp).
const Bytes kSps = {0x67, 0x42, 0xc0, 0x1f, 0xd9, 0x00, 0xa0, 0x3d, 0xb0, 0x11, 0x00, 0x00,
                    0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x32, 0x0f, 0x18, 0x32, 0x48};
const Bytes kPps = {0x68, 0xcb, 0x83, 0xcb, 0x20};
// The same picture size at another level: a different SPS.
const Bytes kSps2 = {0x67, 0x42, 0xc0, 0x20, 0xd9, 0x00, 0xa0, 0x3d, 0xb0, 0x11, 0x00, 0x00,
                     0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x32, 0x0f, 0x18, 0x32, 0x48};

Bytes nal_of(uint8_t header, size_t size, uint32_t seed) {
  Bytes n(size);
  n[0] = header;
  std::mt19937 rng(seed);
  for (size_t i = 1; i < size; ++i) n[i] = uint8_t(rng());
  return n;
}

Bytes stap_a(std::initializer_list<Bytes> units) {
  Bytes out = {0x78};  // NRI 3, type 24
  for (const Bytes& u : units) {
    out.push_back(uint8_t(u.size() >> 8));
    out.push_back(uint8_t(u.size()));
    out.insert(out.end(), u.begin(), u.end());
  }
  return out;
}

Bytes fu_a(const Bytes& unit, size_t from, size_t to, bool start, bool end) {
  Bytes out = {uint8_t((unit[0] & 0xE0) | 28),
               uint8_t((start ? 0x80 : 0) | (end ? 0x40 : 0) | (unit[0] & 0x1F))};
  out.insert(out.end(), unit.begin() + long(from), unit.begin() + long(to));
  return out;
}

struct Unit {
  uint32_t timestamp;
  bool keyframe;
  bool parameters_changed;
  std::vector<Bytes> nals;
};

// Feeds packets with consecutive sequence numbers and keeps copies of the units out.
struct Harness {
  std::vector<Unit> units;
  H264Depacketizer d{[this](const AccessUnit& au) {
    Unit u{au.timestamp, au.keyframe, au.parameters_changed, {}};
    for (NalView n : au.nals) u.nals.emplace_back(n.begin(), n.end());
    units.push_back(std::move(u));
  }};
  uint16_t seq = 65530;  // wraps during most tests

  void push(uint32_t ts, bool marker, const Bytes& payload) { d.push(seq++, ts, marker, payload); }
  void skip() { ++seq; }  // a packet that never comes
  void keyframe(uint32_t ts, const Bytes& idr) {
    push(ts, false, stap_a({kSps, kPps}));
    push(ts, true, idr);
  }
};

const Bytes kIdr = nal_of(0x65, 40, 1);
const Bytes kSlice = nal_of(0x41, 30, 2);

TEST(H264Depacketizer, JoinsStapAAndSingleNalUnitsIntoAKeyframe) {
  Harness h;
  EXPECT_TRUE(h.d.needs_keyframe());
  h.keyframe(9000, kIdr);
  ASSERT_EQ(h.units.size(), 1u);
  const Unit& u = h.units[0];
  EXPECT_EQ(u.timestamp, 9000u);
  EXPECT_TRUE(u.keyframe);
  EXPECT_TRUE(u.parameters_changed);
  EXPECT_EQ(u.nals, (std::vector<Bytes>{kSps, kPps, kIdr}));
  EXPECT_FALSE(h.d.needs_keyframe());
  EXPECT_TRUE(std::ranges::equal(h.d.sps(), kSps));
  EXPECT_TRUE(std::ranges::equal(h.d.pps(), kPps));
  h.push(12000, true, kSlice);
  ASSERT_EQ(h.units.size(), 2u);
  EXPECT_FALSE(h.units[1].keyframe);
  EXPECT_FALSE(h.units[1].parameters_changed);
  EXPECT_EQ(h.d.counters().units_out, 2u);
  EXPECT_EQ(h.d.counters().keyframes, 1u);
}

TEST(H264Depacketizer, DropsUnitsUntilTheFirstIdrWithParameterSets) {
  Harness h;
  h.push(1000, true, kSlice);
  h.push(2000, true, kIdr);  // an IDR, but no SPS/PPS known yet
  EXPECT_TRUE(h.units.empty());
  EXPECT_TRUE(h.d.needs_keyframe());
  EXPECT_EQ(h.d.counters().dropped_units, 2u);
  h.keyframe(3000, kIdr);
  EXPECT_EQ(h.units.size(), 1u);
  EXPECT_FALSE(h.d.needs_keyframe());
}

TEST(H264Depacketizer, ATimestampChangeEndsAUnitWithoutMarker) {
  Harness h;
  h.push(1000, false, stap_a({kSps, kPps}));
  h.push(1000, false, kIdr);
  EXPECT_TRUE(h.units.empty());
  h.push(4000, false, kSlice);
  ASSERT_EQ(h.units.size(), 1u);
  EXPECT_EQ(h.units[0].timestamp, 1000u);
  EXPECT_EQ(h.units[0].nals.size(), 3u);
  h.push(4000, true, kSlice);
  ASSERT_EQ(h.units.size(), 2u);
  EXPECT_EQ(h.units[1].nals, (std::vector<Bytes>{kSlice, kSlice}));
}

TEST(H264Depacketizer, ReassemblesFuA) {
  Harness h;
  Bytes idr = nal_of(0x65, 3000, 3);
  h.push(90, false, stap_a({kSps, kPps}));
  h.push(90, false, fu_a(idr, 1, 1000, true, false));
  h.push(90, false, fu_a(idr, 1000, 2000, false, false));
  h.push(90, true, fu_a(idr, 2000, 3000, false, true));
  ASSERT_EQ(h.units.size(), 1u);
  ASSERT_EQ(h.units[0].nals.size(), 3u);
  EXPECT_EQ(h.units[0].nals[2], idr);
  EXPECT_TRUE(h.units[0].keyframe);
}

TEST(H264Depacketizer, LossInsideAnFuADropsTheUnitAndWaitsForAnIdr) {
  for (bool told : {false, true}) {  // seen from the sequence numbers, or told by lost()
    Harness h;
    h.keyframe(0, kIdr);
    ASSERT_EQ(h.units.size(), 1u);
    Bytes slice = nal_of(0x41, 3000, 4);
    h.push(3000, false, fu_a(slice, 1, 1000, true, false));
    h.skip();
    if (told) h.d.lost();
    h.push(3000, true, fu_a(slice, 2000, 3000, false, true));
    EXPECT_EQ(h.units.size(), 1u);
    EXPECT_TRUE(h.d.needs_keyframe());
    h.push(6000, true, kSlice);  // intact, but not decodable after the loss
    EXPECT_EQ(h.units.size(), 1u);
    EXPECT_TRUE(h.d.needs_keyframe());
    h.keyframe(9000, kIdr);
    ASSERT_EQ(h.units.size(), 2u);
    EXPECT_TRUE(h.units[1].keyframe);
    EXPECT_FALSE(h.units[1].parameters_changed);
    EXPECT_FALSE(h.d.needs_keyframe());
    EXPECT_EQ(h.d.counters().lost, 1u);
    EXPECT_EQ(h.d.counters().dropped_units, 2u);
    EXPECT_EQ(h.d.counters().malformed, 0u);
  }
}

TEST(H264Depacketizer, TheUnitAfterALossIsDroppedEvenIfItLooksWhole) {
  // The lost packets might have been its first ones (a slice, the SPS/PPS STAP-A).
  Harness h;
  h.keyframe(0, kIdr);
  h.skip();
  h.push(6000, true, kIdr);
  EXPECT_EQ(h.units.size(), 1u);
  h.keyframe(9000, kIdr);
  EXPECT_EQ(h.units.size(), 2u);
}

TEST(H264Depacketizer, DropsFuAWithoutStartOrEndOrWithATypeChange) {
  Bytes idr = nal_of(0x65, 100, 5);
  Bytes other = nal_of(0x41, 100, 6);
  {
    Harness h;  // no start
    h.push(0, false, stap_a({kSps, kPps}));
    h.push(0, true, fu_a(idr, 50, 100, false, true));
    EXPECT_TRUE(h.units.empty());
  }
  {
    Harness h;  // no end: the marker closes the unit with the FU-A open
    h.push(0, false, stap_a({kSps, kPps}));
    h.push(0, true, fu_a(idr, 1, 50, true, false));
    EXPECT_TRUE(h.units.empty());
  }
  {
    Harness h;  // a second start before the first FU-A ended
    h.push(0, false, stap_a({kSps, kPps}));
    h.push(0, false, fu_a(idr, 1, 50, true, false));
    h.push(0, false, fu_a(idr, 1, 50, true, false));
    h.push(0, true, fu_a(idr, 50, 100, false, true));
    EXPECT_TRUE(h.units.empty());
  }
  {
    Harness h;  // the type changes mid-unit
    h.push(0, false, stap_a({kSps, kPps}));
    h.push(0, false, fu_a(idr, 1, 50, true, false));
    h.push(0, true, fu_a(other, 50, 100, false, true));
    EXPECT_TRUE(h.units.empty());
  }
  {
    Harness h;  // a single NAL unit in the middle of an FU-A
    h.push(0, false, stap_a({kSps, kPps}));
    h.push(0, false, fu_a(idr, 1, 50, true, false));
    h.push(0, false, kIdr);
    h.push(0, true, fu_a(idr, 50, 100, false, true));
    EXPECT_TRUE(h.units.empty());
    EXPECT_EQ(h.d.counters().dropped_units, 1u);
    EXPECT_TRUE(h.d.needs_keyframe());
    h.keyframe(3000, kIdr);  // and the stream recovers
    EXPECT_EQ(h.units.size(), 1u);
  }
}

TEST(H264Depacketizer, RefusesStapAWithBadSizes) {
  Bytes good = stap_a({kSps, kPps});
  std::vector<Bytes> bad;
  Bytes too_long = good;
  too_long[2] = uint8_t(too_long[2] + 1);  // the SPS size runs one byte into the PPS size
  bad.push_back(too_long);
  Bytes past_end = good;
  past_end[1] = 0x7F;
  bad.push_back(past_end);
  Bytes trailing = good;
  trailing.push_back(0x00);  // half a size field
  bad.push_back(trailing);
  bad.push_back(Bytes{0x78, 0x00, 0x00, 0x00, 0x01, 0x65});  // a zero size
  bad.push_back(Bytes{0x78});                                // nothing aggregated
  bad.push_back(stap_a({kSps, Bytes{0xE8, 0x01}}));          // an inner F bit
  bad.push_back(stap_a({kSps, Bytes{0x7C, 0x01}}));          // an FU-A inside
  for (const Bytes& b : bad) {
    Harness h;
    h.push(0, false, b);
    h.push(0, true, kIdr);
    EXPECT_TRUE(h.units.empty());
    EXPECT_EQ(h.d.counters().malformed, 1u);
    EXPECT_TRUE(h.d.sps().empty());  // nothing taken from a refused packet
  }
}

TEST(H264Depacketizer, CountsAndDropsGarbageTypesAndTheForbiddenBit) {
  for (uint8_t type : {0, 25, 26, 27, 29, 30, 31}) {
    Harness h;
    h.keyframe(0, kIdr);
    h.push(3000, true, Bytes{uint8_t(0x60 | type), 0x11, 0x22});
    EXPECT_EQ(h.d.counters().malformed, 1u) << int(type);
    EXPECT_TRUE(h.d.needs_keyframe());
    EXPECT_EQ(h.units.size(), 1u);
  }
  Harness h;
  h.keyframe(0, kIdr);
  h.push(3000, true, Bytes{0xC1, 0x11});         // F = 1
  h.push(6000, true, Bytes{0x7C});               // FU-A without its header
  h.push(9000, true, Bytes{0x7C, 0xC5, 0x00});   // S and E both set
  h.push(12000, true, Bytes{0x7C, 0x98, 0x00});  // FU-A of a STAP-A
  EXPECT_EQ(h.d.counters().malformed, 4u);
  EXPECT_EQ(h.units.size(), 1u);
}

TEST(H264Depacketizer, EmptyPayloadsAreCountedAndHarmless) {
  Harness h;
  h.keyframe(0, kIdr);
  h.push(0, false, Bytes{});  // padding with the last timestamp
  Bytes slice = nal_of(0x41, 200, 7);
  h.push(3000, false, fu_a(slice, 1, 100, true, false));
  h.push(77777, true, Bytes{});  // padding inside an FU-A, odd timestamp and marker
  h.push(3000, true, fu_a(slice, 100, 200, false, true));
  ASSERT_EQ(h.units.size(), 2u);
  EXPECT_EQ(h.units[1].nals[0], slice);
  EXPECT_EQ(h.d.counters().empty, 2u);
  EXPECT_FALSE(h.d.needs_keyframe());
  EXPECT_EQ(h.d.counters().malformed, 0u);
}

TEST(H264Depacketizer, ReportsChangedParameterSets) {
  Harness h;
  h.keyframe(0, kIdr);
  h.keyframe(3000, kIdr);      // the same SPS and PPS again
  h.push(6000, false, kSps2);  // a new SPS as a single NAL unit packet
  h.push(6000, false, kPps);
  h.push(6000, true, kIdr);
  ASSERT_EQ(h.units.size(), 3u);
  EXPECT_TRUE(h.units[0].parameters_changed);
  EXPECT_FALSE(h.units[1].parameters_changed);
  EXPECT_TRUE(h.units[2].parameters_changed);
  EXPECT_TRUE(std::ranges::equal(h.d.sps(), kSps2));
}

TEST(H264Depacketizer, KeepsAParameterSetFromADroppedUnitAndReportsItLater) {
  Harness h;
  h.keyframe(0, kIdr);
  h.push(3000, false, stap_a({kSps2, kPps}));
  h.skip();  // the IDR of that keyframe is lost
  h.push(3000, true, kSlice);
  EXPECT_EQ(h.units.size(), 1u);
  EXPECT_TRUE(std::ranges::equal(h.d.sps(), kSps2));
  h.push(6000, true, kIdr);  // a keyframe without its own SPS
  ASSERT_EQ(h.units.size(), 2u);
  EXPECT_TRUE(h.units[1].parameters_changed);
}

TEST(H264Depacketizer, OutputMatchesThePacketizerAcrossShuffledSizes) {
  Harness h;
  H264Packetizer p(1000);
  p.set_parameter_sets(kSps, kPps);
  std::mt19937 rng(6184);
  std::vector<std::vector<Bytes>> sent;
  for (int frame = 0; frame < 200; ++frame) {
    std::vector<Bytes> nals;
    bool key = frame % 50 == 0;
    int count = 1 + int(rng() % 4);
    for (int i = 0; i < count; ++i)
      nals.push_back(nal_of(key ? 0x65 : 0x41, 2 + rng() % 5000, uint32_t(rng())));
    std::vector<NalView> views(nals.begin(), nals.end());
    uint32_t ts = uint32_t(frame) * 3000;
    p.packetize(views, [&](std::span<const uint8_t> payload, bool marker) {
      h.d.push(h.seq++, ts, marker, payload);
    });
    if (key) nals.insert(nals.begin(), {kSps, kPps});
    sent.push_back(std::move(nals));
  }
  ASSERT_EQ(h.units.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(h.units[i].nals, sent[i]) << i;
  EXPECT_EQ(h.d.counters().keyframes, 4u);
}

}  // namespace
}  // namespace onair::bridge
