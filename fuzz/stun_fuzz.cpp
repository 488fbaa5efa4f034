// STUN: parsing arbitrary datagrams never crashes; what parses re-checks without crashing,
// and attribute views stay inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "media/webrtc/demux.hpp"
#include "media/webrtc/stun.hpp"

using namespace onair::webrtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)classify(in);
  (void)stun::looks_like_stun(in);
  auto m = stun::parse(in);
  if (!m) return 0;
  for (const auto& a : m->attributes) {
    if (a.value.data() < in.data() || a.value.data() + a.value.size() > in.data() + in.size()) std::abort();
    if (a.type == stun::attr::xor_mapped_address) (void)stun::parse_xor_address(a.value, m->transaction);
  }
  (void)stun::integrity_ok(*m, "password");
  (void)stun::fingerprint_ok(*m);
  (void)m->unknown_required();
  return 0;
}
