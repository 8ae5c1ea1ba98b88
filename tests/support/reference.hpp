// ../shared/reference/index.json for the tests: parsed once, plus path helpers.
// Weight and image paths in the index start at the data root's parent
// ("shared/weights/..."); everything else is relative to reference/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/data.hpp"

namespace mnet::test {

inline const nlohmann::ordered_json& reference_index() {
    static const nlohmann::ordered_json index = [] {
        const std::vector<std::uint8_t> bytes = io::read_file(data_file("reference/index.json"));
        return nlohmann::ordered_json::parse(bytes.begin(), bytes.end());
    }();
    return index;
}

/// A file named in index.json as "shared/...": resolved against the data folder.
inline std::string rooted_file(const std::string& path) {
    const std::string prefix = "shared/";
    return data_file(path.starts_with(prefix) ? path.substr(prefix.size()) : path);
}

/// A file named in index.json relative to reference/.
inline std::string reference_file(const std::string& relative) { return data_file("reference/" + relative); }

/// The config names of index.json, in file order.
inline std::vector<std::string> reference_configs() {
    std::vector<std::string> names;
    for (const auto& [name, config] : reference_index().at("configs").items()) names.push_back(name);
    return names;
}

/// The weight files of a config, resolved.
inline std::vector<std::string> reference_weights(const std::string& config) {
    std::vector<std::string> paths;
    for (const auto& p : reference_index().at("configs").at(config).at("weights")) paths.push_back(rooted_file(p.get<std::string>()));
    return paths;
}

}  // namespace mnet::test
