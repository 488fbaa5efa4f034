#pragma once
// Certificate: the self-signed ECDSA P-256 certificate onair presents in every DTLS handshake
// (RFC 8827 6.5: WebRTC endpoints authenticate by the fingerprint in the SDP, not by a CA).
// Generated once at start; its SHA-256 fingerprint goes into every answer's a=fingerprint
// (RFC 8122 5). Immutable after creation, so every loop may read it.
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

namespace onair::webrtc {

class Certificate {
 public:
  // A new key pair and a certificate valid from yesterday for `valid_days`.
  static Result<std::shared_ptr<const Certificate>> generate(int valid_days = 30);
  ~Certificate();
  Certificate(const Certificate&) = delete;
  Certificate& operator=(const Certificate&) = delete;

  X509* x509() const { return x509_; }
  EVP_PKEY* key() const { return key_; }
  // "sha-256" fingerprint as SDP writes it: upper-case hex pairs joined by ':'.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  Certificate(X509* x, EVP_PKEY* k, std::string fp) : x509_(x), key_(k), fingerprint_(std::move(fp)) {}
  X509* x509_;
  EVP_PKEY* key_;
  std::string fingerprint_;
};

// The fingerprint of `cert` with the SDP hash function name `alg` ("sha-256", "sha-1", ...);
// empty when the name is unknown.
std::string certificate_fingerprint(X509* cert, std::string_view alg);

}  // namespace onair::webrtc
