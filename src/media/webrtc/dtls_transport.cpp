#include "media/webrtc/dtls_transport.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace onair::webrtc {
namespace {

// OpenSSL 3.0 has no datagram memory BIO (BIO_s_dgram_mem is 3.2), and a plain memory BIO
// loses record boundaries. This write BIO hands every record to its DtlsTransport, which
// packs a flight's records into datagrams no larger than the MTU (RFC 6347 4.1.1 allows
// several records per datagram).
int dgram_write(BIO* bio, const char* data, int len) {
  auto* t = static_cast<DtlsTransport*>(BIO_get_data(bio));
  if (!t || len < 0) return -1;
  t->collect(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(len));
  return len;
}

long dgram_ctrl(BIO* bio, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      if (auto* t = static_cast<DtlsTransport*>(BIO_get_data(bio))) t->flush();
      return 1;
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
    case BIO_CTRL_DGRAM_SET_CONNECTED:
    case BIO_CTRL_DGRAM_SET_PEER:
      return 1;
    default:
      return 0;  // no MTU queries (SSL_OP_NO_QUERY_MTU), nothing pending
  }
}

int dgram_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* dgram_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "onair-dtls-dgram");
    BIO_meth_set_write(m, dgram_write);
    BIO_meth_set_ctrl(m, dgram_ctrl);
    BIO_meth_set_create(m, dgram_create);
    return m;
  }();
  return method;
}

// WebRTC peers use self-signed certificates; the SDP fingerprint is what authenticates them,
// checked once the handshake has finished.
int accept_any_certificate(int, X509_STORE_CTX*) { return 1; }

// Retransmit a lost flight after 400 ms instead of OpenSSL's 1 s, doubling to at most 4 s:
// a lost ClientHello on a call should cost well under a second.
unsigned int retransmit_schedule(SSL*, unsigned int previous_us) {
  if (previous_us == 0) return 400'000;
  return std::min(previous_us * 2, 4'000'000u);
}

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

bool same_fingerprint(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

}  // namespace

Result<std::shared_ptr<const DtlsContext>> DtlsContext::create(std::shared_ptr<const Certificate> cert) {
  SSL_CTX* ctx = SSL_CTX_new(DTLS_method());
  if (!ctx) return fail(ErrorCode::internal, "dtls: SSL_CTX_new: " + openssl_error());
  auto drop = [&](const char* what) {
    SSL_CTX_free(ctx);
    return fail(ErrorCode::internal, std::string("dtls: ") + what + ": " + openssl_error());
  };
  // DTLS 1.2 only: OpenSSL 3.0 has no 1.3, and browsers fall back to 1.2.
  if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1)
    return drop("setting the DTLS version");
  if (SSL_CTX_use_certificate(ctx, cert->x509()) != 1 || SSL_CTX_use_PrivateKey(ctx, cert->key()) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1)
    return drop("loading the certificate");
  if (SSL_CTX_set_cipher_list(ctx,
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305") != 1)
    return drop("setting ciphers");
  // As the server, OpenSSL picks the first of ours the client offers: this is the order of
  // preference. (The call returns 0 on success.)
  if (SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") != 0)
    return drop("setting SRTP profiles");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_certificate);
  SSL_CTX_set_read_ahead(ctx, 1);
  return std::shared_ptr<const DtlsContext>(new DtlsContext(ctx, std::move(cert)));
}

DtlsContext::~DtlsContext() { SSL_CTX_free(ctx_); }

DtlsTransport::DtlsTransport(std::shared_ptr<const DtlsContext> ctx, Role role, std::string alg, std::string fp,
                             Listener& listener, size_t mtu)
    : ctx_(std::move(ctx)),
      role_(role),
      remote_alg_(std::move(alg)),
      remote_fingerprint_(std::move(fp)),
      listener_(listener),
      mtu_(std::clamp<size_t>(mtu, 576, sizeof out_)) {}

Result<std::unique_ptr<DtlsTransport>> DtlsTransport::create(std::shared_ptr<const DtlsContext> ctx, Role role,
                                                             std::string remote_alg,
                                                             std::string remote_fingerprint, Listener& listener,
                                                             size_t mtu) {
  std::unique_ptr<DtlsTransport> t(
      new DtlsTransport(ctx, role, std::move(remote_alg), std::move(remote_fingerprint), listener, mtu));
  t->ssl_ = SSL_new(ctx->ctx());
  if (!t->ssl_) return fail(ErrorCode::internal, "dtls: SSL_new: " + openssl_error());
  t->rbio_ = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(dgram_method());
  if (!t->rbio_ || !wbio) {
    BIO_free(t->rbio_);
    BIO_free(wbio);
    t->rbio_ = nullptr;
    return fail(ErrorCode::internal, "dtls: BIO_new failed");
  }
  BIO_set_mem_eof_return(t->rbio_, -1);
  BIO_set_data(wbio, t.get());
  SSL_set_bio(t->ssl_, t->rbio_, wbio);  // the SSL owns both BIOs now
  SSL_set_options(t->ssl_, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(t->ssl_, static_cast<long>(t->mtu_ - 28));  // minus IPv4 + UDP headers
  DTLS_set_timer_cb(t->ssl_, retransmit_schedule);
  if (role == Role::server)
    SSL_set_accept_state(t->ssl_);
  else
    SSL_set_connect_state(t->ssl_);
  return t;
}

DtlsTransport::~DtlsTransport() {
  if (ssl_) {
    BIO_set_data(SSL_get_wbio(ssl_), nullptr);
    SSL_free(ssl_);
  }
}

void DtlsTransport::collect(const uint8_t* data, size_t len) {
  if (out_len_ + len > mtu_ && out_len_ > 0) flush();
  if (len > sizeof out_) {  // cannot happen with the MTU set, but never overflow
    listener_.on_dtls_send({data, len});
    return;
  }
  std::memcpy(out_ + out_len_, data, len);
  out_len_ += len;
}

void DtlsTransport::flush() {
  if (out_len_ == 0) return;
  size_t n = out_len_;
  out_len_ = 0;
  listener_.on_dtls_send({out_, n});
}

void DtlsTransport::start() {
  if (role_ == Role::client && state_ == State::connecting) drive();
}

void DtlsTransport::on_datagram(std::span<const uint8_t> data) {
  if (state_ == State::failed || state_ == State::closed || data.empty()) return;
  if (BIO_write(rbio_, data.data(), static_cast<int>(data.size())) <= 0) return;
  drive();
}

void DtlsTransport::drive() {
  if (state_ == State::connecting) {
    int r = SSL_do_handshake(ssl_);
    flush();
    if (r == 1) {
      finish_handshake();
      return;
    }
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
    fail_with("handshake: " + openssl_error());
    return;
  }
  // Connected: WebRTC media runs over SRTP, not DTLS application data, so reading here only
  // surfaces alerts and close_notify.
  uint8_t scratch[2048];
  for (;;) {
    int r = SSL_read(ssl_, scratch, sizeof scratch);
    flush();
    if (r > 0) continue;
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
    if (e == SSL_ERROR_ZERO_RETURN) {
      state_ = State::closed;
      listener_.on_dtls_closed("closed");
      return;
    }
    fail_with("read: " + openssl_error());
    return;
  }
}

void DtlsTransport::finish_handshake() {
  X509* peer = SSL_get1_peer_certificate(ssl_);
  std::string got = certificate_fingerprint(peer, remote_alg_);
  X509_free(peer);
  if (got.empty() || !same_fingerprint(got, remote_fingerprint_)) {
    fail_with(got.empty() ? "peer certificate or fingerprint algorithm missing"
                          : "peer certificate does not match the SDP fingerprint");
    return;
  }
  const SRTP_PROTECTION_PROFILE* p = SSL_get_selected_srtp_profile(ssl_);
  if (!p) {
    fail_with("no SRTP profile agreed");
    return;
  }
  SrtpProfile profile;
  if (p->id == SRTP_AES128_CM_SHA1_80)
    profile = SrtpProfile::aes128_cm_sha1_80;
  else if (p->id == SRTP_AEAD_AES_128_GCM)
    profile = SrtpProfile::aead_aes_128_gcm;
  else {
    fail_with("unsupported SRTP profile");
    return;
  }
  // RFC 5764 4.2: client key | server key | client salt | server salt.
  size_t k = srtp_key_length(profile), s = srtp_salt_length(profile);
  uint8_t material[2 * (32 + 14)];
  static constexpr char kLabel[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(ssl_, material, 2 * (k + s), kLabel, sizeof kLabel - 1, nullptr, 0, 0) != 1) {
    fail_with("exporting SRTP keys: " + openssl_error());
    return;
  }
  auto key_salt = [&](bool client) {
    std::string out(reinterpret_cast<const char*>(material) + (client ? 0 : k), k);
    out.append(reinterpret_cast<const char*>(material) + 2 * k + (client ? 0 : s), s);
    return out;
  };
  SrtpKeys keys{profile, key_salt(role_ == Role::client), key_salt(role_ != Role::client)};
  OPENSSL_cleanse(material, sizeof material);
  state_ = State::connected;
  listener_.on_dtls_connected(keys);
  OPENSSL_cleanse(keys.local.data(), keys.local.size());
  OPENSSL_cleanse(keys.remote.data(), keys.remote.size());
}

void DtlsTransport::fail_with(std::string reason) {
  if (state_ == State::failed || state_ == State::closed) return;
  state_ = State::failed;
  listener_.on_dtls_closed(reason);
}

std::optional<std::chrono::microseconds> DtlsTransport::timeout() const {
  if (state_ != State::connecting) return std::nullopt;
  timeval tv{};
  if (DTLSv1_get_timeout(ssl_, &tv) != 1) return std::nullopt;
  return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
}

void DtlsTransport::on_timeout() {
  if (state_ != State::connecting) return;
  int r = DTLSv1_handle_timeout(ssl_);
  flush();
  if (r < 0) fail_with("handshake timed out");
}

void DtlsTransport::close() {
  if (state_ == State::connected) {
    SSL_shutdown(ssl_);
    flush();
  }
  if (state_ != State::failed) state_ = State::closed;
}

}  // namespace onair::webrtc
