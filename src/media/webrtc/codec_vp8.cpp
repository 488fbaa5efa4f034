#include "media/webrtc/codec_vp8.hpp"

namespace onair::webrtc::vp8 {
namespace {

constexpr uint8_t kX = 0x80, kN = 0x20, kS = 0x10, kPid = 0x07;  // byte 0
constexpr uint8_t kI = 0x80, kL = 0x40, kT = 0x20, kK = 0x10;    // X byte
constexpr uint8_t kM = 0x80;                                     // first PictureID byte
constexpr uint16_t kLongMask = 0x7FFF;
constexpr uint16_t kShortMask = 0x7F;

void write_picture_id(uint8_t* at, bool long_form, uint16_t picture_id) {
  if (long_form) {
    picture_id &= kLongMask;
    at[0] = uint8_t(kM | (picture_id >> 8));
    at[1] = uint8_t(picture_id);
  } else {
    at[0] = uint8_t(picture_id & kShortMask);
  }
}

}  // namespace

std::optional<Descriptor> parse_descriptor(std::span<const uint8_t> p) {
  if (p.empty()) return std::nullopt;
  Descriptor d;
  uint8_t b0 = p[0];
  d.non_reference = (b0 & kN) != 0;
  d.start = (b0 & kS) != 0;
  d.partition = b0 & kPid;
  size_t at = 1;
  if (b0 & kX) {
    if (p.size() < at + 1) return std::nullopt;
    uint8_t x = p[at++];
    if (x & kI) {
      if (p.size() < at + 1) return std::nullopt;
      d.has_picture_id = true;
      d.picture_id_offset = at;
      if (p[at] & kM) {
        if (p.size() < at + 2) return std::nullopt;
        d.long_picture_id = true;
        d.picture_id = uint16_t(((p[at] & 0x7F) << 8) | p[at + 1]);
        at += 2;
      } else {
        d.picture_id = p[at] & kShortMask;
        at += 1;
      }
    }
    if (x & kL) {
      if (p.size() < at + 1) return std::nullopt;
      d.has_tl0picidx = true;
      d.tl0picidx_offset = at;
      d.tl0picidx = p[at++];
    }
    if (x & (kT | kK)) {
      if (p.size() < at + 1) return std::nullopt;
      uint8_t tk = p[at++];
      if (x & kT) {
        d.has_tid = true;
        d.tid = uint8_t(tk >> 6);
        d.layer_sync = (tk & 0x20) != 0;
      }
      if (x & kK) {
        d.has_keyidx = true;
        d.keyidx = tk & 0x1F;
      }
    }
  }
  d.size = at;
  return d;
}

bool is_frame_start(std::span<const uint8_t> payload) {
  return !payload.empty() && (payload[0] & kS) != 0 && (payload[0] & kPid) == 0;
}

bool is_keyframe(std::span<const uint8_t> payload) {
  auto d = parse_descriptor(payload);
  if (!d || !d->start || d->partition != 0 || payload.size() <= d->size) return false;
  // VP8 payload header (RFC 7741 4.3): |Size0|H| VER |P|, P = 0 on a key frame.
  return (payload[d->size] & 0x01) == 0;
}

std::optional<Resolution> keyframe_resolution(std::span<const uint8_t> payload) {
  if (!is_keyframe(payload)) return std::nullopt;
  size_t at = parse_descriptor(payload)->size;
  // 3-byte frame tag, 3-byte start code, 2 bytes width, 2 bytes height (RFC 6386 9.1).
  if (payload.size() < at + 10) return std::nullopt;
  const uint8_t* f = payload.data() + at;
  if (f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a) return std::nullopt;
  return Resolution{uint16_t((f[6] | (f[7] << 8)) & 0x3FFF), uint16_t((f[8] | (f[9] << 8)) & 0x3FFF)};
}

bool set_picture_id(std::span<uint8_t> payload, uint16_t picture_id) {
  auto d = parse_descriptor(payload);
  if (!d || !d->has_picture_id) return false;
  write_picture_id(payload.data() + d->picture_id_offset, d->long_picture_id, picture_id);
  return true;
}

bool set_tl0picidx(std::span<uint8_t> payload, uint8_t tl0picidx) {
  auto d = parse_descriptor(payload);
  if (!d || !d->has_tl0picidx) return false;
  payload[d->tl0picidx_offset] = tl0picidx;
  return true;
}

bool PictureIdRewriter::rewrite(std::span<uint8_t> payload, bool switched) {
  auto d = parse_descriptor(payload);
  if (!d) return false;
  if (switched || !started_) {
    // The first source keeps its own numbers; later ones continue from the last sent.
    picture_offset_ = have_picture_id_ && d->has_picture_id
                          ? uint16_t((last_picture_id_ + 1 - d->picture_id) & kLongMask)
                          : 0;
    tl0_offset_ = have_tl0picidx_ && d->has_tl0picidx ? uint8_t(last_tl0picidx_ + 1 - d->tl0picidx) : 0;
    started_ = true;
    if (d->has_picture_id) {
      // Make the switch point the newest picture so the comparison below starts from it.
      last_picture_id_ = uint16_t((d->picture_id + picture_offset_) & kLongMask);
      have_picture_id_ = true;
    }
    if (d->has_tl0picidx) {
      last_tl0picidx_ = uint8_t(d->tl0picidx + tl0_offset_);
      have_tl0picidx_ = true;
    }
  }
  if (d->has_picture_id) {
    uint16_t out = uint16_t((d->picture_id + picture_offset_) & kLongMask);
    // Track the newest picture in the field's own modulus, then carry it into 15 bits.
    uint16_t modulus_mask = d->long_picture_id ? kLongMask : kShortMask;
    uint16_t diff = uint16_t((out - last_picture_id_) & modulus_mask);
    if (diff != 0 && diff <= modulus_mask / 2) last_picture_id_ = uint16_t((last_picture_id_ + diff) & kLongMask);
    write_picture_id(payload.data() + d->picture_id_offset, d->long_picture_id, out);
  }
  if (d->has_tl0picidx) {
    uint8_t out = uint8_t(d->tl0picidx + tl0_offset_);
    uint8_t diff = uint8_t(out - last_tl0picidx_);
    if (diff != 0 && diff < 0x80) last_tl0picidx_ = out;
    payload[d->tl0picidx_offset] = out;
  }
  return true;
}

}  // namespace onair::webrtc::vp8
