#pragma once
// H264Encoder: one libx264 encoder for one stream of YUV 4:2:0 pictures (VP8 -> H.264 in
// the WebRTC -> RTMP bridge; the room mix later), owned by whoever encodes it and used
// from one thread.
//
// Live settings: tune zerolatency (no B-frames, no lookahead: a picture in is a picture
// out, pts == dts), one thread (streams run in parallel on the bridge's workers), average
// bit rate with a one-second VBV so the output fits a player's bandwidth, rate control at
// the `fps` hint (variable-rate mode would cost a frame of delay); pts (ms) pass through. Keyframes come only when asked (encode(..., idr)): the
// caller decides where segments and decoders may start. Parameter sets are out of band
// (sps(), pps(), for an AVC sequence header), NAL units are handed out without start codes.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"

extern "C" {
struct AVFrame;
}
struct x264_t;

namespace onair::codec {

struct H264EncoderSettings {
  int width = 0, height = 0;   // even, 16..4096
  int kbps = 2000;             // average bit rate
  std::string preset = "veryfast";  // an x264 preset: ultrafast .. placebo
  std::string profile = "high";     // baseline, main or high
  int fps = 30;                // rate control's frame rate; the pts say when pictures are
};

// One encoded picture. The views point into the encoder and stay valid until its next call.
struct H264Picture {
  int64_t pts = 0;  // ms, as given to encode()
  bool keyframe = false;  // an IDR
  std::vector<std::span<const uint8_t>> nals;  // slices (and SEI), header byte first
};

class H264Encoder {
 public:
  static Result<H264Encoder> create(const H264EncoderSettings& settings);
  ~H264Encoder();
  H264Encoder(H264Encoder&& other) noexcept;
  H264Encoder& operator=(H264Encoder&& other) noexcept;
  H264Encoder(const H264Encoder&) = delete;
  H264Encoder& operator=(const H264Encoder&) = delete;

  int width() const { return width_; }
  int height() const { return height_; }
  std::span<const uint8_t> sps() const { return sps_; }
  std::span<const uint8_t> pps() const { return pps_; }

  // One picture (AV_PIX_FMT_YUV420P or YUVJ420P, at least the configured size: a larger
  // one is cropped at the right and bottom, as an odd-sized VP8 picture is) at `pts_ms`, which
  // must grow (an equal or earlier one is moved just past the last). `idr`: make it a
  // keyframe. True with `out` filled when a picture came out (with zerolatency, always).
  Result<bool> encode(const AVFrame& picture, int64_t pts_ms, bool idr, H264Picture& out);

 private:
  H264Encoder() = default;

  x264_t* x264_ = nullptr;
  int width_ = 0, height_ = 0;
  int64_t last_pts_ = -1;
  std::vector<uint8_t> sps_, pps_;
};

}  // namespace onair::codec
