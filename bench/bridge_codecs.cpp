// What one bridged stream costs in codec work, per direction, on one core: the CPU time
// (this thread's) the bridge's converters take for `--seconds` of media, as a share of a
// core. bench/bridge_codecs.sh runs it beside the ffmpeg CLI doing the same conversions.
//
//   bridge_codecs --seconds 60 [--vp8 in.ivf --fps 30 --h264-kbps 2000 --preset veryfast]
//
// Opus -> AAC (WHIP -> FLV/HLS): 20 ms Opus packets of music-like audio (two tones and
// noise, stereo 128 kbit/s, made by libopus first and not counted), into OpusToAac at
// bridge.aac_kbps 128. AAC -> Opus (RTMP -> WHEP): the same audio as AAC-LC 128 kbit/s,
// into AacToOpus at bridge.opus_kbps 64. VP8 -> H.264: the frames of an IVF file (made by
// bench/bridge_codecs.sh with ffmpeg's libvpx in realtime mode, as a browser encodes), into
// Vp8ToH264.
#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "media/bridge/aac_to_opus.hpp"
#include "media/bridge/opus_to_aac.hpp"
#include "media/bridge/vp8_to_h264.hpp"
#include "media/codec/audio_encoder.hpp"
#include "media/codec/opus_codec.hpp"

using namespace onair;

namespace {

double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

constexpr int kRate = 48000;

// Interleaved stereo: 440 Hz and 1.5 kHz tones and a little noise, continuing from `start`.
std::vector<float> music(int samples, int64_t start) {
  std::vector<float> pcm(size_t(samples) * 2);
  uint32_t noise = uint32_t(start) * 2654435761u;
  for (int i = 0; i < samples; ++i) {
    double t = double(start + i) / kRate;
    noise = noise * 1664525u + 1013904223u;
    float n = float(int32_t(noise) / 2147483648.0) * 0.02f;
    pcm[size_t(i) * 2] = float(0.3 * std::sin(2 * M_PI * 440 * t) + 0.1 * std::sin(2 * M_PI * 1500 * t)) + n;
    pcm[size_t(i) * 2 + 1] = float(0.3 * std::sin(2 * M_PI * 660 * t) + 0.1 * std::sin(2 * M_PI * 1200 * t)) - n;
  }
  return pcm;
}

void report(const char* what, double cpu_s, double media_s) {
  std::printf("%-28s %8.3f cpu-s for %6.1f s of media: %6.2f%% of a core per stream\n", what, cpu_s, media_s,
              100 * cpu_s / media_s);
}

int opus_to_aac(int seconds) {
  auto enc = codec::OpusEncoder::create({.channels = 2, .bitrate_bps = 128000});
  if (!enc) return std::fprintf(stderr, "%s\n", enc.error().message().c_str()), 1;
  std::vector<std::string> packets;
  for (int64_t k = 0; k < int64_t(seconds) * 50; ++k) {
    auto p = enc->encode(music(960, k * 960), 960);
    if (!p) return 1;
    packets.emplace_back(reinterpret_cast<const char*>(p->data()), p->size());
  }
  auto bridge = bridge::OpusToAac::create(2, 128);
  if (!bridge) return std::fprintf(stderr, "%s\n", bridge.error().message().c_str()), 1;
  std::vector<bridge::AacFrame> out;
  double t0 = thread_cpu_s();
  for (size_t k = 0; k < packets.size(); ++k) {
    out.clear();
    bridge->push({reinterpret_cast<const uint8_t*>(packets[k].data()), packets[k].size()}, uint32_t(k * 960), out);
  }
  report("opus -> aac (stereo 128k)", thread_cpu_s() - t0, seconds);
  return 0;
}

int aac_to_opus(int seconds) {
  auto enc = codec::AudioEncoder::create({.codec = "aac", .channels = 2, .bit_rate = 128000});
  if (!enc) return std::fprintf(stderr, "%s\n", enc.error().message().c_str()), 1;
  std::vector<std::pair<std::string, int64_t>> packets;
  auto drain = [&] {
    while (true) {
      auto p = enc->receive();
      if (!p || !*p) break;
      packets.emplace_back(std::string(reinterpret_cast<const char*>((*p)->data), size_t((*p)->size)),
                           (*p)->pts * 1000 / kRate);
    }
  };
  for (int64_t k = 0; k < int64_t(seconds) * kRate / 1024; ++k) {
    auto f = enc->frame();
    if (!f) return 1;
    auto pcm = music(1024, k * 1024);
    for (int i = 0; i < 1024; ++i)
      for (int c = 0; c < 2; ++c) reinterpret_cast<float*>((*f)->data[c])[i] = pcm[size_t(i) * 2 + size_t(c)];
    (*f)->pts = k * 1024;
    if (!enc->send(*f)) return 1;
    drain();
  }
  auto ext = enc->extradata();
  auto bridge = bridge::AacToOpus::create(ext, 64);
  if (!bridge) return std::fprintf(stderr, "%s\n", bridge.error().message().c_str()), 1;
  std::vector<bridge::OpusFrame> out;
  double t0 = thread_cpu_s();
  for (const auto& [data, pts] : packets) {
    out.clear();
    bridge->push({reinterpret_cast<const uint8_t*>(data.data()), data.size()}, pts, out);
  }
  report("aac -> opus (stereo 64k)", thread_cpu_s() - t0, seconds);
  return 0;
}

// IVF (the container libvpx's tools write): a 32-byte header, then per frame a 12-byte
// header (4-byte little-endian size, 8-byte pts) and the frame.
std::vector<std::string> read_ivf(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(f)), {});
  std::vector<std::string> frames;
  if (all.size() < 32 || all.compare(0, 4, "DKIF") != 0) return frames;
  size_t at = 32;
  while (at + 12 <= all.size()) {
    uint32_t size = 0;
    std::memcpy(&size, all.data() + at, 4);
    at += 12;
    if (at + size > all.size()) break;
    frames.push_back(all.substr(at, size));
    at += size;
  }
  return frames;
}

int vp8_to_h264(const std::string& ivf, int fps, int kbps, const std::string& preset) {
  auto frames = read_ivf(ivf);
  if (frames.empty()) return std::fprintf(stderr, "no VP8 frames in %s\n", ivf.c_str()), 1;
  uint64_t units = 0, bytes = 0;
  int width = 0, height = 0;
  auto bridge = bridge::Vp8ToH264::create({kbps, preset}, [&](const bridge::H264Unit& u) {
    ++units;
    width = u.width;
    height = u.height;
    for (auto n : u.nals) bytes += n.size();
  });
  if (!bridge) return std::fprintf(stderr, "%s\n", bridge.error().message().c_str()), 1;
  double t0 = thread_cpu_s();
  for (size_t i = 0; i < frames.size(); ++i) {
    // VP8 keyframe: bit 0 of the frame tag is 0 (RFC 6386 9.1).
    bool key = !frames[i].empty() && (uint8_t(frames[i][0]) & 1) == 0;
    bridge->push({reinterpret_cast<const uint8_t*>(frames[i].data()), frames[i].size()}, int64_t(i) * 1000 / fps,
                 key, i % size_t(fps * 2) == 0);
  }
  double media_s = double(frames.size()) / fps;
  char what[64];
  std::snprintf(what, sizeof what, "vp8 -> h264 %dx%d %s", width, height, preset.c_str());
  report(what, thread_cpu_s() - t0, media_s);
  std::printf("%-28s %llu pictures, %.0f kbit/s out\n", "", (unsigned long long)units, double(bytes) * 8 / media_s / 1000);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 60, fps = 30, kbps = 2000;
  std::string vp8, preset = "veryfast";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--seconds") seconds = std::stoi(v);
    else if (a == "--vp8") vp8 = v;
    else if (a == "--fps") fps = std::stoi(v);
    else if (a == "--h264-kbps") kbps = std::stoi(v);
    else if (a == "--preset") preset = v;
  }
  if (vp8.empty()) {
    if (int rc = opus_to_aac(seconds)) return rc;
    return aac_to_opus(seconds);
  }
  return vp8_to_h264(vp8, fps, kbps, preset);
}
