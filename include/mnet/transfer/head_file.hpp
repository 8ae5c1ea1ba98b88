// A Head as a .safetensors file: two F32 tensors, `weight` [N, K] and `bias` [N],
// and string metadata: `mnet_head` "1" (what makes it a head), `classes` (the N
// names, one per line, in row order), `normalize` ("l2" or "none": what the head
// does to the base model's features), `scale` and `in_features` (K). The reader
// treats the file as hostile: the safetensors rules of io/safetensors.hpp, then
// exactly these tensors and keys, consistent sizes, finite values, names without
// line breaks (tests/fuzz: safetensors_header and safetensors_raw also read heads).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "mnet/io/safetensors.hpp"
#include "mnet/transfer/head.hpp"

namespace mnet {

namespace detail {

/// Shortest text that reads back as the same float.
inline std::string float_text(float v) {
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
    return ec == std::errc() ? std::string(buffer, end) : std::string("nan");
}

/// The head inside an already-validated safetensors file.
inline Head head_from(const io::SafetensorsFile& file) {
    const std::map<std::string, std::string>& meta = file.metadata();
    const auto text = [&](const char* key) -> const std::string& {
        const auto it = meta.find(key);
        if (it == meta.end()) file.fail(ErrorKind::format, {"not an mnet head: __metadata__ has no '", key, "'"});
        return it->second;
    };
    if (text("mnet_head") != "1")
        file.fail(ErrorKind::unsupported, {"mnet_head version '", text("mnet_head").substr(0, 16), "', expected 1"});
    for (const auto& [name, entry] : file.tensors())
        if (name != "weight" && name != "bias") file.fail(ErrorKind::format, {"unexpected tensor '", name, "'"});

    const io::TensorEntry& w = file.entry("weight");
    const io::TensorEntry& b = file.entry("bias");
    if (w.dtype != "F32" || b.dtype != "F32")
        file.fail(ErrorKind::format, {"weight and bias must be F32, found ", w.dtype, " and ", b.dtype});
    if (w.shape.size() != 2 || b.shape.size() != 1 || w.shape[0] != b.shape[0] || w.shape[0] < 1 ||
        w.shape[0] > 100000 || w.shape[1] < 1 || w.shape[1] > 65536)
        file.fail(ErrorKind::shape, {"expected weight [N, K] and bias [N] with 1 <= N <= 100000, 1 <= K <= 65536, "
                                     "found ", io::shape_to_string(w.shape), " and ", io::shape_to_string(b.shape)});

    double in_features = 0;
    const std::string& k_text = text("in_features");
    const auto [k_end, k_ec] = std::from_chars(k_text.data(), k_text.data() + k_text.size(), in_features);
    if (k_ec != std::errc() || k_end != k_text.data() + k_text.size() || in_features != static_cast<double>(w.shape[1]))
        file.fail(ErrorKind::shape, {"__metadata__ in_features '", k_text.substr(0, 32), "' does not match weight ",
                                     io::shape_to_string(w.shape)});
    float scale = 0;
    const std::string& s_text = text("scale");
    const auto [s_end, s_ec] = std::from_chars(s_text.data(), s_text.data() + s_text.size(), scale);
    if (s_ec != std::errc() || s_end != s_text.data() + s_text.size())
        file.fail(ErrorKind::format, {"__metadata__ scale '", s_text.substr(0, 32), "' is not a number"});
    const std::string& norm = text("normalize");
    if (norm != "l2" && norm != "none")
        file.fail(ErrorKind::format, {"__metadata__ normalize '", norm.substr(0, 32), "', expected l2 or none"});

    // Names, one per line: a name cannot hold a line break, so N lines are N names.
    const std::string& all = text("classes");
    const auto lines = static_cast<std::size_t>(std::count(all.begin(), all.end(), '\n')) + 1;
    if (lines != static_cast<std::size_t>(w.shape[0]))
        file.fail(ErrorKind::shape, {"__metadata__ classes holds ", lines, " names, weight has ", w.shape[0], " rows"});
    std::vector<std::string> names;
    for (std::size_t start = 0; names.size() < lines;) {
        const std::size_t end = std::min(all.find('\n', start), all.size());
        names.push_back(all.substr(start, end - start));
        start = end + 1;
    }
    std::vector<float> weight = file.read_floats("weight");  // its own errors name the file already
    std::vector<float> bias = file.read_floats("bias");
    try {
        return Head(std::move(weight), std::move(bias), std::move(names), scale, norm == "l2");
    } catch (const Error& e) {
        file.fail(ErrorKind::format, {e.what()});
    }
}

}  // namespace detail

/// Reads a head file (see the top of this header); Error(io/format/shape/unsupported).
inline Head read_head(const std::string& path) { return detail::head_from(io::SafetensorsFile(path)); }

/// A head from bytes in memory (tests, fuzzers); `name` labels errors.
inline Head read_head_memory(std::span<const std::uint8_t> bytes, const std::string& name) {
    return detail::head_from(io::SafetensorsFile(name, std::vector<std::uint8_t>(bytes.begin(), bytes.end())));
}

/// True if `file` declares itself an mnet head (`mnet_head` in its metadata).
inline bool is_head_file(const io::SafetensorsFile& file) { return file.metadata().count("mnet_head") != 0; }

/// The head as safetensors bytes (what write_head writes).
inline std::vector<std::uint8_t> head_to_safetensors(const Head& head) {
    std::string classes;
    for (const std::string& name : head.names()) classes += (classes.empty() ? "" : "\n") + name;
    const auto n = static_cast<std::int64_t>(head.num_classes());
    const auto k = static_cast<std::int64_t>(head.in_features());
    return io::to_safetensors({io::f32_tensor("weight", {n, k}, head.weight()), io::f32_tensor("bias", {n}, head.bias())},
                              {{"mnet_head", "1"},
                               {"classes", classes},
                               {"normalize", head.normalize() ? "l2" : "none"},
                               {"scale", detail::float_text(head.scale())},
                               {"in_features", std::to_string(k)}});
}

/// Writes `head` to `path` as .safetensors; Error(io) if it cannot.
inline void write_head(const std::string& path, const Head& head) {
    const std::vector<std::uint8_t> bytes = head_to_safetensors(head);
    std::ofstream file(path, std::ios::binary);
    if (!file.good()) detail::fail(ErrorKind::io, {path, ": cannot open for writing"});
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!file.good()) detail::fail(ErrorKind::io, {path, ": write error"});
}

}  // namespace mnet
