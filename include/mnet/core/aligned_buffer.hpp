// AlignedBuffer — an owning, 64-byte aligned array of floats. Used for packed
// weights and for the Session arena, so SIMD kernels may use aligned loads and
// per-thread slices never share a cache line.
#pragma once

#include <algorithm>
#include <cstddef>
#include <new>
#include <span>
#include <utility>

namespace mnet {

/// Byte alignment of every AlignedBuffer: one cache line, and an AVX-512 register.
inline constexpr std::size_t kAlignment = 64;

/// Rounds a float count up so the next slice starts on a kAlignment boundary.
constexpr std::size_t align_floats(std::size_t n) noexcept {
    constexpr std::size_t per_line = kAlignment / sizeof(float);
    return (n + per_line - 1) / per_line * per_line;
}

/// An owning array of floats whose storage starts on a kAlignment boundary.
/// Copies are deep; a moved-from buffer is empty.
class AlignedBuffer {
public:
    AlignedBuffer() = default;
    /// Allocates `size` floats, zero-initialised.
    explicit AlignedBuffer(std::size_t size) : size_(size) {
        if (size_ == 0) return;
        data_ = static_cast<float*>(::operator new(align_floats(size_) * sizeof(float), std::align_val_t{kAlignment}));
        std::fill_n(data_, size_, 0.0f);
    }
    /// Deep copy (a new aligned allocation).
    AlignedBuffer(const AlignedBuffer& other) : AlignedBuffer(other.size_) {
        std::copy_n(other.data_, size_, data_);
    }
    /// Takes the storage; `other` is left empty.
    AlignedBuffer(AlignedBuffer&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    /// Copy or move assignment (copy-and-swap).
    AlignedBuffer& operator=(AlignedBuffer other) noexcept {
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
        return *this;
    }
    ~AlignedBuffer() {
        if (data_) ::operator delete(data_, std::align_val_t{kAlignment});
    }

    float* data() noexcept { return data_; }              ///< First float (64-byte aligned); nullptr if empty.
    const float* data() const noexcept { return data_; }  ///< First float (64-byte aligned); nullptr if empty.
    std::size_t size() const noexcept { return size_; }   ///< Number of floats.
    float& operator[](std::size_t i) noexcept { return data_[i]; }              ///< Float `i` (unchecked).
    const float& operator[](std::size_t i) const noexcept { return data_[i]; }  ///< Float `i` (unchecked).
    std::span<float> span() noexcept { return {data_, size_}; }                 ///< All floats.
    std::span<const float> span() const noexcept { return {data_, size_}; }     ///< All floats.

private:
    float* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace mnet
