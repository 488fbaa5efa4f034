// SRTP: unprotecting arbitrary datagrams never crashes, reads or writes outside the packet,
// or accepts what was not sealed with the key; whatever protects opens again to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "media/webrtc/srtp_session.hpp"

using namespace onair::webrtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  SrtpProfile profile = data[0] & 1 ? SrtpProfile::aead_aes_128_gcm : SrtpProfile::aes128_cm_sha1_80;
  std::string key(srtp_key_length(profile) + srtp_salt_length(profile), '\x5a');
  auto in = SrtpSession::create(profile, SrtpSession::Direction::inbound, key);
  auto out = SrtpSession::create(profile, SrtpSession::Direction::outbound, key);
  if (!in || !out) std::abort();
  ++data, --size;
  // As received: random bytes never authenticate (a forged tag would be a 2^-80 event).
  std::vector<uint8_t> buf(data, data + size);
  size_t len = size;
  if ((*in)->unprotect_rtp(buf.data(), len)) std::abort();
  len = size;
  if ((*in)->unprotect_rtcp(buf.data(), len)) std::abort();
  // As sent: protect in a buffer with the trailer's room, then open it again.
  for (bool rtcp : {false, true}) {
    std::vector<uint8_t> p(data, data + size);
    p.resize(size + SrtpSession::kMaxTrailer);
    size_t n = size;
    bool sealed = rtcp ? (*out)->protect_rtcp(p.data(), n) : (*out)->protect_rtp(p.data(), n);
    if (!sealed) continue;
    if (n > size + SrtpSession::kMaxTrailer) std::abort();
    bool opened = rtcp ? (*in)->unprotect_rtcp(p.data(), n) : (*in)->unprotect_rtp(p.data(), n);
    if (!opened || n != size || std::memcmp(p.data(), data, size) != 0) std::abort();
  }
  return 0;
}
