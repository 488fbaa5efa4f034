#include "media/bridge/vp8_depacketizer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace onair::bridge {
namespace {

using Bytes = std::vector<uint8_t>;

struct Got {
  uint32_t ts;
  bool key;
  int width, height;
  Bytes data;
};

struct Fixture {
  std::vector<Got> frames;
  Vp8Depacketizer d{[this](const Vp8Frame& f) {
    frames.push_back({f.timestamp, f.keyframe, f.width, f.height, Bytes(f.data.begin(), f.data.end())});
  }};
  uint16_t seq = 100;
  void push(uint32_t ts, bool marker, const Bytes& payload) { d.push(seq++, ts, marker, payload); }
};

// A VP8 keyframe's first bytes (RFC 6386 9.1): frame tag with P = 0, start code, 14-bit
// width and height little-endian; then `extra` filler bytes.
Bytes keyframe_start(int width, int height, size_t extra) {
  Bytes b = {0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, uint8_t(width & 0xFF), uint8_t(width >> 8),
             uint8_t(height & 0xFF), uint8_t(height >> 8)};
  for (size_t i = 0; i < extra; ++i) b.push_back(uint8_t(i));
  return b;
}
Bytes interframe(size_t size) {
  Bytes b = {0x51, 0x02, 0x00};  // P = 1
  while (b.size() < size) b.push_back(0xAB);
  return b;
}
// A minimal descriptor: S (start of partition), PID 0.
Bytes with_descriptor(bool start, const Bytes& vp8) {
  Bytes b = {uint8_t(start ? 0x10 : 0x00)};
  b.insert(b.end(), vp8.begin(), vp8.end());
  return b;
}

TEST(Vp8Depacketizer, AKeyframeOverThreePacketsIsOneFrameWithItsSize) {
  Fixture f;
  Bytes key = keyframe_start(640, 480, 30);
  Bytes a(key.begin(), key.begin() + 12), b(key.begin() + 12, key.begin() + 25), c(key.begin() + 25, key.end());
  EXPECT_TRUE(f.d.needs_keyframe());
  f.push(9000, false, with_descriptor(true, a));
  f.push(9000, false, with_descriptor(false, b));
  f.push(9000, true, with_descriptor(false, c));
  ASSERT_EQ(f.frames.size(), 1u);
  EXPECT_TRUE(f.frames[0].key);
  EXPECT_EQ(f.frames[0].width, 640);
  EXPECT_EQ(f.frames[0].height, 480);
  EXPECT_EQ(f.frames[0].data, key);
  EXPECT_FALSE(f.d.needs_keyframe());
  f.push(12000, true, with_descriptor(true, interframe(50)));
  ASSERT_EQ(f.frames.size(), 2u);
  EXPECT_FALSE(f.frames[1].key);
  EXPECT_EQ(f.frames[1].width, 0);
}

TEST(Vp8Depacketizer, InterframesBeforeTheFirstKeyframeAreDropped) {
  Fixture f;
  f.push(1000, true, with_descriptor(true, interframe(40)));
  f.push(2000, true, with_descriptor(true, interframe(40)));
  EXPECT_TRUE(f.frames.empty());
  EXPECT_EQ(f.d.counters().dropped_frames, 2u);
  f.push(3000, true, with_descriptor(true, keyframe_start(320, 240, 5)));
  ASSERT_EQ(f.frames.size(), 1u);
  EXPECT_TRUE(f.frames[0].key);
}

TEST(Vp8Depacketizer, ALossDropsTheFrameAndWhatFollowsUpToAKeyframe) {
  Fixture f;
  f.push(1000, true, with_descriptor(true, keyframe_start(320, 240, 5)));
  f.push(2000, false, with_descriptor(true, interframe(40)));
  ++f.seq;  // the middle packet of frame 2000 is lost
  f.push(2000, true, with_descriptor(false, interframe(40)));
  EXPECT_TRUE(f.d.needs_keyframe());
  f.push(3000, true, with_descriptor(true, interframe(40)));  // predicts from what was lost
  EXPECT_EQ(f.frames.size(), 1u);
  f.push(4000, true, with_descriptor(true, keyframe_start(320, 240, 5)));
  ASSERT_EQ(f.frames.size(), 2u);
  EXPECT_TRUE(f.frames[1].key);
  EXPECT_GE(f.d.counters().lost, 1u);

  // lost() from the jitter buffer does the same.
  f.push(5000, false, with_descriptor(true, interframe(40)));
  f.d.lost();
  f.push(5000, true, with_descriptor(false, interframe(40)));
  f.push(6000, true, with_descriptor(true, interframe(40)));
  EXPECT_EQ(f.frames.size(), 2u);
  EXPECT_TRUE(f.d.needs_keyframe());
}

TEST(Vp8Depacketizer, ATimestampChangeEndsAFrameWhoseMarkerNeverCame) {
  Fixture f;
  f.push(1000, false, with_descriptor(true, keyframe_start(320, 240, 5)));
  f.push(2000, true, with_descriptor(true, interframe(40)));
  ASSERT_EQ(f.frames.size(), 2u);
  EXPECT_EQ(f.frames[0].ts, 1000u);
  EXPECT_EQ(f.frames[1].ts, 2000u);
}

TEST(Vp8Depacketizer, ExtendedDescriptorsAreSkippedAndGarbageIsCounted) {
  Fixture f;
  // X, I with a 15-bit PictureID, L (TL0PICIDX), T/K: 6 descriptor bytes.
  Bytes key = keyframe_start(1280, 720, 8);
  Bytes p = {0x90, 0xE0, 0x80 | 0x12, 0x34, 0x07, 0x40};
  p.insert(p.end(), key.begin(), key.end());
  f.push(1000, true, p);
  ASSERT_EQ(f.frames.size(), 1u);
  EXPECT_EQ(f.frames[0].data, key);
  EXPECT_EQ(f.frames[0].width, 1280);

  f.push(2000, true, Bytes{0x90});  // X set, its extension byte missing
  f.push(3000, true, Bytes{0x10});  // a descriptor and nothing after it
  EXPECT_EQ(f.d.counters().malformed, 2u);
  EXPECT_TRUE(f.d.needs_keyframe());
  // A keyframe too short for its own header.
  f.push(4000, true, with_descriptor(true, Bytes{0x50, 0x01, 0x00, 0x9d}));
  EXPECT_EQ(f.d.counters().malformed, 3u);
  EXPECT_EQ(f.frames.size(), 1u);
  f.push(5000, true, Bytes{});  // padding: only advances the sequence
  EXPECT_EQ(f.d.counters().empty, 1u);
}

TEST(Vp8Depacketizer, AFrameLargerThanTheBoundIsDropped) {
  Fixture f;
  f.push(1000, false, with_descriptor(true, keyframe_start(320, 240, 1000)));
  Bytes big(1400, 0x11);
  for (size_t i = 0; i < Vp8Depacketizer::kMaxFrameBytes / big.size() + 2; ++i)
    f.push(1000, false, with_descriptor(false, big));
  f.push(1000, true, with_descriptor(false, big));
  EXPECT_TRUE(f.frames.empty());
  EXPECT_TRUE(f.d.needs_keyframe());
  f.push(2000, true, with_descriptor(true, keyframe_start(320, 240, 5)));
  EXPECT_EQ(f.frames.size(), 1u);
}

}  // namespace
}  // namespace onair::bridge
