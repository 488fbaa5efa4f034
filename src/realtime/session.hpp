#pragma once
// Session: one realtime WebSocket connection, on the loop that accepted it. It reads with
// readiness waits and one read buffer per loop, so an idle connection holds no buffer; it
// parses client messages (REALTIME.md), checks what the token allows and hands the rest to
// the Gateway; it writes from its OutQueue with writev. Closing is the WebSocket close
// handshake with a code, then the socket; the Gateway's sweep enforces the auth timeout,
// pings, the idle timeout and a stalled writer.
#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "auth/token.hpp"
#include "realtime/channel.hpp"
#include "realtime/out_queue.hpp"
#include "realtime/websocket.hpp"

namespace boost::json {
class object;
}

namespace onair::realtime {

class Gateway;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Gateway& gateway, boost::asio::ip::tcp::socket socket, std::string session_id, int64_t now_ms);

  // Starts reading; with claims from the URL token the session is authenticated at once.
  void start(std::optional<auth::Claims> claims);

  // Queues a frame (a shared batch or an answer). Never closes synchronously.
  void send(const OutFramePtr& f);
  void send_text(const std::string& json);
  // The close handshake with `code`; the socket closes when the client answers or the
  // sweep's deadline passes.
  void close(uint16_t code, std::string reason);
  // Called by the loop's sweep about once every half second.
  void sweep(int64_t now_ms);

  bool authenticated() const { return authenticated_; }
  bool finished() const { return finished_; }
  const auth::Claims& claims() const { return claims_; }
  const std::string& user() const { return claims_.sub; }
  const std::string& id() const { return id_; }

  // Bookkeeping the Gateway keeps on the session: its rooms on this loop (room -> index in
  // the loop's subscriber list; kPending while the subscribe is on its way) and its index
  // in the loop's lists.
  static constexpr uint32_t kPending = UINT32_MAX;
  std::vector<std::pair<std::string, uint32_t>> rooms;
  uint32_t loop_slot = 0;
  uint32_t user_slot = 0;

 private:
  void wait_readable();
  void on_readable(boost::system::error_code ec);
  void on_message(ws::Opcode op, std::string_view payload);
  void on_text(std::string_view text);
  void handle(const std::string& type, const boost::json::object& m, const std::string& id_json);
  void authenticate(std::string_view token, const std::string& id_json);
  void reply_error(const std::string& id_json, std::string_view code, std::string_view message);
  void write();
  void on_written(boost::system::error_code ec);
  void finish();

  Gateway& gateway_;
  boost::asio::ip::tcp::socket socket_;
  std::string id_;
  auth::Claims claims_;
  ws::FrameReader reader_;
  ws::FrameReader::OnMessage on_message_;
  OutQueue out_;
  std::array<boost::asio::const_buffer, OutQueue::kMaxGather> bufs_;
  TokenBucket own_rate_;  // signals and likes, which do not pass through a room channel
  int64_t created_ms_;
  int64_t last_heard_ms_;
  int64_t last_ping_ms_;
  int64_t write_started_ms_ = 0;
  int64_t close_started_ms_ = 0;
  bool authenticated_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

}  // namespace onair::realtime
