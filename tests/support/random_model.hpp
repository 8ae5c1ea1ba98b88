// Test support: a Model of any configuration with seeded random weights (BN
// already folded), for tests that need a network but not a trained one.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "mnet/models/model.hpp"

namespace mnet::test {

inline Model random_model(const ModelInfo& info, std::uint32_t seed = 1) {
    Graph graph = build_graph(info);
    std::mt19937 rng(seed);
    for (WeightSlot& slot : graph.weight_slots()) {
        const float fan_in = static_cast<float>(slot.oihw[1] * slot.oihw[2] * slot.oihw[3]);
        std::uniform_real_distribution<float> w(-std::sqrt(3.0f / fan_in), std::sqrt(3.0f / fan_in));
        std::uniform_real_distribution<float> b(-0.1f, 0.1f);
        std::vector<float> weight(slot.weight_count());
        std::vector<float> bias(slot.out_channels());
        for (float& v : weight) v = w(rng);
        for (float& v : bias) v = b(rng);
        slot.assign(weight, bias);
    }
    return Model(info, std::move(graph));
}

inline std::vector<float> random_input(std::size_t n, std::uint32_t seed = 2) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

}  // namespace mnet::test
