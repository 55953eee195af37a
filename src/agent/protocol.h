// The guest agent's wire protocol, shared by the agent (inside the builder
// VM, a static binary) and imago (on the host). One TCP connection carries
// one request. Everything is a frame: a type byte, a 4-byte big-endian
// length, then that many bytes, so commands, paths and file contents may
// hold any byte.
//
//   host -> agent   "IMAGO-AGENT/1 TOKEN\n", then one request:
//     exec:  'X' command (run by /bin/sh -c), 'V' "KEY=VALUE"*, 'I' stdin*, 'Z'
//     put:   'P' "MODE PATH" (MODE octal), 'D' data*, 'Z'
//     get:   'G' path
//   agent -> host
//     exec:  'O' stdout* and 'R' stderr* as they come, then 'C' exit code
//            (decimal; 128+N when killed by signal N)
//     put:   'K'                    get: 'D' data*, then 'K'
//     any:   'E' message instead, when the request cannot be carried out
//
// Closing the connection during an exec kills the command's process group.
#ifndef IMAGO_AGENT_PROTOCOL_H_
#define IMAGO_AGENT_PROTOCOL_H_

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace imago::agent {

constexpr const char* kHello = "IMAGO-AGENT/1 ";
constexpr int kDefaultPort = 7722;
constexpr uint32_t kMaxFrame = 1u << 20;  // Larger data is sent in several frames.

enum FrameType : char {
  kExec = 'X',
  kEnv = 'V',
  kStdin = 'I',
  kEnd = 'Z',
  kPut = 'P',
  kGet = 'G',
  kData = 'D',
  kStdout = 'O',
  kStderr = 'R',
  kExitCode = 'C',
  kOk = 'K',
  kError = 'E',
};

/// The 5-byte header of a frame.
inline std::string FrameHeader(char type, uint32_t length) {
  std::string h(5, '\0');
  h[0] = type;
  h[1] = static_cast<char>(length >> 24);
  h[2] = static_cast<char>(length >> 16);
  h[3] = static_cast<char>(length >> 8);
  h[4] = static_cast<char>(length);
  return h;
}

inline uint32_t FrameLength(const unsigned char* h) {
  return (uint32_t{h[1]} << 24) | (uint32_t{h[2]} << 16) | (uint32_t{h[3]} << 8) | h[4];
}

// Frame I/O on a connected socket, shared by both ends. Header-only: the
// agent is a static binary that links nothing of imago's.

/// Writes all of `p` to a socket (never raising SIGPIPE). False when it broke.
inline bool SendAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

/// Reads exactly `n` bytes from `fd`. False at EOF or on an error.
inline bool ReadAll(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

/// Writes all of `p` to a file (not a socket). False on an error.
inline bool WriteFileAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

/// Sends one frame.
inline bool SendFrame(int fd, char type, const char* data, size_t n) {
  std::string h = FrameHeader(type, static_cast<uint32_t>(n));
  return SendAll(fd, h.data(), h.size()) && (n == 0 || SendAll(fd, data, n));
}
inline bool SendFrame(int fd, char type, const std::string& s) {
  return SendFrame(fd, type, s.data(), s.size());
}

/// Receives one frame (at most kMaxFrame bytes). False when the connection
/// ended or the frame is too large.
inline bool ReceiveFrame(int fd, char* type, std::string* payload) {
  unsigned char h[5];
  if (!ReadAll(fd, reinterpret_cast<char*>(h), 5)) return false;
  uint32_t n = FrameLength(h);
  if (n > kMaxFrame) return false;
  *type = static_cast<char>(h[0]);
  payload->resize(n);
  return n == 0 || ReadAll(fd, payload->data(), n);
}

}  // namespace imago::agent

#endif  // IMAGO_AGENT_PROTOCOL_H_
