#pragma once
// What the WebRTC fan-out benchmark's two programs share (bench/webrtc_load.cpp, the load
// client, and bench/webrtc_floor.cpp, the kernel + crypto floor; bench/webrtc_fanout.sh runs
// both): the synthetic media stream, so that onair and the floor forward exactly the same
// packets, and the keys of the floor's destinations, so that the load client can verify what
// the floor sends as it verifies what onair sends.
//
// The stream is what Chromium sends for a 640x480 camera at about 1.5 Mbit/s: VP8 at 30 fps
// with a keyframe every 2 s (3x the size of a delta frame), cut into packets of 1150 payload
// bytes (RFC 7741 descriptor with a 15-bit PictureID first), and Opus at 50 packets/s of 80
// bytes. Every packet carries the mid and transport-wide sequence number header extensions
// (the audio also its level), with the ids of tests/webrtc/offers/chromium-156-whip.sdp.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "media/webrtc/rtp_packet.hpp"
#include "media/webrtc/srtp_session.hpp"

namespace onair::bench {

inline int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Payload types and extension ids of the offers (Chromium 156's numbers).
constexpr uint8_t kOpusPt = 111;
constexpr uint8_t kVp8Pt = 96;
constexpr uint8_t kH264Pt = 102;  // packetization-mode=1, constrained baseline
constexpr uint8_t kExtAudioLevel = 1;
constexpr uint8_t kExtAbsSendTime = 2;
constexpr uint8_t kExtTransportCc = 3;
constexpr uint8_t kExtMid = 4;

// The shape of the stream for a target bitrate of RTP payload (audio + video).
struct StreamShape {
  int fps = 30;
  int gop_frames = 60;  // a keyframe every 2 s
  int key_ratio = 3;    // a keyframe is this many delta frames
  size_t video_payload = 1150;
  size_t audio_payload = 80;
  int audio_pps = 50;  // Opus, 20 ms frames
  int delta_packets = 5;
  int key_packets = 15;

  static StreamShape for_kbps(int kbps) {
    StreamShape s;
    double video_bytes_per_s = std::max(0.0, kbps * 1000.0 / 8 - double(s.audio_pps * s.audio_payload));
    double gop_bytes = video_bytes_per_s * s.gop_frames / s.fps;
    double delta_bytes = gop_bytes / (s.gop_frames - 1 + s.key_ratio);
    s.delta_packets = std::max(1, int(std::lround(delta_bytes / double(s.video_payload))));
    s.key_packets = s.delta_packets * s.key_ratio;
    return s;
  }
  double video_pps() const {
    return double((gop_frames - 1) * delta_packets + key_packets) * fps / gop_frames;
  }
  double packets_per_second() const { return video_pps() + audio_pps; }
  double payload_mbps() const {
    return (video_pps() * double(video_payload) + audio_pps * double(audio_payload)) * 8 / 1e6;
  }
};

// One Opus RTP packet as Chromium sends it: the audio level, transport-wide sequence number
// and mid "0" header extensions. Returns its size (0: it does not fit).
inline size_t write_opus_rtp(uint8_t* out, size_t capacity, uint16_t seq, uint32_t timestamp, uint32_t ssrc,
                             uint16_t transport_seq, std::span<const uint8_t> payload) {
  webrtc::rtp::Header h;
  h.payload_type = kOpusPt;
  h.sequence_number = seq;
  h.timestamp = timestamp;
  h.ssrc = ssrc;
  auto tcc = webrtc::rtp::ext::transport_cc_value(transport_seq);
  auto level = webrtc::rtp::ext::audio_level_value({true, 30});
  webrtc::rtp::Extension exts[] = {
      {kExtAudioLevel, level}, {kExtTransportCc, tcc}, {kExtMid, webrtc::rtp::ext::string_value("0")}};
  return webrtc::rtp::write_rtp(out, capacity, h, exts, payload);
}

// What a publisher of the load client sends: a schedule of RTP packets. next_due_us() says
// when the next one is due and next() writes it (plain RTP, to be protected by the caller).
class MediaSource {
 public:
  struct Sent {
    size_t size = 0;
    bool video = false;
    bool keyframe_start = false;
  };
  virtual ~MediaSource() = default;
  virtual int64_t next_due_us() const = 0;
  // Writes the packet due at `now_us` into out (at least 1500 bytes); size 0 when none is due.
  virtual Sent next(int64_t now_us, uint8_t* out, size_t capacity) = 0;
  // The next video frame is a keyframe (a PLI arrived).
  virtual void request_keyframe() = 0;
  virtual uint64_t video_packets() const = 0;
  virtual uint64_t audio_packets() const = 0;
  virtual uint64_t video_bytes() const = 0;
  virtual uint64_t audio_bytes() const = 0;
};

// The synthetic stream. Video frames go out as a burst of packets at the frame time, the
// last with the marker bit (RFC 7741 4.1).
class SyntheticStream final : public MediaSource {
 public:
  SyntheticStream(StreamShape shape, uint32_t audio_ssrc, uint32_t video_ssrc, int64_t start_us)
      : shape_(shape), audio_ssrc_(audio_ssrc), video_ssrc_(video_ssrc), start_us_(start_us) {
    // Incompressible-looking bytes; the codecs never look past the VP8 header.
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (auto& b : filler_) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      b = uint8_t(x);
    }
  }

  const StreamShape& shape() const { return shape_; }
  int64_t next_due_us() const override { return std::min(next_frame_us(), next_audio_us()); }
  void request_keyframe() override { key_requested_ = true; }

  Sent next(int64_t now_us, uint8_t* out, size_t capacity) override {
    // A sender that was held up (a busy load client) does not burst seconds of backlog.
    if (int64_t late = now_us - next_due_us(); late > 500'000) start_us_ += late;
    if (frame_left_ == 0 && frame_time(frames_) <= now_us) start_frame();
    bool audio_due = next_audio_us() <= now_us;
    if (frame_left_ > 0) {
      if (audio_due && next_audio_us() < frame_time(frames_ - 1)) return audio_packet(out, capacity);
      return video_packet(out, capacity);
    }
    if (audio_due) return audio_packet(out, capacity);
    return {};
  }

  uint64_t video_packets() const override { return video_packets_; }
  uint64_t audio_packets() const override { return audio_packets_; }
  uint64_t video_bytes() const override { return video_packets_ * shape_.video_payload; }
  uint64_t audio_bytes() const override { return audio_packets_ * shape_.audio_payload; }
  uint64_t keyframes() const { return keyframes_; }

 private:
  int64_t frame_time(uint64_t frame) const { return start_us_ + int64_t(frame) * 1'000'000 / shape_.fps; }
  // The rest of the current frame is due at once.
  int64_t next_frame_us() const { return frame_left_ > 0 ? frame_time(frames_ - 1) : frame_time(frames_); }
  int64_t next_audio_us() const { return start_us_ + int64_t(audio_packets_) * 1'000'000 / shape_.audio_pps; }

  void start_frame() {
    keyframe_ = key_requested_ || frames_ % uint64_t(shape_.gop_frames) == 0;
    key_requested_ = false;
    frame_left_ = keyframe_ ? shape_.key_packets : shape_.delta_packets;
    frame_first_ = true;
    if (keyframe_) ++keyframes_;
    ++frames_;
  }

  Sent video_packet(uint8_t* out, size_t capacity) {
    uint8_t payload[1500];
    size_t n = std::min(shape_.video_payload, sizeof payload);
    std::memcpy(payload, filler_.data(), n);
    // RFC 7741 4.2: X, S on the frame's first packet, PID 0; I with a 15-bit PictureID.
    payload[0] = uint8_t(0x80 | (frame_first_ ? 0x10 : 0));
    payload[1] = 0x80;
    payload[2] = uint8_t(0x80 | ((picture_id_ >> 8) & 0x7F));
    payload[3] = uint8_t(picture_id_);
    if (frame_first_) {
      // RFC 6386 9.1: frame tag (P = 0 on a keyframe, version 0, shown, first partition
      // size), then on a keyframe the start code and 640x480.
      uint32_t first_part = 3000;
      uint32_t tag = (keyframe_ ? 0u : 1u) | (1u << 4) | (first_part << 5);
      payload[4] = uint8_t(tag), payload[5] = uint8_t(tag >> 8), payload[6] = uint8_t(tag >> 16);
      if (keyframe_) {
        const uint8_t key[7] = {0x9d, 0x01, 0x2a, 640 & 0xFF, 640 >> 8, 480 & 0xFF, 480 >> 8};
        std::memcpy(payload + 7, key, sizeof key);
      }
    }
    bool last = --frame_left_ == 0;
    webrtc::rtp::Header h;
    h.marker = last;
    h.payload_type = kVp8Pt;
    h.sequence_number = video_seq_++;
    h.timestamp = uint32_t((frames_ - 1) * 90000 / uint64_t(shape_.fps));
    h.ssrc = video_ssrc_;
    auto tcc = webrtc::rtp::ext::transport_cc_value(transport_seq_++);
    webrtc::rtp::Extension exts[] = {{kExtMid, webrtc::rtp::ext::string_value("1")}, {kExtTransportCc, tcc}};
    Sent s{webrtc::rtp::write_rtp(out, capacity, h, exts, {payload, n}), true, frame_first_ && keyframe_};
    frame_first_ = false;
    if (last) picture_id_ = uint16_t((picture_id_ + 1) & 0x7FFF);
    ++video_packets_;
    return s;
  }

  Sent audio_packet(uint8_t* out, size_t capacity) {
    size_t n = write_opus_rtp(out, capacity, audio_seq_++, uint32_t(audio_packets_ * 960), audio_ssrc_,
                              transport_seq_++, {filler_.data(), shape_.audio_payload});
    ++audio_packets_;
    return {n, false, false};
  }

  StreamShape shape_;
  uint32_t audio_ssrc_, video_ssrc_;
  int64_t start_us_;
  std::array<uint8_t, 1500> filler_{};
  uint64_t frames_ = 0, audio_packets_ = 0, video_packets_ = 0, keyframes_ = 0;
  int frame_left_ = 0;
  bool frame_first_ = false, keyframe_ = false, key_requested_ = false;
  uint16_t video_seq_ = 1000, audio_seq_ = 2000, transport_seq_ = 1, picture_id_ = 100;
};

// The SRTP profile named on the command line ("gcm" or "cm").
inline webrtc::SrtpProfile parse_profile(std::string_view name) {
  return name == "cm" ? webrtc::SrtpProfile::aes128_cm_sha1_80 : webrtc::SrtpProfile::aead_aes_128_gcm;
}

// The floor's SRTP master key and salt for destination `index` (deterministic, so the load
// client derives the same ones to verify 1 in 16 destinations).
inline std::string floor_key(size_t index, webrtc::SrtpProfile profile) {
  size_t n = webrtc::srtp_key_length(profile) + webrtc::srtp_salt_length(profile);
  std::string key(n, '\0');
  uint64_t x = 0x243F6A8885A308D3ull + index * 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < n; ++i) {  // splitmix64
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    key[i] = char(z ^ (z >> 31));
  }
  return key;
}

// The floor's per-destination rewrite: its own SSRC, sequence and timestamp offsets.
inline uint32_t floor_ssrc(size_t index, bool video) { return 0x10000000u + uint32_t(index) * 2 + (video ? 1 : 0); }

// UDP ports, one per line: the load client writes the ports of its receiving sockets and
// the floor reads them (the file appears whole: written aside and renamed).
inline bool write_ports(const std::string& path, const std::vector<uint16_t>& ports) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    for (uint16_t p : ports) f << p << '\n';
    if (!f) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

inline std::vector<uint16_t> read_ports(const std::string& path) {
  std::vector<uint16_t> out;
  std::ifstream f(path);
  for (unsigned p; f >> p;) out.push_back(uint16_t(p));
  return out;
}

}  // namespace onair::bench
