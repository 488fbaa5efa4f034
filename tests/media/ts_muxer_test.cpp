#include "media/hls/ts_muxer.hpp"

#include <gtest/gtest.h>

#include <random>

namespace onair::hls {
namespace {

std::span<const uint8_t> span_of(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// An FLV AVC sequence header with one SPS and one PPS, 4-byte NAL lengths.
std::string avc_config() {
  std::string b("\x17\x00\x00\x00\x00", 5);
  b += std::string("\x01\x64\x00\x1f\xff\xe1", 6);
  b += std::string("\x00\x04\x67\x64\x00\x1f", 6);  // SPS
  b += std::string("\x01\x00\x02\x68\xee", 5);      // PPS
  return b;
}

std::string avc_frame(bool key, const std::string& nal) {
  std::string b(key ? "\x17\x01\x00\x00\x00" : "\x27\x01\x00\x00\x28", 5);  // inter frame: CT 40 ms
  uint32_t n = uint32_t(nal.size());
  b += char(n >> 24), b += char(n >> 16), b += char(n >> 8), b += char(n);
  return b + nal;
}

TEST(TsMuxer, Crc32MatchesTheMpeg2Polynomial) {
  // The CRC of "123456789" with the MPEG-2 parameters is 0x0376E6E7.
  std::string s = "123456789";
  EXPECT_EQ(TsMuxer::crc32(span_of(s)), 0x0376E6E7u);
}

TEST(TsMuxer, WritesWellFormedPacketsWithTablesAndPes) {
  TsMuxer m;
  ASSERT_TRUE(m.set_video_config(span_of(avc_config())));
  ASSERT_TRUE(m.set_audio_config(span_of(std::string("\xaf\x00\x12\x10", 4))));  // AAC LC 44.1 kHz stereo
  std::string out;
  m.write_tables(out);
  ASSERT_TRUE(m.write_video(out, span_of(avc_frame(true, std::string(1000, '\x65'))), 1000, true));
  ASSERT_TRUE(m.write_audio(out, span_of(std::string("\xaf\x01", 2) + std::string(300, 'a')), 1010));
  ASSERT_TRUE(m.write_video(out, span_of(avc_frame(false, std::string(50, '\x41'))), 1033, false));
  ASSERT_EQ(out.size() % 188, 0u);
  std::map<int, int> last_cc;
  int pes_starts = 0;
  for (size_t off = 0; off < out.size(); off += 188) {
    auto p = reinterpret_cast<const uint8_t*>(out.data() + off);
    ASSERT_EQ(p[0], 0x47);
    int pid = (p[1] & 0x1f) << 8 | p[2];
    int cc = p[3] & 0x0f;
    if (last_cc.contains(pid)) {
      EXPECT_EQ(cc, (last_cc[pid] + 1) & 15) << "pid " << pid;
    }
    last_cc[pid] = cc;
    bool pusi = p[1] & 0x40;
    if (pusi && (pid == 0x100 || pid == 0x101)) {
      size_t payload = 4 + ((p[3] & 0x20) ? 1 + p[4] : 0);
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(p + payload), 3), std::string("\x00\x00\x01", 3));
      ++pes_starts;
    }
  }
  EXPECT_EQ(pes_starts, 3);
  EXPECT_EQ(last_cc.count(0), 1u);
  EXPECT_EQ(last_cc.count(0x1000), 1u);
  // Annex-B output: the keyframe carries AUD, SPS, PPS then the slice.
  auto sps = out.find(std::string("\x00\x00\x00\x01\x67\x64\x00\x1f", 8));
  auto pps = out.find(std::string("\x00\x00\x00\x01\x68\xee", 6));
  auto idr = out.find(std::string("\x00\x00\x00\x01\x65", 5));
  ASSERT_NE(sps, std::string::npos);
  EXPECT_LT(sps, pps);
  EXPECT_LT(pps, idr);
  // ADTS header for AAC LC, 44.1 kHz, stereo, 307 bytes.
  EXPECT_NE(out.find(std::string("\xff\xf1\x50\x80\x26\x7f\xfc", 7)), std::string::npos);
}

TEST(TsMuxer, RefusesFramesBeforeConfigurationAndBrokenNals) {
  TsMuxer m;
  std::string out;
  EXPECT_FALSE(m.write_video(out, span_of(avc_frame(true, "x")), 0, true));
  EXPECT_FALSE(m.write_audio(out, span_of(std::string("\xaf\x01x", 3)), 0));
  ASSERT_TRUE(m.set_video_config(span_of(avc_config())));
  std::string broken = std::string("\x17\x01\x00\x00\x00", 5) + std::string("\x00\x00\x10\x00", 4) + "short";
  EXPECT_FALSE(m.write_video(out, span_of(broken), 0, true));
  EXPECT_FALSE(m.set_video_config(span_of(std::string("\x17\x00\x00\x00\x00\x01", 6))));
  EXPECT_FALSE(m.set_audio_config(span_of(std::string("\x2f\x00\x12\x10", 4))));  // MP3
}

TEST(TsMuxer, RandomInputNeverCrashes) {
  std::mt19937 rng(11);
  for (int i = 0; i < 5000; ++i) {
    TsMuxer m;
    std::string cfg(rng() % 40, '\0'), frame(rng() % 200, '\0');
    for (auto& c : cfg) c = char(rng());
    for (auto& c : frame) c = char(rng());
    if (cfg.size() > 1) {
      cfg[0] = char(0x17);
      cfg[1] = 0;
    }
    (void)m.set_video_config(span_of(cfg));
    std::string out;
    if (m.has_video()) (void)m.write_video(out, span_of(frame), 0, true);
  }
}

}  // namespace
}  // namespace onair::hls
