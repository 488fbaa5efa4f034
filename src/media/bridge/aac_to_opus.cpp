#include "media/bridge/aac_to_opus.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace onair::bridge {
namespace {

constexpr codec::AudioFormat kOpusFormat{AV_SAMPLE_FMT_FLT, AacToOpus::kSampleRate,
                                         AacToOpus::kChannels};

}  // namespace

Result<AacToOpus> AacToOpus::create(std::span<const uint8_t> asc, int opus_kbps) {
  auto config = parse_audio_specific_config(asc);
  if (!config) return std::unexpected(std::move(config.error()).with_context("aac_to_opus"));
  if (config->channels != 1 && config->channels != 2) {
    return fail(ErrorCode::invalid_argument, "aac_to_opus: " + std::to_string(config->channels) +
                                                 " channels (mono and stereo are bridged)");
  }
  if (config->sample_rate < 8000 || config->sample_rate > 96000) {
    return fail(
        ErrorCode::invalid_argument,
        "aac_to_opus: sample rate " + std::to_string(config->sample_rate) + " outside 8..96 kHz");
  }
  if (opus_kbps < 6 || opus_kbps > 510) {
    return fail(ErrorCode::invalid_argument, "aac_to_opus: Opus bit rate must be 6..510 kbit/s");
  }
  auto decoder = codec::Decoder::create({.codec = AV_CODEC_ID_AAC, .extradata = asc});
  if (!decoder) return std::unexpected(std::move(decoder.error()).with_context("aac_to_opus"));
  // No in-band FEC: it would move libopus off CELT (what suits the music an RTMP
  // publisher sends) to the hybrid mode at four times the CPU; WebRTC viewers recover
  // losses with NACK. Complexity 7 costs half of 10 for a difference hard to hear.
  auto encoder = codec::OpusEncoder::create({.sample_rate = kSampleRate,
                                             .channels = kChannels,
                                             .bitrate_bps = opus_kbps * 1000,
                                             .inband_fec = false,
                                             .complexity = kOpusComplexity});
  if (!encoder) return std::unexpected(std::move(encoder.error()).with_context("aac_to_opus"));
  return AacToOpus(*config, std::move(*decoder), std::move(*encoder));
}

AacToOpus::AacToOpus(AacConfig config, codec::Decoder decoder, codec::OpusEncoder encoder)
    : config_(config),
      decoder_(std::move(decoder)),
      encoder_(std::move(encoder)),
      // RTMP runs over TCP: nothing is reordered, and a publisher's clock that runs a
      // little slow is followed, not dropped, until it is a second behind.
      timeline_({.tolerance = kTolerance, .max_gap = kMaxGap, .max_late = kMaxGap}),
      // Room for the largest frame (HE-AAC's 2048 at 96 kHz resampled, plus what waits
      // for a whole Opus frame); a long silence fill grows it once.
      fifo_(size_t(8192) * kChannels) {}

void AacToOpus::push(std::span<const uint8_t> raw, int64_t pts_ms, std::vector<OpusFrame>& out) {
  ++counters_.packets;
  // Empty input would mean "drain" to FFmpeg: refuse it like any undecodable packet.
  if (raw.empty() || !decoder_.send(raw)) {
    ++counters_.decode_errors;
    return;
  }
  // A packet is placed when it yields audio: a packet that does not decode leaves its
  // time to the next one's gap.
  bool placed = false;
  for (;;) {
    auto frame = decoder_.receive();
    if (!frame) {
      ++counters_.decode_errors;
      break;
    }
    if (!*frame) break;
    if (!placed) {
      place(pts_ms, out);
      placed = true;
    }
    convert(**frame, out);
  }
  if (placed) {
    have_last_pts_ = true;
    last_pts_ms_ = pts_ms;
  }
  encode(out, false);
}

void AacToOpus::flush(std::vector<OpusFrame>& out) {
  finish(out);
  timeline_.restart();
  have_last_pts_ = false;
}

void AacToOpus::place(int64_t pts_ms, std::vector<OpusFrame>& out) {
  const int64_t timestamp = pts_ms * (kSampleRate / 1000);
  // A pts before the previous one is a new stream on the same connection (TCP never
  // reorders), however close it is.
  const bool backwards = have_last_pts_ && pts_ms < last_pts_ms_;
  if (backwards) timeline_.restart();
  auto placement = timeline_.place(timestamp);
  if (backwards || placement.kind == SampleTimeline::Kind::reset) {
    ++counters_.resets;
    finish(out);
    begin(timestamp);
    return;
  }
  switch (placement.kind) {
    case SampleTimeline::Kind::start:
      begin(timestamp);
      break;
    case SampleTimeline::Kind::gap:
      fill_silence(placement.gap);
      timeline_.advance(placement.gap);
      break;
    case SampleTimeline::Kind::contiguous:
    case SampleTimeline::Kind::late:  // behind by under a second: follow the count
    case SampleTimeline::Kind::reset:
      break;
  }
}

void AacToOpus::begin(int64_t timestamp) {
  base_ = timestamp;
  frames_ = 0;
}

void AacToOpus::fill_silence(int64_t samples) {
  counters_.filled_samples += uint64_t(samples);
  if (resampler_ && resampler_->in().sample_rate != kSampleRate) {
    // Into the resampler's input, so the silence comes after what its filter holds.
    const int64_t rate = resampler_->in().sample_rate;
    if (!resampler_->inject_silence(int((samples * rate + kSampleRate / 2) / kSampleRate))) {
      ++counters_.encode_errors;
    }
    return;
  }
  float* tail = fifo_tail(int(samples));
  std::fill(tail, tail + samples * kChannels, 0.0f);
  fifo_samples_ += size_t(samples);
}

void AacToOpus::convert(const AVFrame& frame, std::vector<OpusFrame>& out) {
  const codec::AudioFormat in{AVSampleFormat(frame.format), frame.sample_rate,
                              frame.ch_layout.nb_channels};
  if (in.sample_rate <= 0 || frame.nb_samples <= 0) return;
  if (!resampler_ || !(resampler_->in() == in)) {
    // The first frame, or the stream changed format (implicit SBR or PS found late):
    // what the old filter holds goes out first.
    if (resampler_) drain_resampler();
    auto resampler = codec::Resampler::create(in, kOpusFormat);
    if (!resampler) {
      ++counters_.encode_errors;
      return;
    }
    resampler_.emplace(std::move(*resampler));
    rate_remainder_ = 0;
  }
  const int room = resampler_->max_output(frame.nb_samples);
  uint8_t* dst[] = {reinterpret_cast<uint8_t*>(fifo_tail(room))};
  auto n = resampler_->convert(frame.extended_data, frame.nb_samples, dst, room);
  if (!n) {
    ++counters_.encode_errors;
    return;
  }
  fifo_samples_ += size_t(*n);
  // The count advances by the frame's duration in 48 kHz samples, the remainder carried
  // so that it is exact over any number of frames (1024 at 44.1 kHz is 1114.557...).
  rate_remainder_ += int64_t(frame.nb_samples) * kSampleRate;
  timeline_.advance(rate_remainder_ / in.sample_rate);
  rate_remainder_ %= in.sample_rate;
  encode(out, false);
}

void AacToOpus::drain_resampler() {
  const int room = int(resampler_->delay()) + 64;
  uint8_t* dst[] = {reinterpret_cast<uint8_t*>(fifo_tail(room))};
  auto n = resampler_->flush(dst, room);
  if (n) {
    fifo_samples_ += size_t(*n);
  } else {
    ++counters_.encode_errors;
  }
}

float* AacToOpus::fifo_tail(int samples) {
  const size_t need = (fifo_samples_ + size_t(std::max(samples, 0))) * kChannels;
  if (fifo_.size() < need) fifo_.resize(need);  // a long gap's silence; then never again
  return fifo_.data() + fifo_samples_ * kChannels;
}

void AacToOpus::encode(std::vector<OpusFrame>& out, bool pad) {
  if (pad && fifo_samples_ % kFrameSamples != 0) {
    const int missing = kFrameSamples - int(fifo_samples_ % kFrameSamples);
    float* tail = fifo_tail(missing);
    std::fill(tail, tail + missing * kChannels, 0.0f);
    fifo_samples_ += size_t(missing);
  }
  size_t done = 0;
  while (fifo_samples_ - done >= size_t(kFrameSamples)) {
    std::span<const float> pcm(fifo_.data() + done * kChannels, size_t(kFrameSamples) * kChannels);
    done += kFrameSamples;
    // The timestamp is the count: frame k of the timeline is base + 960 * k.
    const uint32_t rtp_timestamp = uint32_t(base_ + frames_ * kFrameSamples);
    ++frames_;
    auto packet = encoder_.encode(pcm, kFrameSamples);
    if (!packet) {
      ++counters_.encode_errors;
      continue;
    }
    out.push_back({rtp_timestamp,
                   std::string(reinterpret_cast<const char*>(packet->data()), packet->size())});
    ++counters_.frames_out;
  }
  if (done > 0) {
    // What is left is under one frame: moving it to the front is cheap.
    std::memmove(fifo_.data(), fifo_.data() + done * kChannels,
                 (fifo_samples_ - done) * kChannels * sizeof(float));
    fifo_samples_ -= done;
  }
}

void AacToOpus::finish(std::vector<OpusFrame>& out) {
  if (resampler_) {
    drain_resampler();
    if (!resampler_->reset()) ++counters_.encode_errors;
  }
  encode(out, true);
  rate_remainder_ = 0;
}

}  // namespace onair::bridge
