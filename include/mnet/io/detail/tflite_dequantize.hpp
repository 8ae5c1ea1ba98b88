// Constant TFLite tensors as float32, in the file's own element order:
// FLOAT32 as stored, FLOAT16 widened, UINT8 / INT8 / INT32 through their affine
// quantization w = scale[c]·(q − zero_point[c]) (c along quantized_dimension when
// there is a scale per channel). The product is formed in double and rounded once,
// so the float weights are the nearest floats to the exact dequantized values.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "mnet/io/tflite_file.hpp"

namespace mnet::io::tflite_detail {

/// IEEE binary16 → float (subnormals, infinities and NaN included).
inline float half_to_float(std::uint16_t h) noexcept {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1fu;
    const std::uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0) {  // zero or subnormal: mantissa · 2^-24
        const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
        return sign ? -magnitude : magnitude;
    }
    std::uint32_t bits = exponent == 0x1f ? (sign | 0x7f800000u | (mantissa << 13))
                                          : (sign | ((exponent + 112u) << 23) | (mantissa << 13));
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

template <class T>
T load_element(const std::uint8_t* data, std::size_t i) noexcept {
    T v;
    std::memcpy(&v, data + i * sizeof(T), sizeof(T));  // buffers carry no alignment promise
    return v;
}

/// The values of a constant, unquantized INT32 tensor (shapes, axes).
inline std::vector<std::int32_t> read_int32(const TfliteFile& file, const TfliteTensor& t) {
    if (!t.is_constant() || t.type != tflite_codes::int32)
        file.fail(ErrorKind::format, {"tensor '", tflite_short_name(t.name), "': expected constant INT32 data"});
    std::vector<std::int32_t> out(static_cast<std::size_t>(t.numel));
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = load_element<std::int32_t>(t.data.data(), i);
    return out;
}

/// "tensor 'name' [3,3,32] INT8", how dequantize's errors start (built only on failure).
inline std::string dequantize_label(const TfliteTensor& t) {
    return mnet::detail::message({"tensor '", tflite_short_name(t.name), "' ", tflite_shape_string(t.shape), " ",
                                  tflite_codes::type_name(t.type)});
}

/// The values of constant tensor `t` of `file` as floats (row-major, the tensor's own shape).
inline std::vector<float> dequantize(const TfliteFile& file, const TfliteTensor& t) {
    namespace codes = tflite_codes;
    if (!t.is_constant())
        file.fail(ErrorKind::format, {dequantize_label(t), ": expected constant data, the tensor has none"});
    const auto n = static_cast<std::size_t>(t.numel);
    std::vector<float> out(n);
    const std::uint8_t* data = t.data.data();

    if (t.type == codes::float32 || t.type == codes::float16) {
        for (std::size_t i = 0; i < n; ++i) {
            out[i] = t.type == codes::float32 ? load_element<float>(data, i)
                                              : half_to_float(load_element<std::uint16_t>(data, i));
            if (!std::isfinite(out[i]))
                file.fail(ErrorKind::format, {dequantize_label(t), ": non-finite value at element ", i});
        }
        return out;
    }
    if (t.type != codes::uint8 && t.type != codes::int8 && t.type != codes::int32)
        file.fail(ErrorKind::unsupported, {dequantize_label(t), ": weights of this type are not supported (expected "
                                                                "FLOAT32, FLOAT16, UINT8, INT8 or INT32)"});
    const TfliteQuantization& q = t.quantization;
    if (q.scale.empty())
        file.fail(ErrorKind::format, {dequantize_label(t), ": quantized tensor without quantization scale"});

    // Per-channel parameters repeat every `inner` elements along `axis` (validated by TfliteFile).
    std::size_t channels = 1, inner = 1;
    if (q.scale.size() > 1) {
        channels = q.scale.size();
        for (std::size_t d = static_cast<std::size_t>(q.axis) + 1; d < t.shape.size(); ++d)
            inner *= static_cast<std::size_t>(t.shape[d]);
    }
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = channels == 1 ? 0 : (i / inner) % channels;
        const std::int64_t zero = q.zero_point.empty() ? 0 : q.zero_point[q.zero_point.size() == 1 ? 0 : c];
        std::int64_t v = 0;
        if (t.type == codes::uint8) v = load_element<std::uint8_t>(data, i);
        else if (t.type == codes::int8) v = load_element<std::int8_t>(data, i);  // NOLINT(bugprone-signed-char-misuse): a number
        else v = load_element<std::int32_t>(data, i);
        const double value = static_cast<double>(q.scale[c]) * static_cast<double>(v - zero);
        // beyond float's range the cast would be undefined, not infinite
        if (!(std::fabs(value) <= std::numeric_limits<float>::max()))
            file.fail(ErrorKind::format, {dequantize_label(t), ": dequantized value at element ", i, " is not finite"});
        out[i] = static_cast<float>(value);
    }
    return out;
}

}  // namespace mnet::io::tflite_detail
