#pragma once
// IceLite: the ICE-lite agent of one peer (RFC 8445 2.5): we never send checks, we answer
// the browser's Binding requests. A request is accepted when USERNAME is
// "<our ufrag>:<their ufrag>", MESSAGE-INTEGRITY verifies with our password (short-term
// credentials, RFC 8489 9.1) and FINGERPRINT is right; the answer carries
// XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT. Each accepted request refreshes
// consent (RFC 7675). Pure code: the caller passes the time and sends the answer.
#include <cstdint>
#include <string>

#include "media/webrtc/stun.hpp"

namespace onair::webrtc {

class IceLite {
 public:
  IceLite(std::string local_ufrag, std::string local_pwd, std::string remote_ufrag);

  struct Outcome {
    bool accepted = false;   // a valid check: `from` may carry media
    bool nominated = false;  // it had USE-CANDIDATE (the controlling side chose this pair)
    std::string response;    // the answer to send back; empty when the request is dropped
  };
  // A STUN message that arrived from `from` at `now_ms`.
  Outcome on_stun(const stun::Message& m, const stun::Address& from, int64_t now_ms);

  // When the last valid check arrived (0: none yet).
  int64_t last_consent_ms() const { return last_consent_ms_; }
  const std::string& local_ufrag() const { return local_ufrag_; }
  const std::string& local_pwd() const { return local_pwd_; }

  // The ufrag a Binding request addresses: USERNAME's part before ':' (empty if none).
  static std::string_view addressed_ufrag(const stun::Message& m);

 private:
  std::string local_ufrag_, local_pwd_, remote_ufrag_;
  int64_t last_consent_ms_ = 0;
};

// ICE credentials (RFC 8839 5.4: ufrag 4+ and pwd 22+ characters of ice-char), random,
// n <= 64; and a random non-zero 32-bit value (an SSRC).
std::string ice_string(size_t n);
uint32_t random_ssrc();

}  // namespace onair::webrtc
