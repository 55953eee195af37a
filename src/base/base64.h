// Base64 (RFC 4648), in the standard alphabet with padding and in the URL
// alphabet without it (page tokens, JWTs). Over OpenSSL's EVP codec.
#ifndef IMAGO_BASE_BASE64_H_
#define IMAGO_BASE_BASE64_H_

#include <string>
#include <string_view>

namespace imago::base {

/// Standard alphabet, '=' padded.
std::string Base64Encode(std::string_view in);
/// URL alphabet ('-', '_'), no padding.
std::string Base64UrlEncode(std::string_view in);

/// Decodes the standard alphabet (padding optional). False, leaving `out`
/// alone, on any character outside the alphabet or a malformed length.
bool Base64Decode(std::string_view in, std::string* out);
/// Decodes the URL alphabet (padding optional); false as above.
bool Base64UrlDecode(std::string_view in, std::string* out);

}  // namespace imago::base

#endif  // IMAGO_BASE_BASE64_H_
