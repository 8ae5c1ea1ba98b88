// Test support: assert that a call throws mnet::Error of a given kind whose
// message contains every expected part (the file, the tensor, what was wrong).
// Used by the bad-input table and the per-loader error tests.
#pragma once

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/core/error.hpp"

namespace mnet::test {

/// Runs `call`, which must throw Error of `kind` whose message contains every part.
template <class F>
void require_error(F&& call, ErrorKind kind, const std::vector<std::string>& parts) {
    try {
        call();
    } catch (const Error& e) {
        const std::string message = e.what();
        INFO("message: " << message);
        CHECK(std::string(to_string(e.kind())) == to_string(kind));
        for (const std::string& p : parts) CHECK_THAT(message, Catch::Contains(p));
        return;
    }
    FAIL("expected mnet::Error(" << to_string(kind) << ")");
}

}  // namespace mnet::test
