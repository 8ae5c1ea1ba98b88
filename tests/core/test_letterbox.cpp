// deeplab_letterbox: the long side becomes R, the short side floor(short · R / long)
// (at least 1), worked out by hand for odd sizes; an R × R image keeps its size.
#include <catch2/catch.hpp>

#include "mnet/core/letterbox.hpp"

using mnet::Letterbox;
using mnet::deeplab_letterbox;

TEST_CASE("letterbox: long side to R, short side floored, on odd sizes", "[segmentation][letterbox]") {
    // {resolution, valid_height, valid_width, image_height, image_width}
    CHECK(deeplab_letterbox(513, 513, 513) == Letterbox{513, 513, 513, 513, 513});
    CHECK(deeplab_letterbox(1, 1, 513) == Letterbox{513, 513, 513, 1, 1});          // scaled up 513 times
    CHECK(deeplab_letterbox(2, 3, 513) == Letterbox{513, 342, 513, 2, 3});          // 2·513/3 = 342 exactly
    CHECK(deeplab_letterbox(3, 2, 513) == Letterbox{513, 513, 342, 3, 2});
    CHECK(deeplab_letterbox(480, 640, 513) == Letterbox{513, 384, 513, 480, 640});  // 480·513/640 = 384.75
    CHECK(deeplab_letterbox(640, 480, 513) == Letterbox{513, 513, 384, 640, 480});
    CHECK(deeplab_letterbox(1, 10000, 513) == Letterbox{513, 1, 513, 1, 10000});    // 0.05 is raised to 1
    CHECK(deeplab_letterbox(514, 513, 513) == Letterbox{513, 513, 512, 514, 513});  // 513·513/514 = 512.002
    CHECK(deeplab_letterbox(7, 7, 5) == Letterbox{5, 5, 5, 7, 7});
    CHECK(deeplab_letterbox(16384, 16384, 1) == Letterbox{1, 1, 1, 16384, 16384});
}

TEST_CASE("letterbox: empty sizes are argument errors", "[segmentation][letterbox]") {
    CHECK_THROWS_AS(deeplab_letterbox(0, 5, 513), mnet::Error);
    CHECK_THROWS_AS(deeplab_letterbox(5, 0, 513), mnet::Error);
    CHECK_THROWS_AS(deeplab_letterbox(5, 5, 0), mnet::Error);
}
