// A quantized MobileNet (quant_graph.hpp's layer list, read from the .tflite) built
// from XNNPACK's quantized operators, for the int8 part of peer_onednn.cpp. This
// XNNPACK (Debian 0.0~git20220216) has QU8 operators for the uint8 per-tensor files
// (weights stay uint8 with their zero point) and QC8 convolutions (int8 activations,
// per-channel int8 weights) for the int8 PTQ file; ADD and global average pooling in
// QU8/QS8. Operator API rather than subgraph: the subgraph of this version has no
// QU8 pooling, and the operators are what its subgraph runtime would create anyway.
// XNNPACK requantizes in float (see include/mnet/quant/README.md), so its logits may
// differ from the reference by ±1 here and there: the peer reports the difference.
//
// Every operator is set up once on fixed buffers; run() only calls xnn_run_operator.
#pragma once

#include <pthreadpool.h>
#include <xnnpack.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "quant_graph.hpp"

namespace mnet_bench {

class XnnpackQuantNet {
public:
    /// Creates and sets up every operator for one image on `threads` threads (1: inline).
    XnnpackQuantNet(const qnet::QNet& net, int threads) : net_(net) {
        check(xnn_initialize(nullptr), "xnn_initialize");
        if (threads > 1) pool_.reset(pthreadpool_create(static_cast<std::size_t>(threads)));
        // XNNPACK may read XNN_EXTRA_BYTES past a tensor: every buffer has that slack.
        std::vector<std::size_t> sizes;
        slot_ = qnet::plan_buffers(net, sizes);
        for (std::size_t size : sizes) buffers_.emplace_back(size + XNN_EXTRA_BYTES, std::uint8_t{0});
        for (const qnet::Layer& l : net.layers) add(l);
    }
    XnnpackQuantNet(const XnnpackQuantNet&) = delete;
    XnnpackQuantNet& operator=(const XnnpackQuantNet&) = delete;
    ~XnnpackQuantNet() {
        for (xnn_operator_t op : ops_) xnn_delete_operator(op);
    }

    /// Runs one image given as the model's input tensor (uint8) and returns the quantized logits' bytes.
    std::span<const std::uint8_t> run(const std::uint8_t* input) {
        std::memcpy(buf<std::uint8_t>(0), input, net_.values[0].size());
        for (const Step& s : steps_) {
            if (s.op) check(xnn_run_operator(s.op, pool_.get()), "xnn_run_operator");
            else qnet::requantize(buf<std::uint8_t>(s.layer->in), value(s.layer->in), buf<std::uint8_t>(s.layer->out),
                                  value(s.layer->out));
        }
        return {buf<std::uint8_t>(net_.logits), value(net_.logits).size()};
    }

private:
    struct PoolDeleter {
        void operator()(pthreadpool_t p) const noexcept { pthreadpool_destroy(p); }
    };
    /// An operator, or (op == nullptr) the host-side requantization of `layer`.
    struct Step {
        xnn_operator_t op;
        const qnet::Layer* layer;
    };

    static void check(xnn_status s, const char* what) {
        if (s != xnn_status_success) throw std::runtime_error(std::string("XNNPACK: ") + what + " failed");
    }
    const qnet::Value& value(int id) const { return net_.values[static_cast<std::size_t>(id)]; }
    template <class T>
    T* buf(int id) {
        return reinterpret_cast<T*>(buffers_[static_cast<std::size_t>(slot_[static_cast<std::size_t>(id)])].data());
    }
    void push(xnn_operator_t op, const qnet::Layer* l) {
        if (op) ops_.push_back(op);
        steps_.push_back({op, l});
    }

    void add(const qnet::Layer& l) {
        const qnet::Value &in = value(l.in), &out = value(l.out);
        xnn_operator_t op = nullptr;
        using Kind = qnet::Layer::Kind;
        if (l.kind == Kind::requantize) return push(nullptr, &l);
        if (in.s8 != out.s8) throw std::runtime_error("XnnpackQuantNet: mixed uint8/int8 layer");
        if (l.kind == Kind::conv) {
            const auto u = [](int v) { return static_cast<std::uint32_t>(v); };
            const std::uint32_t groups = l.depthwise ? u(in.c) : 1;
            const std::size_t group_in = l.depthwise ? 1 : static_cast<std::size_t>(in.c);
            const std::size_t group_out = l.depthwise ? 1 : static_cast<std::size_t>(out.c);
            const std::uint32_t flags = l.depthwise ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0;
            if (!in.s8) {
                if (l.weights_s8 || l.per_channel) throw std::runtime_error("XnnpackQuantNet: uint8 layer with int8 weights");
                check(xnn_create_convolution2d_nhwc_qu8(
                          u(l.pad_top), u(l.pad_right), u(l.pad_bottom), u(l.pad_left), u(l.k), u(l.k), u(l.stride),
                          u(l.stride), 1, 1, groups, group_in, group_out, static_cast<std::size_t>(in.c),
                          static_cast<std::size_t>(out.c), static_cast<std::uint8_t>(in.q.zero_point), in.q.scale,
                          static_cast<std::uint8_t>(l.weight_zero_point), l.weight_scale[0], l.weights.data(), l.bias.data(),
                          static_cast<std::uint8_t>(out.q.zero_point), out.q.scale, static_cast<std::uint8_t>(l.lo),
                          static_cast<std::uint8_t>(l.hi), flags, &op),
                      "create_convolution2d_nhwc_qu8");
                check(xnn_setup_convolution2d_nhwc_qu8(op, 1, static_cast<std::size_t>(in.h), static_cast<std::size_t>(in.w),
                                                       buf<std::uint8_t>(l.in), buf<std::uint8_t>(l.out), pool_.get()),
                      "setup_convolution2d_nhwc_qu8");
            } else {
                if (!l.weights_s8 || l.weight_zero_point != 0)
                    throw std::runtime_error("XnnpackQuantNet: int8 layer without symmetric int8 weights");
                check(xnn_create_convolution2d_nhwc_qc8(
                          u(l.pad_top), u(l.pad_right), u(l.pad_bottom), u(l.pad_left), u(l.k), u(l.k), u(l.stride),
                          u(l.stride), 1, 1, groups, group_in, group_out, static_cast<std::size_t>(in.c),
                          static_cast<std::size_t>(out.c), static_cast<std::int8_t>(in.q.zero_point), in.q.scale,
                          l.weight_scale.data(), reinterpret_cast<const std::int8_t*>(l.weights.data()), l.bias.data(),
                          static_cast<std::int8_t>(out.q.zero_point), out.q.scale, static_cast<std::int8_t>(l.lo),
                          static_cast<std::int8_t>(l.hi), flags, &op),
                      "create_convolution2d_nhwc_qc8");
                check(xnn_setup_convolution2d_nhwc_qc8(op, 1, static_cast<std::size_t>(in.h), static_cast<std::size_t>(in.w),
                                                       buf<std::int8_t>(l.in), buf<std::int8_t>(l.out), pool_.get()),
                      "setup_convolution2d_nhwc_qc8");
            }
        } else if (l.kind == Kind::add) {
            const qnet::Value& in2 = value(l.in2);
            const std::size_t shape[4] = {1, static_cast<std::size_t>(out.h), static_cast<std::size_t>(out.w),
                                          static_cast<std::size_t>(out.c)};
            if (!in.s8) {
                check(xnn_create_add_nd_qu8(static_cast<std::uint8_t>(in.q.zero_point), in.q.scale,
                                            static_cast<std::uint8_t>(in2.q.zero_point), in2.q.scale,
                                            static_cast<std::uint8_t>(out.q.zero_point), out.q.scale,
                                            static_cast<std::uint8_t>(l.lo), static_cast<std::uint8_t>(l.hi), 0, &op),
                      "create_add_nd_qu8");
                check(xnn_setup_add_nd_qu8(op, 4, shape, 4, shape, buf<std::uint8_t>(l.in), buf<std::uint8_t>(l.in2),
                                           buf<std::uint8_t>(l.out), pool_.get()),
                      "setup_add_nd_qu8");
            } else {
                check(xnn_create_add_nd_qs8(static_cast<std::int8_t>(in.q.zero_point), in.q.scale,
                                            static_cast<std::int8_t>(in2.q.zero_point), in2.q.scale,
                                            static_cast<std::int8_t>(out.q.zero_point), out.q.scale,
                                            static_cast<std::int8_t>(l.lo), static_cast<std::int8_t>(l.hi), 0, &op),
                      "create_add_nd_qs8");
                check(xnn_setup_add_nd_qs8(op, 4, shape, 4, shape, buf<std::int8_t>(l.in), buf<std::int8_t>(l.in2),
                                           buf<std::int8_t>(l.out), pool_.get()),
                      "setup_add_nd_qs8");
            }
        } else {  // global average pool: NWC with W = H·W of the image
            const auto c = static_cast<std::size_t>(in.c);
            const auto width = static_cast<std::size_t>(in.h) * static_cast<std::size_t>(in.w);
            if (!in.s8) {
                check(xnn_create_global_average_pooling_nwc_qu8(
                          c, c, c, static_cast<std::uint8_t>(in.q.zero_point), in.q.scale,
                          static_cast<std::uint8_t>(out.q.zero_point), out.q.scale, static_cast<std::uint8_t>(l.lo),
                          static_cast<std::uint8_t>(l.hi), 0, &op),
                      "create_global_average_pooling_nwc_qu8");
                check(xnn_setup_global_average_pooling_nwc_qu8(op, 1, width, buf<std::uint8_t>(l.in), buf<std::uint8_t>(l.out),
                                                               pool_.get()),
                      "setup_global_average_pooling_nwc_qu8");
            } else {
                check(xnn_create_global_average_pooling_nwc_qs8(
                          c, c, c, static_cast<std::int8_t>(in.q.zero_point), in.q.scale,
                          static_cast<std::int8_t>(out.q.zero_point), out.q.scale, static_cast<std::int8_t>(l.lo),
                          static_cast<std::int8_t>(l.hi), 0, &op),
                      "create_global_average_pooling_nwc_qs8");
                check(xnn_setup_global_average_pooling_nwc_qs8(op, 1, width, buf<std::int8_t>(l.in), buf<std::int8_t>(l.out),
                                                               pool_.get()),
                      "setup_global_average_pooling_nwc_qs8");
            }
        }
        push(op, &l);
    }

    const qnet::QNet& net_;
    std::unique_ptr<std::remove_pointer_t<pthreadpool_t>, PoolDeleter> pool_;
    std::vector<int> slot_;                           // value id → buffer (qnet::plan_buffers)
    std::vector<std::vector<std::uint8_t>> buffers_;
    std::vector<xnn_operator_t> ops_;
    std::vector<Step> steps_;
};

}  // namespace mnet_bench
