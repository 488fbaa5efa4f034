#pragma once
// RTP packets (RFC 3550 5.1) with header extensions (RFC 8285) as pure code over bytes: a
// non-owning view parsed from a datagram, in-place setters for the fixed header fields, and
// a writer that builds a packet with a subscriber's own extension ids.
//
// Everything here is on the per-packet path: nothing allocates, throws or logs. A view
// points into the caller's bytes and is valid as long as they are.
#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string_view>

namespace onair::webrtc::rtp {

constexpr size_t kFixedHeaderSize = 12;
constexpr size_t kMaxCsrcs = 15;
// RFC 8285 4.2: the one-byte form; 4.3: the two-byte form, 0x100 + 4 "appbits".
constexpr uint16_t kOneByteProfile = 0xBEDE;
constexpr uint16_t kTwoByteProfile = 0x1000;
constexpr uint16_t kTwoByteProfileMask = 0xFFF0;
// One-byte form: ids 1..14 carry 1..16 bytes; id 15 stops parsing (RFC 8285 4.2).
constexpr uint8_t kOneByteMaxId = 14;
constexpr size_t kOneByteMaxLength = 16;
constexpr size_t kTwoByteMaxLength = 255;

enum class ExtensionForm : uint8_t { none, one_byte, two_byte, other };

// Why a datagram is not a usable RTP packet; names are metric labels.
enum class ParseError : uint8_t {
  too_short,            // shorter than the fixed header
  bad_version,          // V != 2
  truncated_csrcs,      // CC says more CSRCs than there are bytes
  truncated_extension,  // the extension header or its declared length runs past the end
  bad_padding,          // P set but the pad count is 0 or larger than what follows the header
};
std::string_view to_string(ParseError e);

// One header extension element: a local id (RFC 8285 5, from a=extmap) and its bytes.
struct Extension {
  uint8_t id = 0;
  std::span<const uint8_t> value;
};

// A parsed RTP packet: fixed header fields decoded on demand from the bytes, offsets of the
// CSRC list, the extension block and the payload computed once by parse().
//
// Extension elements are walked lazily with bounds checks: an element whose length runs past
// its block ends the walk (the elements before it stay usable) rather than failing the packet.
class Packet {
 public:
  static std::expected<Packet, ParseError> parse(const uint8_t* data, size_t size);
  static std::expected<Packet, ParseError> parse(std::span<const uint8_t> bytes) {
    return parse(bytes.data(), bytes.size());
  }

  bool padding() const { return (data_[0] & 0x20) != 0; }
  bool marker() const { return (data_[1] & 0x80) != 0; }
  uint8_t payload_type() const { return data_[1] & 0x7F; }
  uint16_t sequence_number() const { return uint16_t((data_[2] << 8) | data_[3]); }
  uint32_t timestamp() const { return load32(4); }
  uint32_t ssrc() const { return load32(8); }
  size_t csrc_count() const { return data_[0] & 0x0F; }
  uint32_t csrc(size_t i) const { return load32(kFixedHeaderSize + 4 * i); }  // i < csrc_count()

  // RFC 3550 5.3.1: the 16-bit profile field, 0 when X is not set.
  uint16_t extension_profile() const { return ext_profile_; }
  ExtensionForm extension_form() const;
  // The extension data after its 4-byte header (length × 4 bytes), empty when X is not set.
  std::span<const uint8_t> extension_block() const { return {data_ + ext_offset_, ext_size_}; }

  // The value of the first element with `id` in a one- or two-byte extension block; nullopt
  // when absent (a two-byte element may legitimately be empty, so "empty" is not "absent").
  std::optional<std::span<const uint8_t>> find_extension(uint8_t id) const;
  // Calls f(const Extension&) for each element in order, skipping padding; returns how many.
  template <class F>
  size_t for_each_extension(F&& f) const;

  // Header bytes: fixed header, CSRCs and the extension block.
  size_t header_size() const { return payload_offset_; }
  size_t payload_offset() const { return payload_offset_; }
  size_t payload_size() const { return payload_size_; }
  size_t padding_size() const { return padding_size_; }
  std::span<const uint8_t> payload() const { return {data_ + payload_offset_, payload_size_}; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

  // The element at byte `pos` of the extension block: fills `out`, returns the position of
  // the next element, or 0 at the end. Used by find_extension and for_each_extension.
  size_t next_extension(size_t pos, Extension& out) const;

 private:
  uint32_t load32(size_t at) const {
    return (uint32_t(data_[at]) << 24) | (uint32_t(data_[at + 1]) << 16) |
           (uint32_t(data_[at + 2]) << 8) | data_[at + 3];
  }

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t ext_offset_ = 0;  // of the extension data (after its 4-byte header)
  size_t ext_size_ = 0;
  size_t payload_offset_ = 0;
  size_t payload_size_ = 0;
  size_t padding_size_ = 0;
  uint16_t ext_profile_ = 0;
};

template <class F>
size_t Packet::for_each_extension(F&& f) const {
  size_t n = 0;
  Extension e;
  for (size_t pos = next_extension(0, e); pos != 0; pos = next_extension(pos, e), ++n)
    f(static_cast<const Extension&>(e));
  return n;
}

// In-place rewrites of the fixed header on a buffer that holds a parsed packet (at least
// kFixedHeaderSize bytes). They keep the other bits of the bytes they touch.
inline void set_marker(uint8_t* packet, bool m) {
  packet[1] = uint8_t((packet[1] & 0x7F) | (m ? 0x80 : 0));
}
inline void set_payload_type(uint8_t* packet, uint8_t pt) {
  packet[1] = uint8_t((packet[1] & 0x80) | (pt & 0x7F));
}
inline void set_sequence_number(uint8_t* packet, uint16_t seq) {
  packet[2] = uint8_t(seq >> 8);
  packet[3] = uint8_t(seq);
}
inline void set_timestamp(uint8_t* packet, uint32_t ts) {
  for (int i = 0; i < 4; ++i) packet[4 + i] = uint8_t(ts >> (24 - 8 * i));
}
inline void set_ssrc(uint8_t* packet, uint32_t ssrc) {
  for (int i = 0; i < 4; ++i) packet[8 + i] = uint8_t(ssrc >> (24 - 8 * i));
}

// The fixed header of a packet to write.
struct Header {
  bool marker = false;
  uint8_t payload_type = 0;  // 7 bits
  uint16_t sequence_number = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::span<const uint32_t> csrcs{};  // at most kMaxCsrcs
  uint8_t padding_size = 0;           // 0, or 1..255 bytes of RTP padding (P bit; RFC 3550 5.1)
};

// The bytes write_rtp would produce for this header, extensions and payload size; 0 when
// they cannot be written (bad id or length, too many CSRCs).
size_t rtp_size(const Header& h, std::span<const Extension> extensions, size_t payload_size);

// Writes a whole packet into out[0, capacity) and returns its size, or 0 when it does not
// fit or cannot be encoded. The extensions are written in the order given, in the one-byte
// form when every id is 1..14 and every value 1..16 bytes, else in the two-byte form (ids
// 1..255, values 0..255 bytes; RFC 8285 4.3 needs extmap-allow-mixed, RFC 8285 6), zero
// padded to 32 bits; none sets no X bit. The payload may lie anywhere in `out` (it is moved
// with memmove before the header is written, so an in-place rebuild works); CSRCs and
// extension values must not point into `out`. Allocation-free: this runs per subscriber.
size_t write_rtp(uint8_t* out, size_t capacity, const Header& h,
                 std::span<const Extension> extensions, std::span<const uint8_t> payload);

// Values of the extensions an SFU rewrites. Each `*_value` returns the bytes to put in an
// Extension (keep the array alive while writing); each `read_*` checks the size.
namespace ext {

// URIs as they appear in a=extmap (RFC 8285 5).
constexpr std::string_view kMidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";
constexpr std::string_view kRidUri = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
constexpr std::string_view kRepairedRidUri =
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
constexpr std::string_view kAudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
constexpr std::string_view kAbsSendTimeUri =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
constexpr std::string_view kTransportCcUri =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

// Transport-wide sequence number: 16 bits, big-endian
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 2).
std::array<uint8_t, 2> transport_cc_value(uint16_t seq);
std::optional<uint16_t> read_transport_cc(std::span<const uint8_t> value);

// Client-to-mixer audio level (RFC 6464 3): V flag and the level in -dBov, 0 (loudest) to
// 127 (silence). Longer values (padding) are tolerated on read; levels above 127 are clamped.
struct AudioLevel {
  bool voice = false;
  uint8_t level = 127;
  bool operator==(const AudioLevel&) const = default;
};
std::array<uint8_t, 1> audio_level_value(AudioLevel a);
std::optional<AudioLevel> read_audio_level(std::span<const uint8_t> value);

// abs-send-time: 24 bits, 6.18 fixed-point seconds, so it wraps every 64 s. From any
// microsecond clock (negative values wrap too), rounded to the nearest 1/2^18 s.
uint32_t abs_send_time_from_us(int64_t time_us);
std::array<uint8_t, 3> abs_send_time_value(uint32_t abs_send_time_24);
std::optional<uint32_t> read_abs_send_time(std::span<const uint8_t> value);  // the raw 24 bits
// Microseconds (0 .. 64 s) that a 24-bit value stands for.
int64_t abs_send_time_to_us(uint32_t abs_send_time_24);

// mid, rid and repaired-rid (RFC 8843 15, RFC 8852 3): ASCII text, no terminator. For writing,
// an Extension over the string's bytes is the value. Empty values are refused on read.
std::optional<std::string_view> read_string(std::span<const uint8_t> value);
inline std::span<const uint8_t> string_value(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace ext

}  // namespace onair::webrtc::rtp
