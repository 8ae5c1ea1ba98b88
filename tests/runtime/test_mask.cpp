// segmentation_mask: the stored float64 logits of both DeepLab models give the stored
// masks (differences only where the reference counts a near-tie); the resize + arg-max
// spec agrees with an independent double-precision formulation on odd shapes and all
// three flag settings; the first maximum wins; the letterbox is undone exactly
// (valid window kept, nearest neighbour back to the image); class_shares counts.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mnet/io/file.hpp"
#include "mnet/io/image.hpp"
#include "mnet/runtime/mask.hpp"
#include "support/data.hpp"

using namespace mnet;

namespace {

/// The numbers after `key` in a reference summary file ("class pixel counts: 0:207181 3:55988").
std::string summary_line(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    REQUIRE(in.is_open());
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key, 0) == 0) return line.substr(key.size());
    FAIL("no '" << key << "' in " << path);
    return {};
}

/// Upsampled value of channel c at output (y, x), in double: clamp the source
/// coordinate into the input, then interpolate along x on two rows, then along y.
double oracle_value(const std::vector<float>& logits, Shape in, int out_h, int out_w, ResizeFlags f, int y, int x,
                    int c) {
    auto source = [&](int d, int n, int out) {
        double s = 0;
        if (f.align_corners && out > 1)
            s = d * (n - 1.0) / (out - 1);
        else if (f.half_pixel_centers)
            s = (d + 0.5) * n / out - 0.5;
        else
            s = static_cast<double>(d) * n / out;
        return std::clamp(s, 0.0, n - 1.0);
    };
    const double sy = source(y, in.h, out_h), sx = source(x, in.w, out_w);
    const int y0 = static_cast<int>(sy), x0 = static_cast<int>(sx);
    const int y1 = std::min(y0 + 1, in.h - 1), x1 = std::min(x0 + 1, in.w - 1);
    auto v = [&](int yy, int xx) {
        return static_cast<double>(logits[(static_cast<std::size_t>(yy) * static_cast<std::size_t>(in.w) +
                                           static_cast<std::size_t>(xx)) * static_cast<std::size_t>(in.c) +
                                          static_cast<std::size_t>(c)]);
    };
    const double top = v(y0, x0) + (sx - x0) * (v(y0, x1) - v(y0, x0));
    const double bottom = v(y1, x0) + (sx - x0) * (v(y1, x1) - v(y1, x0));
    return top + (sy - y0) * (bottom - top);
}

std::vector<float> one_hot_positions(int r) {
    // logits r × r × r²: channel y·r + x is 1 at (y, x), 0 elsewhere
    const auto n = static_cast<std::size_t>(r) * static_cast<std::size_t>(r);
    std::vector<float> logits(n * n, 0.0f);
    for (std::size_t p = 0; p < n; ++p) logits[p * n + p] = 1.0f;
    return logits;
}

int round_half_up(double v) { return static_cast<int>(std::floor(v + 0.5)); }

}  // namespace

TEST_CASE("mask: stored DeepLab logits give the stored masks", "[segmentation][mask]") {
    for (const std::string model : {"deeplabv3_mnv2_pascal_quant", "deeplabv3_mnv2_dm05_pascal_quant"})
        for (const std::string image : {"bird", "chelsea", "grace_hopper", "parrot"}) {
            CAPTURE(model, image);
            const std::string base = "reference/" + model + "/" + image;
            const std::vector<float> logits = test::read_f32(test::data_file(base + ".logits.f32"));
            const std::vector<std::uint8_t> want = io::read_file(test::data_file(base + ".mask.u8"));
            const std::string summary = test::data_file(base + ".summary.txt");
            const Mask mask = segmentation_mask(logits, {33, 33, 21}, {.align_corners = true}, deeplab_letterbox(513, 513, 513));
            REQUIRE(mask.height == 513);
            REQUIRE(mask.width == 513);
            REQUIRE(mask.classes.size() == want.size());
            std::size_t differ = 0;
            for (std::size_t i = 0; i < want.size(); ++i) differ += mask.classes[i] != want[i];
            // only pixels whose top two classes are within 1e-3 may legitimately differ
            const std::size_t near_ties = std::stoul(summary_line(summary, "pixels with top-2 margin < 1e-3: "));
            CHECK(differ <= near_ties);
            CHECK(static_cast<double>(differ) <= 0.001 * static_cast<double>(want.size()));
            std::istringstream counts(summary_line(summary, "class pixel counts: "));
            std::vector<ClassShare> expected;
            for (std::string item; counts >> item;) {
                const auto colon = item.find(':');
                const std::int64_t pixels = std::stoll(item.substr(colon + 1));
                expected.push_back({std::stoi(item.substr(0, colon)), pixels, static_cast<double>(pixels) / 263169.0});
            }
            const std::vector<ClassShare> got = class_shares(mask);
            REQUIRE(got.size() == expected.size());
            for (std::size_t k = 0; k < got.size(); ++k) {
                CHECK(got[k].index == expected[k].index);
                CHECK(std::abs(got[k].pixels - expected[k].pixels) <= static_cast<std::int64_t>(near_ties));
            }
        }
}

TEST_CASE("mask: agrees with the mask Google's runtime made for bird_513.png", "[segmentation][mask]") {
    // Google's quantized engine differs from the float pass by activation rounding: the
    // reference README measures ~97.8 % agreement and bird IoU ~0.90
    const std::vector<float> logits =
        test::read_f32(test::data_file("reference/deeplabv3_mnv2_pascal_quant/bird.logits.f32"));
    const Mask mask = segmentation_mask(logits, {33, 33, 21}, {.align_corners = true}, deeplab_letterbox(513, 513, 513));
    const Image coral = read_image(test::data_file("images/segmentation/bird_513.coral_mask.png"));  // gray = class
    REQUIRE(coral.width == 513);
    REQUIRE(coral.height == 513);
    std::size_t same = 0, both_bird = 0, either_bird = 0;
    for (int y = 0; y < 513; ++y)
        for (int x = 0; x < 513; ++x) {
            const int ours = mask.at(y, x), theirs = coral.at(y, x, 0);
            same += ours == theirs;
            both_bird += ours == 3 && theirs == 3;
            either_bird += ours == 3 || theirs == 3;
        }
    const double agreement = static_cast<double>(same) / (513.0 * 513.0);
    const double bird_iou = static_cast<double>(both_bird) / static_cast<double>(either_bird);
    CAPTURE(agreement, bird_iou);
    CHECK(agreement >= 0.97);
    CHECK(bird_iou >= 0.88);
}

TEST_CASE("mask: resize + arg-max agrees with a double-precision oracle on odd shapes", "[segmentation][mask]") {
    std::mt19937 rng(1234);
    std::normal_distribution<float> normal(0.0f, 3.0f);
    const Shape inputs[] = {{1, 1, 3}, {2, 2, 21}, {3, 5, 7}, {5, 3, 2}, {33, 33, 21}, {4, 4, 256}};
    const int outputs[][2] = {{1, 1}, {2, 2}, {7, 9}, {13, 4}, {65, 65}};
    const ResizeFlags flags[] = {{false, false}, {true, false}, {false, true}};
    for (const Shape& in : inputs)
        for (const auto& [out_h, out_w] : outputs)
            for (const ResizeFlags f : flags) {
                CAPTURE(to_string(in), out_h, out_w, f.align_corners, f.half_pixel_centers);
                std::vector<float> logits(in.size());
                for (float& v : logits) v = normal(rng);
                // every row and column, and a top-left window (what a letterbox computes)
                for (const auto& [rows, cols] : {std::pair{out_h, out_w}, std::pair{(out_h + 1) / 2, out_w}}) {
                    std::vector<std::uint8_t> mask(static_cast<std::size_t>(rows) * static_cast<std::size_t>(out_w));
                    const kernels::ResizeGeometry g =
                        kernels::ResizeGeometry::make(in, out_h, out_w, f.align_corners, f.half_pixel_centers);
                    kernels::resize_bilinear_argmax(g, logits.data(), mask.data(), 0, rows);
                    std::size_t checked = 0, wrong = 0;
                    for (int y = 0; y < rows; ++y)
                        for (int x = 0; x < cols; ++x) {
                            double best = -1e300, second = -1e300;
                            int arg = 0;
                            for (int c = 0; c < in.c; ++c) {
                                const double v = oracle_value(logits, in, out_h, out_w, f, y, x, c);
                                if (v > best) {
                                    second = best;
                                    best = v;
                                    arg = c;
                                } else {
                                    second = std::max(second, v);
                                }
                            }
                            if (best - second < 1e-4) continue;  // float rounding may pick either
                            ++checked;
                            wrong += mask[static_cast<std::size_t>(y) * static_cast<std::size_t>(out_w) +
                                          static_cast<std::size_t>(x)] != arg;
                        }
                    CHECK(wrong == 0);
                    CHECK(checked * 100 >= static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols) * 95);
                }
            }
}

TEST_CASE("mask: the first maximum wins", "[segmentation][mask]") {
    // channels 2 and 4 tie everywhere (equal at every input pixel, so equal after any
    // interpolation); channel 0 is below them
    std::vector<float> logits;
    for (int p = 0; p < 3 * 2; ++p)
        for (float v : {1.0f + static_cast<float>(p), -5.0f, 7.0f + static_cast<float>(p), 3.0f, 7.0f + static_cast<float>(p)})
            logits.push_back(v);
    for (const ResizeFlags f : {ResizeFlags{false, false}, ResizeFlags{true, false}, ResizeFlags{false, true}}) {
        const Mask mask = segmentation_mask(logits, {3, 2, 5}, f, deeplab_letterbox(9, 9, 9));
        CHECK(std::all_of(mask.classes.begin(), mask.classes.end(), [](std::uint8_t c) { return c == 2; }));
    }
}

TEST_CASE("mask: the letterbox's valid window is kept and mapped back by nearest neighbour",
          "[segmentation][mask]") {
    // Logits at the input's own size R × R with align_corners make the resize an exact
    // identity (scale (R − 1)/(R − 1) = 1), and channel y·R + x peaks only at (y, x): each
    // mask pixel then names the input pixel it was taken from.
    constexpr int r = 16;
    const std::vector<float> logits = one_hot_positions(r);
    const Shape shape{r, r, r * r};
    const int images[][2] = {{2, 3}, {3, 2}, {1, 1}, {16, 16}, {480, 640}, {640, 480}, {5, 5}, {1, 40}};
    for (const auto& [h, w] : images) {
        CAPTURE(h, w);
        const Letterbox box = deeplab_letterbox(h, w, r);
        const Mask mask = segmentation_mask(logits, shape, {.align_corners = true}, box);
        REQUIRE(mask.height == h);
        REQUIRE(mask.width == w);
        std::size_t wrong = 0, outside = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const int from_y = mask.at(y, x) / r, from_x = mask.at(y, x) % r;
                outside += from_y >= box.valid_height || from_x >= box.valid_width;
                const int want_y = h > 1 ? round_half_up(y * (box.valid_height - 1.0) / (h - 1)) : 0;
                const int want_x = w > 1 ? round_half_up(x * (box.valid_width - 1.0) / (w - 1)) : 0;
                wrong += from_y != want_y || from_x != want_x;
            }
        CHECK(outside == 0);
        CHECK(wrong == 0);
        // corners map to corners (a one-pixel axis reads index 0)
        CHECK(mask.at(h - 1, w - 1) == (h > 1 ? box.valid_height - 1 : 0) * r + (w > 1 ? box.valid_width - 1 : 0));
        CHECK(mask.at(0, 0) == 0);
    }
    // 2x3 in 16: valid 10x16; rows 0, 1 come from 0, 9; columns 0, 1, 2 from 0, 8 (7.5 rounds up), 15
    const Mask small = segmentation_mask(logits, shape, {.align_corners = true}, deeplab_letterbox(2, 3, r));
    CHECK(small.classes == std::vector<std::uint8_t>{0, 8, 15, 9 * 16, 9 * 16 + 8, 9 * 16 + 15});
}

TEST_CASE("mask: class shares count every pixel", "[segmentation][mask]") {
    const Mask mask{2, 4, {3, 3, 0, 3, 20, 0, 3, 3}};
    const std::vector<ClassShare> shares = class_shares(mask);
    REQUIRE(shares.size() == 3);
    CHECK(shares[0].index == 0);
    CHECK(shares[0].pixels == 2);
    CHECK(shares[0].share == 0.25);
    CHECK(shares[1].index == 3);
    CHECK(shares[1].pixels == 5);
    CHECK(shares[1].share == 0.625);
    CHECK(shares[2].index == 20);
    CHECK(shares[2].pixels == 1);
    CHECK(class_shares(Mask{}).empty());
}

TEST_CASE("mask: wrong logits and letterboxes are errors", "[segmentation][mask]") {
    const std::vector<float> logits(2 * 2 * 3, 0.0f);
    const Letterbox box = deeplab_letterbox(4, 4, 4);
    auto kind_of = [](auto&& call) {
        try {
            call();
        } catch (const Error& e) {
            return e.kind();
        }
        FAIL("expected an mnet::Error");
        return ErrorKind::io;
    };
    CHECK(kind_of([&] { segmentation_mask(logits, {2, 2, 4}, {}, box); }) == ErrorKind::shape);
    CHECK(kind_of([&] { segmentation_mask(logits, {0, 2, 3}, {}, box); }) == ErrorKind::shape);
    const std::vector<float> many(257, 0.0f);
    CHECK(kind_of([&] { segmentation_mask(many, {1, 1, 257}, {}, box); }) == ErrorKind::shape);
    CHECK(kind_of([&] { segmentation_mask(logits, {2, 2, 3}, {}, Letterbox{4, 5, 4, 4, 4}); }) == ErrorKind::argument);
    CHECK(kind_of([&] { segmentation_mask(logits, {2, 2, 3}, {}, Letterbox{4, 4, 4, 0, 4}); }) == ErrorKind::argument);
    CHECK(kind_of([&] { segmentation_mask(logits, {2, 2, 3}, {}, Letterbox{}); }) == ErrorKind::argument);
}
