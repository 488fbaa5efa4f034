#include "media/webrtc/codec_h264.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace onair::webrtc::h264 {
namespace {

using Bytes = std::vector<uint8_t>;

// NAL headers with NRI = 3: 0x65 IDR, 0x41 non-IDR slice, 0x67 SPS, 0x68 PPS, 0x06 SEI.
const Bytes kSps = {0x67, 0x42, 0xe0, 0x1f, 0x8d, 0x68};
const Bytes kPps = {0x68, 0xce, 0x3c, 0x80};
const Bytes kIdr = {0x65, 0x88, 0x84, 0x00, 0x21};

Bytes stap_a(std::initializer_list<Bytes> nals) {
  Bytes out = {0x78};  // F=0, NRI=3, type 24
  for (const auto& n : nals) {
    out.push_back(uint8_t(n.size() >> 8));
    out.push_back(uint8_t(n.size()));
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

TEST(H264, SingleIdrNalIsAKeyframe) {
  EXPECT_TRUE(is_keyframe(kIdr));
  EXPECT_EQ(nal_types(kIdr), nal_bit(nal::kIdr));
}

TEST(H264, SingleNonIdrSliceIsNotAKeyframe) {
  Bytes slice = {0x41, 0x9a, 0x02};
  EXPECT_FALSE(is_keyframe(slice));
  EXPECT_EQ(nal_types(slice), nal_bit(nal::kSlice));
  EXPECT_TRUE(starts_nal_unit(slice));
}

TEST(H264, SingleSpsStartsAKeyframe) { EXPECT_TRUE(is_keyframe(kSps)); }

TEST(H264, StapAWithSpsPpsAndIdrIsAKeyframe) {
  Bytes p = stap_a({kSps, kPps, kIdr});
  EXPECT_EQ(nal_types(p), nal_bit(nal::kSps) | nal_bit(nal::kPps) | nal_bit(nal::kIdr));
  EXPECT_TRUE(is_keyframe(p));
}

TEST(H264, StapAWithSpsAndPpsOnlyStartsAKeyframe) {
  // Chrome's keyframe: SPS + PPS aggregated first, the IDR slices in FU-As after.
  EXPECT_TRUE(is_keyframe(stap_a({kSps, kPps})));
}

TEST(H264, StapAWithoutSpsOrIdrIsNotAKeyframe) {
  Bytes sei = {0x06, 0x05, 0x01, 0x80};
  Bytes p = stap_a({sei, kPps});
  EXPECT_EQ(nal_types(p), nal_bit(nal::kSei) | nal_bit(nal::kPps));
  EXPECT_FALSE(is_keyframe(p));
}

TEST(H264, FuAStartOfAnIdrIsAKeyframe) {
  Bytes start = {0x7c, 0x85, 0xb8, 0x00};  // FU indicator NRI=3 type 28; FU header S=1 type 5
  EXPECT_TRUE(is_keyframe(start));
  EXPECT_EQ(nal_types(start), nal_bit(nal::kIdr));
}

TEST(H264, FuAMiddleAndEndBeginNothing) {
  Bytes middle = {0x7c, 0x05, 0x11, 0x22};
  Bytes end = {0x7c, 0x45, 0x33};  // E=1
  EXPECT_FALSE(is_keyframe(middle));
  EXPECT_FALSE(is_keyframe(end));
  EXPECT_EQ(nal_types(middle), NalTypes(0));
  EXPECT_FALSE(starts_nal_unit(middle));
  EXPECT_FALSE(starts_nal_unit(end));
}

TEST(H264, FuAStartOfANonIdrSliceIsNotAKeyframe) {
  Bytes start = {0x5c, 0x81, 0x9a};
  EXPECT_FALSE(is_keyframe(start));
  EXPECT_TRUE(starts_nal_unit(start));
}

TEST(H264, RefusesMalformedPayloads) {
  EXPECT_EQ(nal_types(Bytes{}), std::nullopt);
  EXPECT_EQ(nal_types(Bytes{0xe5, 0x00}), std::nullopt);             // F bit set
  EXPECT_EQ(nal_types(Bytes{0x78}), std::nullopt);                   // STAP-A with no unit
  EXPECT_EQ(nal_types(Bytes{0x78, 0x00}), std::nullopt);             // truncated size
  EXPECT_EQ(nal_types(Bytes{0x78, 0x00, 0x00}), std::nullopt);       // zero size
  EXPECT_EQ(nal_types(Bytes{0x78, 0x00, 0x09, 0x65}), std::nullopt); // size past the end
  Bytes trailing = stap_a({kSps});
  trailing.push_back(0x00);  // a dangling half size field
  EXPECT_EQ(nal_types(trailing), std::nullopt);
  EXPECT_EQ(nal_types(Bytes{0x7c}), std::nullopt);  // FU-A without its FU header
  EXPECT_FALSE(is_keyframe(Bytes{0x78, 0x00, 0x09, 0x65}));
}

TEST(H264, InterleavedModeAggregatesCarryNothingWeUse) {
  EXPECT_EQ(nal_types(Bytes{0x79, 0x00, 0x01}), NalTypes(0));  // STAP-B
  EXPECT_EQ(nal_types(Bytes{0x7d, 0x85, 0x00}), NalTypes(0));  // FU-B
  EXPECT_FALSE(is_keyframe(Bytes{0x7d, 0x85, 0x00}));
}

}  // namespace
}  // namespace onair::webrtc::h264
