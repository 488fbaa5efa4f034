#pragma once
// AacToOpus: the audio of an RTMP publisher (raw AAC access units from FLV audio tags)
// as 20 ms Opus packets for WebRTC viewers (RFC 7587: 48 kHz clock, stereo). AAC is
// decoded with FFmpeg (any rate from 8 to 96 kHz, mono or stereo, LC or HE), resampled
// to 48 kHz interleaved stereo float with libswresample, and encoded with libopus.
//
// Timing: the output counts samples. Within a timeline Opus frame k has RTP timestamp
// base + 960 * k exactly (mod 2^32), where base is the first packet's pts_ms * 48, so the
// Opus clock is the RTMP clock in 48 kHz units. The millisecond pts only decide where
// packets go (SampleTimeline, in 48 kHz units): within 10 ms of where the count is, they
// continue it (ms rounding and jitter); up to 1 s ahead, the gap is filled with silence
// (a publisher's dropped frames, a packet that did not decode); a pts that goes back
// before the previous one, or more than 1 s from the count either way, starts a new
// timeline (what was buffered is encoded first, padded with silence to a whole frame).
// The resampler's filter delays the audio by a few samples (under 1 ms at 44.1 kHz;
// none at 48 kHz), which is not taken out.
//
// Owned by the bridge of one stream; single-threaded (the caller's worker thread).
// Buffers are reused; each output packet's bytes are one string. No logging: counters().
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "media/bridge/aac_config.hpp"
#include "media/bridge/sample_timeline.hpp"
#include "media/codec/decoder.hpp"
#include "media/codec/opus_codec.hpp"
#include "media/codec/resampler.hpp"

namespace onair::bridge {

struct OpusFrame {
  uint32_t rtp_timestamp = 0;  // 48 kHz (see above)
  std::string data;            // one Opus packet, 20 ms
};

class AacToOpus {
 public:
  struct Counters {
    uint64_t packets = 0;         // pushed
    uint64_t decode_errors = 0;   // AAC packets FFmpeg refused (skipped)
    uint64_t filled_samples = 0;  // 48 kHz samples of silence filled into pts gaps
    uint64_t resets = 0;          // timelines started over (not counting the first)
    uint64_t frames_out = 0;      // Opus packets produced
    uint64_t encode_errors = 0;   // resampler or Opus encoder failures (a bug or no memory)
  };

  // audio_specific_config: the FLV AAC sequence header's payload (after 0xAF 0x00);
  // mono or stereo, 8..96 kHz. opus_kbps: 6..510.
  static Result<AacToOpus> create(std::span<const uint8_t> audio_specific_config, int opus_kbps);

  // One raw AAC access unit (an FLV AAC frame's payload, after 0xAF 0x01) and its pts in
  // milliseconds. Appends the Opus packets it completes to `out`; usually zero or one.
  void push(std::span<const uint8_t> raw_aac, int64_t pts_ms, std::vector<OpusFrame>& out);
  // The stream ends: encodes what is buffered (padded with silence to a whole frame).
  // A later push() starts a new timeline.
  void flush(std::vector<OpusFrame>& out);

  const AacConfig& config() const { return config_; }
  const Counters& counters() const { return counters_; }

  static constexpr int kSampleRate = 48000;
  static constexpr int kChannels = 2;
  static constexpr int kFrameSamples = 960;                 // 20 ms
  static constexpr int64_t kTolerance = kSampleRate / 100;  // 10 ms
  static constexpr int64_t kMaxGap = kSampleRate;           // 1 s
  static constexpr int kOpusComplexity = 7;

 private:
  AacToOpus(AacConfig config, codec::Decoder decoder, codec::OpusEncoder encoder);

  // Places a decoded packet stamped `pts_ms`, filling a gap or starting a new timeline.
  void place(int64_t pts_ms, std::vector<OpusFrame>& out);
  void begin(int64_t timestamp);
  void fill_silence(int64_t samples);
  // Resamples one decoded frame into the FIFO (a new resampler if its format changed).
  void convert(const AVFrame& frame, std::vector<OpusFrame>& out);
  // Empties the resampler's filter into the FIFO.
  void drain_resampler();
  // Encodes every whole frame in the FIFO; with `pad`, a last partial one too.
  void encode(std::vector<OpusFrame>& out, bool pad);
  // Room in the FIFO for `samples` more; returns where they go.
  float* fifo_tail(int samples);
  void finish(std::vector<OpusFrame>& out);

  AacConfig config_;
  codec::Decoder decoder_;
  std::optional<codec::Resampler> resampler_;  // made for the first frame's format
  codec::OpusEncoder encoder_;
  SampleTimeline timeline_;
  bool have_last_pts_ = false;
  int64_t last_pts_ms_ = 0;
  int64_t base_ = 0;            // 48 kHz timestamp of this timeline's first sample
  int64_t frames_ = 0;          // Opus frames produced in this timeline
  int64_t rate_remainder_ = 0;  // input samples * 48000 not yet a whole 48 kHz sample
  std::vector<float> fifo_;     // 48 kHz interleaved stereo waiting for a whole frame
  size_t fifo_samples_ = 0;     // per channel
  Counters counters_;
};

}  // namespace onair::bridge
