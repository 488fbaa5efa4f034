#include "media/codec/opus_codec.hpp"

#include <string>

namespace onair::codec {
namespace {

std::unexpected<Error> opus_fail(int err, std::string_view what) {
  // OPUS_BAD_ARG and OPUS_INVALID_PACKET are what the input caused.
  ErrorCode code =
      (err == OPUS_BAD_ARG || err == OPUS_INVALID_PACKET || err == OPUS_BUFFER_TOO_SMALL)
          ? ErrorCode::invalid_argument
          : ErrorCode::internal;
  return fail(code, std::string(what) + ": " + opus_strerror(err));
}

}  // namespace

Result<OpusEncoder> OpusEncoder::create(const OpusEncoderSettings& s) {
  int err = OPUS_OK;
  OpusEncoder e;
  e.enc_.reset(opus_encoder_create(s.sample_rate, s.channels, OPUS_APPLICATION_AUDIO, &err));
  if (err != OPUS_OK || !e.enc_) return opus_fail(err, "opus encoder: opus_encoder_create");
  e.channels_ = s.channels;
  if (auto ok = e.set_bitrate(s.bitrate_bps); !ok) return std::unexpected(ok.error());
  if (int err = opus_encoder_ctl(e.enc_.get(), OPUS_SET_COMPLEXITY(s.complexity)); err != OPUS_OK) {
    return opus_fail(err, "opus encoder: complexity " + std::to_string(s.complexity));
  }
  if (s.inband_fec) {
    err = opus_encoder_ctl(e.enc_.get(), OPUS_SET_INBAND_FEC(1));
    if (err == OPUS_OK) {
      err = opus_encoder_ctl(e.enc_.get(), OPUS_SET_PACKET_LOSS_PERC(s.expected_loss_percent));
    }
    if (err != OPUS_OK) return opus_fail(err, "opus encoder: FEC settings");
  }
  return e;
}

Result<std::span<const uint8_t>> OpusEncoder::encode(std::span<const float> pcm,
                                                     int frame_samples) {
  if (frame_samples <= 0 || pcm.size() < size_t(frame_samples) * size_t(channels_)) {
    return fail(ErrorCode::invalid_argument, "opus encoder: fewer samples than the frame");
  }
  opus_int32 n = opus_encode_float(enc_.get(), pcm.data(), frame_samples, out_.data(),
                                   opus_int32(out_.size()));
  if (n < 0) return opus_fail(n, "opus encoder: opus_encode_float");
  return std::span<const uint8_t>(out_.data(), size_t(n));
}

Result<void> OpusEncoder::set_bitrate(int bps) {
  int err = opus_encoder_ctl(enc_.get(), OPUS_SET_BITRATE(bps));
  if (err != OPUS_OK) return opus_fail(err, "opus encoder: bitrate " + std::to_string(bps));
  return {};
}

int OpusEncoder::lookahead() const {
  opus_int32 samples = 0;
  opus_encoder_ctl(enc_.get(), OPUS_GET_LOOKAHEAD(&samples));
  return int(samples);
}

void OpusEncoder::reset() {
  opus_encoder_ctl(enc_.get(), OPUS_RESET_STATE);
}

Result<OpusDecoder> OpusDecoder::create(int sample_rate, int channels) {
  int err = OPUS_OK;
  OpusDecoder d;
  d.dec_.reset(opus_decoder_create(sample_rate, channels, &err));
  if (err != OPUS_OK || !d.dec_) return opus_fail(err, "opus decoder: opus_decoder_create");
  d.sample_rate_ = sample_rate;
  d.channels_ = channels;
  return d;
}

Result<int> OpusDecoder::run(const uint8_t* data, size_t size, int samples, std::span<float> pcm,
                             int fec) {
  if (samples <= 0 || pcm.size() < size_t(samples) * size_t(channels_)) {
    return fail(ErrorCode::invalid_argument, "opus decoder: output buffer too small");
  }
  int n = opus_decode_float(dec_.get(), data, opus_int32(size), pcm.data(), samples, fec);
  if (n < 0) return opus_fail(n, "opus decoder: opus_decode_float");
  return n;
}

Result<int> OpusDecoder::decode(std::span<const uint8_t> packet, std::span<float> pcm) {
  // An empty packet would silently mean "conceal" to libopus: that is conceal()'s job.
  if (packet.empty()) return fail(ErrorCode::invalid_argument, "opus decoder: empty packet");
  int capacity = int(pcm.size() / size_t(channels_));
  return run(packet.data(), packet.size(), capacity, pcm, 0);
}

Result<int> OpusDecoder::conceal(int samples, std::span<float> pcm) {
  return run(nullptr, 0, samples, pcm, 0);
}

Result<int> OpusDecoder::decode_fec(std::span<const uint8_t> next, int samples,
                                    std::span<float> pcm) {
  if (next.empty()) return conceal(samples, pcm);
  return run(next.data(), next.size(), samples, pcm, 1);
}

Result<int> OpusDecoder::packet_samples(std::span<const uint8_t> packet) const {
  // libopus declares the data non-null, even for a length of zero.
  if (packet.empty()) return opus_fail(OPUS_INVALID_PACKET, "opus decoder: empty packet");
  int n = opus_packet_get_nb_samples(packet.data(), opus_int32(packet.size()), sample_rate_);
  if (n < 0) return opus_fail(n, "opus decoder: packet duration");
  // A code 3 packet may announce zero frames (RFC 6716 3.2.5): not a packet to decode.
  if (n == 0) return opus_fail(OPUS_INVALID_PACKET, "opus decoder: packet without frames");
  return n;
}

void OpusDecoder::reset() {
  opus_decoder_ctl(dec_.get(), OPUS_RESET_STATE);
}

}  // namespace onair::codec
