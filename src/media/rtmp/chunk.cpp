#include "media/rtmp/chunk.hpp"

#include "media/bytes.hpp"

namespace onair::rtmp {
using media::be24;
using media::be32;
using media::put24;
using media::put32;

namespace {

std::unexpected<Error> bad(const std::string& why) { return fail(ErrorCode::invalid_argument, "rtmp chunk: " + why); }

uint32_t le32(const uint8_t* p) { return uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0]; }

void put_basic_header(std::string& out, uint8_t fmt, uint32_t csid) {
  if (csid < 64) {
    out += char(fmt << 6 | csid);
  } else if (csid < 320) {
    out += char(fmt << 6);
    out += char(csid - 64);
  } else {
    out += char(fmt << 6 | 1);
    out += char((csid - 64) & 0xff);
    out += char((csid - 64) >> 8);
  }
}

std::string control(uint8_t type, std::string_view body) {
  std::string out;
  write_message(out, 2, type, 0, 0, body, 128);
  return out;
}

}  // namespace

Result<void> ChunkReader::set_chunk_size(uint32_t size) {
  // The top bit must be zero (5.4.1); a zero size could never make progress.
  if (size == 0 || size > 0x7FFFFFFF) return bad("invalid chunk size " + std::to_string(size));
  chunk_size_ = std::min(size, limits_.max_message_bytes);
  return {};
}

void ChunkReader::abort(uint32_t csid) {
  if (auto it = streams_.find(csid); it != streams_.end()) {
    it->second.header.in_message = false;
    buffered_ -= it->second.partial.size();
    it->second.partial = std::string();
  }
}

Result<size_t> ChunkReader::parse(std::span<const uint8_t> in, std::optional<Message>& out) {
  if (in.empty()) return 0;
  const uint8_t* p = in.data();
  size_t n = in.size();
  uint8_t fmt = p[0] >> 6;
  uint32_t csid = p[0] & 0x3f;
  size_t pos = 1;
  if (csid == 0) {
    if (n < 2) return 0;
    csid = 64 + p[1];
    pos = 2;
  } else if (csid == 1) {
    if (n < 3) return 0;
    csid = 64 + p[1] + uint32_t(p[2]) * 256;
    pos = 3;
  }
  if (csid < 2) return bad("reserved chunk stream id");

  auto found = streams_.find(csid);
  if (found == streams_.end()) {
    if (fmt != 0) return bad("chunk stream " + std::to_string(csid) + " starts with a type " + std::to_string(fmt) + " header");
    if (streams_.size() >= limits_.max_chunk_streams) return bad("too many chunk streams");
  }
  static const size_t kHeaderSize[] = {11, 7, 3, 0};
  size_t header = kHeaderSize[fmt];
  if (n < pos + header) return 0;
  const uint8_t* h = p + pos;
  Header next = found == streams_.end() ? Header{} : found->second.header;
  size_t have = found == streams_.end() ? 0 : found->second.partial.size();
  if (next.in_message && fmt != 3) return bad("a new header interrupts a message on chunk stream " + std::to_string(csid));

  uint32_t ts_field = fmt < 3 ? be24(h) : 0;
  pos += header;
  bool extended = fmt < 3 ? ts_field == 0xFFFFFF : next.extended;
  if (fmt < 3 && extended) {
    if (n < pos + 4) return 0;
    ts_field = be32(p + pos);
    pos += 4;
  } else if (fmt == 3 && extended) {
    // Type 3 chunks repeat the extended timestamp (5.3.1.3); some encoders leave it out.
    if (n < pos + 4) return 0;
    if (be32(p + pos) == next.extended_value) pos += 4;
  }

  if (!next.in_message) {
    switch (fmt) {
      case 0:
        next.timestamp = ts_field;
        next.delta = ts_field;
        next.length = be24(h + 3);
        next.type = h[6];
        next.stream_id = le32(h + 7);
        break;
      case 1:
        next.delta = ts_field;
        next.timestamp += ts_field;
        next.length = be24(h + 3);
        next.type = h[6];
        break;
      case 2:
        next.delta = ts_field;
        next.timestamp += ts_field;
        break;
      case 3:
        next.timestamp += next.delta;
        break;
    }
    if (fmt < 3) {
      next.extended = extended;
      next.extended_value = ts_field;
    }
    if (next.length > limits_.max_message_bytes)
      return bad("message of " + std::to_string(next.length) + " bytes exceeds the limit");
    next.has_header = true;
    next.in_message = true;
    have = 0;
  }

  size_t piece = std::min<size_t>(chunk_size_, next.length - have);
  if (n < pos + piece) return 0;
  size_t budget = limits_.max_buffered_bytes ? limits_.max_buffered_bytes : limits_.max_message_bytes;
  if (piece < next.length - have && buffered_ + piece > budget)
    return bad("partial messages would hold more than " + std::to_string(budget) + " bytes");
  // Everything is there: commit the state and take the payload.
  Stream& st = streams_[csid];
  st.header = next;
  if (have == 0 && piece == next.length) {
    // A message in one chunk (most of them): no partial state at all.
    out = Message{csid, next.type, next.stream_id, next.timestamp,
                  std::string(reinterpret_cast<const char*>(p + pos), piece)};
    st.header.in_message = false;
    return pos + piece;
  }
  // The partial message grows with what arrived (the string grows geometrically): a header
  // announcing 16 MiB costs nothing until the bytes come.
  st.partial.append(reinterpret_cast<const char*>(p + pos), piece);
  buffered_ += piece;
  pos += piece;
  if (st.partial.size() == next.length) {
    buffered_ -= st.partial.size();
    out = Message{csid, next.type, next.stream_id, next.timestamp, std::move(st.partial)};
    st.partial = std::string();
    st.header.in_message = false;
  }
  return pos;
}

void write_message(std::string& out, uint32_t csid, uint8_t type, uint32_t stream_id, uint32_t timestamp,
                   std::string_view payload, uint32_t chunk_size) {
  bool extended = timestamp >= 0xFFFFFF;
  put_basic_header(out, 0, csid);
  put24(out, extended ? 0xFFFFFF : timestamp);
  put24(out, uint32_t(payload.size()));
  out += char(type);
  for (int i = 0; i < 4; ++i) out += char((stream_id >> (8 * i)) & 0xff);  // little endian (5.3.1.2.1)
  if (extended) put32(out, timestamp);
  size_t off = 0;
  do {
    if (off > 0) {
      put_basic_header(out, 3, csid);
      if (extended) put32(out, timestamp);
    }
    size_t piece = std::min<size_t>(chunk_size, payload.size() - off);
    out.append(payload.substr(off, piece));
    off += piece;
  } while (off < payload.size());
}

std::string set_chunk_size_message(uint32_t size) {
  std::string body;
  put32(body, size & 0x7FFFFFFF);
  return control(kSetChunkSize, body);
}

std::string window_ack_size_message(uint32_t size) {
  std::string body;
  put32(body, size);
  return control(kWindowAckSize, body);
}

std::string set_peer_bandwidth_message(uint32_t size, uint8_t limit_type) {
  std::string body;
  put32(body, size);
  body += char(limit_type);
  return control(kSetPeerBandwidth, body);
}

std::string acknowledgement_message(uint32_t sequence) {
  std::string body;
  put32(body, sequence);
  return control(kAcknowledgement, body);
}

std::string user_control_message(uint16_t event, uint32_t value) {
  std::string body;
  body += char(event >> 8);
  body += char(event & 0xff);
  put32(body, value);
  return control(kUserControl, body);
}

std::string ping_response_message(uint32_t timestamp) { return user_control_message(7, timestamp); }

}  // namespace onair::rtmp
