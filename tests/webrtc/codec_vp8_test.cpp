#include "media/webrtc/codec_vp8.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace onair::webrtc::vp8 {
namespace {

using Bytes = std::vector<uint8_t>;

// A keyframe's first bytes (RFC 6386 9.1): frame tag with P = 0 (show_frame = 1, version
// 0), start code, 640 x 480.
const Bytes kKeyframeData = {0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 0x00};
// An interframe's frame tag: P = 1.
const Bytes kInterframeData = {0x31, 0x01, 0x00, 0x55, 0x66};

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// X=1 S=1 PID=0; I, L, T, K; M=1 PictureID 0x1234; TL0PICIDX 0x56; TID=2 Y=1 KEYIDX=3.
const Bytes kFullDescriptor = {0x90, 0xf0, 0x92, 0x34, 0x56, 0xa3};

TEST(Vp8, ParsesADescriptorWithEveryExtension) {
  auto d = parse_descriptor(concat(kFullDescriptor, kKeyframeData));
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->start);
  EXPECT_FALSE(d->non_reference);
  EXPECT_EQ(d->partition, 0);
  EXPECT_TRUE(d->has_picture_id);
  EXPECT_TRUE(d->long_picture_id);
  EXPECT_EQ(d->picture_id, 0x1234);
  EXPECT_EQ(d->picture_id_offset, 2u);
  EXPECT_TRUE(d->has_tl0picidx);
  EXPECT_EQ(d->tl0picidx, 0x56);
  EXPECT_EQ(d->tl0picidx_offset, 4u);
  EXPECT_TRUE(d->has_tid);
  EXPECT_EQ(d->tid, 2);
  EXPECT_TRUE(d->layer_sync);
  EXPECT_TRUE(d->has_keyidx);
  EXPECT_EQ(d->keyidx, 3);
  EXPECT_EQ(d->size, 6u);
}

TEST(Vp8, ParsesASevenBitPictureIdAndTheMinimalDescriptor) {
  auto d = parse_descriptor(Bytes{0xb0, 0x80, 0x05, 0x31});  // N=1 too
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->non_reference);
  EXPECT_FALSE(d->long_picture_id);
  EXPECT_EQ(d->picture_id, 5);
  EXPECT_EQ(d->size, 3u);
  auto minimal = parse_descriptor(Bytes{0x10, 0x31});
  ASSERT_TRUE(minimal);
  EXPECT_FALSE(minimal->has_picture_id);
  EXPECT_EQ(minimal->size, 1u);
}

TEST(Vp8, RefusesTruncatedDescriptors) {
  EXPECT_FALSE(parse_descriptor(Bytes{}));
  EXPECT_FALSE(parse_descriptor(Bytes{0x90}));              // X without its byte
  EXPECT_FALSE(parse_descriptor(Bytes{0x90, 0x80}));        // I without PictureID
  EXPECT_FALSE(parse_descriptor(Bytes{0x90, 0x80, 0x92}));  // M=1 with one byte
  EXPECT_FALSE(parse_descriptor(Bytes{0x90, 0x40}));        // L without TL0PICIDX
  EXPECT_FALSE(parse_descriptor(Bytes{0x90, 0x10}));        // K without its byte
  EXPECT_FALSE(is_keyframe(Bytes{0x90, 0x80, 0x92}));
}

TEST(Vp8, FirstPacketOfAKeyframeIsAKeyframe) {
  EXPECT_TRUE(is_keyframe(concat(kFullDescriptor, kKeyframeData)));
  EXPECT_TRUE(is_keyframe(concat({0x10}, kKeyframeData)));  // no extensions
  EXPECT_TRUE(is_frame_start(concat({0x10}, kKeyframeData)));
}

TEST(Vp8, InterframeIsNotAKeyframe) {
  Bytes p = concat(kFullDescriptor, kInterframeData);
  EXPECT_FALSE(is_keyframe(p));
  EXPECT_TRUE(is_frame_start(p));
}

TEST(Vp8, OnlyTheFirstPacketOfTheFirstPartitionCounts) {
  Bytes continuation = concat({0x80, 0x80, 0x05}, kKeyframeData);  // S=0
  EXPECT_FALSE(is_keyframe(continuation));
  EXPECT_FALSE(is_frame_start(continuation));
  Bytes second_partition = concat({0x91, 0x80, 0x05}, kKeyframeData);  // S=1, PID=1
  EXPECT_FALSE(is_keyframe(second_partition));
  EXPECT_FALSE(is_frame_start(second_partition));
  EXPECT_FALSE(is_keyframe(Bytes{0x10}));  // no payload header
}

TEST(Vp8, ReadsTheKeyframeResolution) {
  EXPECT_EQ(keyframe_resolution(concat(kFullDescriptor, kKeyframeData)), (Resolution{640, 480}));
  EXPECT_FALSE(keyframe_resolution(concat(kFullDescriptor, kInterframeData)));
  Bytes bad_start_code = concat({0x10}, kKeyframeData);
  bad_start_code[4] = 0x00;
  EXPECT_FALSE(keyframe_resolution(bad_start_code));
}

TEST(Vp8, RewritesASevenBitPictureIdInPlace) {
  Bytes p = concat({0x90, 0x80, 0x05}, kInterframeData);
  ASSERT_TRUE(set_picture_id(p, 200));  // 200 mod 128
  EXPECT_EQ(p, concat({0x90, 0x80, 72}, kInterframeData));
  EXPECT_EQ(parse_descriptor(p)->picture_id, 72);
}

TEST(Vp8, RewritesAFifteenBitPictureIdInPlace) {
  Bytes p = concat(kFullDescriptor, kInterframeData);
  ASSERT_TRUE(set_picture_id(p, 0x7ffe));
  EXPECT_EQ(parse_descriptor(p)->picture_id, 0x7ffe);
  EXPECT_EQ(p[2], 0xff);
  EXPECT_EQ(p[3], 0xfe);
  ASSERT_TRUE(set_picture_id(p, 0x8003));  // mod 2^15
  EXPECT_EQ(parse_descriptor(p)->picture_id, 3);
  EXPECT_EQ(p[2], 0x80);  // M stays set
  EXPECT_EQ(Bytes(p.begin() + 4, p.end()), concat({0x56, 0xa3}, kInterframeData));
}

TEST(Vp8, RewritesTl0picidxInPlace) {
  Bytes p = concat(kFullDescriptor, kInterframeData);
  ASSERT_TRUE(set_tl0picidx(p, 0x99));
  EXPECT_EQ(parse_descriptor(p)->tl0picidx, 0x99);
  EXPECT_EQ(parse_descriptor(p)->picture_id, 0x1234);
}

TEST(Vp8, RewriteWithoutTheFieldChangesNothing) {
  Bytes p = concat({0x10}, kInterframeData);
  Bytes before = p;
  EXPECT_FALSE(set_picture_id(p, 1));
  EXPECT_FALSE(set_tl0picidx(p, 1));
  EXPECT_EQ(p, before);
}

// A packet with a 15-bit PictureID and TL0PICIDX.
Bytes layer_packet(uint16_t picture_id, uint8_t tl0, bool key) {
  Bytes p = {0x90, 0xe0, uint8_t(0x80 | (picture_id >> 8)), uint8_t(picture_id), tl0, 0x00};
  return concat(p, key ? kKeyframeData : kInterframeData);
}

TEST(Vp8PictureIdRewriter, KeepsTheFirstSourcesNumbers) {
  PictureIdRewriter r;
  Bytes p = layer_packet(1000, 7, true);
  ASSERT_TRUE(r.rewrite(p, false));
  EXPECT_EQ(parse_descriptor(p)->picture_id, 1000);
  EXPECT_EQ(parse_descriptor(p)->tl0picidx, 7);
}

TEST(Vp8PictureIdRewriter, ContinuesPictureIdAndTl0AcrossALayerSwitch) {
  PictureIdRewriter r;
  for (uint16_t i = 0; i < 5; ++i) {
    Bytes p = layer_packet(uint16_t(1000 + i), uint8_t(7 + i), i == 0);
    r.rewrite(p, false);
  }
  // Last sent: picture 1004, TL0 11. The new layer has its own numbers.
  Bytes key = layer_packet(30000, 200, true);
  ASSERT_TRUE(r.rewrite(key, true));
  EXPECT_EQ(parse_descriptor(key)->picture_id, 1005);
  EXPECT_EQ(parse_descriptor(key)->tl0picidx, 12);
  Bytes next = layer_packet(30001, 201, false);
  r.rewrite(next, false);
  EXPECT_EQ(parse_descriptor(next)->picture_id, 1006);
  EXPECT_EQ(parse_descriptor(next)->tl0picidx, 13);
  // A reordered packet of the keyframe maps the same way.
  Bytes again = layer_packet(30000, 200, false);
  r.rewrite(again, false);
  EXPECT_EQ(parse_descriptor(again)->picture_id, 1005);
}

TEST(Vp8PictureIdRewriter, WrapsFifteenBitPictureIds) {
  PictureIdRewriter r;
  Bytes first = layer_packet(0x7ffe, 255, true);
  r.rewrite(first, false);
  Bytes key = layer_packet(10, 0, true);
  r.rewrite(key, true);
  EXPECT_EQ(parse_descriptor(key)->picture_id, 0x7fff);
  EXPECT_EQ(parse_descriptor(key)->tl0picidx, 0);  // 255 + 1
  Bytes next = layer_packet(11, 1, false);
  r.rewrite(next, false);
  EXPECT_EQ(parse_descriptor(next)->picture_id, 0);
  // The next switch continues from the newest picture, past the wrap.
  Bytes key2 = layer_packet(500, 50, true);
  r.rewrite(key2, true);
  EXPECT_EQ(parse_descriptor(key2)->picture_id, 1);
  EXPECT_EQ(parse_descriptor(key2)->tl0picidx, 2);
}

TEST(Vp8PictureIdRewriter, SevenBitSourceStaysContinuousModulo128) {
  PictureIdRewriter r;
  Bytes a = layer_packet(2000, 1, true);
  r.rewrite(a, false);  // newest: 2000
  uint16_t expected = 2001;
  for (int i = 0; i < 200; ++i) {  // a 7-bit source wrapping at 128, from 120
    uint8_t pid = uint8_t((120 + i) & 0x7f);
    Bytes p = concat({0x90, 0x80, pid}, i == 0 ? kKeyframeData : kInterframeData);
    r.rewrite(p, i == 0);
    EXPECT_EQ(parse_descriptor(p)->picture_id, expected & 0x7f) << i;
    ++expected;
  }
  // Back to a 15-bit layer: it continues from the 7-bit source's newest picture.
  Bytes b = layer_packet(9, 9, true);
  r.rewrite(b, true);
  EXPECT_EQ(parse_descriptor(b)->picture_id, expected);
}

}  // namespace
}  // namespace onair::webrtc::vp8
