#pragma once
// DtlsTransport: one DTLS 1.2 association (RFC 6347) used only to agree SRTP keys
// (DTLS-SRTP, RFC 5764) with a WebRTC peer. No socket: datagrams come in through
// on_datagram() and leave through Listener::on_dtls_send(); the owner runs the
// retransmission timer (timeout() / on_timeout()). Either role (RFC 8842 5: the answerer
// that says a=setup:passive is the DTLS server). The peer's certificate is accepted only if
// its digest equals the fingerprint from the SDP (RFC 8122 5). Owned by one transport on one
// loop; not thread-safe.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "media/webrtc/certificate.hpp"
#include "media/webrtc/srtp_session.hpp"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace onair::webrtc {

// The SSL_CTX all transports share: our certificate, DTLS 1.2 only, the SRTP profiles in
// preference order. Built once at start.
class DtlsContext {
 public:
  static Result<std::shared_ptr<const DtlsContext>> create(std::shared_ptr<const Certificate> cert);
  ~DtlsContext();
  DtlsContext(const DtlsContext&) = delete;
  DtlsContext& operator=(const DtlsContext&) = delete;
  SSL_CTX* ctx() const { return ctx_; }
  const Certificate& certificate() const { return *cert_; }

 private:
  DtlsContext(SSL_CTX* ctx, std::shared_ptr<const Certificate> cert) : ctx_(ctx), cert_(std::move(cert)) {}
  SSL_CTX* ctx_;
  std::shared_ptr<const Certificate> cert_;
};

struct SrtpKeys {
  SrtpProfile profile;
  std::string local;   // our master key || salt (outbound)
  std::string remote;  // the peer's master key || salt (inbound)
};

class DtlsTransport {
 public:
  enum class Role { server, client };
  enum class State { connecting, connected, failed, closed };

  class Listener {
   public:
    virtual ~Listener() = default;
    // One datagram to put on the wire, at most the MTU.
    virtual void on_dtls_send(std::span<const uint8_t> datagram) = 0;
    virtual void on_dtls_connected(const SrtpKeys& keys) = 0;
    // The association failed (reason says why) or the peer closed it (reason "closed").
    virtual void on_dtls_closed(std::string_view reason) = 0;
  };

  // `remote_alg`/`remote_fingerprint`: the peer's a=fingerprint from its SDP.
  static Result<std::unique_ptr<DtlsTransport>> create(std::shared_ptr<const DtlsContext> ctx, Role role,
                                                       std::string remote_alg, std::string remote_fingerprint,
                                                       Listener& listener, size_t mtu = 1200);
  ~DtlsTransport();
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  // Client: sends the ClientHello. Server: nothing to do until the first datagram.
  void start();
  // A datagram whose first byte is 20..63 (RFC 7983).
  void on_datagram(std::span<const uint8_t> data);
  // When the owner must call on_timeout(); none while no timer runs.
  std::optional<std::chrono::microseconds> timeout() const;
  void on_timeout();
  // Sends close_notify (RFC 7675 5.2: with it, the peer stops at once).
  void close();

  State state() const { return state_; }
  Role role() const { return role_; }

  // Called by the write BIO.
  void collect(const uint8_t* data, size_t len);
  void flush();

 private:
  DtlsTransport(std::shared_ptr<const DtlsContext> ctx, Role role, std::string alg, std::string fp,
                Listener& listener, size_t mtu);
  void drive();  // handshake step, or reading alerts once connected
  void finish_handshake();
  void fail_with(std::string reason);

  std::shared_ptr<const DtlsContext> ctx_;
  Role role_;
  std::string remote_alg_;
  std::string remote_fingerprint_;
  Listener& listener_;
  size_t mtu_;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;
  State state_ = State::connecting;
  // Records of the current flight packed into datagrams of at most mtu_ bytes.
  uint8_t out_[2048];
  size_t out_len_ = 0;
};

}  // namespace onair::webrtc
