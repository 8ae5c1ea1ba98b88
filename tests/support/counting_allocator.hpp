// Test support: counters of the test binary's global operator new/delete, which
// tests/support/counting_allocator.cpp replaces once for the whole executable
// (a second replacement would not link). Tests read differences around the code
// they measure: allocation calls (Session::run must make none) and bytes in use
// with their peak (mnet::load must stay within a bound). Thread-safe counters.
#pragma once

#include <cstddef>

namespace mnet::test::alloc {

/// operator new calls so far (every form: sized, aligned, array).
long count() noexcept;

/// Bytes requested by allocations not yet freed.
std::size_t bytes_in_use() noexcept;

/// Highest bytes_in_use() since the last reset_peak().
std::size_t peak() noexcept;

/// Restarts the peak from the bytes in use now.
void reset_peak() noexcept;

}  // namespace mnet::test::alloc
