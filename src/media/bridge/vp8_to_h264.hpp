#pragma once
// Vp8ToH264: the video of a VP8 WebRTC publisher as H.264 for RTMP, HTTP-FLV and HLS
// players: libavcodec's VP8 decoder, then libx264 (H264Encoder: zerolatency, no B-frames,
// one thread). Owned by the bridge of one stream, used on its worker strand only: this is
// the bridge's codec work, never done on an event loop.
//
// Keyframes: the first picture, every VP8 keyframe (where a decoder of the source could
// start, and where a browser changes the resolution) and every picture the caller marks
// `idr` (HLS segment boundaries) are IDRs; nothing else is. A new picture size reopens the
// encoder, so the unit after it says parameters_changed with the new SPS/PPS.
//
// Bad input: a frame that does not decode is dropped and counted, and so is every frame
// after it up to the next keyframe (they predict from what was lost); push() says so, so
// the caller asks the publisher for a keyframe.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "media/bridge/avc.hpp"
#include "media/codec/decoder.hpp"
#include "media/codec/h264_encoder.hpp"

namespace onair::bridge {

struct H264Unit {
  int64_t pts_ms = 0;
  bool keyframe = false;
  bool parameters_changed = false;  // the first unit, and the first after a new size
  std::span<const uint8_t> sps, pps;
  int width = 0, height = 0;
  std::span<const NalView> nals;  // valid during the callback only
};

class Vp8ToH264 {
 public:
  struct Options {
    int kbps = 2000;
    std::string preset = "veryfast";
  };
  struct Counters {
    uint64_t frames_in = 0, frames_out = 0;
    uint64_t decode_errors = 0;  // frames libavcodec refused (and those after, to a keyframe)
    uint64_t encode_errors = 0;
    uint64_t reopens = 0;        // the encoder opened again for a new picture size
  };
  using UnitCallback = std::function<void(const H264Unit&)>;

  static Result<Vp8ToH264> create(Options options, UnitCallback on_unit);

  // One whole VP8 frame at `pts_ms`; `keyframe` as the depacketizer saw it. Calls on_unit
  // for what comes out (zero or one unit). False when the frame was dropped as undecodable
  // (or while waiting for a keyframe after one): ask for a keyframe.
  bool push(std::span<const uint8_t> vp8, int64_t pts_ms, bool keyframe, bool idr);

  const Counters& counters() const { return counters_; }

 private:
  Vp8ToH264(Options options, UnitCallback on_unit, codec::Decoder decoder);
  bool encode(const AVFrame& picture, int64_t pts_ms, bool idr);

  Options options_;
  UnitCallback on_unit_;
  codec::Decoder decoder_;
  std::optional<codec::H264Encoder> encoder_;
  bool waiting_keyframe_ = true;
  bool parameters_changed_ = true;
  codec::H264Picture picture_;
  Counters counters_;
};

}  // namespace onair::bridge
