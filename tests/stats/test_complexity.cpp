// Exact MAdds and params against the published tables (TF-slim for V2, the
// paper's Tables 6/7 for V1): published figures are rounded or truncated, so the
// exact count must lie within 1 M MAdds and one unit of the last published digit.
#include <catch2/catch.hpp>

#include <cmath>

#include "mnet/mnet.hpp"

using namespace mnet;

namespace {
struct Row {
    Arch arch;
    float width;
    int resolution;
    double madds_m;
    double params_m;      // < 0: not published for this row
    double params_unit;   // one unit of the last published digit
};

void check_row(const Row& r) {
    CAPTURE(to_string(r.arch), r.width, r.resolution);
    ModelInfo info;
    info.arch = r.arch;
    info.width = r.width;
    info.resolution = r.resolution;
    info.num_classes = 1001;
    const stats::Report rep = stats::complexity(info);
    CHECK(std::abs(static_cast<double>(rep.madds) / 1e6 - r.madds_m) < 1.0);
    if (r.params_m > 0) CHECK(std::abs(static_cast<double>(rep.params) / 1e6 - r.params_m) <= r.params_unit);
}
}  // namespace

TEST_CASE("complexity: MobileNetV2 rows of the TF-slim table", "[stats][v2]") {
    const Arch v2 = Arch::mobilenet_v2;
    for (const Row& r : {Row{v2, 1.4f, 224, 582, 6.06, 0.01},
                         Row{v2, 1.0f, 224, 300, 3.47, 0.01}, Row{v2, 1.0f, 192, 221, 3.47, 0.01},
                         Row{v2, 1.0f, 160, 154, 3.47, 0.01}, Row{v2, 1.0f, 128, 99, 3.47, 0.01},
                         Row{v2, 1.0f, 96, 56, 3.47, 0.01},
                         Row{v2, 0.75f, 224, 209, 2.61, 0.01}, Row{v2, 0.75f, 192, 153, 2.61, 0.01},
                         Row{v2, 0.75f, 160, 107, 2.61, 0.01}, Row{v2, 0.75f, 128, 69, 2.61, 0.01},
                         Row{v2, 0.75f, 96, 39, 2.61, 0.01},
                         Row{v2, 0.5f, 224, 97, 1.95, 0.01}, Row{v2, 0.5f, 192, 71, 1.95, 0.01},
                         Row{v2, 0.5f, 160, 50, 1.95, 0.01}, Row{v2, 0.5f, 128, 32, 1.95, 0.01},
                         Row{v2, 0.5f, 96, 18, 1.95, 0.01},
                         Row{v2, 0.35f, 224, 59, 1.66, 0.01}})
        check_row(r);
}

TEST_CASE("complexity: MobileNetV1 rows of the paper's Tables 6 and 7", "[stats][v1]") {
    const Arch v1 = Arch::mobilenet_v1;
    for (const Row& r : {Row{v1, 1.0f, 224, 569, 4.2, 0.1}, Row{v1, 1.0f, 192, 418, 4.2, 0.1},
                         Row{v1, 1.0f, 160, 290, 4.2, 0.1}, Row{v1, 1.0f, 128, 186, 4.2, 0.1},
                         Row{v1, 0.75f, 224, 325, 2.6, 0.1}, Row{v1, 0.5f, 224, 149, 1.3, 0.1}})
        check_row(r);
}

TEST_CASE("complexity: exact totals and the per-layer table", "[stats]") {
    ModelInfo info;  // V2 1.0-224, 1001 classes
    const stats::Report rep = stats::complexity(info);
    CHECK(rep.madds == 300775552u);
    CHECK(rep.params == 3472041u);
    // the first row is the stem: 112·112·32 outputs × 27 taps
    REQUIRE(!rep.layers.empty());
    CHECK(rep.layers.front().type == "conv3x3s2");
    CHECK(rep.layers.front().madds == 112u * 112u * 32u * 27u);
    CHECK(rep.layers.back().type == "fc");
    CHECK(rep.layers.back().params == 1280u * 1001u + 1001u);
    const std::string text = stats::format_report(rep);
    CHECK(text.ends_with("madds=300775552 params=3472041\n"));
}
