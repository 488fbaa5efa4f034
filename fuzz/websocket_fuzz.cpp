// WebSocket client frames: the reader never crashes, never hands out more than its limit,
// and gives the same messages however the bytes are split.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "realtime/websocket.hpp"
#include "realtime/word_filter.hpp"

using onair::realtime::ws::FrameReader;
using onair::realtime::ws::Opcode;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMax = 4096;
  std::vector<std::string> whole, split;
  auto run = [&](size_t step, std::vector<std::string>& out) {
    FrameReader r(kMax);
    FrameReader::OnMessage on = [&](Opcode op, std::string_view p) {
      if (op != Opcode::ping && op != Opcode::pong && op != Opcode::close && p.size() > kMax) std::abort();
      out.emplace_back(p);
    };
    std::string bytes(reinterpret_cast<const char*>(data), size);
    for (size_t pos = 0; pos < bytes.size(); pos += step) {
      size_t n = std::min(step, bytes.size() - pos);
      if (r.feed(bytes.data() + pos, n, on)) return;
    }
  };
  run(size ? size : 1, whole);
  run(7, split);
  // Splitting may stop earlier only on an error; what both saw must agree.
  for (size_t i = 0; i < std::min(whole.size(), split.size()); ++i)
    if (whole[i] != split[i]) std::abort();
  // The word filter over arbitrary text.
  static const onair::realtime::WordFilter filter({"bad", "\xe5\x9d\x8f", "aa"},
                                                 onair::realtime::WordFilter::Action::mask);
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)filter.apply(text);
  return 0;
}
