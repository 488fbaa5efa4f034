#include "media/webrtc/certificate.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace onair::webrtc {

Result<std::shared_ptr<const Certificate>> Certificate::generate(int valid_days) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) return fail(ErrorCode::internal, "certificate: EC key generation failed");
  X509* x = X509_new();
  auto drop = [&](const char* what) {
    X509_free(x);
    EVP_PKEY_free(key);
    return fail(ErrorCode::internal, std::string("certificate: ") + what);
  };
  if (!x) return drop("X509_new failed");
  uint64_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial);
  serial &= 0x7FFFFFFFFFFFFFFFull;  // a positive INTEGER
  X509_NAME* name = X509_get_subject_name(x);
  if (X509_set_version(x, 2) != 1 || ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(x), -86400) ||
      !X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(valid_days) * 86400) ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("onair"), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, key) != 1 || X509_sign(x, key, EVP_sha256()) <= 0)
    return drop("building the self-signed certificate failed");
  std::string fp = certificate_fingerprint(x, "sha-256");
  return std::shared_ptr<const Certificate>(new Certificate(x, key, std::move(fp)));
}

Certificate::~Certificate() {
  X509_free(x509_);
  EVP_PKEY_free(key_);
}

std::string certificate_fingerprint(X509* cert, std::string_view alg) {
  std::string name(alg);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::erase(name, '-');  // SDP "sha-256" is OpenSSL's "sha256" (RFC 8122 5)
  const EVP_MD* md = EVP_get_digestbyname(name.c_str());
  if (!md || !cert) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, md, digest, &n) != 1) return {};
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(n * 3);
  for (unsigned i = 0; i < n; ++i) {
    if (i) out += ':';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace onair::webrtc
