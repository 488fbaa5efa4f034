#include "media/webrtc/webrtc_transport.hpp"

#include <cstring>

#include "media/webrtc/demux.hpp"

namespace onair::webrtc {

int64_t steady_ms() { return steady_us() / 1000; }

int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

WebRtcTransport::WebRtcTransport(UdpServer& udp, TcpServer* tcp, Params params, Handler& handler, int64_t now_ms)
    : udp_(udp),
      tcp_(tcp),
      params_(std::move(params)),
      handler_(handler),
      ice_(params_.local_ufrag, params_.local_pwd, params_.remote_ufrag),
      created_ms_(now_ms) {}

Result<std::unique_ptr<WebRtcTransport>> WebRtcTransport::create(UdpServer& udp, TcpServer* tcp,
                                                                 std::shared_ptr<const DtlsContext> dtls,
                                                                 Params params, Handler& handler, int64_t now_ms) {
  std::unique_ptr<WebRtcTransport> t(new WebRtcTransport(udp, tcp, std::move(params), handler, now_ms));
  auto d = DtlsTransport::create(std::move(dtls), t->params_.dtls_role, t->params_.remote_fingerprint_alg,
                                 t->params_.remote_fingerprint, *t);
  if (!d) return std::unexpected(std::move(d.error()).with_context("webrtc transport"));
  t->dtls_ = std::move(*d);
  udp.add_ufrag(t->params_.local_ufrag, t.get());
  return t;
}

WebRtcTransport::~WebRtcTransport() {
  udp_.forget(this);
  if (tcp_) tcp_->forget(this);
}

void WebRtcTransport::on_datagram(uint8_t* data, size_t len, const stun::Address& from) {
  receive(data, len, from, nullptr);
}

void WebRtcTransport::on_tcp_packet(uint8_t* data, size_t len, TcpLink& link) {
  receive(data, len, link.remote(), &link);
}

void WebRtcTransport::on_tcp_closed(TcpLink& link) {
  if (path_tcp_ != &link) return;
  path_tcp_ = nullptr;
  if (!path_udp_) close("the ICE-TCP connection closed");
}

void WebRtcTransport::receive(uint8_t* data, size_t len, const stun::Address& from, TcpLink* link) {
  if (closed_) return;
  std::string_view bytes(reinterpret_cast<const char*>(data), len);
  switch (classify(bytes)) {
    case PacketKind::stun:
      on_stun(data, len, from, link);
      return;
    case PacketKind::dtls:
      counters_.bytes_in += len;
      dtls_->on_datagram({data, len});
      return;
    case PacketKind::rtp: {
      counters_.bytes_in += len;
      if (!srtp_in_) return;  // media before the keys: nothing to do with it
      if (params_.drop_rtp_every && ++rtp_arrivals_ % params_.drop_rtp_every == 0) {
        ++counters_.dropped_for_test;
        return;
      }
      if (!srtp_in_->unprotect_rtp(data, len)) {
        ++counters_.srtp_errors;
        return;
      }
      ++counters_.rtp_in;
      handler_.on_rtp(data, len, steady_us());
      return;
    }
    case PacketKind::rtcp: {
      counters_.bytes_in += len;
      if (!srtp_in_) return;
      if (!srtp_in_->unprotect_rtcp(data, len)) {
        ++counters_.srtp_errors;
        return;
      }
      ++counters_.rtcp_in;
      handler_.on_rtcp(data, len, steady_ms());
      return;
    }
    case PacketKind::unknown:
      ++counters_.malformed;
      return;
  }
}

void WebRtcTransport::on_stun(uint8_t* data, size_t len, const stun::Address& from, TcpLink* link) {
  auto m = stun::parse({reinterpret_cast<const char*>(data), len});
  if (!m) {
    ++counters_.malformed;
    return;
  }
  auto out = ice_.on_stun(*m, from, steady_ms());
  const auto* resp = reinterpret_cast<const uint8_t*>(out.response.data());
  if (!out.response.empty()) {
    if (link)
      link->send(resp, out.response.size());
    else
      udp_.send_copy({resp, out.response.size()}, from);
  }
  if (!out.accepted) return;
  if (!link) udp_.bind(from, this);
  // ICE-lite: the controlling browser picks the pair; until it nominates one, answer where
  // the checks come from (RFC 8445 8.2: a lite agent uses the nominated pair).
  if (out.nominated || !has_path()) {
    if (link) {
      path_tcp_ = link;
      path_udp_.reset();
    } else {
      path_udp_ = from;
      path_tcp_ = nullptr;
    }
  }
  if (params_.dtls_role == DtlsTransport::Role::client && dtls_->state() == DtlsTransport::State::connecting &&
      !dtls_started_) {
    dtls_started_ = true;
    dtls_->start();
  }
}

void WebRtcTransport::on_dtls_send(std::span<const uint8_t> datagram) {
  if (!has_path() || closed_) return;  // no path yet: the DTLS timer resends once there is one
  counters_.bytes_out += datagram.size();
  if (path_tcp_)
    path_tcp_->send(datagram.data(), datagram.size());
  else
    udp_.send_copy(datagram, *path_udp_);
}

void WebRtcTransport::emit_slot(size_t len) {
  counters_.bytes_out += len;
  if (path_tcp_)
    path_tcp_->send(udp_.slot(), len);  // copied into the link's queue; the slot is reused
  else
    udp_.send(len, *path_udp_);
}

void WebRtcTransport::on_dtls_connected(const SrtpKeys& keys) {
  auto in = SrtpSession::create(keys.profile, SrtpSession::Direction::inbound, keys.remote);
  auto out = SrtpSession::create(keys.profile, SrtpSession::Direction::outbound, keys.local);
  if (!in || !out) {
    close("SRTP setup failed");
    return;
  }
  srtp_in_ = std::move(*in);
  srtp_out_ = std::move(*out);
  handler_.on_transport_connected();
}

void WebRtcTransport::on_dtls_closed(std::string_view reason) {
  std::string why = reason == "closed" ? std::string("peer closed DTLS") : "dtls: " + std::string(reason);
  close(why);
}

bool WebRtcTransport::send_rtp(const uint8_t* packet, size_t len) {
  if (!srtp_out_ || !has_path() || len + SrtpSession::kMaxTrailer > UdpServer::kSlotSize) return false;
  std::memcpy(udp_.slot(), packet, len);
  return commit_rtp(len);
}

bool WebRtcTransport::commit_rtp(size_t len) {
  if (!srtp_out_ || !has_path() || closed_) return false;
  uint8_t* slot = udp_.slot();
  if (!srtp_out_->protect_rtp(slot, len)) {
    ++counters_.srtp_errors;
    return false;
  }
  ++counters_.rtp_out;
  emit_slot(len);
  return true;
}

bool WebRtcTransport::send_rtcp(const uint8_t* packet, size_t len) {
  if (!srtp_out_ || !has_path() || closed_ || len + SrtpSession::kMaxTrailer > UdpServer::kSlotSize) return false;
  uint8_t* slot = udp_.slot();
  std::memcpy(slot, packet, len);
  if (!srtp_out_->protect_rtcp(slot, len)) {
    ++counters_.srtp_errors;
    return false;
  }
  ++counters_.rtcp_out;
  emit_slot(len);
  return true;
}

void WebRtcTransport::tick(int64_t now_ms) {
  if (closed_) return;
  if (!connected()) {
    if (now_ms - created_ms_ > params_.connect_timeout_ms) {
      close("no ICE and DTLS connection in time");
      return;
    }
    if (auto t = dtls_->timeout(); t && t->count() <= 0) dtls_->on_timeout();
    if (closed_) return;
  }
  // RFC 7675 5.1: without a valid check for this long, the peer has gone.
  int64_t last = ice_.last_consent_ms() ? ice_.last_consent_ms() : created_ms_;
  if (now_ms - last > params_.consent_timeout_ms) close("consent expired: the peer went silent");
}

void WebRtcTransport::close(std::string_view reason) {
  if (closed_) return;
  if (dtls_->state() == DtlsTransport::State::connected) dtls_->close();
  closed_ = true;
  udp_.forget(this);
  if (tcp_) tcp_->forget(this);
  path_tcp_ = nullptr;
  handler_.on_transport_closed(reason);
}

}  // namespace onair::webrtc
