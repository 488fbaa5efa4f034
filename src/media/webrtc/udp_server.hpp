#pragma once
// UdpServer: the one UDP port every WebRTC peer uses (webrtc.udp_addr). It reads datagrams in
// batches (recvmmsg), finds the peer by the sender's address, or for a STUN Binding request
// from a new address by the ufrag in USERNAME (RFC 8445 7.3), and hands the datagram over.
// Sends are gathered into a batch that goes out with one sendmmsg at the end of each read
// batch or timer tick: a packet fanned out to many subscribers costs one syscall per 64.
// Owned by the WebRTC loop; every method runs there.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "media/webrtc/stun.hpp"

namespace onair::webrtc {

class TcpLink;

struct AddressHash {
  size_t operator()(const stun::Address& a) const noexcept;
};

class UdpServer {
 public:
  // A peer that receives datagrams from the addresses it has validated.
  class Peer {
   public:
    virtual ~Peer() = default;
    // `data` may be changed in place (SRTP decrypts there); it has room for 2048 bytes.
    virtual void on_datagram(uint8_t* data, size_t len, const stun::Address& from) = 0;
    // The same over an ICE-TCP connection (RFC 6544), and that connection's end.
    virtual void on_tcp_packet(uint8_t* data, size_t len, TcpLink& link) = 0;
    virtual void on_tcp_closed(TcpLink& link) = 0;
  };

  static constexpr size_t kSlotSize = 2048;
  static constexpr size_t kBatch = 64;
  static constexpr int kSocketBuffer = 4 << 20;  // bytes asked for each way

  explicit UdpServer(boost::asio::io_context& loop);
  ~UdpServer();
  UdpServer(const UdpServer&) = delete;
  UdpServer& operator=(const UdpServer&) = delete;

  Result<void> open(const std::string& host, uint16_t port);
  uint16_t port() const { return port_; }
  void close();

  // Routing: STUN requests for `ufrag` go to `peer` until forget(peer).
  void add_ufrag(const std::string& ufrag, Peer* peer);
  // Datagrams from `from` go to `peer` (after a valid Binding request from it).
  void bind(const stun::Address& from, Peer* peer);
  void forget(Peer* peer);
  Peer* find_ufrag(std::string_view ufrag) const;

  // A slot to build one outgoing datagram in (kSlotSize bytes), then send(len, to). The
  // slot is only valid until the next call.
  uint8_t* slot();
  void send(size_t len, const stun::Address& to);
  void send_copy(std::span<const uint8_t> data, const stun::Address& to);
  // Sends what is gathered. Called after each read batch and by the owner's timers.
  void flush();

  struct Counters {
    uint64_t datagrams_in = 0, datagrams_out = 0, unknown_peer = 0, send_errors = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  void wait_readable();
  void read_batch();
  void dispatch(uint8_t* data, size_t len, const stun::Address& from);

  boost::asio::ip::udp::socket socket_;
  uint16_t port_ = 0;
  bool open_ = false;
  bool v6_ = false;  // a dual-stack socket: IPv4 peers as mapped addresses
  std::unordered_map<stun::Address, Peer*, AddressHash> by_address_;
  std::unordered_map<std::string, Peer*> by_ufrag_;
  std::unordered_map<Peer*, std::vector<stun::Address>> addresses_of_;
  struct Batch;
  std::unique_ptr<Batch> in_, out_;
  size_t out_count_ = 0;
  Counters counters_;
};

stun::Address to_stun_address(const boost::asio::ip::udp::endpoint& ep);
boost::asio::ip::udp::endpoint to_endpoint(const stun::Address& a);

}  // namespace onair::webrtc
