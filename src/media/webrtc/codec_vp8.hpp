#pragma once
// VP8 over RTP (RFC 7741) as pure code over an RTP payload: parsing the payload descriptor
// (RFC 7741 4.2), keyframe and frame-start detection (4.3), the keyframe's resolution
// (RFC 6386 9.1), and rewriting PictureID and TL0PICIDX in place so a subscriber sees one
// continuous sequence of pictures across simulcast layer switches.
// No sockets, clocks, logging or allocation; spans point into the caller's payload.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace onair::webrtc::vp8 {

// The payload descriptor (RFC 7741 4.2):
//        +-+-+-+-+-+-+-+-+
//        |X|R|N|S|R| PID |   always
//   X:   |I|L|T|K| RSV   |
//   I:   |M| PictureID   |   M = 1: 15-bit PictureID over two bytes
//   L:   |   TL0PICIDX   |
//   T/K: |TID|Y| KEYIDX  |
struct Descriptor {
  bool non_reference = false;  // N
  bool start = false;          // S: the packet starts a VP8 partition
  uint8_t partition = 0;       // PID
  bool has_picture_id = false;
  bool long_picture_id = false;  // M: 15 bits instead of 7
  uint16_t picture_id = 0;
  bool has_tl0picidx = false;
  uint8_t tl0picidx = 0;
  bool has_tid = false;  // T
  uint8_t tid = 0;
  bool layer_sync = false;  // Y
  bool has_keyidx = false;  // K
  uint8_t keyidx = 0;
  size_t picture_id_offset = 0;  // where PictureID starts, when present
  size_t tl0picidx_offset = 0;   // where TL0PICIDX is, when present
  size_t size = 0;               // descriptor length; the VP8 payload starts here
};

// Nullopt when the payload is too short for the descriptor its flags announce.
std::optional<Descriptor> parse_descriptor(std::span<const uint8_t> payload);

// The first packet of a frame: S = 1 and PID = 0 (RFC 7741 4.2).
bool is_frame_start(std::span<const uint8_t> payload);

// The first packet of a keyframe: a frame start whose VP8 payload header has P = 0
// (RFC 7741 4.3, RFC 6386 9.1). Only this packet of the keyframe says so.
bool is_keyframe(std::span<const uint8_t> payload);

// A keyframe's size from its uncompressed data chunk (start code 9d 01 2a, then 14-bit
// width and height, little-endian; RFC 6386 9.1). Nullopt for anything but the first
// packet of a keyframe.
struct Resolution {
  uint16_t width = 0;
  uint16_t height = 0;
  bool operator==(const Resolution&) const = default;
};
std::optional<Resolution> keyframe_resolution(std::span<const uint8_t> payload);

// Writes a PictureID in place, keeping the field's width: the value is taken mod 2^15
// (M = 1) or mod 2^7. False when the payload carries no PictureID.
bool set_picture_id(std::span<uint8_t> payload, uint16_t picture_id);
// Writes TL0PICIDX in place; false when the payload carries none.
bool set_tl0picidx(std::span<uint8_t> payload, uint8_t tl0picidx);

// PictureIdRewriter: one per subscriber per VP8 track. Maps the source's PictureID and
// TL0PICIDX to the subscriber's with offsets, like SeqTsRewriter does for seq/ts: within
// one source the mapping is a fixed offset (so reordered and repeated packets map the
// same way); on a switch (the first packet of a keyframe of the new layer) the offsets are
// recomputed so the next picture is the last one sent + 1 and the next TL0PICIDX the last
// one sent + 1 (a keyframe is always a base-layer picture).
//
// Offsets live in the 15-bit space; a packet with a 7-bit PictureID gets the mapped value
// mod 128, which is still continuous mod 128. The first source keeps its own numbers.
// Frames the SFU drops (e.g. temporal layers) are not accounted for: that would need an
// offset bump per dropped picture, which v1 does not do.
class PictureIdRewriter {
 public:
  // Rewrites `payload` in place. `switched`: this packet starts a new source. Returns false
  // when the payload is not VP8 this can parse; the packet is then left unchanged.
  bool rewrite(std::span<uint8_t> payload, bool switched);

 private:
  bool started_ = false;
  uint16_t picture_offset_ = 0;  // mod 2^15
  uint8_t tl0_offset_ = 0;       // mod 2^8
  uint16_t last_picture_id_ = 0;  // newest PictureID sent, 15 bits
  uint8_t last_tl0picidx_ = 0;    // newest TL0PICIDX sent
  bool have_picture_id_ = false;
  bool have_tl0picidx_ = false;
};

}  // namespace onair::webrtc::vp8
