// Small string helpers every layer uses.
#ifndef IMAGO_BASE_STRINGS_H_
#define IMAGO_BASE_STRINGS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace imago::base {

/// `s` quoted for /bin/sh: single quotes, with each ' written as '\''.
std::string ShellQuote(std::string_view s);

/// True when `s` is 1-20 decimal digits (a GCE numeric id).
bool IsAllDigits(std::string_view s);

/// Parses `s` whole as a base-10 unsigned 64-bit number; false when it is
/// empty, has anything but digits, or overflows (never throws).
bool ParseUint64(std::string_view s, uint64_t* out);
/// The same for a signed 64-bit number (a leading '-' allowed).
bool ParseInt64(std::string_view s, int64_t* out);

/// True when `s` is well-formed UTF-8 (what JSON text, and so every string
/// of the API, must be).
bool IsValidUtf8(std::string_view s);

/// `s` without leading and trailing whitespace (space, tab, CR, LF).
std::string Trim(std::string_view s);

/// Lower-case hexadecimal of `n` bytes.
std::string HexOf(const unsigned char* data, size_t n);

}  // namespace imago::base

#endif  // IMAGO_BASE_STRINGS_H_
