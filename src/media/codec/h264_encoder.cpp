#include "media/codec/h264_encoder.hpp"

#include <utility>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
#include <stdint.h>
#include <x264.h>
}

namespace onair::codec {
namespace {

constexpr uint8_t kNalSps = 7, kNalPps = 8;

// x264 with b_annexb = 0 prefixes each NAL unit with its 4-byte length.
std::span<const uint8_t> payload_of(const x264_nal_t& nal) {
  if (nal.i_payload <= 4) return {};
  return {nal.p_payload + 4, size_t(nal.i_payload - 4)};
}

}  // namespace

Result<H264Encoder> H264Encoder::create(const H264EncoderSettings& s) {
  if (s.width < 16 || s.height < 16 || s.width > 4096 || s.height > 4096 || s.width % 2 || s.height % 2)
    return fail(ErrorCode::invalid_argument,
                "h264 encoder: size must be even and 16..4096, got " + std::to_string(s.width) + "x" +
                    std::to_string(s.height));
  if (s.kbps <= 0) return fail(ErrorCode::invalid_argument, "h264 encoder: bit rate must be > 0");
  x264_param_t p;
  if (x264_param_default_preset(&p, s.preset.c_str(), "zerolatency") < 0)
    return fail(ErrorCode::invalid_argument, "h264 encoder: unknown x264 preset " + s.preset);
  p.i_log_level = X264_LOG_NONE;
  p.i_threads = 1;
  p.b_sliced_threads = 0;
  p.i_width = s.width;
  p.i_height = s.height;
  p.i_csp = X264_CSP_I420;
  // Constant-rate rate control: with variable-rate input x264 holds each picture until the
  // next one's pts gives its duration, a frame of delay. The pts still pass through.
  p.b_vfr_input = 0;
  p.i_timebase_num = 1;
  p.i_timebase_den = 1000;
  p.i_fps_num = uint32_t(s.fps > 0 ? s.fps : 30);
  p.i_fps_den = 1;
  p.i_keyint_max = X264_KEYINT_MAX_INFINITE;  // keyframes when the caller asks
  p.i_scenecut_threshold = 0;
  p.rc.i_rc_method = X264_RC_ABR;
  p.rc.i_bitrate = s.kbps;
  p.rc.i_vbv_max_bitrate = s.kbps;
  p.rc.i_vbv_buffer_size = s.kbps;
  p.b_repeat_headers = 0;
  p.b_annexb = 0;
  p.b_aud = 0;
  if (x264_param_apply_profile(&p, s.profile.c_str()) < 0)
    return fail(ErrorCode::invalid_argument, "h264 encoder: unknown or unfit profile " + s.profile);

  H264Encoder e;
  e.x264_ = x264_encoder_open(&p);
  if (!e.x264_) return fail(ErrorCode::internal, "h264 encoder: x264_encoder_open failed");
  e.width_ = s.width;
  e.height_ = s.height;
  x264_nal_t* nals = nullptr;
  int n = 0;
  if (x264_encoder_headers(e.x264_, &nals, &n) < 0)
    return fail(ErrorCode::internal, "h264 encoder: x264_encoder_headers failed");
  for (int i = 0; i < n; ++i) {
    auto bytes = payload_of(nals[i]);
    if (nals[i].i_type == NAL_SPS && !bytes.empty()) e.sps_.assign(bytes.begin(), bytes.end());
    if (nals[i].i_type == NAL_PPS && !bytes.empty()) e.pps_.assign(bytes.begin(), bytes.end());
  }
  if (e.sps_.empty() || e.pps_.empty() || (e.sps_[0] & 0x1F) != kNalSps || (e.pps_[0] & 0x1F) != kNalPps)
    return fail(ErrorCode::internal, "h264 encoder: no SPS/PPS from x264");
  return e;
}

H264Encoder::~H264Encoder() {
  if (x264_) x264_encoder_close(x264_);
}

H264Encoder::H264Encoder(H264Encoder&& o) noexcept
    : x264_(std::exchange(o.x264_, nullptr)),
      width_(o.width_),
      height_(o.height_),
      last_pts_(o.last_pts_),
      sps_(std::move(o.sps_)),
      pps_(std::move(o.pps_)) {}

H264Encoder& H264Encoder::operator=(H264Encoder&& o) noexcept {
  if (this != &o) {
    if (x264_) x264_encoder_close(x264_);
    x264_ = std::exchange(o.x264_, nullptr);
    width_ = o.width_;
    height_ = o.height_;
    last_pts_ = o.last_pts_;
    sps_ = std::move(o.sps_);
    pps_ = std::move(o.pps_);
  }
  return *this;
}

Result<bool> H264Encoder::encode(const AVFrame& picture, int64_t pts_ms, bool idr, H264Picture& out) {
  if (picture.format != AV_PIX_FMT_YUV420P && picture.format != AV_PIX_FMT_YUVJ420P)
    return fail(ErrorCode::invalid_argument, "h264 encoder: pictures must be YUV 4:2:0 planar");
  if (picture.width < width_ || picture.height < height_)
    return fail(ErrorCode::invalid_argument, "h264 encoder: picture smaller than the encoder's size");
  if (pts_ms <= last_pts_) pts_ms = last_pts_ + 1;
  last_pts_ = pts_ms;
  x264_picture_t in, encoded;
  x264_picture_init(&in);
  in.img.i_csp = X264_CSP_I420;
  in.img.i_plane = 3;
  for (int i = 0; i < 3; ++i) {
    in.img.plane[i] = picture.data[i];
    in.img.i_stride[i] = picture.linesize[i];
  }
  in.i_pts = pts_ms;
  in.i_type = idr ? X264_TYPE_IDR : X264_TYPE_AUTO;
  x264_nal_t* nals = nullptr;
  int n = 0;
  int size = x264_encoder_encode(x264_, &nals, &n, &in, &encoded);
  if (size < 0) return fail(ErrorCode::internal, "h264 encoder: x264_encoder_encode failed");
  if (size == 0) return false;
  out.pts = encoded.i_pts;
  out.keyframe = encoded.b_keyframe != 0;
  out.nals.clear();
  for (int i = 0; i < n; ++i) {
    if (nals[i].i_type == NAL_SPS || nals[i].i_type == NAL_PPS || nals[i].i_type == NAL_AUD) continue;
    if (auto bytes = payload_of(nals[i]); !bytes.empty()) out.nals.push_back(bytes);
  }
  return !out.nals.empty();
}

}  // namespace onair::codec
