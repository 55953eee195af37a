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

}  // namespace imago::agent

#endif  // IMAGO_AGENT_PROTOCOL_H_
