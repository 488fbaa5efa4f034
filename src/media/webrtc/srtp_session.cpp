#include "media/webrtc/srtp_session.hpp"

#include <nss.h>
#include <srtp2/srtp.h>

#include <cstring>
#include <string>

namespace onair::webrtc {
namespace {
static_assert(SrtpSession::kMaxTrailer >= SRTP_MAX_TRAILER_LEN);

// Debian builds libsrtp2 on NSS, and libsrtp2 initialises NSS with NSS_INIT_OPTIMIZESPACE:
// softoken's session tables then have 32 buckets, so every protect walks a chain that grows
// with the number of SRTP contexts (1.5 us per packet with one, 10 us with 2,000). NSS keeps
// the settings of its first initialisation, so onair makes that one, with full-size tables.
// No database: only the crypto is used.
bool init_library() {
  static bool ok = [] {
    constexpr PRUint32 kFlags = NSS_INIT_READONLY | NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB | NSS_INIT_FORCEOPEN;
    if (NSS_InitContext("", "", "", "", nullptr, kFlags) == nullptr) return false;
    return srtp_init() == srtp_err_status_ok;
  }();
  return ok;
}
}  // namespace

size_t srtp_key_length(SrtpProfile) { return 16; }
size_t srtp_salt_length(SrtpProfile p) { return p == SrtpProfile::aead_aes_128_gcm ? 12 : 14; }

Result<std::unique_ptr<SrtpSession>> SrtpSession::create(SrtpProfile profile, Direction dir,
                                                         std::string_view key_and_salt) {
  if (!init_library()) return std::unexpected(Error(ErrorCode::internal, "srtp: NSS or srtp_init failed"));
  size_t want = srtp_key_length(profile) + srtp_salt_length(profile);
  if (key_and_salt.size() != want)
    return std::unexpected(Error(ErrorCode::invalid_argument,
                                 "srtp: key and salt must be " + std::to_string(want) + " bytes"));
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  if (profile == SrtpProfile::aead_aes_128_gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  }
  policy.ssrc.type = dir == Direction::inbound ? ssrc_any_inbound : ssrc_any_outbound;
  std::string key(key_and_salt);
  policy.key = reinterpret_cast<unsigned char*>(key.data());
  policy.window_size = 1024;
  policy.allow_repeat_tx = 1;  // NACK retransmissions resend a packet as it was
  srtp_t ctx = nullptr;
  if (auto st = srtp_create(&ctx, &policy); st != srtp_err_status_ok)
    return std::unexpected(Error(ErrorCode::internal, "srtp: srtp_create failed: " + std::to_string(int(st))));
  return std::unique_ptr<SrtpSession>(new SrtpSession(ctx));
}

SrtpSession::~SrtpSession() { srtp_dealloc(static_cast<srtp_t>(ctx_)); }

bool SrtpSession::protect_rtp(uint8_t* p, size_t& len) {
  int n = int(len);
  if (srtp_protect(static_cast<srtp_t>(ctx_), p, &n) != srtp_err_status_ok) return false;
  len = size_t(n);
  return true;
}
bool SrtpSession::unprotect_rtp(uint8_t* p, size_t& len) {
  int n = int(len);
  if (srtp_unprotect(static_cast<srtp_t>(ctx_), p, &n) != srtp_err_status_ok) return false;
  len = size_t(n);
  return true;
}
bool SrtpSession::protect_rtcp(uint8_t* p, size_t& len) {
  int n = int(len);
  if (srtp_protect_rtcp(static_cast<srtp_t>(ctx_), p, &n) != srtp_err_status_ok) return false;
  len = size_t(n);
  return true;
}
bool SrtpSession::unprotect_rtcp(uint8_t* p, size_t& len) {
  int n = int(len);
  if (srtp_unprotect_rtcp(static_cast<srtp_t>(ctx_), p, &n) != srtp_err_status_ok) return false;
  len = size_t(n);
  return true;
}

}  // namespace onair::webrtc
