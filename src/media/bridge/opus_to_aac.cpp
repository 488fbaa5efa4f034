#include "media/bridge/opus_to_aac.hpp"

#include <algorithm>
#include <utility>

#include "media/bridge/aac_config.hpp"

namespace onair::bridge {
namespace {

// libopus conceals in whole 2.5 ms steps (opus_decode with frame_size % (Fs / 400) == 0).
constexpr int64_t kConcealStep = OpusToAac::kSampleRate / 400;

}  // namespace

Result<OpusToAac> OpusToAac::create(int channels, int aac_kbps) {
  if (channels != 1 && channels != 2) {
    return fail(ErrorCode::invalid_argument, "opus_to_aac: channels must be 1 or 2");
  }
  if (aac_kbps < 16 || aac_kbps > 320) {
    return fail(ErrorCode::invalid_argument, "opus_to_aac: AAC bit rate must be 16..320 kbit/s");
  }
  auto decoder = codec::OpusDecoder::create(kSampleRate, channels);
  if (!decoder) return std::unexpected(std::move(decoder.error()).with_context("opus_to_aac"));
  codec::AudioEncoderSettings settings{.codec = "aac",
                                       .sample_rate = kSampleRate,
                                       .channels = channels,
                                       .bit_rate = int64_t(aac_kbps) * 1000,
                                       .sample_format = AV_SAMPLE_FMT_FLTP,
                                       .global_header = true,
                                       // The "fast" quantiser search: about half the
                                       // CPU of "twoloop", and no worse at 96 kbit/s
                                       // and up, FFmpeg's maintainers found.
                                       .options = {{"aac_coder", "fast"}}};
  auto encoder = codec::AudioEncoder::create(settings);
  if (!encoder) return std::unexpected(std::move(encoder.error()).with_context("opus_to_aac"));
  if (encoder->frame_size() <= 0) {
    return fail(ErrorCode::internal, "opus_to_aac: AAC encoder without a frame size");
  }
  return OpusToAac(std::move(*decoder), std::move(*encoder), std::move(settings), channels);
}

OpusToAac::OpusToAac(codec::OpusDecoder decoder, codec::AudioEncoder encoder,
                     codec::AudioEncoderSettings settings, int channels)
    : decoder_(std::move(decoder)),
      encoder_(std::move(encoder)),
      settings_(std::move(settings)),
      channels_(channels),
      timeline_({.tolerance = 0, .max_gap = kMaxGap, .max_late = kMaxLate}),
      pcm_(size_t(codec::kOpusMaxPacketSamples) * size_t(channels)) {
  // The encoder's own config is what its frames need; FFmpeg's carries the
  // backward-compatible "no SBR" extension after the LC fields, which readers skip.
  auto asc = encoder_.extradata();
  if (!asc.empty()) {
    asc_.assign(reinterpret_cast<const char*>(asc.data()), asc.size());
  } else {
    asc_ = build_audio_specific_config(
        {.object_type = 2, .sample_rate = kSampleRate, .channels = channels});
  }
}

void OpusToAac::push(std::span<const uint8_t> packet, uint32_t rtp_timestamp,
                     std::vector<AacFrame>& out) {
  ++counters_.packets;
  // A packet whose header does not even parse says nothing trustworthy, not even its
  // timestamp: it is lost, and the next packet's gap conceals it.
  auto duration = decoder_.packet_samples(packet);
  if (!duration) {
    ++counters_.decode_errors;
    return;
  }

  const int64_t rtp =
      have_origin_ ? unwrap_rtp_timestamp(rtp_timestamp, last_rtp_) : int64_t(rtp_timestamp);
  if (!have_origin_) {
    have_origin_ = true;
    origin_ = rtp;
  }
  last_rtp_ = rtp;
  const int64_t pts = rtp - origin_;

  auto place = timeline_.place(pts);
  switch (place.kind) {
    case SampleTimeline::Kind::start:
      frame_pts_ = pts;
      break;
    case SampleTimeline::Kind::contiguous:
      break;
    case SampleTimeline::Kind::gap:
      conceal(place.gap, packet, out);
      timeline_.advance(place.gap);
      break;
    case SampleTimeline::Kind::late:
      ++counters_.late_packets;
      return;
    case SampleTimeline::Kind::reset:
      ++counters_.resets;
      finish(out);
      decoder_.reset();
      frame_pts_ = pts;
      break;
  }

  auto n = decoder_.decode(packet, pcm_);
  if (!n) {
    // The header parsed but the payload did not: conceal the packet's duration in place.
    ++counters_.decode_errors;
    conceal(*duration, {}, out);
    timeline_.advance(*duration);
    return;
  }
  feed(pcm_.data(), *n, out);
  timeline_.advance(*n);
}

void OpusToAac::flush(std::vector<AacFrame>& out) {
  finish(out);
  decoder_.reset();
  timeline_.restart();
}

void OpusToAac::conceal(int64_t samples, std::span<const uint8_t> next,
                        std::vector<AacFrame>& out) {
  counters_.concealed_samples += uint64_t(samples);
  // A gap that is not whole 2.5 ms steps (only odd senders make one) starts with the
  // remainder as silence, so the count stays exact.
  const int64_t odd = samples % kConcealStep;
  if (odd > 0) feed(nullptr, odd, out);
  int64_t left = samples - odd;

  // The last lost packet may be in `next` as FEC (RFC 6716 2.1.7): recover that one,
  // conceal the rest. Without FEC data libopus falls back to concealment itself.
  int64_t fec = 0;
  if (!next.empty()) {
    auto d = decoder_.packet_samples(next);
    if (d && *d <= left) fec = *d;
  }
  auto emit = [&](Result<int> decoded, int64_t wanted) {
    int64_t got = decoded ? std::min<int64_t>(*decoded, wanted) : 0;
    feed(pcm_.data(), got, out);
    if (got < wanted) feed(nullptr, wanted - got, out);  // keep the count whatever happens
  };
  while (left > fec) {
    int chunk = int(std::min<int64_t>(left - fec, codec::kOpusMaxPacketSamples));
    emit(decoder_.conceal(chunk, pcm_), chunk);
    left -= chunk;
  }
  if (fec > 0) emit(decoder_.decode_fec(next, int(fec), pcm_), fec);
}

void OpusToAac::feed(const float* pcm, int64_t samples, std::vector<AacFrame>& out) {
  const int frame_size = encoder_.frame_size();
  int64_t done = 0;
  while (done < samples) {
    if (filled_ == 0) {
      auto frame = encoder_.frame();
      if (!frame) {
        ++counters_.encode_errors;
        return;
      }
      frame_ = *frame;
    }
    const int take = int(std::min<int64_t>(samples - done, frame_size - filled_));
    // Opus gives interleaved samples, FFmpeg's AAC takes one plane per channel.
    for (int c = 0; c < channels_; ++c) {
      float* plane = reinterpret_cast<float*>(frame_->extended_data[c]) + filled_;
      if (pcm) {
        const float* src = pcm + done * channels_ + c;
        for (int i = 0; i < take; ++i) plane[i] = src[i * channels_];
      } else {
        std::fill(plane, plane + take, 0.0f);
      }
    }
    filled_ += take;
    done += take;
    if (filled_ == frame_size) send_frame(out);
  }
}

void OpusToAac::send_frame(std::vector<AacFrame>& out) {
  // The frame's pts is pure arithmetic on the sample count: frames are exactly
  // frame_size apart, and the encoder's packets inherit that.
  frame_->pts = frame_pts_;
  frame_->nb_samples = encoder_.frame_size();
  if (!encoder_.send(frame_)) ++counters_.encode_errors;
  frame_pts_ += encoder_.frame_size();
  filled_ = 0;
  frame_ = nullptr;
  receive(out);
}

void OpusToAac::receive(std::vector<AacFrame>& out) {
  for (;;) {
    auto packet = encoder_.receive();
    if (!packet) {
      ++counters_.encode_errors;
      return;
    }
    if (!*packet) return;
    const AVPacket& p = **packet;
    out.push_back({p.pts, std::string(reinterpret_cast<const char*>(p.data), size_t(p.size))});
    ++counters_.frames_out;
  }
}

void OpusToAac::finish(std::vector<AacFrame>& out) {
  if (filled_ > 0) feed(nullptr, encoder_.frame_size() - filled_, out);  // pad, send
  if (!encoder_.send_end()) ++counters_.encode_errors;
  receive(out);
  // A drained encoder is finished (FFmpeg's AAC cannot be flushed for reuse): the next
  // timeline gets a fresh one, priming included. Timelines end rarely.
  auto fresh = codec::AudioEncoder::create(settings_);
  if (!fresh) {
    ++counters_.encode_errors;
    return;
  }
  encoder_ = std::move(*fresh);
  filled_ = 0;
  frame_ = nullptr;
}

}  // namespace onair::bridge
