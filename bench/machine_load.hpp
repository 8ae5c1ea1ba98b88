// How busy the rest of the machine was while we measured: CPU time used by all
// processes (/proc/stat) minus our own (/proc/self/stat, all threads), over wall
// time, in cores. On a shared 2-core VM this is the number that says whether a
// timing can be trusted (PERF-NOTES §7: rerun when others use ≥ 0.15 core).
// Linux only; elsewhere it reports 0.
#pragma once

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace mnet_bench {

class OtherLoad {
public:
    OtherLoad() { restart(); }
    void restart() {
        busy0_ = busy_ticks();
        own0_ = own_ticks();
        t0_ = std::chrono::steady_clock::now();
    }
    /// Average number of cores used by other processes since restart().
    double cores() const {
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
        if (seconds <= 0 || hz <= 0) return 0;
        const double other = static_cast<double>((busy_ticks() - busy0_) - (own_ticks() - own0_)) / hz;
        return other > 0 ? other / seconds : 0.0;
    }

private:
    /// Non-idle ticks of all CPUs (user nice system irq softirq steal; not idle/iowait).
    static long long busy_ticks() {
        std::ifstream f("/proc/stat");
        std::string cpu;
        long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
        f >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
        return user + nice + system + irq + softirq + steal;
    }
    /// utime + stime of this process (fields 14 and 15 of /proc/self/stat).
    static long long own_ticks() {
        std::ifstream f("/proc/self/stat");
        std::string line;
        std::getline(f, line);
        const std::size_t paren = line.rfind(')');  // the command name may contain spaces
        if (paren == std::string::npos) return 0;
        std::istringstream rest(line.substr(paren + 2));
        std::string field;
        long long utime = 0, stime = 0;
        for (int i = 3; i <= 13 && rest >> field; ++i) {
        }
        rest >> utime >> stime;
        return utime + stime;
    }
    long long busy0_ = 0, own0_ = 0;
    std::chrono::steady_clock::time_point t0_;
};

}  // namespace mnet_bench
