// One Model shared by 8 threads, each with its own Session, 200 inferences each
// over the reference photos' stored inputs: every output must be bit-identical to
// a single-threaded run. The Model is immutable after load and a Session owns all
// mutable state, so nothing may differ and ThreadSanitizer (.ci/sanitizers.sh runs
// this file in its own TSan build) must find no race.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <exception>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mnet/mnet.hpp"
#include "support/data.hpp"

// Sanitizer builds (.ci/sanitizers.sh): GCC defines __SANITIZE_*__, clang has __has_feature.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define MNET_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define MNET_TEST_SANITIZED 1
#endif
#endif

using namespace mnet;

namespace {

constexpr int kThreads = 8;
#ifdef MNET_TEST_EMULATED
// Under qemu-aarch64 (.ci/aarch64.sh) one V2 inference costs about a CPU-second: 8 x 4
// runs, each thread starting on a different photo, still keep all 8 sessions running at once.
constexpr int kRunsPerThread = 4;
#elif defined(MNET_TEST_SANITIZED)
// Under TSan or ASan at -O1 a V2 inference is 10-30x slower (8 x 200 runs took over
// 15 minutes with ASan on 2 cores); 8 threads x 12 runs still overlap every pair of
// sessions many times, which is what the sanitizers need to see. The normal build
// runs the full 200 per thread.
constexpr int kRunsPerThread = 12;
#else
constexpr int kRunsPerThread = 200;
#endif

bool same_bits(std::span<const float> a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), b.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("concurrency: 8 threads share one Model and each has its own Session", "[runtime][concurrency]") {
    const Model model = load(test::data_file("weights/mobilenet_v2_1.0_224.safetensors"));
    std::vector<std::vector<float>> inputs;
    for (const std::string& image : test::reference_images())
        inputs.push_back(test::read_f32(test::data_file("reference/v2_1.0_224_float/" + image + ".input.f32")));

    std::vector<std::vector<float>> expected;  // the single-threaded answers
    {
        Session single(model);
        for (const auto& input : inputs) {
            const auto logits = single.run(input);
            expected.emplace_back(logits.begin(), logits.end());
        }
    }

    std::atomic<int> runs{0}, mismatches{0};
    std::vector<std::string> errors(kThreads);
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            std::string& error = errors[static_cast<std::size_t>(t)];
            std::optional<Session> session;
            try {
                session.emplace(model);  // a copy of the shared Model handle, made on this thread
            } catch (const std::exception& e) {
                error = e.what();
            }
            start.arrive_and_wait();  // all sessions exist: the runs overlap
            if (!session) return;
            try {
                for (int i = 0; i < kRunsPerThread; ++i) {
                    const std::size_t k = static_cast<std::size_t>(t + i) % inputs.size();  // threads out of step
                    if (!same_bits(session->run(inputs[k]), expected[k])) mismatches.fetch_add(1);
                    runs.fetch_add(1);
                }
            } catch (const std::exception& e) {
                error = e.what();
            }
        });
    for (std::thread& th : threads) th.join();

    for (int t = 0; t < kThreads; ++t) {
        INFO("thread " << t);
        CHECK(errors[static_cast<std::size_t>(t)].empty());
    }
    CHECK(runs.load() == kThreads * kRunsPerThread);
    CHECK(mismatches.load() == 0);
}
