#pragma once
// H.264 over RTP (RFC 6184) as pure code over an RTP payload, the part an SFU needs to
// choose where a subscriber may start or switch: which NAL unit types begin in a packet,
// and whether the packet starts a keyframe. Packetization mode 1 (the one WebRTC uses):
// single NAL unit packets (types 1-23, RFC 6184 5.6), STAP-A (24, 5.7.1) and FU-A (28,
// 5.8). STAP-B, MTAP and FU-B (25-27, 29) belong to the interleaved mode and are reported
// as carrying nothing. No sockets, clocks, logging or allocation.
#include <cstdint>
#include <optional>
#include <span>

namespace onair::webrtc::h264 {

// NAL unit types (ITU-T H.264 Table 7-1, RFC 6184 5.2).
namespace nal {
constexpr uint8_t kSlice = 1;
constexpr uint8_t kIdr = 5;
constexpr uint8_t kSei = 6;
constexpr uint8_t kSps = 7;
constexpr uint8_t kPps = 8;
constexpr uint8_t kAud = 9;
constexpr uint8_t kStapA = 24;
constexpr uint8_t kFuA = 28;
}  // namespace nal

// A set of NAL unit types: bit t is set when a NAL unit of type t begins in the packet.
using NalTypes = uint32_t;
constexpr NalTypes nal_bit(uint8_t type) { return NalTypes(1) << (type & 0x1F); }

// The NAL unit types that begin in this payload: the type of a single NAL unit packet,
// each aggregated unit's type of a STAP-A, or the inner type of an FU-A whose S bit is set
// (an FU-A middle or end packet begins nothing: 0). Nullopt when the payload is malformed:
// empty, a STAP-A whose sizes do not add up, an FU-A without its FU header, or F = 1.
std::optional<NalTypes> nal_types(std::span<const uint8_t> payload);

// The packet begins an IDR picture or carries an SPS (Chrome sends SPS + PPS in a STAP-A
// at the start of each keyframe, then the IDR slices). Call it on the first packet of a
// frame; a frame start in H.264 is found from the RTP header (the first packet after a
// marker bit, or a new timestamp), which the payload does not show.
bool is_keyframe(std::span<const uint8_t> payload);

// A NAL unit of a known type begins in the packet (false for an FU-A middle or end packet).
bool starts_nal_unit(std::span<const uint8_t> payload);

}  // namespace onair::webrtc::h264
