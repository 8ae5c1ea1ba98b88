// mnet::Error — the one exception type mnet throws, at its boundaries only
// (loaders, Session construction, argument checks). Kernels never throw.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

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

namespace detail {

/// One piece of an error message: text, or a number formatted exactly as
/// std::to_string formats it. Lets a check pass its message as pieces,
/// `if (!ok) detail::fail(kind, {name, ": ", n, " bytes"});`, so the string is
/// built only on failure and out of line: an inline operator+ chain at every
/// check cost the loaders most of their code size and compile time.
class MessagePart {
public:
    // Implicit, so that a braced list of strings and numbers reads as a message.
    MessagePart(const char* text) noexcept : text_(text) {}
    MessagePart(std::string_view text) noexcept : text_(text) {}
    MessagePart(const std::string& text) noexcept : text_(text) {}
    // Numbers; not bool or char, which std::to_string would print as numbers
    // but a message would mean as text (a compile error here instead).
    template <class T>
        requires(std::is_arithmetic_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>)
    MessagePart(T value) noexcept {
        if constexpr (std::is_floating_point_v<T>)
            format_double(static_cast<double>(value));
        else if constexpr (std::is_signed_v<T>)
            format_signed(static_cast<long long>(value));
        else
            format_unsigned(static_cast<unsigned long long>(value));
    }
    // Views into number_: a copy would point into the original.
    MessagePart(const MessagePart&) = delete;
    MessagePart& operator=(const MessagePart&) = delete;

    std::string_view view() const noexcept { return text_; }

private:
    // Out of line so that each number in a message costs a call, not a formatter.
    [[gnu::noinline]] void format_signed(long long v) noexcept {
        set(std::snprintf(number_, sizeof number_, "%lld", v));
    }
    [[gnu::noinline]] void format_unsigned(unsigned long long v) noexcept {
        set(std::snprintf(number_, sizeof number_, "%llu", v));
    }
    // "%f", as std::to_string(double) formats (a float is promoted, as there).
    [[gnu::noinline]] void format_double(double v) noexcept { set(std::snprintf(number_, sizeof number_, "%f", v)); }
    void set(int n) noexcept {
        // "%f" of a magnitude >= 1e24 would not fit and is cut; the only floats in
        // messages are width multipliers (<= 4).
        const auto len = n < 0 ? 0 : static_cast<std::size_t>(n);
        text_ = std::string_view(number_, len < sizeof number_ ? len : sizeof number_ - 1);
    }

    std::string_view text_;
    char number_[32];  // unset for text parts: zeroing it would cost every part a store
};

/// The pieces joined into one string.
[[gnu::noinline]] inline std::string message(std::initializer_list<MessagePart> parts) {
    std::size_t size = 0;
    for (const MessagePart& p : parts) size += p.view().size();
    std::string out;
    out.reserve(size);
    for (const MessagePart& p : parts) out += p.view();
    return out;
}

/// Throws Error(kind, message(parts)); cold and out of line, so a check costs its
/// caller a branch and the pieces' arguments only.
[[noreturn, gnu::cold, gnu::noinline]] inline void fail(ErrorKind kind, std::initializer_list<MessagePart> parts) {
    throw Error(kind, message(parts));
}

}  // namespace detail

}  // namespace mnet
