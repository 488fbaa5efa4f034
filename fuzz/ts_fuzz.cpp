// MPEG-TS muxer: arbitrary decoder configurations and frames never crash, and whatever is
// written is whole 188-byte packets starting with the sync byte.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/hls/ts_muxer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  size_t cfg_len = std::min<size_t>(data[0], size - 1);
  std::span<const uint8_t> cfg(data + 1, cfg_len);
  std::span<const uint8_t> frames(data + 1 + cfg_len, size - 1 - cfg_len);
  onair::hls::TsMuxer m;
  (void)m.set_video_config(cfg);
  (void)m.set_audio_config(cfg);
  std::string out;
  m.write_tables(out);
  // The rest: frames of up to 255 bytes, each announced by a length byte.
  uint32_t ts = 0;
  while (!frames.empty()) {
    size_t n = std::min<size_t>(frames[0], frames.size() - 1);
    auto f = frames.subspan(1, n);
    (void)m.write_video(out, f, ts, ts % 2 == 0);
    (void)m.write_audio(out, f, ts);
    ts += 33;
    frames = frames.subspan(1 + n);
  }
  if (out.size() % 188 != 0) std::abort();
  for (size_t i = 0; i < out.size(); i += 188)
    if (static_cast<uint8_t>(out[i]) != 0x47) std::abort();
  return 0;
}
