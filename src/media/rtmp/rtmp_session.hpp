#pragma once
// RtmpSession: one RTMP connection: the handshake, the chunk stream, the NetConnection and
// NetStream commands (connect, releaseStream, FCPublish, createStream, publish, play,
// deleteStream, FCUnpublish, closeStream, getStreamLength, @setDataFrame), then either
// publishing into the StreamHub or playing from it as a Sink. Lives on one loop.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "auth/stream_signer.hpp"
#include "core/config.hpp"
#include "media/rtmp/amf0.hpp"
#include "media/rtmp/chunk.hpp"
#include "media/stream/player_queue.hpp"
#include "media/stream/stream_access.hpp"
#include "media/stream/stream_hub.hpp"
#include "media/stream/timeline.hpp"

namespace onair::rtmp {

class RtmpSession : public media::Sink, public std::enable_shared_from_this<RtmpSession> {
 public:
  RtmpSession(boost::asio::ip::tcp::socket socket, boost::asio::io_context& loop, const Config& config,
              media::StreamHub& hub, const media::StreamAccess& access);
  ~RtmpSession() override;

  boost::asio::awaitable<void> run();
  void close();

  // media::Sink (on this session's loop)
  void on_frame(const media::FramePtr& frame) override;
  void on_unpublish() override;

 private:
  boost::asio::awaitable<Result<void>> handshake();
  Result<void> handle(Message& msg);
  Result<void> handle_command(const std::vector<amf0::Value>& args, uint32_t stream_id);
  Result<void> handle_data(const std::vector<amf0::Value>& args);
  Result<void> handle_media(Message& msg);
  Result<void> on_connect(double txid, const amf0::Value& cmd);
  Result<void> on_publish(double txid, uint32_t stream_id, const std::string& name);
  // The rest of a publish once the stream's access check answered (the read loop waits).
  boost::asio::awaitable<void> finish_publish();
  void start_publishing(uint32_t stream_id, const std::string& name, const media::StreamHub::Ticket& ticket);
  Result<void> on_play(double txid, uint32_t stream_id, const std::string& name);
  void stop_role();
  const char* hold(size_t held);
  void authorised();  // publish or play accepted: no auth deadline; publishers get the larger budget

  void send_command(uint32_t csid, uint32_t stream_id, const std::vector<amf0::Value>& values, uint8_t type = kCommandAmf0);
  void send_status(uint32_t stream_id, const std::string& level, const std::string& code, const std::string& description);
  // Refuses with an error status on `stream_id`, then closes once it is sent.
  Result<void> refuse(uint32_t stream_id, const std::string& code, const std::string& description);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::io_context& loop_;
  const Config& config_;
  media::StreamHub& hub_;
  const media::StreamAccess& access_;
  ChunkReader reader_;
  media::PlayerQueue out_;
  std::string peer_;
  std::string app_;
  uint64_t bytes_in_ = 0;
  uint64_t last_ack_ = 0;
  uint32_t peer_window_ = 2500000;
  bool closing_ = false;
  bool authorised_ = false;
  size_t held_ = 0;  // unparsed input and partial messages, counted in the process total
  boost::asio::steady_timer watchdog_;
  std::chrono::steady_clock::time_point last_read_;

  // Publishing
  struct PendingPublish {
    uint32_t stream_id;
    std::string name;
  };
  std::optional<PendingPublish> pending_publish_;  // signature good, access checks under way
  media::StreamHub::Ticket ticket_;
  bool publishing_ = false;
  uint32_t publish_stream_id_ = 0;
  bool announced_codecs_ = false;

  // Playing
  std::shared_ptr<media::Stream> play_;
  uint32_t play_stream_id_ = 0;
  media::PlayerTimeline timeline_;
};

}  // namespace onair::rtmp
