// Reference ARG_MAX (TFLite reference_ops::ArgMinMax with std::greater): the index of
// the first maximum along one axis — a later equal value never wins.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mnet::quant::ref {

/// ARG_MAX along an axis of extent `axis_size`, with `outer` and `inner` the products
/// of the dimensions before and after it; `output` holds outer · inner indices.
template <class T, class Index>
void arg_max(std::size_t outer, std::size_t axis_size, std::size_t inner, const T* input, Index* output) {
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t i = 0; i < inner; ++i) {
            const T* base = input + o * axis_size * inner + i;
            T best = base[0];
            Index best_index = 0;
            for (std::size_t a = 1; a < axis_size; ++a)
                if (base[a * inner] > best) {
                    best = base[a * inner];
                    best_index = static_cast<Index>(a);
                }
            output[o * inner + i] = best_index;
        }
}

}  // namespace mnet::quant::ref
