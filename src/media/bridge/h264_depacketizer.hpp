#pragma once
// H264Depacketizer: RTP payloads of one H.264 stream (RFC 6184, packetization mode 1) in
// sequence order -> whole access units, for the WebRTC -> RTMP bridge. Owned by the bridge
// of one published video track; single-threaded; pure (no sockets, clocks or logging).
//
// Packets come in sequence-number order (a JitterBuffer in front reorders them and calls
// lost() for a gap). Accepted: single NAL unit packets (types 1-23, RFC 6184 5.6), STAP-A
// (24, 5.7.1) and FU-A (28, 5.8). An access unit ends at the marker bit (5.1) or when the
// RTP timestamp changes. Anything that breaks a unit (a loss, a malformed packet, an FU-A
// without its start or end, a gap or a type change inside an FU-A) drops the whole unit,
// and from then on units are dropped until one holds an IDR picture with an SPS and PPS
// known: needs_keyframe() says when the caller should send a PLI. The stream starts in
// that state, since a decoder on the RTMP side can only start at an IDR.
//
// The NAL bytes of the unit being built live in a buffer the depacketizer keeps; its
// capacity is reused, so after warm-up a packet allocates nothing.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "media/bridge/avc.hpp"

namespace onair::bridge {

// One access unit: the NAL units of one picture, in decoding order.
struct AccessUnit {
  uint32_t timestamp = 0;  // RTP timestamp (90 kHz)
  bool keyframe = false;   // holds an IDR slice (nal::kIdr)
  // The SPS or PPS differ from those of the previous unit handed out (or this is the first
  // unit): the caller sends a new AVC sequence header built from sps() and pps().
  bool parameters_changed = false;
  // Views into the depacketizer's buffer: valid during the callback only.
  std::span<const NalView> nals;
};

struct DepacketizerCounters {
  uint64_t packets = 0;        // push() calls
  uint64_t units_out = 0;      // access units handed to the callback
  uint64_t keyframes = 0;      // of those, units with an IDR
  uint64_t malformed = 0;      // packets refused: bad type, F bit, bad STAP-A or FU-A header
  uint64_t dropped_units = 0;  // units thrown away: broken, or while waiting for a keyframe
  uint64_t lost = 0;           // loss events: lost() calls and sequence gaps seen in push()
  uint64_t empty = 0;          // packets with no payload (padding), skipped harmlessly
};

class H264Depacketizer {
 public:
  using UnitCallback = std::function<void(const AccessUnit&)>;

  // Bounds what a unit may hold, so garbage cannot grow the buffer without limit.
  static constexpr size_t kMaxUnitBytes = 8 << 20;
  static constexpr size_t kMaxUnitNals = 4096;

  explicit H264Depacketizer(UnitCallback on_unit);

  // One RTP packet: its sequence number, timestamp, marker bit and payload (after the RTP
  // header and padding). An empty payload (a padding-only packet) only advances the
  // sequence, so padding keeps the numbering contiguous. A sequence number that does not
  // follow the previous one counts as a loss. May call the callback up to twice (the unit
  // a timestamp change ends, then the unit this packet's marker ends).
  void push(uint16_t seq, uint32_t timestamp, bool marker, std::span<const uint8_t> payload);

  // Packets are missing before the next push(): the unit being built is dropped, and so is
  // the unit of the next packet (it may be missing its start).
  void lost();

  // Units are being dropped until an IDR: send a PLI (RFC 4585 6.3.1).
  bool needs_keyframe() const { return waiting_keyframe_; }

  // The latest complete SPS and PPS seen (a unit's or an earlier one's); empty until then.
  std::span<const uint8_t> sps() const { return sps_; }
  std::span<const uint8_t> pps() const { return pps_; }

  const DepacketizerCounters& counters() const { return counters_; }

 private:
  struct NalRef {
    uint32_t offset;
    uint32_t size;
  };

  void open_unit(uint32_t timestamp);
  void finish_unit();
  void break_unit();
  bool malformed();
  bool handle(uint16_t seq, std::span<const uint8_t> payload);
  bool append_nal(std::span<const uint8_t> bytes);
  bool begin_fu(uint8_t header, uint8_t type, uint16_t seq, std::span<const uint8_t> data);
  bool continue_fu(uint8_t type, uint16_t seq, bool end, std::span<const uint8_t> data);
  void complete_nal(NalRef ref);

  UnitCallback on_unit_;
  DepacketizerCounters counters_;

  std::vector<uint8_t> data_;   // NAL bytes of the unit being built
  std::vector<NalRef> refs_;    // its complete NAL units
  std::vector<NalView> views_;  // refs_ as views, filled when the unit is handed out
  std::vector<uint8_t> sps_, pps_;

  bool have_seq_ = false;
  uint16_t last_seq_ = 0;
  bool unit_open_ = false;
  uint32_t unit_ts_ = 0;
  bool unit_broken_ = false;
  bool unit_has_idr_ = false;
  bool after_loss_ = false;  // a loss came since the last packet: the next unit is suspect
  bool fu_open_ = false;     // an FU-A has started and not ended
  uint8_t fu_type_ = 0;
  uint16_t fu_next_seq_ = 0;
  uint32_t fu_offset_ = 0;  // where the fragmented NAL unit starts in data_
  bool waiting_keyframe_ = true;
  bool parameters_changed_ = false;  // since the last unit handed out
};

}  // namespace onair::bridge
