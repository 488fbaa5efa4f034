// Vp8ToH264 with real codecs: VP8 made by libvpx (through libavcodec), transcoded, and the
// H.264 decoded again by FFmpeg's H.264 decoder.
#include "media/bridge/vp8_to_h264.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

extern "C" {
#include <libavutil/dict.h>
#include <libavutil/imgutils.h>
}

#include "media/codec/av_ptr.hpp"

namespace onair::bridge {
namespace {

using Bytes = std::vector<uint8_t>;

struct Vp8 {
  Bytes data;
  bool key;
};

// `count` VP8 frames of a moving gradient at width x height, a keyframe every `gop`.
std::vector<Vp8> vp8_frames(int width, int height, int count, int gop) {
  const AVCodec* codec = avcodec_find_encoder_by_name("libvpx");
  EXPECT_NE(codec, nullptr) << "FFmpeg without libvpx";
  if (!codec) return {};
  codec::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  ctx->width = width;
  ctx->height = height;
  ctx->pix_fmt = AV_PIX_FMT_YUV420P;
  ctx->time_base = {1, 30};
  ctx->bit_rate = 500000;
  ctx->gop_size = gop;
  ctx->thread_count = 1;
  // As a browser encodes: realtime, no lookahead, no hidden alt-ref frames.
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "deadline", "realtime", 0);
  av_dict_set(&opts, "lag-in-frames", "0", 0);
  av_dict_set(&opts, "auto-alt-ref", "0", 0);
  EXPECT_EQ(avcodec_open2(ctx.get(), codec, &opts), 0);
  av_dict_free(&opts);
  codec::FramePtr frame(av_frame_alloc());
  frame->width = width;
  frame->height = height;
  frame->format = AV_PIX_FMT_YUV420P;
  EXPECT_EQ(av_frame_get_buffer(frame.get(), 0), 0);
  codec::PacketPtr packet(av_packet_alloc());
  std::vector<Vp8> out;
  auto drain = [&] {
    while (avcodec_receive_packet(ctx.get(), packet.get()) == 0) {
      out.push_back({Bytes(packet->data, packet->data + packet->size), (packet->flags & AV_PKT_FLAG_KEY) != 0});
      av_packet_unref(packet.get());
    }
  };
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(av_frame_make_writable(frame.get()), 0);
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) frame->data[0][y * frame->linesize[0] + x] = uint8_t(x + y + i * 3);
    for (int p = 1; p < 3; ++p)
      for (int y = 0; y < height / 2; ++y) std::memset(frame->data[p] + y * frame->linesize[p], 128, size_t(width / 2));
    frame->pts = i;
    frame->pict_type = i % gop == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    EXPECT_EQ(avcodec_send_frame(ctx.get(), frame.get()), 0);
    drain();
  }
  avcodec_send_frame(ctx.get(), nullptr);
  drain();
  return out;
}

struct Unit {
  int64_t pts;
  bool key, changed;
  int width, height;
  Bytes annexb;  // SPS/PPS first when changed, then the unit's NAL units
};

// Decodes Annex B H.264 units and returns the decoded pictures' sizes.
std::vector<std::pair<int, int>> decode_h264(const std::vector<Unit>& units) {
  auto dec = codec::Decoder::create({.codec = AV_CODEC_ID_H264});
  EXPECT_TRUE(dec) << dec.error().message();
  std::vector<std::pair<int, int>> sizes;
  for (const Unit& u : units) {
    EXPECT_TRUE(dec->send(u.annexb, u.pts));
    while (true) {
      auto f = dec->receive();
      EXPECT_TRUE(f);
      if (!f || !*f) break;
      sizes.emplace_back((*f)->width, (*f)->height);
    }
  }
  EXPECT_TRUE(dec->send_end());
  while (true) {
    auto f = dec->receive();
    if (!f || !*f) break;
    sizes.emplace_back((*f)->width, (*f)->height);
  }
  return sizes;
}

struct Transcoder {
  std::vector<Unit> units;
  Vp8ToH264 t;
  Transcoder()
      : t(std::move(*Vp8ToH264::create({.kbps = 800, .preset = "ultrafast"}, [this](const H264Unit& u) {
          Unit out{u.pts_ms, u.keyframe, u.parameters_changed, u.width, u.height, {}};
          auto add = [&](std::span<const uint8_t> nal) {
            out.annexb.insert(out.annexb.end(), {0, 0, 0, 1});
            out.annexb.insert(out.annexb.end(), nal.begin(), nal.end());
          };
          if (u.parameters_changed) {
            add(u.sps);
            add(u.pps);
          }
          for (const NalView& n : u.nals) add(n);
          units.push_back(std::move(out));
        }))) {}
};

TEST(Vp8ToH264, VideoFromLibvpxComesOutAsDecodableH264WithKeyframesWhereAsked) {
  auto frames = vp8_frames(320, 240, 60, 30);
  ASSERT_EQ(frames.size(), 60u);
  ASSERT_TRUE(frames[0].key);
  Transcoder tr;
  for (size_t i = 0; i < frames.size(); ++i)
    EXPECT_TRUE(tr.t.push(frames[i].data, int64_t(i) * 33, frames[i].key, i == 45));
  ASSERT_EQ(tr.units.size(), 60u);
  EXPECT_TRUE(tr.units[0].key);
  EXPECT_TRUE(tr.units[0].changed);
  EXPECT_EQ(tr.units[0].width, 320);
  for (size_t i = 1; i < tr.units.size(); ++i) {
    EXPECT_FALSE(tr.units[i].changed) << i;
    EXPECT_EQ(tr.units[i].key, i == 30 || i == 45) << i;  // the VP8 keyframe and the asked IDR
    EXPECT_EQ(tr.units[i].pts, int64_t(i) * 33) << i;     // no delay, no reordering
  }
  auto sizes = decode_h264(tr.units);
  EXPECT_EQ(sizes.size(), 60u);
  for (auto [w, h] : sizes) EXPECT_TRUE(w == 320 && h == 240) << w << "x" << h;
  EXPECT_EQ(tr.t.counters().decode_errors, 0u);
}

TEST(Vp8ToH264, ANewPictureSizeReopensTheEncoderWithNewParameterSets) {
  auto small = vp8_frames(320, 240, 10, 30), large = vp8_frames(640, 360, 10, 30);
  Transcoder tr;
  int64_t pts = 0;
  for (const auto& f : small) tr.t.push(f.data, pts += 33, f.key, false);
  for (const auto& f : large) tr.t.push(f.data, pts += 33, f.key, false);
  ASSERT_EQ(tr.units.size(), 20u);
  EXPECT_TRUE(tr.units[10].changed);
  EXPECT_TRUE(tr.units[10].key);
  EXPECT_EQ(tr.units[10].width, 640);
  EXPECT_EQ(tr.units[10].height, 360);
  EXPECT_EQ(tr.t.counters().reopens, 1u);
  auto sizes = decode_h264(tr.units);
  ASSERT_EQ(sizes.size(), 20u);
  EXPECT_EQ(sizes[9], std::make_pair(320, 240));
  EXPECT_EQ(sizes[10], std::make_pair(640, 360));
}

TEST(Vp8ToH264, GarbageIsDroppedUpToTheNextKeyframeAndSaidSo) {
  auto frames = vp8_frames(320, 240, 40, 20);
  Transcoder tr;
  // Before any keyframe nothing decodes.
  EXPECT_FALSE(tr.t.push(frames[1].data, 0, false, false));
  EXPECT_TRUE(tr.units.empty());
  int64_t pts = 0;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(tr.t.push(frames[size_t(i)].data, pts += 33, frames[size_t(i)].key, false));
  // A keyframe that is not VP8 at all.
  Bytes junk(500, 0xFF);
  EXPECT_FALSE(tr.t.push(junk, pts += 33, true, false));
  size_t before = tr.units.size();
  for (int i = 5; i < 20; ++i) EXPECT_FALSE(tr.t.push(frames[size_t(i)].data, pts += 33, false, false)) << i;
  EXPECT_EQ(tr.units.size(), before);
  for (int i = 20; i < 40; ++i) EXPECT_TRUE(tr.t.push(frames[size_t(i)].data, pts += 33, frames[size_t(i)].key, false));
  EXPECT_EQ(tr.units.size(), before + 20);
  EXPECT_TRUE(tr.units[before].key);
  EXPECT_GE(tr.t.counters().decode_errors, 17u);
  auto sizes = decode_h264(tr.units);
  EXPECT_EQ(sizes.size(), tr.units.size());
}

TEST(Vp8ToH264, AnUnknownPresetFailsAtCreation) {
  EXPECT_FALSE(Vp8ToH264::create({.kbps = 800, .preset = "warpspeed"}, [](const H264Unit&) {}));
}

}  // namespace
}  // namespace onair::bridge
