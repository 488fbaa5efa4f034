#include "media/bridge/vp8_to_h264.hpp"

#include <utility>

namespace onair::bridge {

Result<Vp8ToH264> Vp8ToH264::create(Options options, UnitCallback on_unit) {
  // Fail now, not at the first picture, for a preset x264 does not know.
  if (auto probe = codec::H264Encoder::create({.width = 16, .height = 16, .kbps = options.kbps, .preset = options.preset});
      !probe)
    return std::unexpected(std::move(probe.error()).with_context("vp8_to_h264"));
  auto decoder = codec::Decoder::create({.codec = AV_CODEC_ID_VP8});
  if (!decoder) return std::unexpected(std::move(decoder.error()).with_context("vp8_to_h264"));
  return Vp8ToH264(std::move(options), std::move(on_unit), std::move(*decoder));
}

Vp8ToH264::Vp8ToH264(Options options, UnitCallback on_unit, codec::Decoder decoder)
    : options_(std::move(options)), on_unit_(std::move(on_unit)), decoder_(std::move(decoder)) {}

bool Vp8ToH264::push(std::span<const uint8_t> vp8, int64_t pts_ms, bool keyframe, bool idr) {
  ++counters_.frames_in;
  if (waiting_keyframe_ && !keyframe) {
    ++counters_.decode_errors;
    return false;
  }
  if (!decoder_.send(vp8, pts_ms)) {
    ++counters_.decode_errors;
    waiting_keyframe_ = true;
    decoder_.reset();
    return false;
  }
  waiting_keyframe_ = false;
  while (true) {
    auto frame = decoder_.receive();
    if (!frame) {
      ++counters_.decode_errors;
      waiting_keyframe_ = true;
      decoder_.reset();
      return false;
    }
    if (!*frame) break;
    encode(**frame, pts_ms, idr || keyframe);
  }
  return true;
}

bool Vp8ToH264::encode(const AVFrame& picture, int64_t pts_ms, bool idr) {
  int width = picture.width & ~1, height = picture.height & ~1;
  if (!encoder_ || encoder_->width() != width || encoder_->height() != height) {
    if (encoder_) ++counters_.reopens;
    encoder_.reset();
    auto e = codec::H264Encoder::create(
        {.width = width, .height = height, .kbps = options_.kbps, .preset = options_.preset});
    if (!e) {
      ++counters_.encode_errors;
      return false;
    }
    encoder_.emplace(std::move(*e));
    parameters_changed_ = true;
    idr = true;
  }
  auto got = encoder_->encode(picture, pts_ms, idr, picture_);
  if (!got) {
    ++counters_.encode_errors;
    return false;
  }
  if (!*got) return true;
  ++counters_.frames_out;
  H264Unit unit{.pts_ms = picture_.pts,
                .keyframe = picture_.keyframe,
                .parameters_changed = std::exchange(parameters_changed_, false),
                .sps = encoder_->sps(),
                .pps = encoder_->pps(),
                .width = width,
                .height = height,
                .nals = picture_.nals};
  on_unit_(unit);
  return true;
}

}  // namespace onair::bridge
