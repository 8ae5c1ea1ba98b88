// Seeded random weights for timing runs without weight files. He-uniform
// weights (bound sqrt(6/fan_in)) and small biases keep activations O(1) through
// ReLU6 and the residual sums of any width, so no layer runs on denormals or
// saturates (both would time something other than a real model). The values are
// handed to a `keep` callback too, so a peer engine can run the same network.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <utility>
#include <vector>

#include "mnet/models/model.hpp"

namespace mnet_bench {

/// One convolution's (or the classifier's) weights as the loaders supply them:
/// OIHW (depthwise [C,1,k,k], classifier [N,K,1,1]) with BatchNorm folded into bias.
struct SlotWeights {
    std::array<int, 4> oihw{};
    bool depthwise = false;
    std::vector<float> weight;
    std::vector<float> bias;
};

/// Fills every weight slot of `graph` (execution order) from a seeded generator;
/// if `kept` is given, it receives a copy of each slot's values in the same order.
inline void fill_random(mnet::Graph& graph, std::uint32_t seed, std::vector<SlotWeights>* kept = nullptr) {
    std::mt19937 rng(seed);
    for (mnet::WeightSlot& slot : graph.weight_slots()) {
        const int fan_in = slot.oihw[1] * slot.oihw[2] * slot.oihw[3];
        const float bound = std::sqrt(6.0f / static_cast<float>(fan_in));
        std::uniform_real_distribution<float> w(-bound, bound), b(-0.1f, 0.1f);
        SlotWeights s{slot.oihw, slot.depthwise, std::vector<float>(slot.weight_count()),
                      std::vector<float>(slot.out_channels())};
        for (float& x : s.weight) x = w(rng);
        for (float& x : s.bias) x = b(rng);
        slot.assign(s.weight, s.bias);
        if (kept) kept->push_back(std::move(s));
    }
}

/// A model of `info`'s configuration with seeded random weights.
inline mnet::Model random_model(const mnet::ModelInfo& info, std::uint32_t seed = 42,
                                std::vector<SlotWeights>* kept = nullptr) {
    mnet::Graph graph = mnet::build_graph(info);
    fill_random(graph, seed, kept);
    return mnet::Model(info, std::move(graph));
}

}  // namespace mnet_bench
