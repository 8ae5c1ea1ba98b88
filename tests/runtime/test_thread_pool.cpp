#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "mnet/core/parallel.hpp"

using mnet::ThreadPool;

TEST_CASE("ThreadPool: every index runs exactly once, in contiguous chunks", "[runtime][pool]") {
    const int threads = GENERATE(1, 2, 3, 8);
    CAPTURE(threads);
    ThreadPool pool(threads);
    CHECK(pool.size() == threads);
    for (std::size_t n : {0u, 1u, 2u, 7u, 100u, 1001u}) {
        CAPTURE(n);
        std::vector<std::atomic<int>> hits(n);
        std::atomic<int> chunks{0}, empty_chunks{0};
        pool.parallel_for(n, [&](std::size_t begin, std::size_t end) {
            // no Catch assertion here: Catch2 is not thread-safe (TSan flags its counters)
            if (begin >= end) empty_chunks.fetch_add(1);
            ++chunks;
            for (std::size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
        });
        for (std::size_t i = 0; i < n; ++i) CHECK(hits[i].load() == 1);
        CHECK(empty_chunks.load() == 0);
        CHECK(chunks.load() <= threads);
    }
}

TEST_CASE("ThreadPool: work really runs on several threads and the pool is reusable", "[runtime][pool]") {
    ThreadPool pool(2);
    for (int round = 0; round < 200; ++round) {
        std::set<std::thread::id> ids;
        std::atomic_flag lock = ATOMIC_FLAG_INIT;
        pool.parallel_for(2, [&](std::size_t, std::size_t) {
            while (lock.test_and_set()) {
            }
            ids.insert(std::this_thread::get_id());
            lock.clear();
        });
        REQUIRE(ids.size() == 2);
    }
}
