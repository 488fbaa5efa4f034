#include "media/webrtc/udp_server.hpp"

#include <boost/asio/ip/v6_only.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/log.hpp"
#include "media/webrtc/demux.hpp"
#include "media/webrtc/ice_lite.hpp"

namespace onair::webrtc {
namespace asio = boost::asio;
using asio::ip::udp;

// kBatch datagram slots with their iovecs, mmsghdrs and addresses, allocated once.
struct UdpServer::Batch {
  alignas(64) uint8_t data[kBatch][kSlotSize];
  iovec iov[kBatch];
  mmsghdr msgs[kBatch];
  sockaddr_storage addrs[kBatch];

  Batch() {
    std::memset(msgs, 0, sizeof msgs);
    for (size_t i = 0; i < kBatch; ++i) {
      iov[i] = {data[i], kSlotSize};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &addrs[i];
      msgs[i].msg_hdr.msg_namelen = sizeof addrs[i];
    }
  }
};

namespace {

stun::Address from_sockaddr(const sockaddr_storage& ss) {
  stun::Address a;
  if (ss.ss_family == AF_INET6) {
    const auto& s6 = reinterpret_cast<const sockaddr_in6&>(ss);
    // An IPv4-mapped address is the IPv4 peer of a dual-stack socket.
    if (IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr)) {
      std::memcpy(a.ip.data(), &s6.sin6_addr.s6_addr[12], 4);
    } else {
      a.v6 = true;
      std::memcpy(a.ip.data(), &s6.sin6_addr, 16);
    }
    a.port = ntohs(s6.sin6_port);
  } else {
    const auto& s4 = reinterpret_cast<const sockaddr_in&>(ss);
    std::memcpy(a.ip.data(), &s4.sin_addr, 4);
    a.port = ntohs(s4.sin_port);
  }
  return a;
}

socklen_t to_sockaddr(const stun::Address& a, bool socket_v6, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (socket_v6) {
    auto& s6 = reinterpret_cast<sockaddr_in6&>(ss);
    s6.sin6_family = AF_INET6;
    s6.sin6_port = htons(a.port);
    if (a.v6) {
      std::memcpy(&s6.sin6_addr, a.ip.data(), 16);
    } else {
      s6.sin6_addr.s6_addr[10] = 0xff;
      s6.sin6_addr.s6_addr[11] = 0xff;
      std::memcpy(&s6.sin6_addr.s6_addr[12], a.ip.data(), 4);
    }
    return sizeof s6;
  }
  auto& s4 = reinterpret_cast<sockaddr_in&>(ss);
  s4.sin_family = AF_INET;
  s4.sin_port = htons(a.port);
  std::memcpy(&s4.sin_addr, a.ip.data(), 4);
  return sizeof s4;
}

}  // namespace

size_t AddressHash::operator()(const stun::Address& a) const noexcept {
  uint64_t h = 1469598103934665603ull ^ a.port ^ (uint64_t(a.v6) << 17);
  size_t n = a.v6 ? 16 : 4;
  for (size_t i = 0; i < n; ++i) h = (h ^ a.ip[i]) * 1099511628211ull;
  return h;
}

stun::Address to_stun_address(const udp::endpoint& ep) {
  sockaddr_storage ss{};
  std::memcpy(&ss, ep.data(), ep.size());
  return from_sockaddr(ss);
}

udp::endpoint to_endpoint(const stun::Address& a) {
  if (a.v6) {
    asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), a.ip.data(), 16);
    return {asio::ip::address_v6(b), a.port};
  }
  asio::ip::address_v4::bytes_type b;
  std::memcpy(b.data(), a.ip.data(), 4);
  return {asio::ip::address_v4(b), a.port};
}

UdpServer::UdpServer(asio::io_context& loop) : socket_(loop), in_(new Batch), out_(new Batch) {}

UdpServer::~UdpServer() { close(); }

Result<void> UdpServer::open(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return fail(ErrorCode::invalid_argument, "webrtc.udp_addr: bad address " + host);
  udp::endpoint ep(address, port);
  socket_.open(ep.protocol(), ec);
  if (!ec && address.is_v6()) socket_.set_option(asio::ip::v6_only(false), ec);
  if (!ec) socket_.bind(ep, ec);
  if (ec) return fail(ErrorCode::unavailable, "webrtc: cannot bind UDP " + host + ":" + std::to_string(port) + ": " + ec.message());
  socket_.non_blocking(true, ec);
  // Bursts of keyframes to many subscribers, and their feedback, need room in the kernel.
  // net.core.rmem_max/wmem_max cap SO_RCVBUF/SO_SNDBUF (208 KB by default); with
  // CAP_NET_ADMIN the FORCE options go past them.
  int fd = socket_.native_handle();
  auto size_buffer = [fd](int force, int plain, int want) {
    if (::setsockopt(fd, SOL_SOCKET, force, &want, sizeof want) != 0)
      ::setsockopt(fd, SOL_SOCKET, plain, &want, sizeof want);
    int got = 0;
    socklen_t n = sizeof got;
    ::getsockopt(fd, SOL_SOCKET, plain, &got, &n);
    return got / 2;  // the kernel reports twice what it counts as payload room
  };
  int rcv = size_buffer(SO_RCVBUFFORCE, SO_RCVBUF, kSocketBuffer);
  int snd = size_buffer(SO_SNDBUFFORCE, SO_SNDBUF, kSocketBuffer);
  if (rcv < kSocketBuffer || snd < kSocketBuffer)
    spdlog::warn("webrtc: UDP socket buffers are {} KB in, {} KB out (wanted {} KB): raise "
                 "net.core.rmem_max and net.core.wmem_max, or many viewers' keyframes and feedback may be dropped",
                 rcv >> 10, snd >> 10, kSocketBuffer >> 10);
  port_ = socket_.local_endpoint(ec).port();
  v6_ = address.is_v6();
  open_ = true;
  wait_readable();
  return {};
}

void UdpServer::close() {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ec;
  socket_.close(ec);
}

void UdpServer::wait_readable() {
  socket_.async_wait(udp::socket::wait_read, [this](boost::system::error_code ec) {
    if (ec || !open_) return;
    read_batch();
    wait_readable();
  });
}

void UdpServer::read_batch() {
  int fd = socket_.native_handle();
  // Bounded so that one busy port cannot starve the loop's other work.
  for (int round = 0; round < 16; ++round) {
    for (size_t i = 0; i < kBatch; ++i) in_->msgs[i].msg_hdr.msg_namelen = sizeof in_->addrs[i];
    int n = ::recvmmsg(fd, in_->msgs, kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) break;
    counters_.datagrams_in += n;
    for (int i = 0; i < n; ++i)
      dispatch(in_->data[i], in_->msgs[i].msg_len, from_sockaddr(in_->addrs[i]));
    flush();
    if (size_t(n) < kBatch) break;
  }
  flush();
}

void UdpServer::dispatch(uint8_t* data, size_t len, const stun::Address& from) {
  if (auto it = by_address_.find(from); it != by_address_.end()) {
    it->second->on_datagram(data, len, from);
    return;
  }
  // A new address: only a STUN Binding request naming a peer's ufrag may introduce it.
  std::string_view bytes(reinterpret_cast<const char*>(data), len);
  if (classify(bytes) == PacketKind::stun && stun::looks_like_stun(bytes)) {
    if (auto m = stun::parse(bytes)) {
      std::string_view ufrag = IceLite::addressed_ufrag(*m);
      if (auto it = by_ufrag_.find(std::string(ufrag)); it != by_ufrag_.end()) {
        it->second->on_datagram(data, len, from);
        return;
      }
    }
  }
  ++counters_.unknown_peer;
}

UdpServer::Peer* UdpServer::find_ufrag(std::string_view ufrag) const {
  auto it = by_ufrag_.find(std::string(ufrag));
  return it == by_ufrag_.end() ? nullptr : it->second;
}

void UdpServer::add_ufrag(const std::string& ufrag, Peer* peer) { by_ufrag_[ufrag] = peer; }

void UdpServer::bind(const stun::Address& from, Peer* peer) {
  auto [it, fresh] = by_address_.try_emplace(from, peer);
  if (!fresh && it->second == peer) return;
  if (!fresh) {  // the address moved to another peer (a reconnect from the same port)
    auto& old = addresses_of_[it->second];
    std::erase(old, from);
    it->second = peer;
  }
  auto& list = addresses_of_[peer];
  list.push_back(from);
  // A peer keeps a few addresses (candidate pairs, NAT rebinding); the oldest go first.
  if (list.size() > 8) {
    by_address_.erase(list.front());
    list.erase(list.begin());
  }
}

void UdpServer::forget(Peer* peer) {
  std::erase_if(by_ufrag_, [&](const auto& kv) { return kv.second == peer; });
  if (auto it = addresses_of_.find(peer); it != addresses_of_.end()) {
    for (const auto& a : it->second)
      if (auto f = by_address_.find(a); f != by_address_.end() && f->second == peer) by_address_.erase(f);
    addresses_of_.erase(it);
  }
}

uint8_t* UdpServer::slot() {
  if (out_count_ == kBatch) flush();
  return out_->data[out_count_];
}

void UdpServer::send(size_t len, const stun::Address& to) {
  if (!open_ || len > kSlotSize) return;
  if (out_count_ == kBatch) flush();  // slot() was not called first
  size_t i = out_count_++;
  out_->iov[i].iov_len = len;
  out_->msgs[i].msg_hdr.msg_namelen = to_sockaddr(to, v6_, out_->addrs[i]);
}

void UdpServer::send_copy(std::span<const uint8_t> data, const stun::Address& to) {
  if (data.size() > kSlotSize) return;
  std::memcpy(slot(), data.data(), data.size());
  send(data.size(), to);
}

void UdpServer::flush() {
  size_t done = 0;
  int fd = socket_.native_handle();
  while (open_ && done < out_count_) {
    int n = ::sendmmsg(fd, out_->msgs + done, unsigned(out_count_ - done), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      // EAGAIN: the socket buffer is full and UDP may drop; other errors (an unreachable
      // peer) concern one datagram only: skip it.
      ++counters_.send_errors;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      ++done;
      continue;
    }
    done += size_t(n);
    counters_.datagrams_out += uint64_t(n);
  }
  out_count_ = 0;
}

}  // namespace onair::webrtc
