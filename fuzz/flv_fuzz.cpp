// FLV: tag headers, video/audio headers (legacy and enhanced RTMP) never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/flv/flv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  (void)onair::flv::parse_video(in);
  (void)onair::flv::parse_audio(in);
  while (!in.empty()) {
    onair::flv::Tag tag;
    auto used = onair::flv::read_tag(in, tag, 1 << 20);
    if (!used || *used == 0) break;
    if (*used > in.size()) std::abort();
    (void)onair::flv::parse_video(tag.body);
    (void)onair::flv::parse_audio(tag.body);
    in = in.subspan(*used);
  }
  return 0;
}
