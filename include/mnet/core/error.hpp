// mnet::Error — the one exception type mnet throws, at its boundaries only
// (loaders, Session construction, argument checks). Kernels never throw.
#pragma once

#include <stdexcept>
#include <string>

namespace mnet {

/// What went wrong, so a caller can react without parsing the message.
enum class ErrorKind {
    io,           ///< a file could not be opened or read
    format,       ///< a file is malformed (bad header, offsets, lengths)
    shape,        ///< a tensor or input has the wrong shape, dtype or size
    unsupported,  ///< valid input that mnet does not handle (an op, a dtype)
    argument,     ///< a caller passed an invalid value
};

/// Human-readable name of an ErrorKind ("io", "format", ...).
constexpr const char* to_string(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::io: return "io";
        case ErrorKind::format: return "format";
        case ErrorKind::shape: return "shape";
        case ErrorKind::unsupported: return "unsupported";
        case ErrorKind::argument: return "argument";
    }
    return "unknown";
}

/// Exception thrown by mnet. The message names the file, tensor or argument,
/// what was expected and what was found.
class Error : public std::runtime_error {
public:
    /// An error of `kind`; `message` is what what() returns.
    Error(ErrorKind kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}

    /// The category of the failure.
    ErrorKind kind() const noexcept { return kind_; }

private:
    ErrorKind kind_;
};

/// Throws Error(kind, message) unless `condition` holds.
inline void require(bool condition, ErrorKind kind, const std::string& message) {
    if (!condition) throw Error(kind, message);
}

}  // namespace mnet
