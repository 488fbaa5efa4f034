#include "media/hls/hls.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "media/bridge/aac_config.hpp"
#include "media/bridge/avc.hpp"
#include "media/codec/h264_encoder.hpp"

namespace onair::hls {
namespace {

// An AVC sequence header from real parameter sets (libx264's), then frames whose bodies the
// segmenter only frames into TS.
struct Video {
  std::string seq;
  Video() {
    auto enc = codec::H264Encoder::create({.width = 320, .height = 240});
    EXPECT_TRUE(enc);
    seq = bridge::flv_avc_sequence_header(bridge::build_avc_config(enc->sps(), enc->pps()));
  }
  static media::FramePtr frame(uint32_t ts, bool key) {
    static const uint8_t slice[] = {0x65, 0x88, 0x84, 0x00};
    bridge::NalView nal(slice, sizeof slice);
    return media::make_frame(media::FrameKind::video, ts, key, false,
                             bridge::flv_avc_frame(key, 0, std::span<const bridge::NalView>(&nal, 1)));
  }
};

std::vector<double> durations(const std::string& m3u8) {
  std::vector<double> out;
  std::istringstream in(m3u8);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("#EXTINF:")) out.push_back(std::atof(line.c_str() + 8));
  return out;
}

TEST(HlsSegmenter, AHoleInTheTimelineEndsTheSegmentAndMarksADiscontinuity) {
  Video v;
  auto pl = std::make_shared<HlsPlaylist>("s", 10);
  HlsSegmenter seg(pl, 1.0, false);
  seg.on_frame(media::make_frame(media::FrameKind::video, 0, true, true, v.seq));
  for (uint32_t ts = 0; ts <= 3000; ts += 25) seg.on_frame(Video::frame(ts, ts % 1000 == 0));
  // Nobody watched for a minute (a WebRTC bridge slept): the media resumes at 63 s.
  for (uint32_t ts = 63000; ts <= 66000; ts += 25) seg.on_frame(Video::frame(ts, ts % 1000 == 0));
  std::string m3u8 = pl->m3u8("");
  auto d = durations(m3u8);
  ASSERT_GE(d.size(), 5u) << m3u8;
  for (double x : d) EXPECT_LT(x, 3.5) << m3u8;  // no segment spans the hole
  auto disc = m3u8.find("#EXT-X-DISCONTINUITY\n");
  ASSERT_NE(disc, std::string::npos) << m3u8;
  EXPECT_EQ(m3u8.find("#EXT-X-DISCONTINUITY\n", disc + 1), std::string::npos) << m3u8;
}

TEST(HlsSegmenter, AudioBeforeTheFirstVideoConfigDoesNotMakeASegmentWithoutVideo) {
  // A WebRTC bridge: Opus -> AAC flows at once, the keyframe comes a round trip later.
  Video v;
  auto pl = std::make_shared<HlsPlaylist>("s", 10);
  HlsSegmenter seg(pl, 1.0, false);
  std::string asc = bridge::build_audio_specific_config({.object_type = 2, .sample_rate = 48000, .channels = 2});
  seg.on_frame(media::make_frame(media::FrameKind::audio, 0, false, true, bridge::flv_aac_sequence_header(asc)));
  static const uint8_t raw[] = {0x21, 0x10, 0x04, 0x60};
  auto audio = [&](uint32_t ts) {
    seg.on_frame(media::make_frame(media::FrameKind::audio, ts, false, false, bridge::flv_aac_frame(raw)));
  };
  for (uint32_t ts = 0; ts < 300; ts += 21) audio(ts);
  seg.on_frame(media::make_frame(media::FrameKind::video, 300, true, true, v.seq));
  for (uint32_t ts = 325; ts <= 3325; ts += 25) {
    seg.on_frame(Video::frame(ts, (ts - 325) % 1000 == 0));
    audio(ts);
  }
  auto first = pl->segment(0);
  ASSERT_NE(first, nullptr) << pl->m3u8("");
  // Its PMT lists H.264 (stream type 0x1B on PID 0x100) and AAC.
  EXPECT_NE(first->find(std::string("\x1b\xe1\x00", 3)), std::string::npos);
  EXPECT_NE(first->find(std::string("\x0f\xe1\x01", 3)), std::string::npos);
  auto d = durations(pl->m3u8(""));
  ASSERT_FALSE(d.empty());
  EXPECT_NEAR(d[0], 1.0, 0.05);  // from the keyframe at 325, not from the audio at 0
}

TEST(HlsPlaylist, ARestartForgetsTheSegmentsButKeepsCounting) {
  HlsPlaylist pl("s", 3);
  for (int i = 0; i < 4; ++i) pl.add({.duration = 1, .discontinuity = i == 2, .data = std::make_shared<std::string>("x")});
  EXPECT_FALSE(pl.stale(60'000));
  EXPECT_TRUE(pl.stale(-1));
  pl.restart();
  EXPECT_EQ(pl.m3u8(""), "");
  EXPECT_FALSE(pl.stale(-1));  // nothing listed, nothing old
  pl.add({.duration = 1, .discontinuity = true, .data = std::make_shared<std::string>("y")});
  std::string m = pl.m3u8("");
  EXPECT_NE(m.find("#EXT-X-MEDIA-SEQUENCE:4\n"), std::string::npos) << m;
  EXPECT_NE(m.find("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("#EXT-X-DISCONTINUITY\n#EXTINF:1.000,\ns-4.ts"), std::string::npos) << m;
}

}  // namespace
}  // namespace onair::hls
