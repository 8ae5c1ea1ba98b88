// The typed tensors of the reference integer interpreter: a .tflite tensor's
// element type, shape and per-tensor quantization, with storage of its own (weights
// copied out of the file, activations allocated once). Per-channel scales stay in
// the file's record; the interpreter reads them while it prepares an op.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "mnet/io/detail/tflite_codes.hpp"

namespace mnet::quant {

/// The C++ type of a TFLite tensor type code, for the types the interpreter computes with.
template <class T>
constexpr int tflite_type_of() noexcept {
    if constexpr (std::is_same_v<T, std::uint8_t>) return io::tflite_codes::uint8;
    else if constexpr (std::is_same_v<T, std::int8_t>) return io::tflite_codes::int8;
    else if constexpr (std::is_same_v<T, std::int32_t>) return io::tflite_codes::int32;
    else if constexpr (std::is_same_v<T, std::int64_t>) return io::tflite_codes::int64;
    else static_assert(!sizeof(T), "uint8, int8, int32 or int64");
}

/// One tensor of the interpreter: metadata from the file plus its bytes.
struct Tensor {
    int index = 0;                   ///< position in the file's tensor list
    /// Slot in a program (what prepared steps address): `index` for a single file; chained
    /// files (quant/program.hpp) number on, and a file's input takes the slot of the
    /// previous file's output.
    int id = 0;
    std::string name;                ///< as in the file
    int type = 0;                    ///< TFLite TensorType (io::tflite_codes)
    std::vector<int> shape;          ///< dimensions
    float scale = 0;                 ///< per-tensor scale (the first, for per-channel weights); 0: not quantized
    std::int32_t zero_point = 0;     ///< per-tensor zero point
    bool constant = false;           ///< data came from the file
    /// The bytes (never resized after construction). Bytes from the allocator: operator new aligns them for
    /// any scalar and C++20 lets them hold the elements a kernel writes (implicit object creation).
    std::vector<std::byte> storage;
    std::size_t bytes = 0;           ///< meaningful bytes in `storage`

    /// Number of elements.
    std::size_t numel() const noexcept {
        std::size_t n = 1;
        for (int d : shape) n *= static_cast<std::size_t>(d);
        return n;
    }
    /// The elements as T (T must match `type`; checked by the caller when it prepared the op).
    template <class T>
    T* data() noexcept {
        return reinterpret_cast<T*>(storage.data());
    }
    /// The elements as T, read-only.
    template <class T>
    const T* data() const noexcept {
        return reinterpret_cast<const T*>(storage.data());
    }
    /// The elements as a span of T (empty if `type` is not T's).
    template <class T>
    std::span<const T> values() const noexcept {
        if (type != tflite_type_of<T>()) return {};
        return {data<T>(), numel()};
    }
    /// The raw bytes.
    std::span<const std::uint8_t> raw() const noexcept {
        return {reinterpret_cast<const std::uint8_t*>(storage.data()), bytes};
    }
};

}  // namespace mnet::quant
