// The entry point every mnet tool shares: parse the arguments (strings in, Args or
// Error(argument) out), print the usage for --help, run, and turn every failure into
// exactly one line on stderr, "<tool>: <message>", with status 2 for bad arguments and
// 1 for everything else (the CLI tests rely on both).
#pragma once

#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "mnet/core/error.hpp"

namespace mnet::cli {

/// One line on stderr, whatever the message holds; returns `status`.
inline int report_failure(const char* tool, int status, std::string message) {
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::replace(message.begin(), message.end(), '\r', ' ');
    std::fprintf(stderr, "%s: %s\n", tool, message.c_str());
    return status;
}

/// main() of a tool: `parse(args)` → Args (with a `help` flag), `usage` for --help,
/// `run(args)` → exit status.
template <class Parse, class Run>
int tool_main(const char* tool, int argc, char** argv, Parse parse, const char* usage, Run run) {
    try {
        const std::vector<std::string> raw(argc > 1 ? argv + 1 : argv, argc > 1 ? argv + argc : argv);
        decltype(parse(raw)) args;
        try {
            args = parse(raw);
        } catch (const Error& e) {
            return report_failure(tool, 2, std::string(e.what()) + " (try --help)");
        }
        if (args.help) {
            std::fputs(usage, stdout);
            return 0;
        }
        return run(args);
    } catch (const Error& e) {
        return report_failure(tool, 1, e.what());
    } catch (const std::bad_alloc&) {
        return report_failure(tool, 1, "out of memory");
    } catch (const std::exception& e) {
        return report_failure(tool, 1, std::string("unexpected error: ") + e.what());
    } catch (...) {
        return report_failure(tool, 1, "unexpected error");
    }
}

}  // namespace mnet::cli
