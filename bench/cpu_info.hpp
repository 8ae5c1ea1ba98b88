// What machine a benchmark ran on: the CPU model line of /proc/cpuinfo plus its
// family/model numbers (a KVM guest may only say "AMD EPYC", and the numbers
// tell Zen3 from Zen4). Printed next to every figure so results from different
// machines are never compared by accident.
#pragma once

#include <fstream>
#include <string>

namespace mnet_bench {

struct CpuInfo {
    std::string model = "unknown CPU";  ///< "model name" of the first CPU
    std::string family;                 ///< "cpu family" (e.g. 25 = AMD Zen3/Zen4)
    std::string model_number;           ///< "model" (e.g. 17 = Zen4 Genoa)

    /// "AMD EPYC (family 25, model 17)".
    std::string describe() const {
        if (family.empty()) return model;
        return model + " (family " + family + ", model " + model_number + ")";
    }
};

inline CpuInfo cpu_info() {
    CpuInfo info;
    std::ifstream f("/proc/cpuinfo");
    const auto value = [](const std::string& line) {
        const std::size_t colon = line.find(':');
        return colon == std::string::npos || colon + 2 > line.size() ? std::string() : line.substr(colon + 2);
    };
    bool have_model = false, have_family = false, have_number = false;
    for (std::string line; std::getline(f, line) && !(have_model && have_family && have_number);) {
        if (!have_model && line.rfind("model name", 0) == 0) info.model = value(line), have_model = true;
        else if (!have_family && line.rfind("cpu family", 0) == 0) info.family = value(line), have_family = true;
        else if (!have_number && line.rfind("model", 0) == 0 && line.find(':') != std::string::npos &&
                 line.substr(0, line.find(':')).find_first_not_of("model \t") == std::string::npos)
            info.model_number = value(line), have_number = true;
    }
    return info;
}

}  // namespace mnet_bench
