#pragma once
// WebRtcTransport: the connection to one browser (one PeerConnection, everything BUNDLEd on
// one 5-tuple): ICE-lite answers its checks, DTLS agrees keys, SRTP protects media. Datagrams
// arrive from the UdpServer already demultiplexed to this peer; inside, RFC 7983 tells STUN,
// DTLS and SRTP/SRTCP apart. Decrypted RTP and RTCP go to the Handler (a WHIP or WHEP
// session); the Handler sends RTP and RTCP back through send_rtp()/send_rtcp().
// Owned by its session on the WebRTC loop. The Handler must not destroy the transport from
// inside a callback (close, then drop it later).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "media/webrtc/dtls_transport.hpp"
#include "media/webrtc/ice_lite.hpp"
#include "media/webrtc/srtp_session.hpp"
#include "media/webrtc/tcp_server.hpp"
#include "media/webrtc/udp_server.hpp"

namespace onair::webrtc {

// Milliseconds of the monotonic clock, the time base of every WebRTC timer.
int64_t steady_ms();
int64_t steady_us();

class WebRtcTransport : public UdpServer::Peer, public DtlsTransport::Listener {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_transport_connected() = 0;
    // Decrypted packets, changeable in place. RTP carries its arrival time in microseconds
    // (transport-wide feedback reports 250 us steps); RTCP in milliseconds. Steady clock.
    virtual void on_rtp(uint8_t* packet, size_t len, int64_t now_us) = 0;
    virtual void on_rtcp(uint8_t* packet, size_t len, int64_t now_ms) = 0;
    virtual void on_transport_closed(std::string_view reason) = 0;
  };

  struct Params {
    std::string local_ufrag, local_pwd, remote_ufrag;
    std::string remote_fingerprint_alg, remote_fingerprint;
    DtlsTransport::Role dtls_role = DtlsTransport::Role::server;
    int64_t consent_timeout_ms = 30'000;
    int64_t connect_timeout_ms = 30'000;
    // Tests: lose every Nth RTP datagram on arrival, before SRTP sees it, as a network would
    // (a loss after decryption would make the resent packet look like a replay).
    uint32_t drop_rtp_every = 0;
  };

  // `tcp`: the ICE-TCP server, when there is one.
  static Result<std::unique_ptr<WebRtcTransport>> create(UdpServer& udp, TcpServer* tcp,
                                                         std::shared_ptr<const DtlsContext> dtls, Params params,
                                                         Handler& handler, int64_t now_ms);
  ~WebRtcTransport() override;

  // Protects and sends one RTP or RTCP packet (plain, `len` bytes). False if not connected
  // or SRTP refused it.
  bool send_rtp(const uint8_t* packet, size_t len);
  bool send_rtcp(const uint8_t* packet, size_t len);
  // Zero-copy form for the fan-out: build the plain packet in rtp_slot() (room for
  // UdpServer::kSlotSize bytes), then commit_rtp(len) protects and queues it in place.
  uint8_t* rtp_slot() { return udp_.slot(); }
  bool commit_rtp(size_t len);

  // Timers: DTLS retransmission, the connect deadline and consent (RFC 7675 5.1). Called by
  // the owner every few tens of milliseconds.
  void tick(int64_t now_ms);
  // Sends close_notify and stops; the handler hears on_transport_closed(reason).
  void close(std::string_view reason);

  bool connected() const { return srtp_out_ != nullptr; }
  // Whether media goes over ICE-TCP (RFC 6544) rather than UDP.
  bool over_tcp() const { return path_tcp_ != nullptr; }
  bool closed() const { return closed_; }
  const std::string& local_ufrag() const { return ice_.local_ufrag(); }

  struct Counters {
    uint64_t rtp_in = 0, rtcp_in = 0, rtp_out = 0, rtcp_out = 0, bytes_in = 0, bytes_out = 0;
    uint64_t srtp_errors = 0, malformed = 0, dropped_for_test = 0;
  };
  const Counters& counters() const { return counters_; }

  // UdpServer::Peer
  void on_datagram(uint8_t* data, size_t len, const stun::Address& from) override;
  void on_tcp_packet(uint8_t* data, size_t len, TcpLink& link) override;
  void on_tcp_closed(TcpLink& link) override;
  // DtlsTransport::Listener
  void on_dtls_send(std::span<const uint8_t> datagram) override;
  void on_dtls_connected(const SrtpKeys& keys) override;
  void on_dtls_closed(std::string_view reason) override;

 private:
  WebRtcTransport(UdpServer& udp, TcpServer* tcp, Params params, Handler& handler, int64_t now_ms);
  void receive(uint8_t* data, size_t len, const stun::Address& from, TcpLink* link);
  void on_stun(uint8_t* data, size_t len, const stun::Address& from, TcpLink* link);
  bool has_path() const { return path_tcp_ || path_udp_; }
  // Puts a protected packet that is in the UDP server's current slot on the path.
  void emit_slot(size_t len);

  UdpServer& udp_;
  TcpServer* tcp_;
  Params params_;
  Handler& handler_;
  IceLite ice_;
  std::unique_ptr<DtlsTransport> dtls_;
  std::unique_ptr<SrtpSession> srtp_in_, srtp_out_;
  // Where we send: the latest nominated pair, a UDP address or an ICE-TCP connection.
  std::optional<stun::Address> path_udp_;
  TcpLink* path_tcp_ = nullptr;
  int64_t created_ms_;
  int64_t dtls_timer_at_ms_ = 0;
  bool closed_ = false;
  bool dtls_started_ = false;
  Counters counters_;
  uint64_t rtp_arrivals_ = 0;
};

}  // namespace onair::webrtc
