// The test binary's replacement of the global allocation functions (declared by
// <new>; one definition for the whole executable), counting calls and bytes for
// tests/support/counting_allocator.hpp. Each block carries its requested size in
// a header in front of it, so every form of delete (sized or not) can subtract it.
#include "support/counting_allocator.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

std::atomic<long> g_count{0};
std::atomic<std::size_t> g_in_use{0};
std::atomic<std::size_t> g_peak{0};

/// Header in front of each block: 16 bytes keeps malloc's alignment; an over-aligned
/// block gets a header of its alignment so the pointer handed out stays aligned.
constexpr std::size_t header_for(std::size_t align) noexcept { return std::max<std::size_t>(16, align); }

void* allocate(std::size_t size, std::size_t align) {
    const std::size_t header = header_for(align);
    void* base = align <= 16 ? std::malloc(header + size)
                             : std::aligned_alloc(align, (header + size + align - 1) / align * align);
    if (!base) throw std::bad_alloc();
    auto* user = static_cast<unsigned char*>(base) + header;
    std::memcpy(user - sizeof(std::size_t), &size, sizeof size);
    g_count.fetch_add(1, std::memory_order_relaxed);
    const std::size_t now = g_in_use.fetch_add(size, std::memory_order_relaxed) + size;
    std::size_t peak = g_peak.load(std::memory_order_relaxed);
    while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
    return user;
}

void release(void* p, std::size_t align) noexcept {
    if (!p) return;
    auto* user = static_cast<unsigned char*>(p);
    std::size_t size = 0;
    std::memcpy(&size, user - sizeof(std::size_t), sizeof size);
    g_in_use.fetch_sub(size, std::memory_order_relaxed);
    std::free(user - header_for(align));
}

constexpr std::size_t plain = alignof(std::max_align_t);

}  // namespace

namespace mnet::test::alloc {
long count() noexcept { return g_count.load(); }
std::size_t bytes_in_use() noexcept { return g_in_use.load(); }
std::size_t peak() noexcept { return g_peak.load(); }
void reset_peak() noexcept { g_peak.store(g_in_use.load()); }
}  // namespace mnet::test::alloc

void* operator new(std::size_t size) { return allocate(size, plain); }
void* operator new[](std::size_t size) { return allocate(size, plain); }
void* operator new(std::size_t size, std::align_val_t align) { return allocate(size, static_cast<std::size_t>(align)); }
void* operator new[](std::size_t size, std::align_val_t align) { return allocate(size, static_cast<std::size_t>(align)); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return allocate(size, plain);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return allocate(size, plain);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void* p) noexcept { release(p, plain); }
void operator delete[](void* p) noexcept { release(p, plain); }
void operator delete(void* p, std::size_t) noexcept { release(p, plain); }
void operator delete[](void* p, std::size_t) noexcept { release(p, plain); }
void operator delete(void* p, std::align_val_t align) noexcept { release(p, static_cast<std::size_t>(align)); }
void operator delete[](void* p, std::align_val_t align) noexcept { release(p, static_cast<std::size_t>(align)); }
void operator delete(void* p, std::size_t, std::align_val_t align) noexcept { release(p, static_cast<std::size_t>(align)); }
void operator delete[](void* p, std::size_t, std::align_val_t align) noexcept { release(p, static_cast<std::size_t>(align)); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p, plain); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p, plain); }
