// SDP: parsing any text never crashes; what parses writes out and parses back equal, and
// negotiating it on either side never crashes (a refusal is an answer too).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "media/webrtc/negotiation.hpp"
#include "media/webrtc/sdp.hpp"

using namespace onair::webrtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto d = sdp::parse(in);
  if (!d) return 0;
  auto again = sdp::parse(sdp::write(*d));
  if (!again || !(*again == *d)) std::abort();
  LocalParams lp;
  lp.ice_ufrag = "fuzz";
  lp.ice_pwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
  lp.fingerprint = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
  sdp::Candidate c;
  c.foundation = "1";
  c.address = "127.0.0.1";
  c.port = 8000;
  lp.candidates.push_back(c);
  (void)negotiate(*d, Side::publish, Capabilities{}, lp);
  lp.audio = PlayTrack{SourceCodec{"opus", "", 1}, 1111, "a"};
  lp.video = PlayTrack{SourceCodec{"H264", "42e01f", 1}, 2222, "v"};
  lp.cname = "c";
  lp.stream_id = "s";
  if (auto n = negotiate(*d, Side::play, Capabilities{}, lp); n && !sdp::parse(n->answer)) std::abort();
  return 0;
}
