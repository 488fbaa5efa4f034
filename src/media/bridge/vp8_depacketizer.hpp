#pragma once
// Vp8Depacketizer: RTP payloads of one VP8 stream (RFC 7741) in sequence order -> whole
// frames, for the WebRTC -> RTMP bridge, which transcodes them to H.264 (Vp8ToH264).
// Owned by the bridge of one published video track; single-threaded; pure (no sockets,
// clocks or logging).
//
// Packets come in sequence-number order (a JitterBuffer in front reorders them and calls
// lost() for a gap). A frame starts at a packet with S = 1 and partition 0 (RFC 7741 4.2)
// and ends at the marker bit or when the RTP timestamp changes; its bytes are the packets'
// payloads after their descriptors. Anything that breaks a frame (a loss, a descriptor that
// does not parse, a packet without its frame's start) drops the frame, and from then on
// frames are dropped until a keyframe: a VP8 decoder needs every reference it predicts
// from, and needs_keyframe() says when the caller should send a PLI. The stream starts in
// that state.
//
// The frame's bytes live in a buffer the depacketizer keeps; its capacity is reused, so
// after warm-up a packet allocates nothing.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace onair::bridge {

struct Vp8Frame {
  uint32_t timestamp = 0;  // RTP timestamp (90 kHz)
  bool keyframe = false;
  int width = 0, height = 0;  // from a keyframe's header; 0 for other frames
  // The VP8 frame (RFC 6386): valid during the callback only.
  std::span<const uint8_t> data;
};

struct Vp8DepacketizerCounters {
  uint64_t packets = 0;         // push() calls
  uint64_t frames_out = 0;      // frames handed to the callback
  uint64_t keyframes = 0;       // of those, keyframes
  uint64_t malformed = 0;       // packets whose descriptor does not parse
  uint64_t dropped_frames = 0;  // frames thrown away: broken, or while waiting for a keyframe
  uint64_t lost = 0;            // loss events: lost() calls and sequence gaps seen in push()
  uint64_t empty = 0;           // packets with no payload (padding), skipped harmlessly
};

class Vp8Depacketizer {
 public:
  using FrameCallback = std::function<void(const Vp8Frame&)>;

  // Bounds what a frame may hold, so garbage cannot grow the buffer without limit.
  static constexpr size_t kMaxFrameBytes = 8 << 20;

  explicit Vp8Depacketizer(FrameCallback on_frame);

  // One RTP packet: sequence number, timestamp, marker bit and payload. An empty payload
  // only advances the sequence. A sequence number that does not follow the previous one
  // counts as a loss. May call the callback once (the frame this packet's marker or
  // timestamp change ends).
  void push(uint16_t seq, uint32_t timestamp, bool marker, std::span<const uint8_t> payload);

  // Packets are missing before the next push(): the frame being built is dropped.
  void lost();

  // Frames are being dropped until a keyframe: send a PLI (RFC 4585 6.3.1).
  bool needs_keyframe() const { return waiting_keyframe_; }

  const Vp8DepacketizerCounters& counters() const { return counters_; }

 private:
  void finish_frame();
  void break_frame();

  FrameCallback on_frame_;
  Vp8DepacketizerCounters counters_;
  std::vector<uint8_t> data_;  // the frame being built
  bool have_seq_ = false;
  uint16_t last_seq_ = 0;
  bool frame_open_ = false;
  uint32_t frame_ts_ = 0;
  bool frame_key_ = false;
  int width_ = 0, height_ = 0;
  bool waiting_keyframe_ = true;
};

}  // namespace onair::bridge
