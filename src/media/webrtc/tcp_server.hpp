#pragma once
// TcpServer: ICE-TCP, passive side (RFC 6544), on the same port number as the UDP server,
// for browsers behind firewalls that block UDP. Every packet on a connection is framed with a
// 16-bit length (RFC 4571). A connection's first packet must be a STUN Binding request that
// names a peer's ufrag; from then on the connection (a TcpLink) belongs to that peer, which
// may choose it as its path. A link with nobody after 10 s, a frame over 4 KiB or a broken
// read is closed. Owned by the WebRTC loop, like the UdpServer it shares the ufrag table with.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <list>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "media/webrtc/udp_server.hpp"

namespace onair::webrtc {

class TcpServer;

// One accepted ICE-TCP connection.
class TcpLink {
 public:
  TcpLink(TcpServer& server, boost::asio::ip::tcp::socket socket);
  ~TcpLink();
  // Queues one packet with its length prefix; drops it when the queue is over its bound
  // (media over a congested TCP connection is better late than piled up).
  void send(const uint8_t* data, size_t len);
  void close();
  bool closed() const { return closed_; }
  const stun::Address& remote() const { return remote_; }
  UdpServer::Peer* peer() const { return peer_; }
  void set_peer(UdpServer::Peer* p) { peer_ = p; }

  void start();

 private:
  void read();
  void on_read(size_t n);
  void write();

  TcpServer& server_;
  boost::asio::ip::tcp::socket socket_;
  stun::Address remote_;
  UdpServer::Peer* peer_ = nullptr;
  std::string in_;  // bytes read, not yet a whole frame
  uint8_t buf_[8192];
  std::string out_, writing_;
  bool closed_ = false;
  uint64_t dropped_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class TcpServer {
 public:
  TcpServer(boost::asio::io_context& loop, UdpServer& udp);
  ~TcpServer();
  Result<void> open(const std::string& host, uint16_t port);
  void close();
  uint16_t port() const { return port_; }
  // Closes the links of a peer that is going away.
  void forget(UdpServer::Peer* peer);
  // Housekeeping: links that never found a peer.
  void sweep(int64_t now_ms);

  // For links.
  UdpServer& udp() { return udp_; }

 private:
  void accept();

  boost::asio::io_context& loop_;
  UdpServer& udp_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  struct Entry {
    std::unique_ptr<TcpLink> link;
    int64_t accepted_ms = 0;
  };
  std::list<Entry> links_;
  bool open_ = false;
};

}  // namespace onair::webrtc
