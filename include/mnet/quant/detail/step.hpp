// A prepared integer op as the runtime sees it: a type-erased step over a Frame (the
// bytes of every tensor by id, and the threads). Kept apart from op_context.hpp so
// that sessions run prepared programs without the .tflite reader's headers.
#pragma once

#include <cstddef>
#include <functional>

#include "mnet/core/parallel.hpp"

namespace mnet::quant::detail {

/// What a prepared step runs on: every tensor's bytes by id (Tensor::id) and the
/// threads to split its work over. Steps keep no pointers of their own to activations,
/// so one prepared program serves any number of arenas (sessions) at once.
struct Frame {
    std::byte* const* tensors = nullptr;  ///< bytes of tensor id i (constants included)
    Parallel par;                         ///< the session's pool, or none (inline)

    /// Tensor `id`'s elements as T.
    template <class T>
    T* at(int id) const noexcept {
        return reinterpret_cast<T*>(tensors[id]);
    }
};

/// One prepared step: runs the op on a frame. Const and stateless (shared by sessions).
using Step = std::function<void(const Frame&)>;

}  // namespace mnet::quant::detail
