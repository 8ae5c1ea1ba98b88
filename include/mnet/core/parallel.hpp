// ThreadPool and Parallel: a persistent set of workers owned by a Session, and the
// handle layers split their work with (in core/, so layers need not include the runtime).
// ThreadPool: `parallel_for`
// splits [0, n) into one contiguous chunk per thread (the caller runs chunk 0),
// so a split never changes what each output element computes: results are
// bit-identical for any thread count. Waiting threads (idle workers, and the caller
// once its own chunk is done) spin briefly with the CPU's spin-wait hint, then sleep
// on a futex (std::atomic::wait): a layer's work arrives every few µs during an
// inference, but a thread that keeps spinning takes the core the thread it waits for
// needs whenever threads outnumber free cores (a loaded machine, 8 threads on 2 cores,
// qemu-user emulation, where a spin hint is no delay at all). threads = 1 runs inline.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace mnet {

/// A persistent pool: threads − 1 workers plus the calling thread, which runs chunk 0.
class ThreadPool {
public:
    /// Starts threads − 1 workers (threads < 1 counts as 1).
    explicit ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
        workers_.reserve(static_cast<std::size_t>(threads_ - 1));
        for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { work(t); });
    }
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;
    ~ThreadPool() {
        stop_.store(true, std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
        generation_.notify_all();
        for (std::thread& w : workers_) w.join();
    }

    int size() const noexcept { return threads_; }  ///< Threads, the caller included.

    /// Calls fn(begin, end) once per thread over a static split of [0, n); blocks until all
    /// chunks are done. Thread t gets [n·t/T, n·(t+1)/T); empty chunks are skipped. Not reentrant.
    template <class F>
    void parallel_for(std::size_t n, F&& fn) {
        if (threads_ == 1 || n <= 1) {
            if (n) fn(std::size_t{0}, n);
            return;
        }
        task_ = &invoke<std::remove_reference_t<F>>;
        context_ = &fn;
        n_ = n;
        pending_.store(threads_ - 1, std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
        generation_.notify_all();
        run_chunk(0);
        int left = pending_.load(std::memory_order_acquire);
        for (int spins = 0; left != 0 && spins < kCallerSpins; ++spins) {
            spin_hint();
            left = pending_.load(std::memory_order_acquire);
        }
        while (left != 0) {  // woken by the worker that finishes last
            pending_.wait(left, std::memory_order_acquire);
            left = pending_.load(std::memory_order_acquire);
        }
    }

private:
    template <class F>
    static void invoke(void* context, std::size_t begin, std::size_t end) {
        (*static_cast<F*>(context))(begin, end);
    }

    void run_chunk(int t) {
        const std::size_t begin = n_ * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads_);
        const std::size_t end = n_ * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads_);
        if (begin < end) task_(context_, begin, end);
    }

    // Spin budgets, in hints: a few 10 µs on x86 (PAUSE is ~40-140 cycles), about the
    // imbalance between a layer's chunks, so the caller rarely sleeps within an inference;
    // workers wait longer, for the next layer, before they sleep.
    static constexpr int kCallerSpins = 4096;
    static constexpr int kWorkerSpins = 20000;

    /// Tells the core this is a spin-wait loop: x86 PAUSE; ISB on aarch64 (a short,
    /// real delay, where YIELD is a no-op on most cores); nothing elsewhere.
    static void spin_hint() noexcept {
#if defined(__x86_64__) || defined(__i386__)
        _mm_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("isb" ::: "memory");
#endif
    }

    void work(int t) {
        std::uint64_t seen = 0;
        for (;;) {
            // spin a little (the next layer is usually microseconds away), then sleep
            std::uint64_t now = generation_.load(std::memory_order_acquire);
            for (int spins = 0; now == seen && spins < kWorkerSpins; ++spins) {
                spin_hint();
                now = generation_.load(std::memory_order_acquire);
            }
            while (now == seen) {
                generation_.wait(seen, std::memory_order_acquire);
                now = generation_.load(std::memory_order_acquire);
            }
            seen = now;
            if (stop_.load(std::memory_order_relaxed)) return;
            run_chunk(t);
            // seq_cst: notify_one skips the futex call when it sees no sleeper (libstdc++
            // counts them), so the decrement and that check must be totally ordered with
            // the caller's "count myself as a sleeper, then re-check pending_".
            if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1) pending_.notify_one();
        }
    }

    int threads_;
    std::vector<std::thread> workers_;
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stop_{false};
    void (*task_)(void*, std::size_t, std::size_t) = nullptr;
    void* context_ = nullptr;
    std::size_t n_ = 0;
};

/// What a layer's forward gets to split its work: the session's pool, or none
/// (run inline). Layers choose the split (rows, columns); any split gives the
/// same bits.
struct Parallel {
    ThreadPool* pool = nullptr;  ///< nullptr: run inline

    /// Threads a split uses (1 without a pool).
    int threads() const noexcept { return pool ? pool->size() : 1; }

    /// fn(begin, end) over a split of [0, n), inline when there is no pool.
    template <class F>
    void split(std::size_t n, F&& fn) const {
        if (pool)
            pool->parallel_for(n, fn);
        else if (n)
            fn(std::size_t{0}, n);
    }
};

}  // namespace mnet
