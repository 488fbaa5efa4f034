#pragma once
// H264Source: a publisher of the load client that sends real media, as a browser sending
// H.264 does: the access units of an H.264 clip (Annex B, no B-frames; bench/bridge.sh makes
// it with ffmpeg) at its frame rate, packetized by onair's H264Packetizer (SPS/PPS in a
// STAP-A before each IDR, FU-A at 1200 bytes), and Opus from libopus (20 ms, 48 kHz stereo,
// a chord), both looped for as long as the run lasts with timestamps that keep going. A PLI
// makes the next frame the clip's next IDR (frames are skipped to it), as a camera would
// answer with a keyframe. The bridge can depacketize, decode and transcode all of it.
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "media/bridge/avc.hpp"
#include "media/bridge/h264_packetizer.hpp"
#include "media/codec/opus_codec.hpp"
#include "webrtc_bench.hpp"

namespace onair::bench {

// The clip, loaded once and shared by every publisher.
struct H264Clip {
  struct Unit {
    std::vector<std::vector<uint8_t>> nals;  // slices and SEI; SPS/PPS go through the packetizer
    bool idr = false;
  };
  std::vector<Unit> units;
  std::vector<uint8_t> sps, pps;
  std::vector<std::vector<uint8_t>> opus;  // 1 s of 20 ms packets
  int fps = 30;

  // An Annex B file: NAL units after 00 00 01 start codes; a picture starts at a slice whose
  // first_mb_in_slice is 0 (its first bit after the header is 1), with the non-VCL units
  // before it.
  static std::shared_ptr<H264Clip> load(const std::string& path, int fps) {
    std::ifstream f(path, std::ios::binary);
    std::vector<uint8_t> all((std::istreambuf_iterator<char>(f)), {});
    auto clip = std::make_shared<H264Clip>();
    clip->fps = fps;
    std::vector<std::pair<size_t, size_t>> nals;  // offset, size
    size_t start = std::string::npos;
    for (size_t i = 0; i + 3 <= all.size(); ++i) {
      if (all[i] == 0 && all[i + 1] == 0 && all[i + 2] == 1) {
        if (start != std::string::npos) {
          size_t end = i;
          while (end > start && all[end - 1] == 0) --end;  // the zero of a 4-byte start code
          nals.emplace_back(start, end - start);
        }
        start = i + 3;
        i += 2;
      }
    }
    if (start != std::string::npos && start < all.size()) nals.emplace_back(start, all.size() - start);
    std::vector<std::vector<uint8_t>> prefix;
    for (auto [off, size] : nals) {
      if (size < 2) continue;
      std::vector<uint8_t> nal(all.begin() + long(off), all.begin() + long(off + size));
      uint8_t type = nal[0] & 0x1F;
      if (type == 7 && clip->sps.empty()) clip->sps = nal;
      if (type == 8 && clip->pps.empty()) clip->pps = nal;
      if (type == 7 || type == 8 || type == 9) continue;
      bool vcl = type == 1 || type == 5;
      if (!vcl) {
        prefix.push_back(std::move(nal));
        continue;
      }
      if ((nal[1] & 0x80) != 0 || clip->units.empty()) clip->units.emplace_back();
      Unit& u = clip->units.back();
      for (auto& p : prefix) u.nals.push_back(std::move(p));
      prefix.clear();
      u.idr |= type == 5;
      u.nals.push_back(std::move(nal));
    }
    auto enc = codec::OpusEncoder::create({.channels = 2, .bitrate_bps = 64000});
    if (enc) {
      for (int k = 0; k < 50; ++k) {
        std::vector<float> pcm(960 * 2);
        for (int i = 0; i < 960; ++i) {
          double t = double(k * 960 + i) / 48000;
          pcm[size_t(i) * 2] = pcm[size_t(i) * 2 + 1] =
              float(0.2 * std::sin(2 * std::numbers::pi * 440 * t) + 0.1 * std::sin(2 * std::numbers::pi * 660 * t));
        }
        if (auto p = enc->encode(pcm, 960)) clip->opus.emplace_back(p->begin(), p->end());
      }
    }
    if (clip->units.empty() || clip->sps.empty() || clip->pps.empty() || clip->opus.size() != 50) return nullptr;
    return clip;
  }
};

class H264Source final : public MediaSource {
 public:
  H264Source(std::shared_ptr<const H264Clip> clip, uint32_t audio_ssrc, uint32_t video_ssrc, int64_t start_us)
      : clip_(std::move(clip)), audio_ssrc_(audio_ssrc), video_ssrc_(video_ssrc), start_us_(start_us) {
    packetizer_.set_parameter_sets(clip_->sps, clip_->pps);
  }

  int64_t next_due_us() const override {
    return std::min(frame_open_ ? frame_time(frames_ - 1) : frame_time(frames_), audio_time());
  }
  void request_keyframe() override { key_requested_ = true; }
  uint64_t video_packets() const override { return video_packets_; }
  uint64_t audio_packets() const override { return audio_packets_; }
  uint64_t video_bytes() const override { return video_bytes_; }
  uint64_t audio_bytes() const override { return audio_bytes_; }

  Sent next(int64_t now_us, uint8_t* out, size_t capacity) override {
    if (int64_t late = now_us - next_due_us(); late > 500'000) start_us_ += late;
    if (!frame_open_ && frame_time(frames_) <= now_us) start_frame();
    bool audio_due = audio_time() <= now_us;
    if (frame_open_ && !(audio_due && audio_time() < frame_time(frames_ - 1))) return video_packet(out, capacity);
    if (audio_due) return audio_packet(out, capacity);
    return {};
  }

 private:
  int64_t frame_time(uint64_t frame) const { return start_us_ + int64_t(frame) * 1'000'000 / clip_->fps; }
  int64_t audio_time() const { return start_us_ + int64_t(audio_packets_) * 20'000; }

  void start_frame() {
    if (key_requested_ && !clip_->units[unit_].idr) {
      // Skip ahead to the clip's next IDR (wrapping), as a camera answers a PLI.
      size_t n = clip_->units.size();
      for (size_t k = 1; k < n; ++k)
        if (clip_->units[(unit_ + k) % n].idr) {
          unit_ = (unit_ + k) % n;
          break;
        }
    }
    key_requested_ = false;
    const auto& u = clip_->units[unit_];
    views_.clear();
    for (const auto& n : u.nals) views_.emplace_back(n.data(), n.size());
    packetizer_.begin(views_);
    frame_first_ = true;
    frame_open_ = true;
    key_ = u.idr;
    unit_ = (unit_ + 1) % clip_->units.size();
    ++frames_;
  }

  Sent video_packet(uint8_t* out, size_t capacity) {
    std::span<const uint8_t> payload;
    bool marker = false;
    if (!packetizer_.next(payload, marker)) {
      frame_open_ = false;
      return {};
    }
    if (marker) frame_open_ = false;
    webrtc::rtp::Header h;
    h.marker = marker;
    h.payload_type = kH264Pt;
    h.sequence_number = video_seq_++;
    h.timestamp = uint32_t((frames_ - 1) * 90000 / uint64_t(clip_->fps));
    h.ssrc = video_ssrc_;
    auto tcc = webrtc::rtp::ext::transport_cc_value(transport_seq_++);
    webrtc::rtp::Extension exts[] = {{kExtMid, webrtc::rtp::ext::string_value("1")}, {kExtTransportCc, tcc}};
    Sent s{webrtc::rtp::write_rtp(out, capacity, h, exts, payload), true, frame_first_ && key_};
    frame_first_ = false;
    ++video_packets_;
    video_bytes_ += payload.size();
    return s;
  }

  Sent audio_packet(uint8_t* out, size_t capacity) {
    const auto& opus = clip_->opus[audio_packets_ % clip_->opus.size()];
    size_t n = write_opus_rtp(out, capacity, audio_seq_++, uint32_t(audio_packets_ * 960), audio_ssrc_,
                              transport_seq_++, opus);
    ++audio_packets_;
    audio_bytes_ += opus.size();
    return {n, false, false};
  }

  std::shared_ptr<const H264Clip> clip_;
  uint32_t audio_ssrc_, video_ssrc_;
  int64_t start_us_;
  bridge::H264Packetizer packetizer_;
  std::vector<bridge::NalView> views_;
  size_t unit_ = 0;
  uint64_t frames_ = 0, audio_packets_ = 0, video_packets_ = 0, video_bytes_ = 0, audio_bytes_ = 0;
  bool frame_open_ = false, frame_first_ = false, key_ = false, key_requested_ = false;
  uint16_t video_seq_ = 1000, audio_seq_ = 2000, transport_seq_ = 1;
};

}  // namespace onair::bench
