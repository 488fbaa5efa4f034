// DtlsTransport client and server wired back to back through an in-memory wire: the
// handshake, the SRTP keys both sides export, fingerprint checks, lost flights and
// close_notify, without any socket.
#include "media/webrtc/dtls_transport.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <thread>
#include <string>
#include <vector>

using namespace onair::webrtc;

namespace {

struct Peer : DtlsTransport::Listener {
  std::deque<std::string>* wire = nullptr;  // where our datagrams go
  size_t largest = 0;
  int sent = 0;
  int drop_next = 0;  // datagrams to lose
  std::optional<SrtpKeys> keys;
  std::string closed;
  void on_dtls_send(std::span<const uint8_t> d) override {
    largest = std::max(largest, d.size());
    ++sent;
    if (drop_next > 0) {
      --drop_next;
      return;
    }
    wire->emplace_back(reinterpret_cast<const char*>(d.data()), d.size());
  }
  void on_dtls_connected(const SrtpKeys& k) override { keys = k; }
  void on_dtls_closed(std::string_view reason) override { closed = reason; }
};

struct Pair {
  std::shared_ptr<const Certificate> client_cert = Certificate::generate().value();
  std::shared_ptr<const Certificate> server_cert = Certificate::generate().value();
  std::deque<std::string> to_server, to_client;
  Peer client_peer, server_peer;
  std::unique_ptr<DtlsTransport> client, server;

  explicit Pair(std::string client_sees = {}, std::string server_sees = {}) {
    client_peer.wire = &to_server;
    server_peer.wire = &to_client;
    auto cctx = DtlsContext::create(client_cert).value();
    auto sctx = DtlsContext::create(server_cert).value();
    client = DtlsTransport::create(cctx, DtlsTransport::Role::client, "sha-256",
                                   client_sees.empty() ? server_cert->fingerprint() : client_sees, client_peer)
                 .value();
    server = DtlsTransport::create(sctx, DtlsTransport::Role::server, "sha-256",
                                   server_sees.empty() ? client_cert->fingerprint() : server_sees, server_peer)
                 .value();
  }

  // Delivers datagrams until the wire is quiet.
  void pump() {
    for (int i = 0; i < 100 && (!to_server.empty() || !to_client.empty()); ++i) {
      while (!to_server.empty()) {
        std::string d = std::move(to_server.front());
        to_server.pop_front();
        server->on_datagram({reinterpret_cast<const uint8_t*>(d.data()), d.size()});
      }
      while (!to_client.empty()) {
        std::string d = std::move(to_client.front());
        to_client.pop_front();
        client->on_datagram({reinterpret_cast<const uint8_t*>(d.data()), d.size()});
      }
    }
  }
};

}  // namespace

TEST(Certificate, FingerprintIsSha256InUpperCaseHexPairs) {
  auto cert = Certificate::generate().value();
  const std::string& fp = cert->fingerprint();
  ASSERT_EQ(fp.size(), 32u * 3 - 1);
  for (size_t i = 0; i < fp.size(); ++i) {
    if (i % 3 == 2)
      EXPECT_EQ(fp[i], ':');
    else
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(fp[i])) || (fp[i] >= 'A' && fp[i] <= 'F'));
  }
  EXPECT_EQ(certificate_fingerprint(cert->x509(), "SHA-256"), fp);
  EXPECT_EQ(certificate_fingerprint(cert->x509(), "sha-1").size(), 20u * 3 - 1);
  EXPECT_TRUE(certificate_fingerprint(cert->x509(), "md-nothing").empty());
  EXPECT_NE(Certificate::generate().value()->fingerprint(), fp);
}

TEST(DtlsTransport, HandshakeAgreesOnCrossedSrtpKeysWithinTheMtu) {
  Pair p;
  p.client->start();
  p.pump();
  ASSERT_EQ(p.client->state(), DtlsTransport::State::connected) << p.client_peer.closed;
  ASSERT_EQ(p.server->state(), DtlsTransport::State::connected) << p.server_peer.closed;
  ASSERT_TRUE(p.client_peer.keys && p.server_peer.keys);
  const SrtpKeys& c = *p.client_peer.keys;
  const SrtpKeys& s = *p.server_peer.keys;
  EXPECT_EQ(c.profile, SrtpProfile::aead_aes_128_gcm);  // first in our preference
  EXPECT_EQ(c.local.size(), 16u + 12u);
  EXPECT_EQ(c.local, s.remote);
  EXPECT_EQ(c.remote, s.local);
  EXPECT_NE(c.local, c.remote);
  EXPECT_LE(p.client_peer.largest, 1200u);
  EXPECT_LE(p.server_peer.largest, 1200u);
  EXPECT_FALSE(p.client->timeout().has_value());

  // The exported keys really key SRTP: what the client protects, the server opens.
  auto out = SrtpSession::create(c.profile, SrtpSession::Direction::outbound, c.local).value();
  auto in = SrtpSession::create(s.profile, SrtpSession::Direction::inbound, s.remote).value();
  uint8_t pkt[64 + SrtpSession::kMaxTrailer] = {0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 42};
  size_t len = 64;
  ASSERT_TRUE(out->protect_rtp(pkt, len));
  ASSERT_TRUE(in->unprotect_rtp(pkt, len));
  EXPECT_EQ(len, 64u);
}

TEST(DtlsTransport, RefusesAPeerWhoseCertificateIsNotTheSdpFingerprint) {
  auto other = Certificate::generate().value();
  Pair p(other->fingerprint(), {});  // the client expects another server certificate
  p.client->start();
  p.pump();
  EXPECT_EQ(p.client->state(), DtlsTransport::State::failed);
  EXPECT_NE(p.client_peer.closed.find("fingerprint"), std::string::npos) << p.client_peer.closed;
  EXPECT_FALSE(p.client_peer.keys.has_value());

  Pair q({}, other->fingerprint());  // the server expects another client certificate
  q.client->start();
  q.pump();
  EXPECT_EQ(q.server->state(), DtlsTransport::State::failed);
  EXPECT_FALSE(q.server_peer.keys.has_value());
}

TEST(DtlsTransport, RetransmitsALostFlightWhenTheTimerFires) {
  Pair p;
  p.client_peer.drop_next = 1;  // the ClientHello is lost
  p.client->start();
  p.pump();
  EXPECT_EQ(p.server->state(), DtlsTransport::State::connecting);
  auto t = p.client->timeout();
  ASSERT_TRUE(t.has_value());
  EXPECT_LE(*t, std::chrono::milliseconds(400));
  p.client->on_timeout();  // as the owner's timer would, once it expires
  // OpenSSL only retransmits once the timer has really expired; wait it out.
  for (int i = 0; i < 50 && p.to_server.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    p.client->on_timeout();
  }
  p.pump();
  EXPECT_EQ(p.client->state(), DtlsTransport::State::connected) << p.client_peer.closed;
  EXPECT_EQ(p.server->state(), DtlsTransport::State::connected) << p.server_peer.closed;
}

TEST(DtlsTransport, DropsGarbledRecordsAndTheHandshakeGoesOn) {
  Pair p;
  uint8_t junk[40];
  for (size_t i = 0; i < sizeof junk; ++i) junk[i] = static_cast<uint8_t>(22 + i * 7);
  p.server->on_datagram({junk, sizeof junk});
  // A garbled record is dropped (DTLS discards bad records, RFC 6347 4.1.2.7); the real
  // handshake still completes afterwards.
  p.client->start();
  p.pump();
  EXPECT_EQ(p.server->state(), DtlsTransport::State::connected) << p.server_peer.closed;
}

TEST(DtlsTransport, CloseNotifyReachesThePeer) {
  Pair p;
  p.client->start();
  p.pump();
  ASSERT_EQ(p.server->state(), DtlsTransport::State::connected);
  p.client->close();
  p.pump();
  EXPECT_EQ(p.client->state(), DtlsTransport::State::closed);
  EXPECT_EQ(p.server->state(), DtlsTransport::State::closed);
  EXPECT_EQ(p.server_peer.closed, "closed");
}
