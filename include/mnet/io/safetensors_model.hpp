// Loads a MobileNet from safetensors in torchvision naming (see the model
// headers for the names). What the file's `__metadata__` does not say is
// inferred the way a torchvision state dict implies it: architecture from the
// tensor names, width α from the tensor shapes, classes from the classifier,
// BN eps 1e-5, symmetric padding, torchvision preprocessing, resolution 224.
//
// Before a graph is allocated: __metadata__ values are range-checked (resolution
// in [1, 4096], α in (0, 4], bn_eps in (0, 1), classes equal to the length of
// classifier.1.bias), and the graph's weight_count must not exceed the values
// the file stores, so a small file cannot make the loader allocate a big graph.
// Every tensor the graph needs is checked for presence, dtype and shape; BN
// variances must be ≥ 0 and the folded weights within float range; any tensor
// left over (other than `*.num_batches_tracked`) is an error, so a wrong
// architecture cannot load. (README, "Hostile input".)
#pragma once

#include <array>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mnet/io/safetensors.hpp"
#include "mnet/layers/batchnorm.hpp"
#include "mnet/models/model.hpp"

namespace mnet::io {

namespace detail {

inline std::vector<std::int64_t> expected_shape(const WeightSlot& slot) {
    if (slot.fully_connected) return {slot.oihw[0], slot.oihw[1]};
    return {slot.oihw[0], slot.oihw[1], slot.oihw[2], slot.oihw[3]};
}

/// How many of the weight tensors the graph of `info` needs exist with the right shape.
inline std::size_t matching_weights(const SafetensorsFile& file, const ModelInfo& info, std::size_t& needed) {
    Graph graph = build_graph(info);
    const std::vector<WeightSlot> slots = graph.weight_slots();
    needed = slots.size();
    std::size_t matches = 0;
    for (const WeightSlot& slot : slots) {
        const std::string name = slot.weight + ".weight";
        matches += file.contains(name) && file.entry(name).shape == expected_shape(slot);
    }
    return matches;
}

/// Values stored in the file (Σ numel over its tensors; ≤ data section bytes, no overflow).
inline std::uint64_t stored_values(const SafetensorsFile& file) {
    std::uint64_t n = 0;
    for (const auto& [name, entry] : file.tensors()) n += entry.numel();
    return n;
}

inline std::string format_width(float width) {
    std::ostringstream s;
    s << width;
    return s.str();
}

inline double metadata_number(const SafetensorsFile& file, const std::string& key, double fallback) {
    const auto it = file.metadata().find(key);
    if (it == file.metadata().end()) return fallback;
    try {
        std::size_t used = 0;
        const double v = std::stod(it->second, &used);
        if (used == it->second.size() && std::isfinite(v)) return v;
    } catch (const std::exception&) {
    }
    file.fail(ErrorKind::format, {"__metadata__ '", key, "' is not a number: '", it->second, "'"});
}

inline std::string metadata_string(const SafetensorsFile& file, const std::string& key, const std::string& fallback) {
    const auto it = file.metadata().find(key);
    return it == file.metadata().end() ? fallback : it->second;
}

/// fold_batchnorm computes w·s and β − μ·s in double (s = γ/√(σ² + ε), the same
/// expression) and casts them to float; a finite file can still make them exceed
/// float's range, where that cast is undefined. Checked first, naming the BN.
inline void check_fold_range(const SafetensorsFile& file, const WeightSlot& slot, const std::vector<float>& weight,
                             const std::vector<float>& gamma, const std::vector<float>& beta,
                             const std::vector<float>& mean, const std::vector<float>& var, double eps) {
    const double limit = std::numeric_limits<float>::max();
    const std::size_t per_out = gamma.empty() ? 0 : weight.size() / gamma.size();
    for (std::size_t o = 0; o < gamma.size(); ++o) {
        const double scale = static_cast<double>(gamma[o]) / std::sqrt(static_cast<double>(var[o]) + eps);
        bool ok = std::fabs(beta[o] - mean[o] * scale) <= limit;
        for (std::size_t i = 0; ok && i < per_out; ++i) ok = std::fabs(weight[o * per_out + i] * scale) <= limit;
        if (!ok)
            file.fail(ErrorKind::format, {"folding BatchNorm '", slot.batchnorm, "' into '", slot.weight,
                                          "' overflows float at output channel ", o});
    }
}

/// The raw text of a metadata entry (for messages).
inline std::string metadata_text(const SafetensorsFile& file, const std::string& key) {
    const auto it = file.metadata().find(key);
    return it == file.metadata().end() ? std::string("(absent)") : "'" + it->second + "'";
}

inline ModelInfo infer_info(const SafetensorsFile& file) {
    ModelInfo info;
    info.source = file.path();
    const std::string arch = metadata_string(file, "arch", "");
    if (arch == "mobilenet_v2" || (arch.empty() && file.contains("features.1.conv.0.0.weight")))
        info.arch = Arch::mobilenet_v2;
    else if (arch == "mobilenet_v1" || (arch.empty() && file.contains("features.1.0.weight")))
        info.arch = Arch::mobilenet_v1;
    else if (arch.empty())
        file.fail(ErrorKind::unsupported, {"no MobileNetV1/V2 tensors found (expected "
                                           "'features.1.conv.0.0.weight' or 'features.1.0.weight')"});
    else
        file.fail(ErrorKind::unsupported, {"unsupported arch '", arch, "' in __metadata__"});

    const std::string padding = metadata_string(file, "padding", "symmetric");
    if (padding != "tf_same" && padding != "symmetric")
        file.fail(ErrorKind::unsupported,
                  {"__metadata__ padding must be 'tf_same' or 'symmetric', got '", padding, "'"});
    info.padding = padding == "tf_same" ? Padding::tf_same : Padding::symmetric;
    const std::string preprocess = metadata_string(file, "preprocess", "torchvision");
    if (preprocess != "tf_inception" && preprocess != "torchvision")
        file.fail(ErrorKind::unsupported,
                  {"__metadata__ preprocess must be 'tf_inception' or 'torchvision', got '", preprocess, "'"});
    info.preprocess = preprocess == "tf_inception" ? Preprocess::tf_inception : Preprocess::torchvision;

    const double resolution = metadata_number(file, "resolution", 224);
    if (!(resolution >= 1 && resolution <= 4096 && resolution == std::floor(resolution)))
        file.fail(ErrorKind::format, {"__metadata__ resolution must be an integer in [1, 4096]"});
    info.resolution = static_cast<int>(resolution);

    const TensorEntry& classifier_bias = file.entry("classifier.1.bias");
    if (classifier_bias.shape.size() != 1 || classifier_bias.shape[0] < 1)
        file.fail(ErrorKind::shape, {"tensor 'classifier.1.bias': expected shape [num_classes], found ",
                                     shape_to_string(classifier_bias.shape)});
    const double classes = metadata_number(file, "num_classes", static_cast<double>(classifier_bias.shape[0]));
    if (!(classes >= 1 && classes <= 1e6 && classes == std::floor(classes)))
        file.fail(ErrorKind::format, {"__metadata__ num_classes must be a positive integer"});
    // The classifier is sized from this before any weight is read: it must agree with the bias.
    if (classes != static_cast<double>(classifier_bias.shape[0]))
        file.fail(ErrorKind::shape, {"__metadata__ num_classes ", metadata_text(file, "num_classes"),
                                     " disagrees with tensor 'classifier.1.bias' ",
                                     shape_to_string(classifier_bias.shape)});
    info.num_classes = static_cast<int>(classes);

    if (file.metadata().count("width_multiplier")) {
        const double width = metadata_number(file, "width_multiplier", 1.0);
        if (!(width > 0 && width <= 4))
            file.fail(ErrorKind::format, {"__metadata__ width_multiplier must be in (0, 4]"});
        info.width = static_cast<float>(width);
    } else {
        // α is not stored in a plain state dict: take the published multiplier whose graph fits
        // the tensors; if none fits exactly, the closest one, so that the per-tensor check
        // below names the tensor that does not fit.
        static constexpr std::array<float, 8> candidates{1.0f, 0.75f, 0.5f, 0.35f, 0.25f, 1.3f, 1.4f, 2.0f};
        std::size_t best = 0;
        const std::uint64_t stored = stored_values(file);
        for (float width : candidates) {
            ModelInfo candidate = info;
            candidate.width = width;
            if (weight_count(candidate) > stored) continue;  // the file cannot fill it: don't allocate it
            std::size_t needed = 0;
            const std::size_t matches = matching_weights(file, candidate, needed);
            if (matches > best) {
                best = matches;
                info.width = width;
            }
            if (matches == needed) break;
        }
    }
    return info;
}

}  // namespace detail

/// Loads and validates a MobileNet safetensors file.
inline Model load_safetensors(const SafetensorsFile& file) {
    ModelInfo info = detail::infer_info(file);
    const double eps = detail::metadata_number(file, "bn_eps", 1e-5);
    if (!(eps > 0 && eps < 1)) file.fail(ErrorKind::format, {"__metadata__ bn_eps must be in (0, 1)"});
    const bool bn_folded = detail::metadata_string(file, "bn_folded", "false") == "true";

    // Every weight comes from the file, so a graph needing more values than it stores
    // cannot load: refuse before allocating it (a 1 kB header must not cost gigabytes).
    const std::uint64_t needed = weight_count(info), stored = detail::stored_values(file);
    if (needed > stored)
        file.fail(ErrorKind::shape, {to_string(info.arch), " width ", detail::format_width(info.width), " with ",
                                     info.num_classes, " classes needs ", needed,
                                     " weights, the file stores only ", stored, " values"});
    Graph graph = build_graph(info);
    std::set<std::string> used;
    auto take = [&](const std::string& name, const std::vector<std::int64_t>& shape) {
        const TensorEntry& e = file.entry(name);
        if (e.shape != shape)
            file.fail(ErrorKind::shape, {"tensor '", name, "': expected shape ", shape_to_string(shape),
                                         ", found ", shape_to_string(e.shape), " (", to_string(info.arch),
                                         " width ", detail::format_width(info.width), ")"});
        used.insert(name);
        return file.read_floats(name);
    };
    for (WeightSlot& slot : graph.weight_slots()) {
        std::vector<float> weight = take(slot.weight + ".weight", detail::expected_shape(slot));
        const std::vector<std::int64_t> per_channel{static_cast<std::int64_t>(slot.out_channels())};
        std::vector<float> bias;
        if (slot.batchnorm.empty() || bn_folded) {
            bias = take(slot.weight + ".bias", per_channel);
        } else {
            const std::vector<float> gamma = take(slot.batchnorm + ".weight", per_channel);
            const std::vector<float> beta = take(slot.batchnorm + ".bias", per_channel);
            const std::vector<float> mean = take(slot.batchnorm + ".running_mean", per_channel);
            const std::vector<float> var = take(slot.batchnorm + ".running_var", per_channel);
            for (std::size_t i = 0; i < var.size(); ++i)
                if (!(var[i] >= 0))  // message built only on failure
                    file.fail(ErrorKind::format,
                              {"tensor '", slot.batchnorm, ".running_var' has a negative variance at ", i});
            detail::check_fold_range(file, slot, weight, gamma, beta, mean, var, eps);
            bias = fold_batchnorm(weight, gamma, beta, mean, var, eps);
        }
        slot.assign(weight, bias);
    }
    for (const auto& [name, entry] : file.tensors()) {
        const bool counter = name.size() > 20 && name.ends_with(".num_batches_tracked");
        if (!used.count(name) && !counter)
            file.fail(ErrorKind::shape, {"unexpected tensor '", name, "' ", shape_to_string(entry.shape),
                                         " (not part of ", to_string(info.arch), " width ",
                                         detail::format_width(info.width), ")"});
    }
    return Model(std::move(info), std::move(graph));
}

/// Reads, validates and loads a .safetensors file (what mnet::load does for that extension).
inline Model load_safetensors(const std::string& path) { return load_safetensors(SafetensorsFile(path)); }

}  // namespace mnet::io
