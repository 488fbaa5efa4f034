#pragma once
// SeqTsRewriter: one per subscriber per track. Maps the source's RTP sequence numbers and
// timestamps to the subscriber's, so the subscriber sees ONE continuous stream while the
// SFU switches what it forwards (a simulcast layer switch, or a republish with new SSRC,
// sequence and timestamp bases). Pure: numbers in, numbers out; time is passed in.
//
// Model (offsets, as in mediasoup's consumers): the output is cut into epochs, one per
// source. Within an epoch a packet's output seq is
//     epoch_base + (ext_seq - epoch_start) - (packets skipped before it)
// and its output timestamp is `source timestamp + ts_offset` (mod 2^32). Both depend only on
// the packet's extended seq (RFC 3550 A.1), so reordered and repeated packets map the same
// way every time, and 16-bit wrap is handled.
//
// Invariants:
//  - A new epoch (switch_source) continues at the last output seq + 1, with a timestamp of
//    the last output timestamp + the wall time elapsed since it was sent, at the clock rate,
//    at least 1 tick. Upstream loss inside an epoch keeps its gap, so the subscriber can
//    NACK it; source_seq() maps such a NACK back.
//  - skip() removes a packet the SFU chooses not to send (waiting for a keyframe, padding
//    only) from the numbering, so it leaves no gap. Only a skip newer than every packet
//    seen can do that: an older one's output number is already implied by packets sent
//    after it, so such a skip is ignored and its number stays a gap.
//  - Packets of an earlier source, packets of the current source older than the packet that
//    started its epoch, and skipped packets map to nothing (nullopt).
//  - The newest kMaxSkips skips are remembered. When an older one is forgotten, packets at
//    or before it can no longer be placed and map to nothing (they would be ~kMaxSkips
//    skips late).
// No allocation; about 2 KiB per instance.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace onair::webrtc {

struct RtpNumbers {
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  bool operator==(const RtpNumbers&) const = default;
};

class SeqTsRewriter {
 public:
  static constexpr size_t kMaxSkips = 256;

  // `initial_seq`/`initial_timestamp`: the first output numbers, random per RFC 3550 5.1.
  // `clock_rate`: the track's RTP clock (90000 for video, 48000 for Opus).
  SeqTsRewriter(uint16_t initial_seq, uint32_t initial_timestamp, uint32_t clock_rate);

  // Starts a new epoch with this packet (the first packet of a keyframe of the new source,
  // or the very first packet) and returns its output numbers. `source` identifies the
  // source: the SSRC, or (generation << 32 | ssrc) if a republish may reuse an SSRC.
  // Calling it again for the current source restarts its epoch (a resync at a keyframe).
  RtpNumbers switch_source(uint64_t source, uint16_t seq, uint32_t timestamp, int64_t now_us);

  // The output numbers for a packet of the current source; nullopt when the packet must
  // not be sent (see the invariants above) or no source was started yet.
  std::optional<RtpNumbers> rewrite(uint64_t source, uint16_t seq, uint32_t timestamp, int64_t now_us);

  // Takes a packet of the current source out of the output numbering (not sent).
  void skip(uint64_t source, uint16_t seq);

  // The reverse map for a NACK from the subscriber (RFC 4585 6.2.1): the source seq that
  // was (or would be) sent as `out_seq`, when it belongs to the current epoch and was not
  // skipped. Nullopt for output numbers of an earlier epoch or not yet used.
  std::optional<uint16_t> source_seq(uint16_t out_seq) const;

  // The current epoch's timestamp mapping, for translating the source's SR (RFC 3550
  // 6.4.1) into the subscriber's. Meaningless before the first switch_source.
  uint32_t map_timestamp(uint32_t source_timestamp) const { return source_timestamp + ts_offset_; }

  bool started() const { return started_; }
  uint64_t source() const { return source_; }
  // The output seq the next new packet of the current source would get.
  uint16_t next_seq() const { return uint16_t(next_out()); }

 private:
  int64_t unwrap(uint16_t seq) const;           // extended seq of the current source
  int64_t next_out() const;                     // extended output seq of the next new packet
  size_t skips_below(int64_t rel) const;        // remembered skips with position < rel
  bool is_skipped(int64_t rel) const;
  int64_t skip_at(size_t i) const { return skips_[(skip_head_ + i) % kMaxSkips]; }

  uint32_t clock_rate_;
  bool started_ = false;
  uint64_t source_ = 0;
  int64_t next_out_initial_;         // extended output seq of the first packet ever
  uint32_t next_ts_initial_;
  // Current epoch. Positions (`rel`) are source extended seqs minus epoch_start_.
  int64_t epoch_start_ = 0;          // extended seq of the packet that opened the epoch
  int64_t epoch_out_base_ = 0;       // its extended output seq
  uint32_t ts_offset_ = 0;
  int64_t highest_rel_ = 0;          // newest position seen (sent or skipped)
  int64_t floor_rel_ = -1;           // positions at or below this map to nothing
  size_t folded_ = 0;                // forgotten skips, all at positions <= floor_rel_
  std::array<int64_t, kMaxSkips> skips_{};  // ascending positions of remembered skips
  size_t skip_head_ = 0;
  size_t skip_count_ = 0;
  // The newest packet sent, for continuing the timestamp on the next switch.
  uint32_t last_ts_ = 0;
  int64_t last_sent_us_ = 0;
};

}  // namespace onair::webrtc
