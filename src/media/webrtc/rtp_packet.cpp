#include "media/webrtc/rtp_packet.hpp"

#include <cstring>

namespace onair::webrtc::rtp {
namespace {

uint16_t load16(const uint8_t* p) {
  return uint16_t((p[0] << 8) | p[1]);
}
void store16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
void store32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

// How write_rtp lays out a set of extensions (RFC 8285 4.2 or 4.3); element_bytes counts
// element headers and values, before the padding to 32 bits.
struct ExtensionLayout {
  ExtensionForm form = ExtensionForm::none;
  size_t element_bytes = 0;
  bool ok = true;
};

ExtensionLayout layout_of(std::span<const Extension> extensions) {
  ExtensionLayout l;
  if (extensions.empty()) return l;
  bool one_byte = true;
  size_t values = 0;
  for (const Extension& e : extensions) {
    if (e.id == 0 || e.value.size() > kTwoByteMaxLength) {
      l.ok = false;
      return l;
    }
    if (e.id > kOneByteMaxId || e.value.empty() || e.value.size() > kOneByteMaxLength)
      one_byte = false;
    values += e.value.size();
  }
  l.form = one_byte ? ExtensionForm::one_byte : ExtensionForm::two_byte;
  l.element_bytes = values + extensions.size() * (one_byte ? 1 : 2);
  return l;
}

size_t padded4(size_t n) {
  return (n + 3) & ~size_t(3);
}

}  // namespace

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::too_short:
      return "too_short";
    case ParseError::bad_version:
      return "bad_version";
    case ParseError::truncated_csrcs:
      return "truncated_csrcs";
    case ParseError::truncated_extension:
      return "truncated_extension";
    case ParseError::bad_padding:
      return "bad_padding";
  }
  return "unknown";
}

std::expected<Packet, ParseError> Packet::parse(const uint8_t* data, size_t size) {
  if (size < kFixedHeaderSize) return std::unexpected(ParseError::too_short);
  if ((data[0] >> 6) != 2) return std::unexpected(ParseError::bad_version);
  Packet p;
  p.data_ = data;
  p.size_ = size;
  size_t pos = kFixedHeaderSize + 4 * size_t(data[0] & 0x0F);
  if (pos > size) return std::unexpected(ParseError::truncated_csrcs);
  if (data[0] & 0x10) {  // X: RFC 3550 5.3.1
    if (size - pos < 4) return std::unexpected(ParseError::truncated_extension);
    p.ext_profile_ = load16(data + pos);
    p.ext_size_ = 4 * size_t(load16(data + pos + 2));
    p.ext_offset_ = pos + 4;
    if (size - p.ext_offset_ < p.ext_size_) return std::unexpected(ParseError::truncated_extension);
    pos = p.ext_offset_ + p.ext_size_;
  } else {
    p.ext_offset_ = pos;
  }
  p.payload_offset_ = pos;
  if (data[0] & 0x20) {  // P: the last byte counts the padding, itself included (RFC 3550 5.1)
    size_t pad = data[size - 1];
    if (pad == 0 || pad > size - pos) return std::unexpected(ParseError::bad_padding);
    p.padding_size_ = pad;
  }
  p.payload_size_ = size - pos - p.padding_size_;
  return p;
}

ExtensionForm Packet::extension_form() const {
  if (!(data_[0] & 0x10)) return ExtensionForm::none;
  if (ext_profile_ == kOneByteProfile) return ExtensionForm::one_byte;
  if ((ext_profile_ & kTwoByteProfileMask) == kTwoByteProfile) return ExtensionForm::two_byte;
  return ExtensionForm::other;
}

size_t Packet::next_extension(size_t pos, Extension& out) const {
  const uint8_t* b = data_ + ext_offset_;
  const size_t n = ext_size_;
  switch (extension_form()) {
    case ExtensionForm::one_byte:
      // RFC 8285 4.2: ID(4) L(4), then L+1 bytes. ID 0 is a padding byte; ID 15 ends the block.
      while (pos < n) {
        uint8_t id = b[pos] >> 4;
        size_t len = size_t(b[pos] & 0x0F) + 1;
        if (id == 0) {
          ++pos;
          continue;
        }
        if (id == 15 || n - pos - 1 < len) return 0;
        out = {id, {b + pos + 1, len}};
        return pos + 1 + len;
      }
      return 0;
    case ExtensionForm::two_byte:
      // RFC 8285 4.3: ID(8) L(8), then L bytes (0..255). A 0 byte is padding.
      while (pos < n) {
        uint8_t id = b[pos];
        if (id == 0) {
          ++pos;
          continue;
        }
        if (n - pos < 2) return 0;
        size_t len = b[pos + 1];
        if (n - pos - 2 < len) return 0;
        out = {id, {b + pos + 2, len}};
        return pos + 2 + len;
      }
      return 0;
    default:
      return 0;
  }
}

std::optional<std::span<const uint8_t>> Packet::find_extension(uint8_t id) const {
  if (id == 0) return std::nullopt;
  Extension e;
  for (size_t pos = next_extension(0, e); pos != 0; pos = next_extension(pos, e))
    if (e.id == id) return e.value;
  return std::nullopt;
}

size_t rtp_size(const Header& h, std::span<const Extension> extensions, size_t payload_size) {
  if (h.csrcs.size() > kMaxCsrcs || h.payload_type > 0x7F) return 0;
  ExtensionLayout l = layout_of(extensions);
  if (!l.ok) return 0;
  size_t n = kFixedHeaderSize + 4 * h.csrcs.size();
  if (l.form != ExtensionForm::none) n += 4 + padded4(l.element_bytes);
  return n + payload_size + h.padding_size;
}

size_t write_rtp(uint8_t* out, size_t capacity, const Header& h,
                 std::span<const Extension> extensions, std::span<const uint8_t> payload) {
  if (h.csrcs.size() > kMaxCsrcs || h.payload_type > 0x7F) return 0;
  const ExtensionLayout l = layout_of(extensions);
  if (!l.ok) return 0;
  const size_t ext_words = padded4(l.element_bytes) / 4;
  if (ext_words > 0xFFFF) return 0;
  size_t header = kFixedHeaderSize + 4 * h.csrcs.size();
  if (l.form != ExtensionForm::none) header += 4 + 4 * ext_words;
  const size_t total = header + payload.size() + h.padding_size;
  if (total > capacity) return 0;

  // The payload first: it may sit where the header goes (an in-place rebuild).
  if (!payload.empty() && payload.data() != out + header)
    std::memmove(out + header, payload.data(), payload.size());

  out[0] = uint8_t(0x80 | (h.padding_size ? 0x20 : 0) | (l.form != ExtensionForm::none ? 0x10 : 0) |
                   h.csrcs.size());
  out[1] = uint8_t((h.marker ? 0x80 : 0) | h.payload_type);
  store16(out + 2, h.sequence_number);
  store32(out + 4, h.timestamp);
  store32(out + 8, h.ssrc);
  uint8_t* p = out + kFixedHeaderSize;
  for (uint32_t c : h.csrcs) {
    store32(p, c);
    p += 4;
  }
  if (l.form != ExtensionForm::none) {
    store16(p, l.form == ExtensionForm::one_byte ? kOneByteProfile : kTwoByteProfile);
    store16(p + 2, uint16_t(ext_words));
    p += 4;
    uint8_t* const block_end = p + 4 * ext_words;
    for (const Extension& e : extensions) {
      if (l.form == ExtensionForm::one_byte) {
        *p++ = uint8_t((e.id << 4) | (e.value.size() - 1));
      } else {
        *p++ = e.id;
        *p++ = uint8_t(e.value.size());
      }
      if (!e.value.empty()) std::memcpy(p, e.value.data(), e.value.size());
      p += e.value.size();
    }
    while (p < block_end) *p++ = 0;  // padding elements (RFC 8285 4.1)
  }
  if (h.padding_size) {
    uint8_t* pad = out + header + payload.size();
    std::memset(pad, 0, h.padding_size - 1);
    pad[h.padding_size - 1] = h.padding_size;
  }
  return total;
}

namespace ext {

std::array<uint8_t, 2> transport_cc_value(uint16_t seq) {
  return {uint8_t(seq >> 8), uint8_t(seq)};
}

std::optional<uint16_t> read_transport_cc(std::span<const uint8_t> v) {
  // transport-wide-cc-02 appends a feedback request; the first 2 bytes are the same.
  if (v.size() < 2) return std::nullopt;
  return load16(v.data());
}

std::array<uint8_t, 1> audio_level_value(AudioLevel a) {
  return {uint8_t((a.voice ? 0x80 : 0) | (a.level > 127 ? 127 : a.level))};
}

std::optional<AudioLevel> read_audio_level(std::span<const uint8_t> v) {
  if (v.empty()) return std::nullopt;
  return AudioLevel{(v[0] & 0x80) != 0, uint8_t(v[0] & 0x7F)};
}

uint32_t abs_send_time_from_us(int64_t time_us) {
  constexpr int64_t kWrapUs = 64'000'000;  // 6 bits of seconds
  int64_t m = time_us % kWrapUs;
  if (m < 0) m += kWrapUs;
  return uint32_t(((m << 18) + 500'000) / 1'000'000) & 0xFFFFFF;
}

std::array<uint8_t, 3> abs_send_time_value(uint32_t v) {
  return {uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
}

std::optional<uint32_t> read_abs_send_time(std::span<const uint8_t> v) {
  if (v.size() != 3) return std::nullopt;
  return (uint32_t(v[0]) << 16) | (uint32_t(v[1]) << 8) | v[2];
}

int64_t abs_send_time_to_us(uint32_t v) {
  return (int64_t(v & 0xFFFFFF) * 1'000'000 + (1 << 17)) >> 18;
}

std::optional<std::string_view> read_string(std::span<const uint8_t> v) {
  if (v.empty()) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
}

}  // namespace ext

}  // namespace onair::webrtc::rtp
