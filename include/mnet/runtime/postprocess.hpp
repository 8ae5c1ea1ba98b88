// Turning logits into answers: softmax and top-k.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace mnet {

/// Numerically stable softmax.
inline std::vector<float> softmax(std::span<const float> logits) {
    std::vector<float> p(logits.begin(), logits.end());
    if (p.empty()) return p;
    const float peak = *std::max_element(p.begin(), p.end());
    double sum = 0;
    for (float& v : p) sum += (v = std::exp(v - peak));
    for (float& v : p) v = static_cast<float>(v / sum);
    return p;
}

/// A class and its score, as top_k returns them.
struct Ranked {
    int index;    ///< class index (output position)
    float score;  ///< its score (probability after softmax)
};

/// The k largest scores, largest first; ties keep the lower index first.
inline std::vector<Ranked> top_k(std::span<const float> scores, std::size_t k) {
    std::vector<Ranked> all(scores.size());
    for (std::size_t i = 0; i < scores.size(); ++i) all[i] = {static_cast<int>(i), scores[i]};
    k = std::min(k, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(),
                      [](const Ranked& a, const Ranked& b) { return a.score > b.score || (a.score == b.score && a.index < b.index); });
    all.resize(k);
    return all;
}

}  // namespace mnet
