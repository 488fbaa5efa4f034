#pragma once
// OpusToAac: the audio of a WHIP publisher (Opus over RTP, RFC 7587) as AAC-LC access
// units for RTMP, HTTP-FLV and HLS players. Opus is decoded with libopus at 48 kHz and
// encoded with FFmpeg's native AAC encoder at 48 kHz, so no resampling.
//
// Timing: the output counts samples. Every 1024 samples make one AAC frame, and within a
// timeline frame k has pts first + 1024 * k exactly, whatever the packets' timestamps
// do, so there is no drift over hours. The RTP timestamps only decide where packets go
// (SampleTimeline): a gap (lost packets, DTX) of up to one second is filled with Opus
// packet loss concealment (and in-band FEC where the next packet carries it); a packet
// up to 200 ms behind is late and dropped (reordering); anything further starts a new
// timeline (what was buffered is encoded and drained first, then pts continue from the
// new timestamp). A packet that does not decode is concealed like a lost one.
//
// pts are in 48 kHz samples since the first packet pushed, and they are the encoder's
// own: a frame's pts is where its decoded audio starts. AAC's priming (1024 samples)
// therefore shows as the first frame of each timeline starting 1024 samples before the
// timeline does (pts -1024 for the very first); a player that decodes from that frame
// plays the stream's first sample at pts 0. Opus's own look-ahead (6.5 ms, the sender's
// encoder) is not taken out, just as a WebRTC receiver does not.
//
// Owned by the bridge of one stream; single-threaded (the caller's worker thread). The
// decode and encode buffers are reused; each output frame's bytes are one string.
// No logging: counters() for the caller to log and export.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "media/bridge/sample_timeline.hpp"
#include "media/codec/audio_encoder.hpp"
#include "media/codec/opus_codec.hpp"

namespace onair::bridge {

struct AacFrame {
  int64_t pts = 0;   // in 48 kHz samples since the first pushed packet (see above)
  std::string data;  // one raw AAC access unit, no ADTS header
};

class OpusToAac {
 public:
  struct Counters {
    uint64_t packets = 0;            // pushed
    uint64_t decode_errors = 0;      // packets libopus refused (concealed instead)
    uint64_t concealed_samples = 0;  // per channel, by PLC or FEC, for gaps and bad packets
    uint64_t resets = 0;             // timelines started over (not counting the first)
    uint64_t frames_out = 0;         // AAC frames produced
    uint64_t late_packets = 0;       // dropped for arriving after their place was filled
    uint64_t encode_errors = 0;      // AAC encoder failures (a bug or out of memory)
  };

  // channels: 1 or 2 (libopus mixes the packets to it); aac_kbps: 16..320.
  static Result<OpusToAac> create(int channels, int aac_kbps);

  // One Opus packet (an RTP payload) stamped with its RTP timestamp (48 kHz clock).
  // Appends the AAC frames it completes to `out`; any number, usually zero or one.
  void push(std::span<const uint8_t> opus_packet, uint32_t rtp_timestamp,
            std::vector<AacFrame>& out);
  // The stream ends: encodes what is buffered (padded with silence to a whole frame)
  // and drains the encoder into `out`. A later push() starts a new timeline.
  void flush(std::vector<AacFrame>& out);

  // The AudioSpecificConfig of the output (AAC-LC, 48 kHz, channels), for the FLV
  // sequence header: flv_aac_sequence_header(audio_specific_config()).
  const std::string& audio_specific_config() const { return asc_; }
  const Counters& counters() const { return counters_; }
  int channels() const { return channels_; }

  static constexpr int kSampleRate = 48000;
  static constexpr int64_t kMaxGap = kSampleRate;       // filled by concealment: 1 s
  static constexpr int64_t kMaxLate = kSampleRate / 5;  // dropped as reordered: 200 ms

 private:
  OpusToAac(codec::OpusDecoder decoder, codec::AudioEncoder encoder,
            codec::AudioEncoderSettings settings, int channels);

  // Conceals `samples` that are missing before `next` (which may carry their FEC).
  void conceal(int64_t samples, std::span<const uint8_t> next, std::vector<AacFrame>& out);
  // Hands interleaved samples (nullptr: silence) to the encoder, 1024 at a time.
  void feed(const float* pcm, int64_t samples, std::vector<AacFrame>& out);
  void send_frame(std::vector<AacFrame>& out);
  void receive(std::vector<AacFrame>& out);
  // Encodes what is buffered, drains, and readies a fresh encoder.
  void finish(std::vector<AacFrame>& out);

  codec::OpusDecoder decoder_;
  codec::AudioEncoder encoder_;
  codec::AudioEncoderSettings settings_;  // to open a fresh encoder after a drain
  int channels_;
  std::string asc_;
  SampleTimeline timeline_;
  bool have_origin_ = false;
  int64_t origin_ = 0;        // extended RTP timestamp of the first packet: pts 0
  int64_t last_rtp_ = 0;      // extended timestamp of the latest packet, to unwrap the next
  int64_t frame_pts_ = 0;     // pts of the first sample of the frame being filled
  int filled_ = 0;            // samples per channel in the frame being filled
  AVFrame* frame_ = nullptr;  // the encoder's input frame while filling it
  std::vector<float> pcm_;    // one decoded packet, interleaved
  Counters counters_;
};

}  // namespace onair::bridge
