// Typed tensors of one image: a shape, an element type and where the pixels are.
// The memory plan sizes and places tensors by dtype, and nodes receive views, so
// the integer path adds element types without another redesign.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mnet/core/shape.hpp"

namespace mnet {

/// Element type of an activation tensor.
enum class DType : std::uint8_t {
    f32,  ///< float32 (the float path)
    u8,   ///< uint8 (per-tensor quantized activations)
    i8,   ///< int8 (per-channel quantized models)
    i32,  ///< int32 (accumulators, arg-max indices)
};

/// Bytes of one element.
constexpr std::size_t size_of(DType t) noexcept {
    return t == DType::f32 || t == DType::i32 ? 4 : 1;
}

/// "f32", "u8", "i8" or "i32".
constexpr const char* to_string(DType t) noexcept {
    switch (t) {
        case DType::f32: return "f32";
        case DType::u8: return "u8";
        case DType::i8: return "i8";
        case DType::i32: return "i32";
    }
    return "?";
}

/// Rounds a byte count up to the arena's 64-byte alignment.
constexpr std::size_t align_bytes(std::size_t n) noexcept { return (n + 63) / 64 * 64; }

/// A writable NHWC tensor of one image. Pixels are `pixel_stride` elements apart
/// (= shape.c, or more when the tensor is a channel slice of a concatenation).
struct TensorView {
    void* data = nullptr;          ///< first element
    Shape shape;                   ///< h × w × c
    DType dtype = DType::f32;      ///< element type
    std::size_t pixel_stride = 0;  ///< elements from one pixel to the next

    /// The data as T (the caller knows the dtype it planned).
    template <class T>
    T* as() const noexcept { return static_cast<T*>(data); }
    /// True when the pixels are packed (pixel_stride == c).
    bool dense() const noexcept { return pixel_stride == static_cast<std::size_t>(shape.c); }
};

/// A read-only NHWC tensor of one image (see TensorView).
struct ConstTensorView {
    const void* data = nullptr;    ///< first element
    Shape shape;                   ///< h × w × c
    DType dtype = DType::f32;      ///< element type
    std::size_t pixel_stride = 0;  ///< elements from one pixel to the next

    /// The data as T (the caller knows the dtype it planned).
    template <class T>
    const T* as() const noexcept { return static_cast<const T*>(data); }
};

}  // namespace mnet
