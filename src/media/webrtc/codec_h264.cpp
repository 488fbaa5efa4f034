#include "media/webrtc/codec_h264.hpp"

namespace onair::webrtc::h264 {
namespace {

constexpr uint8_t kForbidden = 0x80;  // F bit of the NAL header (RFC 6184 5.3)
constexpr uint8_t kTypeMask = 0x1F;
constexpr uint8_t kFuStart = 0x80;  // S bit of the FU header (RFC 6184 5.8)

}  // namespace

std::optional<NalTypes> nal_types(std::span<const uint8_t> p) {
  if (p.empty() || (p[0] & kForbidden)) return std::nullopt;
  uint8_t type = p[0] & kTypeMask;
  if (type >= 1 && type <= 23) return nal_bit(type);
  if (type == nal::kStapA) {
    // STAP-A header, then repeated | NALU size (16) | NALU | (RFC 6184 5.7.1).
    NalTypes types = 0;
    size_t at = 1;
    if (at >= p.size()) return std::nullopt;
    while (at < p.size()) {
      if (p.size() - at < 2) return std::nullopt;
      size_t size = size_t(p[at] << 8) | p[at + 1];
      at += 2;
      if (size == 0 || size > p.size() - at) return std::nullopt;
      types |= nal_bit(p[at] & kTypeMask);
      at += size;
    }
    return types;
  }
  if (type == nal::kFuA) {
    // FU indicator, then FU header | S | E | R | type | (RFC 6184 5.8).
    if (p.size() < 2) return std::nullopt;
    return (p[1] & kFuStart) ? nal_bit(p[1] & kTypeMask) : NalTypes(0);
  }
  return NalTypes(0);  // 0 and 30-31 undefined; 25-27, 29 interleaved mode only
}

bool is_keyframe(std::span<const uint8_t> payload) {
  auto types = nal_types(payload);
  return types && (*types & (nal_bit(nal::kIdr) | nal_bit(nal::kSps))) != 0;
}

bool starts_nal_unit(std::span<const uint8_t> payload) {
  auto types = nal_types(payload);
  return types && *types != 0;
}

}  // namespace onair::webrtc::h264
