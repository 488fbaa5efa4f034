#include "media/hls/hls.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

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

}  // namespace
}  // namespace onair::hls
