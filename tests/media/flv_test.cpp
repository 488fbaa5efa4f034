#include "media/flv/flv.hpp"

#include <gtest/gtest.h>

#include <random>

namespace onair::flv {
namespace {

std::span<const uint8_t> span_of(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST(Flv, ParsesAvcSequenceHeaderAndFrames) {
  auto seq = parse_video(span_of(std::string("\x17\x00\x00\x00\x00\x01\x64", 7)));
  ASSERT_TRUE(seq);
  EXPECT_EQ(seq->codec, VideoCodec::h264);
  EXPECT_TRUE(seq->keyframe);
  EXPECT_TRUE(seq->sequence_header);
  auto inter = parse_video(span_of(std::string("\x27\x01\xff\xff\xd8\x00", 6)));  // CT = -40
  ASSERT_TRUE(inter);
  EXPECT_FALSE(inter->keyframe);
  EXPECT_FALSE(inter->sequence_header);
  EXPECT_EQ(inter->composition_time, -40);
}

TEST(Flv, ParsesEnhancedRtmpHevcAndAv1) {
  auto hevc = parse_video(span_of(std::string("\x91hvc1\x01", 6)));  // keyframe, CodedFrames, truncated CT
  EXPECT_FALSE(hevc);
  hevc = parse_video(span_of(std::string("\x90hvc1", 5)));  // keyframe, SequenceStart
  ASSERT_TRUE(hevc);
  EXPECT_TRUE(hevc->enhanced);
  EXPECT_EQ(hevc->codec, VideoCodec::hevc);
  EXPECT_TRUE(hevc->sequence_header);
  EXPECT_TRUE(hevc->keyframe);
  auto av1 = parse_video(span_of(std::string("\xA1" "av01\x12\x00", 7)));  // inter frame, CodedFrames
  ASSERT_TRUE(av1);
  EXPECT_EQ(av1->codec, VideoCodec::av1);
  EXPECT_FALSE(av1->keyframe);
  EXPECT_FALSE(av1->sequence_header);
}

TEST(Flv, ParsesAacAudio) {
  auto seq = parse_audio(span_of(std::string("\xaf\x00\x12\x10", 4)));
  ASSERT_TRUE(seq);
  EXPECT_EQ(seq->codec, AudioCodec::aac);
  EXPECT_TRUE(seq->sequence_header);
  EXPECT_EQ(seq->channels, 2);
  auto raw = parse_audio(span_of(std::string("\xaf\x01\x21", 3)));
  ASSERT_TRUE(raw);
  EXPECT_FALSE(raw->sequence_header);
  EXPECT_FALSE(parse_audio(span_of(std::string("\xaf", 1))));
  EXPECT_FALSE(parse_video(span_of(std::string())));
}

TEST(Flv, WritesAndReadsTags) {
  std::string s = stream_header(true, true);
  EXPECT_EQ(s, std::string("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00", 13));
  std::string tags;
  write_tag(tags, kVideo, 0x01020304, "abc");
  write_tag(tags, kAudio, 5, "");
  EXPECT_EQ(tags.substr(0, 11), std::string("\x09\x00\x00\x03\x02\x03\x04\x01\x00\x00\x00", 11));
  Tag t;
  auto used = read_tag(span_of(tags), t);
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, 11 + 3 + 4u);
  EXPECT_EQ(t.type, kVideo);
  EXPECT_EQ(t.timestamp, 0x01020304u);
  EXPECT_EQ(std::string(t.body.begin(), t.body.end()), "abc");
  used = read_tag(span_of(tags).subspan(18), t);
  ASSERT_TRUE(used);
  EXPECT_EQ(t.timestamp, 5u);
  EXPECT_EQ(*read_tag(span_of(tags.substr(0, 12)), t), 0u);  // needs more bytes
  EXPECT_FALSE(read_tag(span_of(std::string("\x07\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00x\x00\x00\x00\x0c", 16)), t));
}

TEST(Flv, RandomBytesNeverCrash) {
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 32, '\0');
    for (auto& c : s) c = char(rng());
    (void)parse_video(span_of(s));
    (void)parse_audio(span_of(s));
    Tag t;
    (void)read_tag(span_of(s), t, 1024);
  }
}

}  // namespace
}  // namespace onair::flv
