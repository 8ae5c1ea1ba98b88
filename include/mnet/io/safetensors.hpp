// safetensors reader and writer (format: 8-byte little-endian header length N,
// N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, ...,
// "__metadata__": {str: str}}, then the raw little-endian tensor data).
//
// Validation (README, "Hostile input"), all before any tensor byte is read:
//  - the file holds at least 8 bytes; N ≤ file size − 8, checked before the header
//    is read or allocated (so N = 2^63 is an error, not an allocation);
//  - the header is a JSON object (nlohmann/json, no hand parsing); every tensor
//    entry has a known dtype, a shape of non-negative integers and two offsets;
//  - numel × dtype size is computed with overflow checks and equals end − begin;
//  - begin ≤ end ≤ data size, and no two tensors' byte ranges overlap;
//  - __metadata__ maps strings to strings.
// Reading a tensor: only F32, F16, BF16 and F64 convert to float; NaN, ±Inf and
// F64 values beyond float's range are errors naming the tensor and the index.
// A file opened by path is read tensor by tensor, never held in memory whole.
// Errors name the file and the tensor. Fuzzed by tests/fuzz/fuzz_safetensors_*.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnet/core/error.hpp"
#include "mnet/io/file.hpp"

namespace mnet::io {

static_assert(std::endian::native == std::endian::little, "mnet reads little-endian files in place");

/// Where one tensor lives in the data section.
struct TensorEntry {
    std::string dtype;                ///< "F32", "F16", "BF16", "F64", "I64", ...
    std::vector<std::int64_t> shape;  ///< every dim >= 0
    std::size_t begin = 0;  ///< byte offset into the data section
    std::size_t bytes = 0;  ///< numel() · dtype size (checked against the offsets)

    /// Number of elements: the product of `shape`.
    std::size_t numel() const noexcept {
        std::size_t n = 1;
        for (std::int64_t d : shape) n *= static_cast<std::size_t>(d);
        return n;
    }
};

/// "[32,3,3,3]", for messages.
inline std::string shape_to_string(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ',';
        s += std::to_string(shape[i]);
    }
    s += ']';
    return s;
}

/// Bytes per element of a safetensors dtype, 0 if mnet does not know it.
inline std::size_t dtype_size(const std::string& dtype) noexcept {
    if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
    if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
    if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
    if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
    return 0;
}

/// A safetensors file, validated (see the rules at the top of this header) before
/// any tensor is handed out: opened by path (tensors read on demand) or in memory.
class SafetensorsFile {
public:
    /// Opens and validates `path`. Only the length field and the header are read now;
    /// each tensor is read from the file when asked for, so the file is never held in
    /// memory whole (a load's peak is the model plus one tensor, tests/io/test_load_memory.cpp).
    explicit SafetensorsFile(std::string path) : path_(std::move(path)) {
        std::uint64_t size = 0;
        file_ = open_file(path_, size);
        std::uint8_t length_field[8] = {};
        if (size >= 8) read_exact(length_field, 8, "the header length");
        const std::uint64_t header_len = header_length(size, length_field);
        std::string header(static_cast<std::size_t>(header_len), '\0');
        read_exact(header.data(), header.size(), "the header");
        data_offset_ = 8 + header_len;
        parse(header.data(), header.size(), size - data_offset_);
    }

    /// Validates an in-memory file; `name` is used in error messages.
    SafetensorsFile(std::string name, std::vector<std::uint8_t> bytes) : path_(std::move(name)), bytes_(std::move(bytes)) {
        const std::uint64_t header_len = header_length(bytes_.size(), bytes_.data());
        data_ = bytes_.data() + 8 + header_len;
        parse(reinterpret_cast<const char*>(bytes_.data() + 8), static_cast<std::size_t>(header_len),
              bytes_.size() - 8 - static_cast<std::size_t>(header_len));
    }

    const std::string& path() const noexcept { return path_; }  ///< Path or label, as in messages.
    /// Every tensor by name.
    const std::map<std::string, TensorEntry>& tensors() const noexcept { return tensors_; }
    /// The `__metadata__` string map (empty if the file has none).
    const std::map<std::string, std::string>& metadata() const noexcept { return metadata_; }
    /// Whether a tensor of that name exists.
    bool contains(const std::string& name) const { return tensors_.count(name) != 0; }

    /// The tensor `name`; Error(shape) if it does not exist.
    const TensorEntry& entry(const std::string& name) const {
        auto it = tensors_.find(name);
        if (it == tensors_.end()) fail(ErrorKind::shape, {"missing tensor '", name, "'"});
        return it->second;
    }

    /// The tensor converted to float32 (from F32, F64, F16 or BF16); NaN/Inf rejected.
    /// Reads from the file for a file opened by path: one reader at a time.
    std::vector<float> read_floats(const std::string& name) const {
        const TensorEntry& e = entry(name);
        if (e.dtype != "F32" && e.dtype != "F64" && e.dtype != "F16" && e.dtype != "BF16")
            fail(ErrorKind::shape, {"tensor '", name, "': expected dtype F32 (or F16/BF16/F64), found ", e.dtype});
        std::vector<float> out(e.numel());
        if (e.dtype == "F32") {  // straight into the result: no second copy of the tensor
            const std::uint8_t* src = tensor_bytes(e, name, reinterpret_cast<std::uint8_t*>(out.data()));
            if (src != reinterpret_cast<const std::uint8_t*>(out.data()) && e.bytes) std::memcpy(out.data(), src, e.bytes);
            check_finite(name, out);
            return out;
        }
        std::vector<std::uint8_t> buffer(file_.is_open() ? e.bytes : 0);
        const std::uint8_t* src = tensor_bytes(e, name, buffer.data());
        if (e.dtype == "F64") {
            for (std::size_t i = 0; i < out.size(); ++i) {
                double v;
                std::memcpy(&v, src + 8 * i, 8);
                // a double beyond float's range has no float value (the cast would be undefined)
                if (!(std::fabs(v) <= std::numeric_limits<float>::max()))
                    fail({"tensor '", name, "': non-finite or out-of-float-range value at index ", i});
                out[i] = static_cast<float>(v);
            }
        } else if (e.dtype == "F16" || e.dtype == "BF16") {
            for (std::size_t i = 0; i < out.size(); ++i) {
                std::uint16_t h;
                std::memcpy(&h, src + 2 * i, 2);
                out[i] = e.dtype == "F16" ? half_to_float(h) : std::bit_cast<float>(std::uint32_t{h} << 16);
            }
        }
        check_finite(name, out);
        return out;
    }

    /// Throws Error(kind, "path: " + the pieces of `what`), building the message
    /// only here, out of line: a check costs its caller a branch and a call.
    /// For this file's checks and those of the loaders reading it.
    [[noreturn, gnu::cold, gnu::noinline]] void fail(ErrorKind kind,
                                                      std::initializer_list<mnet::detail::MessagePart> what) const {
        mnet::detail::fail(kind, {path_, ": ", mnet::detail::message(what)});
    }

private:
    void check_finite(const std::string& name, const std::vector<float>& values) const {
        for (std::size_t i = 0; i < values.size(); ++i)
            if (!std::isfinite(values[i])) fail({"tensor '", name, "': non-finite value at index ", i});
    }

    /// The tensor's bytes: in place for an in-memory file, else read into `buffer` (e.bytes long).
    const std::uint8_t* tensor_bytes(const TensorEntry& e, const std::string& name, std::uint8_t* buffer) const {
        if (!file_.is_open()) return data_ + e.begin;
        file_.seekg(static_cast<std::streamoff>(data_offset_ + e.begin));
        if (e.bytes) file_.read(reinterpret_cast<char*>(buffer), static_cast<std::streamsize>(e.bytes));
        if (!file_.good())
            fail(ErrorKind::io, {"tensor '", name, "': read error (file truncated or changed since it was opened?)"});
        return buffer;
    }

    void read_exact(void* to, std::size_t n, const char* what) {
        file_.read(static_cast<char*>(to), static_cast<std::streamsize>(n));
        if (!file_.good()) fail(ErrorKind::io, {"read error in ", what});
    }

    /// The header length N from the first 8 bytes, checked against the file size.
    std::uint64_t header_length(std::uint64_t file_size, const std::uint8_t* first8) const {
        if (file_size < 8) fail({"file too short for a safetensors header (", file_size, " bytes)"});
        std::uint64_t header_len = 0;
        std::memcpy(&header_len, first8, 8);
        if (header_len > file_size - 8)
            fail({"header length ", header_len, " exceeds the file (", file_size, " bytes)"});
        return header_len;
    }

    static float half_to_float(std::uint16_t h) noexcept {
        const std::uint32_t sign = (h & 0x8000u) << 16;
        const std::uint32_t exp = (h >> 10) & 0x1Fu;
        const std::uint32_t mant = h & 0x3FFu;
        if (exp == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (mant << 13));
        if (exp == 0) {  // zero or subnormal: mant · 2^-24
            const float v = std::ldexp(static_cast<float>(mant), -24);
            return sign ? -v : v;
        }
        return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /// fail(ErrorKind::format, what): the kind of every header check.
    [[noreturn]] void fail(std::initializer_list<mnet::detail::MessagePart> what) const {
        fail(ErrorKind::format, what);
    }

    /// Validates the JSON header against a data section of `data_size` bytes.
    void parse(const char* header, std::size_t header_len, std::uint64_t data_size) {
        nlohmann::json json;
        try {
            json = nlohmann::json::parse(header, header + header_len);
        } catch (const nlohmann::json::exception& e) {
            std::string why = e.what();  // quotes the offending token, which may be huge
            if (why.size() > 200) why = why.substr(0, 200) + "...";
            fail({"header is not valid JSON: ", why});
        }
        if (!json.is_object()) fail({"header is not a JSON object"});

        std::vector<std::pair<std::size_t, std::size_t>> ranges;
        for (auto it = json.begin(); it != json.end(); ++it) {
            const std::string& name = it.key();
            const nlohmann::json& value = it.value();
            if (name == "__metadata__") {
                if (!value.is_object()) fail({"__metadata__ is not an object"});
                for (auto m = value.begin(); m != value.end(); ++m) {
                    if (!m.value().is_string()) fail({"__metadata__ value of '", m.key(), "' is not a string"});
                    metadata_[m.key()] = m.value().get<std::string>();
                }
                continue;
            }
            const auto where = [&name] { return mnet::detail::message({"tensor '", name, "': "}); };
            if (!value.is_object()) fail({where(), "entry is not an object"});
            const auto dtype = value.find("dtype");
            const auto shape = value.find("shape");
            const auto offsets = value.find("data_offsets");
            if (dtype == value.end() || !dtype->is_string()) fail({where(), "missing string 'dtype'"});
            if (shape == value.end() || !shape->is_array()) fail({where(), "missing array 'shape'"});
            if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2)
                fail({where(), "'data_offsets' must be an array of two integers"});
            TensorEntry e;
            e.dtype = dtype->get<std::string>();
            const std::size_t elem = dtype_size(e.dtype);
            if (elem == 0) fail({where(), "unknown dtype '", e.dtype, "'"});
            std::size_t numel = 1;
            for (const auto& d : *shape) {
                if (!d.is_number_unsigned()) fail({where(), "shape entries must be non-negative integers"});
                const std::uint64_t dim = d.get<std::uint64_t>();
                if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
                    (dim != 0 && numel > std::numeric_limits<std::size_t>::max() / dim))
                    fail({where(), "shape ", shape_to_string(e.shape), " then ", dim, " overflows"});
                numel *= static_cast<std::size_t>(dim);
                e.shape.push_back(static_cast<std::int64_t>(dim));
            }
            if (numel > std::numeric_limits<std::size_t>::max() / elem) fail({where(), "byte size overflows"});
            const auto& b = (*offsets)[0];
            const auto& en = (*offsets)[1];
            if (!b.is_number_unsigned() || !en.is_number_unsigned())
                fail({where(), "data_offsets must be non-negative integers"});
            const std::uint64_t begin = b.get<std::uint64_t>();
            const std::uint64_t end = en.get<std::uint64_t>();
            if (begin > end || end > data_size)
                fail({where(), "data_offsets [", begin, ",", end, "] out of range (data section is ", data_size,
                      " bytes)"});
            if (end - begin != numel * elem)
                fail({where(), "shape ", shape_to_string(e.shape), " of ", e.dtype, " needs ", numel * elem,
                      " bytes, data_offsets give ", end - begin});
            e.begin = static_cast<std::size_t>(begin);
            e.bytes = static_cast<std::size_t>(end - begin);
            if (e.bytes > 0) ranges.emplace_back(e.begin, e.begin + e.bytes);
            tensors_.emplace(name, std::move(e));
        }
        std::sort(ranges.begin(), ranges.end());
        for (std::size_t i = 1; i < ranges.size(); ++i)
            if (ranges[i].first < ranges[i - 1].second)
                fail({"tensor data ranges overlap at byte ", ranges[i].first});
    }

    std::string path_;
    std::vector<std::uint8_t> bytes_;    ///< the whole file (in-memory files only)
    const std::uint8_t* data_ = nullptr;  ///< their data section
    mutable std::ifstream file_;          ///< files opened by path: read per tensor
    std::uint64_t data_offset_ = 0;       ///< where the data section starts in file_
    std::map<std::string, TensorEntry> tensors_;
    std::map<std::string, std::string> metadata_;
};

/// A tensor to write: raw little-endian bytes with a safetensors dtype.
struct RawTensor {
    std::string name;                 ///< tensor name
    std::string dtype;                ///< safetensors dtype ("F32", ...)
    std::vector<std::int64_t> shape;  ///< dimensions
    std::vector<std::uint8_t> bytes;  ///< little-endian data
};

/// A float32 RawTensor of `values` (their count must match `shape`).
inline RawTensor f32_tensor(std::string name, std::vector<std::int64_t> shape, const std::vector<float>& values) {
    RawTensor t{std::move(name), "F32", std::move(shape), std::vector<std::uint8_t>(values.size() * 4)};
    std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    return t;
}

/// Serialises tensors (in the given order) and string metadata as safetensors bytes.
inline std::vector<std::uint8_t> to_safetensors(const std::vector<RawTensor>& tensors,
                                                const std::map<std::string, std::string>& metadata = {}) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::size_t offset = 0;
    for (const RawTensor& t : tensors) {
        header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
        offset += t.bytes.size();
    }
    std::string text = header.dump();
    while ((8 + text.size()) % 8 != 0) text += ' ';  // the format aligns the data section to 8 bytes
    std::vector<std::uint8_t> out(8 + text.size() + offset);
    const std::uint64_t len = text.size();
    std::memcpy(out.data(), &len, 8);
    std::memcpy(out.data() + 8, text.data(), text.size());
    std::size_t at = 8 + text.size();
    for (const RawTensor& t : tensors) {
        if (!t.bytes.empty()) std::memcpy(out.data() + at, t.bytes.data(), t.bytes.size());
        at += t.bytes.size();
    }
    return out;
}

/// Writes a safetensors file; throws Error(io) if it cannot.
inline void write_safetensors(const std::string& path, const std::vector<RawTensor>& tensors,
                              const std::map<std::string, std::string>& metadata = {}) {
    const std::vector<std::uint8_t> bytes = to_safetensors(tensors, metadata);
    std::ofstream file(path, std::ios::binary);
    if (!file.good()) mnet::detail::fail(ErrorKind::io, {path, ": cannot open for writing"});
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!file.good()) mnet::detail::fail(ErrorKind::io, {path, ": write error"});
}

}  // namespace mnet::io
