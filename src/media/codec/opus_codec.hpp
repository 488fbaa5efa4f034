#pragma once
// libopus (RFC 6716) encoder and decoder, each owned by whoever codes one stream and used
// from one thread. Samples are interleaved float in [-1, 1]; sizes are in samples per
// channel. Opus runs at 48 kHz in WebRTC (RFC 7587 4.1), the default here.
// Neither allocates after create(): the encoder writes into a buffer of its own, the
// decoder into the caller's.
#include <opus/opus.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "core/error.hpp"

namespace onair::codec {

// An Opus packet is at most 120 ms (RFC 6716 3.2.1): 5760 samples per channel at 48 kHz.
inline constexpr int kOpusMaxPacketSamples = 5760;

struct OpusEncoderSettings {
  int sample_rate = 48000;  // 8000, 12000, 16000, 24000 or 48000
  int channels = 2;         // 1 or 2
  int bitrate_bps = 64000;
  // In-band FEC (LBRR, RFC 6716 2.1.7): the next packet carries a coarse copy of this
  // one, for receivers that lose packets. LBRR exists only in the SILK and hybrid modes,
  // so with a loss percentage set libopus leaves the CELT mode for them, even for music
  // at high bit rates, at about four times the CPU.
  bool inband_fec = false;
  int expected_loss_percent = 0;  // what the encoder spends on FEC for
  // 0..10: CPU for quality. libopus's default is 10; each step down saves roughly 10-20%
  // with little loss in the CELT (music) mode.
  int complexity = 10;
};

class OpusEncoder {
 public:
  static Result<OpusEncoder> create(const OpusEncoderSettings& settings);

  // Encodes one frame: `pcm` holds frame_samples * channels interleaved samples, and
  // frame_samples is 2.5, 5, 10, 20, 40 or 60 ms. The packet lives in the encoder's
  // buffer until the next call.
  Result<std::span<const uint8_t>> encode(std::span<const float> pcm, int frame_samples);

  Result<void> set_bitrate(int bps);
  // Samples of look-ahead: the decoded signal is this much later than the input.
  int lookahead() const;
  int channels() const { return channels_; }
  // Back to a fresh encoder's state (for a new stream on the same object).
  void reset();

 private:
  struct Deleter {
    void operator()(::OpusEncoder* e) const { opus_encoder_destroy(e); }
  };
  OpusEncoder() = default;

  std::unique_ptr<::OpusEncoder, Deleter> enc_;
  int channels_ = 0;
  // 1500 bytes keep a packet inside one RTP packet on an Ethernet path.
  std::array<uint8_t, 1500> out_{};
};

class OpusDecoder {
 public:
  static Result<OpusDecoder> create(int sample_rate = 48000, int channels = 2);

  // Decodes one packet into `pcm` (room for the packet's samples times channels; a
  // buffer of kOpusMaxPacketSamples always fits). Returns samples per channel written.
  // A packet libopus refuses is invalid_argument; the decoder stays usable.
  Result<int> decode(std::span<const uint8_t> packet, std::span<float> pcm);

  // Packet loss concealment (opus_decode with no data): `samples` of audio that
  // continue the signal over a lost packet. libopus wants a multiple of 2.5 ms and the
  // exact missing duration, so the decoder is in step for the packet after the loss.
  Result<int> conceal(int samples, std::span<float> pcm);

  // Recovers the packet before `next` from the FEC that `next` carries (decode_fec = 1);
  // `samples` is the lost packet's duration. Without FEC data in `next` this is the
  // same as conceal(). Decode `next` itself afterwards.
  Result<int> decode_fec(std::span<const uint8_t> next, int samples, std::span<float> pcm);

  // Samples per channel in a packet at this decoder's rate, without decoding it; a
  // packet whose header does not parse, or that holds no frame, is invalid_argument.
  Result<int> packet_samples(std::span<const uint8_t> packet) const;

  int channels() const { return channels_; }
  int sample_rate() const { return sample_rate_; }
  void reset();

 private:
  struct Deleter {
    void operator()(::OpusDecoder* d) const { opus_decoder_destroy(d); }
  };
  OpusDecoder() = default;
  Result<int> run(const uint8_t* data, size_t size, int samples, std::span<float> pcm, int fec);

  std::unique_ptr<::OpusDecoder, Deleter> dec_;
  int sample_rate_ = 0;
  int channels_ = 0;
};

}  // namespace onair::codec
