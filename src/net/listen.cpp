#include "net/listen.hpp"

#include <sys/socket.h>

#include "core/config.hpp"

namespace onair::net {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Whether anyone listens on `ep` now: a plain bind (no SO_REUSEPORT) fails against any
// listener, ours or another process's, and not against connections in TIME_WAIT.
bool taken(asio::io_context& io, const tcp::endpoint& ep) {
  tcp::acceptor probe(io);
  boost::system::error_code ec;
  probe.open(ep.protocol(), ec);
  if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) probe.bind(ep, ec);
  return ec == asio::error::address_in_use;
}

}  // namespace

Result<Acceptors> listen_per_loop(EventLoops& loops, const std::string& addr, const std::string& what) {
  auto hp = split_host_port(addr);
  if (!hp) return std::unexpected(hp.error());
  boost::system::error_code ec;
  auto address = asio::ip::make_address(hp->first, ec);
  if (ec) return fail(ErrorCode::invalid_argument, what + ": bad address " + hp->first);
  tcp::endpoint ep(address, hp->second);
  auto refuse = [&](const std::string& why) {
    return fail(ErrorCode::unavailable, what + ": cannot listen on " + addr + ": " + why);
  };
  if (ep.port() != 0 && taken(loops.at(0), ep)) return refuse("address already in use (another onair running?)");
  Acceptors out;
  for (size_t i = 0; i < loops.size(); ++i) {
    auto a = std::make_unique<tcp::acceptor>(loops.at(i));
    a->open(ep.protocol(), ec);
    if (!ec) a->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      if (::setsockopt(a->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        ec = boost::system::error_code(errno, boost::system::system_category());
    }
    if (!ec) a->bind(ep, ec);
    if (!ec) a->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return refuse(ec.message());
    // With port 0 the first bind picks the port; the other loops join it.
    if (ep.port() == 0) ep.port(a->local_endpoint().port());
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace onair::net
