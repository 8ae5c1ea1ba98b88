// Class names: one label per line (LF or CRLF), line k naming output k. ImageNet
// files come as 1001 lines with `background` first (TF-slim, TFLite) or as 1000
// lines (torchvision); `for_classes` lines a file up with a model's outputs so a
// 1001-output model reports indices exactly as its 1001-line file numbers them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/io/linkage.hpp"

namespace mnet {

/// Class names, one per model output (see read_labels and for_classes).
class Labels {
public:
    Labels() = default;
    /// `names[k]` names output k; `source` (a path) prefixes error messages.
    explicit Labels(std::vector<std::string> names, std::string source = {})
        : names_(std::move(names)), source_(std::move(source)) {}

    std::size_t size() const noexcept { return names_.size(); }       ///< Number of labels.
    bool empty() const noexcept { return names_.empty(); }            ///< No labels (none were found).
    const std::string& source() const noexcept { return source_; }    ///< Where they were read from.

    /// The label on line `index` (0-based); Error(argument) if there is no such line.
    const std::string& name(int index) const {
        if (index < 0 || static_cast<std::size_t>(index) >= names_.size())
            detail::fail(ErrorKind::argument,
                         {label_source(), ": no label for class ", index, " (", names_.size(), " labels)"});
        return names_[static_cast<std::size_t>(index)];
    }

    /// These labels indexed like the outputs of a model with `num_classes` classes:
    /// unchanged if the counts agree; 1000 labels for a 1001-output model get
    /// `background` in front; a 1001-line file starting with `background` loses it for
    /// a 1000-output model. Any other mismatch is Error(shape).
    Labels for_classes(int num_classes) const {
        const auto n = static_cast<long long>(names_.size());
        if (n == num_classes) return *this;
        if (n + 1 == num_classes && n == 1000) {
            std::vector<std::string> shifted{"background"};
            shifted.insert(shifted.end(), names_.begin(), names_.end());
            return Labels(std::move(shifted), source_);
        }
        if (n == num_classes + 1 && n == 1001 && names_.front() == "background")
            return Labels(std::vector<std::string>(names_.begin() + 1, names_.end()), source_);
        detail::fail(ErrorKind::shape,
                     {label_source(), ": ", n, " labels do not fit a model with ", num_classes, " classes"});
    }

private:
    std::string label_source() const { return source_.empty() ? std::string("labels") : source_; }

    std::vector<std::string> names_;
    std::string source_;
};

/// Splits label text into lines: LF or CRLF, a final newline optional, no line dropped
/// except the empty one after the last newline. Empty text is Error(format).
inline Labels parse_labels(std::string_view text, const std::string& name) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.emplace_back(line);
        start = end + 1;
    }
    if (lines.empty()) detail::fail(ErrorKind::format, {name, ": labels file is empty"});
    return Labels(std::move(lines), name);
}

/// Reads a labels file; Error(io) if it cannot be read, Error(format) if empty.
MNET_LOADERS_INLINE Labels read_labels(const std::string& path);

}  // namespace mnet

#ifndef MNET_SEPARATE_LOADERS
#include "mnet/io/detail/labels_file.hpp"
#endif
