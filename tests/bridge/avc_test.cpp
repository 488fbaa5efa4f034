#include "media/bridge/avc.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace onair::bridge {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes hex(std::string_view h) {
  Bytes out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(uint8_t(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

// Real SPS/PPS, from libx264 (ffmpeg 5.1, `-f lavfi -i testsrc=size=WxH -pix_fmt ... -c:v
// libx264 -f h264`), checked against ffprobe's width/height/profile.
// Constrained Baseline 3.1 (42c01f), 640x480, pic_order_cnt_type 2, emulation prevention.
const Bytes kBaseline640 = hex("6742c01fd900a03db011000003000100000300320f183248");
// Constrained Baseline 3.1, 320x180: 12 macroblock rows (192) cropped by 12 lines.
const Bytes kBaseline320x180 = hex("6742c01fd901419f9f011000000300100000030320f1832480");
const Bytes kBaselinePps = hex("68cb83cb20");
// High 4.0 (640028), 1920x1080: 68 macroblock rows (1088) cropped to 1080.
const Bytes kHigh1080 = hex("67640028acd940780227e5c044000003000400000300c83c60c658");
const Bytes kHighPps = hex("68ebe3cb22c0");
// High 3.1, 1280x720.
const Bytes kHigh720 = hex("6764001facd9405005bb011000000300100000030320f1831960");
// High 10 (110), 640x360, 10-bit luma and chroma.
const Bytes kHigh10 = hex("676e001ea6cd940a02ff97011000000300100000030320f162d960");
// High 4:2:2 (122), 176x144.
const Bytes kHigh422 = hex("677a000bbcd942c4ec0440000003004000000c83c50a6580");
// High 4:4:4 Predictive (244), 352x288.
const Bytes kHigh444 = hex("67f4000d919b282c12d808800000030080000019078a14cb");
// High 3.0, 720x576 interlaced (frame_mbs_only_flag = 0: 18 map units of field pairs).
const Bytes kInterlaced576 = hex("6764001eacd940b424d8088000000300800000190f8a14cb");
// Main 3.0 (4d401e), 642x362: cropping on the right and at the bottom.
const Bytes kMain642x362 = hex("674d401eeca05217f1126022000003000200000300641e2c5b2c");

// Writes an SPS bit by bit (Exp-Golomb as 9.1), then inserts emulation-prevention bytes, for
// syntax that no encoder here produces: scaling lists in the SPS, pic_order_cnt_type 1.
class SpsWriter {
 public:
  void u(int n, uint64_t v) {
    for (int i = n - 1; i >= 0; --i) bit((v >> i) & 1);
  }
  void ue(uint64_t v) {
    uint64_t x = v + 1;
    int len = 0;
    while ((x >> len) > 1) ++len;
    u(len, 0);
    u(len + 1, x);
  }
  void se(int64_t v) { ue(v > 0 ? uint64_t(2 * v - 1) : uint64_t(-2 * v)); }
  Bytes nal() {
    Bytes rbsp = bytes_;
    if (bits_ % 8 != 0)
      rbsp.back() |= uint8_t(1 << (7 - bits_ % 8));  // rbsp_stop_one_bit
    else
      rbsp.push_back(0x80);
    Bytes out = {0x67};
    int zeros = 0;
    for (uint8_t b : rbsp) {
      if (zeros >= 2 && b <= 3) {
        out.push_back(3);
        zeros = 0;
      }
      out.push_back(b);
      zeros = b == 0 ? zeros + 1 : 0;
    }
    return out;
  }

 private:
  void bit(int b) {
    if (bits_ % 8 == 0) bytes_.push_back(0);
    if (b) bytes_.back() |= uint8_t(1 << (7 - bits_ % 8));
    ++bits_;
  }
  Bytes bytes_;
  size_t bits_ = 0;
};

struct SynthSps {
  uint8_t profile = 100;
  uint32_t chroma = 1;
  bool scaling = false;
  uint32_t poc_type = 0;
  uint32_t width_mbs = 40, height_units = 30;
  bool frame_mbs_only = true;
  uint32_t crop[4] = {0, 0, 0, 0};  // left, right, top, bottom
};

Bytes synth(const SynthSps& s) {
  SpsWriter w;
  w.u(8, s.profile);
  w.u(8, 0);
  w.u(8, 40);
  w.ue(3);  // seq_parameter_set_id
  if (s.profile == 100 || s.profile == 244) {
    w.ue(s.chroma);
    if (s.chroma == 3) w.u(1, 0);
    w.ue(0);
    w.ue(0);
    w.u(1, 0);
    w.u(1, s.scaling);
    if (s.scaling) {
      int lists = s.chroma != 3 ? 8 : 12;
      for (int i = 0; i < lists; ++i) {
        bool present = i % 3 != 2;
        w.u(1, present);
        if (!present) continue;
        int size = i < 6 ? 16 : 64;
        if (i == 1) {  // "use the default list": delta_scale -8 makes nextScale 0 at once
          w.se(-8);
          continue;
        }
        int last = 8;
        for (int j = 0; j < size; ++j) {
          int next = 4 + (j * 7 + i) % 250;  // a full explicit list, deltas of both signs
          int delta = next - last;
          if (delta > 127) delta -= 256;
          if (delta < -128) delta += 256;
          w.se(delta);
          last = next;
        }
      }
    }
  }
  w.ue(4);  // log2_max_frame_num_minus4
  w.ue(s.poc_type);
  if (s.poc_type == 0) w.ue(2);
  if (s.poc_type == 1) {
    w.u(1, 0);
    w.se(-3);
    w.se(70000);
    w.ue(3);
    w.se(1);
    w.se(-2);
    w.se(100);
  }
  w.ue(4);  // max_num_ref_frames
  w.u(1, 0);
  w.ue(s.width_mbs - 1);
  w.ue(s.height_units - 1);
  w.u(1, s.frame_mbs_only);
  if (!s.frame_mbs_only) w.u(1, 1);
  w.u(1, 1);
  bool crop = s.crop[0] || s.crop[1] || s.crop[2] || s.crop[3];
  w.u(1, crop);
  if (crop)
    for (uint32_t c : s.crop) w.ue(c);
  w.u(1, 0);  // vui_parameters_present_flag
  return w.nal();
}

TEST(Sps, ReadsConstrainedBaseline640x480) {
  auto s = parse_sps(kBaseline640);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->profile, 66);
  EXPECT_EQ(s->constraints, 0xC0);
  EXPECT_EQ(s->level, 31);
  EXPECT_EQ(s->width, 640);
  EXPECT_EQ(s->height, 480);
  EXPECT_EQ(s->chroma_format, 1);
  EXPECT_EQ(s->bit_depth_luma, 8);
  EXPECT_TRUE(s->frame_mbs_only);
}

TEST(Sps, ReadsConstraintSet2AsChromeSendsIt) {
  // Chrome's OpenH264 stream is 42e01f; the same libx264 SPS with constraint_set2 set.
  Bytes chrome = kBaseline640;
  chrome[2] = 0xE0;
  auto s = parse_sps(chrome);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->constraints, 0xE0);
  EXPECT_EQ(s->width, 640);
}

TEST(Sps, CropsBaseline320x180) {
  auto s = parse_sps(kBaseline320x180);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->width, 320);
  EXPECT_EQ(s->height, 180);
}

TEST(Sps, CropsHigh1920x1088To1080) {
  auto s = parse_sps(kHigh1080);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->profile, 100);
  EXPECT_EQ(s->level, 40);
  EXPECT_EQ(s->width, 1920);
  EXPECT_EQ(s->height, 1080);
  auto hd = parse_sps(kHigh720);
  ASSERT_TRUE(hd);
  EXPECT_EQ(hd->width, 1280);
  EXPECT_EQ(hd->height, 720);
}

TEST(Sps, ReadsHighProfileChromaAndBitDepth) {
  auto h10 = parse_sps(kHigh10);
  ASSERT_TRUE(h10) << h10.error().message();
  EXPECT_EQ(h10->profile, 110);
  EXPECT_EQ(h10->bit_depth_luma, 10);
  EXPECT_EQ(h10->bit_depth_chroma, 10);
  EXPECT_EQ(h10->width, 640);
  EXPECT_EQ(h10->height, 360);
  auto h422 = parse_sps(kHigh422);
  ASSERT_TRUE(h422) << h422.error().message();
  EXPECT_EQ(h422->chroma_format, 2);
  EXPECT_EQ(h422->width, 176);
  EXPECT_EQ(h422->height, 144);
  auto h444 = parse_sps(kHigh444);
  ASSERT_TRUE(h444) << h444.error().message();
  EXPECT_EQ(h444->profile, 244);
  EXPECT_EQ(h444->chroma_format, 3);
  EXPECT_EQ(h444->width, 352);
  EXPECT_EQ(h444->height, 288);
}

TEST(Sps, ReadsInterlacedAndOddSizes) {
  auto i = parse_sps(kInterlaced576);
  ASSERT_TRUE(i) << i.error().message();
  EXPECT_FALSE(i->frame_mbs_only);
  EXPECT_EQ(i->width, 720);
  EXPECT_EQ(i->height, 576);
  auto m = parse_sps(kMain642x362);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->profile, 77);
  EXPECT_EQ(m->width, 642);
  EXPECT_EQ(m->height, 362);
}

TEST(Sps, SkipsScalingListsOf420And444) {
  SynthSps s;
  s.scaling = true;
  s.width_mbs = 120;
  s.height_units = 68;
  s.crop[3] = 4;  // 4:2:0: CropUnitY = 2
  auto a = parse_sps(synth(s));
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->sps_id, 3);
  EXPECT_EQ(a->width, 1920);
  EXPECT_EQ(a->height, 1080);
  s.profile = 244;
  s.chroma = 3;  // 12 lists; CropUnit 1x1
  s.crop[3] = 8;
  auto b = parse_sps(synth(s));
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(b->chroma_format, 3);
  EXPECT_EQ(b->height, 1080);
}

TEST(Sps, ReadsPicOrderCountTypes0To2) {
  for (uint32_t poc : {0u, 1u, 2u}) {
    SynthSps s;
    s.poc_type = poc;
    s.profile = 77;
    s.crop[1] = 3;  // 6 pixels on the right
    auto r = parse_sps(synth(s));
    ASSERT_TRUE(r) << poc << ": " << r.error().message();
    EXPECT_EQ(r->width, 634) << poc;
    EXPECT_EQ(r->height, 480) << poc;
  }
  SynthSps bad;
  bad.poc_type = 3;
  EXPECT_FALSE(parse_sps(synth(bad)));
}

TEST(Sps, CropsFieldsInUnitsOfTwoFieldLines) {
  SynthSps s;
  s.profile = 77;
  s.frame_mbs_only = false;
  s.height_units = 34;  // 34 * 2 * 16 = 1088
  s.width_mbs = 120;
  s.crop[3] = 2;  // CropUnitY = 2 * 2
  auto r = parse_sps(synth(s));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->height, 1080);
}

TEST(Sps, RefusesWhatIsNotAnSps) {
  EXPECT_FALSE(parse_sps(Bytes{}));
  EXPECT_FALSE(parse_sps(kHighPps));
  EXPECT_FALSE(parse_sps(Bytes{0x67, 0x42, 0xC0}));  // truncated
  SynthSps crop_all;
  crop_all.profile = 77;
  crop_all.crop[0] = 160;  // 320 + 320 pixels of a 640-wide picture
  crop_all.crop[1] = 160;
  EXPECT_FALSE(parse_sps(synth(crop_all)));
  SynthSps huge;
  huge.profile = 77;
  huge.width_mbs = 100000;
  EXPECT_FALSE(parse_sps(synth(huge)));
}

TEST(Sps, EveryTruncationOfARealSpsFailsOrReadsTheSameFields) {
  // The fields parse_sps reads end before the VUI: a cut there still parses, identically; a
  // cut earlier fails. Under AddressSanitizer a read past the copy's end would be caught.
  for (const Bytes* sps : {&kBaseline640, &kHigh1080, &kHigh444, &kInterlaced576}) {
    auto full = parse_sps(*sps);
    ASSERT_TRUE(full);
    size_t parsed = 0;
    for (size_t n = 0; n < sps->size(); ++n) {
      Bytes cut(sps->begin(), sps->begin() + long(n));
      auto r = parse_sps(cut);
      if (!r) {
        EXPECT_EQ(parsed, 0u) << "a longer prefix parsed, a shorter one did not: " << n;
        continue;
      }
      ++parsed;
      EXPECT_EQ(r->width, full->width) << n;
      EXPECT_EQ(r->height, full->height) << n;
    }
    EXPECT_LT(parsed, sps->size() - 4);  // the first bytes alone never parse
  }
}

TEST(Sps, SurvivesRandomBytes) {
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    Bytes b(1 + rng() % 40);
    for (auto& x : b) x = uint8_t(rng());
    b[0] = 0x67;
    if (auto r = parse_sps(b)) {
      EXPECT_GT(r->width, 0);
      EXPECT_GT(r->height, 0);
    }
  }
}

TEST(AvcConfig, BuildsBaselineRecord) {
  std::string rec = build_avc_config(kBaseline640, kBaselinePps);
  Bytes expect = {1, 0x42, 0xC0, 0x1F, 0xFF, 0xE1, 0, uint8_t(kBaseline640.size())};
  expect.insert(expect.end(), kBaseline640.begin(), kBaseline640.end());
  expect.insert(expect.end(), {1, 0, uint8_t(kBaselinePps.size())});
  expect.insert(expect.end(), kBaselinePps.begin(), kBaselinePps.end());
  EXPECT_EQ(Bytes(rec.begin(), rec.end()), expect);
}

TEST(AvcConfig, HighProfileRecordEndsWithChromaAndBitDepth) {
  std::string rec = build_avc_config(kHigh1080, kHighPps);
  ASSERT_EQ(rec.size(), 6 + 2 + kHigh1080.size() + 1 + 2 + kHighPps.size() + 4);
  EXPECT_EQ(Bytes(rec.end() - 4, rec.end()), (Bytes{0xFD, 0xF8, 0xF8, 0x00}));
  std::string rec10 = build_avc_config(kHigh10, kHighPps);
  EXPECT_EQ(Bytes(rec10.end() - 4, rec10.end()), (Bytes{0xFD, 0xFA, 0xFA, 0x00}));
  std::string rec422 = build_avc_config(kHigh422, kHighPps);
  EXPECT_EQ(uint8_t(rec422[rec422.size() - 4]), 0xFE);
}

TEST(AvcConfig, RoundTrips) {
  for (const Bytes* sps : {&kBaseline640, &kHigh1080, &kHigh444}) {
    std::string rec = build_avc_config(*sps, kHighPps);
    auto cfg = parse_avc_config(bytes_of(rec));
    ASSERT_TRUE(cfg) << cfg.error().message();
    ASSERT_EQ(cfg->sps.size(), 1u);
    ASSERT_EQ(cfg->pps.size(), 1u);
    EXPECT_EQ(cfg->sps[0], std::string(sps->begin(), sps->end()));
    EXPECT_EQ(cfg->pps[0], std::string(kHighPps.begin(), kHighPps.end()));
    EXPECT_EQ(cfg->nal_length_size, 4);
    EXPECT_EQ(cfg->profile, (*sps)[1]);
    EXPECT_EQ(cfg->level, (*sps)[3]);
  }
}

TEST(AvcConfig, BuildRefusesUnusableParameterSets) {
  EXPECT_EQ(build_avc_config(Bytes{0x67, 0x42}, kBaselinePps), "");
  EXPECT_EQ(build_avc_config(kBaseline640, Bytes{}), "");
}

TEST(AvcConfig, ParseRefusesBrokenRecords) {
  std::string rec = build_avc_config(kHigh1080, kHighPps);
  auto b = bytes_of(rec);
  // Every cut inside the SPS and PPS lists fails; the 4-byte High trailer is optional.
  for (size_t n = 0; n < rec.size() - 4; ++n) EXPECT_FALSE(parse_avc_config(b.first(n))) << n;
  EXPECT_TRUE(parse_avc_config(b.first(rec.size() - 4)));
  std::string v2 = rec;
  v2[0] = 2;
  EXPECT_FALSE(parse_avc_config(bytes_of(v2)));
  std::string no_sps = rec;
  no_sps[5] = char(0xE0);
  EXPECT_FALSE(parse_avc_config(bytes_of(no_sps)));
  std::string two_byte = rec;
  two_byte[4] = char(0xFD);
  auto cfg = parse_avc_config(bytes_of(two_byte));
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->nal_length_size, 2);
}

TEST(AvcConfig, ReadsSeveralParameterSets) {
  Bytes rec = {1, 0x64, 0, 0x28, 0xFF, 0xE2};
  for (const Bytes* s : {&kHigh1080, &kHigh720}) {
    rec.insert(rec.end(), {0, uint8_t(s->size())});
    rec.insert(rec.end(), s->begin(), s->end());
  }
  rec.insert(rec.end(), {2, 0, 1, 0x68, 0, 2, 0x68, 0x01});
  auto cfg = parse_avc_config(rec);
  ASSERT_TRUE(cfg) << cfg.error().message();
  EXPECT_EQ(cfg->sps.size(), 2u);
  EXPECT_EQ(cfg->pps.size(), 2u);
  EXPECT_EQ(cfg->pps[1], std::string("\x68\x01", 2));
}

TEST(AvcFlv, WritesSequenceHeader) {
  std::string rec = build_avc_config(kBaseline640, kBaselinePps);
  std::string tag = flv_avc_sequence_header(rec);
  EXPECT_EQ(tag.substr(0, 5), std::string("\x17\x00\x00\x00\x00", 5));
  EXPECT_EQ(tag.substr(5), rec);
}

TEST(AvcFlv, WritesFramesWithLengthPrefixesAndSignedCompositionTime) {
  Bytes idr = {0x65, 0x88, 0x80};
  Bytes sei = {0x06, 0x05};
  NalView nals[] = {sei, idr};
  std::string key = flv_avc_frame(true, 80, nals);
  EXPECT_EQ(key, std::string("\x17\x01\x00\x00\x50"
                             "\x00\x00\x00\x02\x06\x05"
                             "\x00\x00\x00\x03\x65\x88\x80",
                             18));
  std::string inter = flv_avc_frame(false, -40, std::span<const NalView>(nals, 1));
  EXPECT_EQ(inter.substr(0, 5), std::string("\x27\x01\xFF\xFF\xD8", 5));
  std::string clamped = flv_avc_frame(false, 1 << 30, {});
  EXPECT_EQ(clamped, std::string("\x27\x01\x7F\xFF\xFF", 5));
  std::string reused = "old contents";
  append_flv_avc_frame(reused, true, 0, nals);
  EXPECT_EQ(reused, flv_avc_frame(true, 0, nals));
}

TEST(AvcFlv, SplitsFramesFromRtmp) {
  Bytes idr(300, 0xAB);
  idr[0] = 0x65;
  Bytes sps = kHigh1080;
  NalView in[] = {sps, idr};
  std::string tag = flv_avc_frame(true, 0, in);
  auto avcc = bytes_of(tag).subspan(kFlvAvcHeaderSize);
  std::vector<NalView> out;
  auto n = split_avcc(avcc, 4, out);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(std::ranges::equal(out[0], sps));
  EXPECT_TRUE(std::ranges::equal(out[1], idr));
  // Two-byte lengths, with an empty unit skipped.
  Bytes two = {0, 2, 0x41, 0x01, 0, 0, 0, 1, 0x06};
  ASSERT_TRUE(split_avcc(two, 2, out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].size(), 1u);
}

TEST(AvcFlv, SplitStopsAtALengthPastTheEnd) {
  Bytes data = {0, 0, 0, 2, 0x41, 0x01, 0, 0, 0, 9, 0x41};
  std::vector<NalView> out;
  EXPECT_FALSE(split_avcc(data, 4, out));
  EXPECT_EQ(out.size(), 1u);                         // the unit before the bad length was passed
  EXPECT_FALSE(split_avcc(Bytes{0, 0, 0}, 4, out));  // a cut length field
  EXPECT_FALSE(split_avcc(data, 0, out));
  EXPECT_FALSE(split_avcc(data, 5, out));
  size_t seen = 0;
  auto r = for_each_nal(Bytes{0, 0, 0, 0xFF, 0, 0, 0}, 4, [&](NalView) { ++seen; });
  EXPECT_FALSE(r);
  EXPECT_EQ(seen, 0u);
}

}  // namespace
}  // namespace onair::bridge
