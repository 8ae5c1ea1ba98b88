// Labels: line k names class k; CRLF and a missing final newline are tolerated;
// 1000- and 1001-line ImageNet files line up with 1000- and 1001-output models.
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "mnet/io/labels.hpp"
#include "support/data.hpp"

using namespace mnet;
using Catch::Matchers::Contains;

namespace {

std::string temp_file(const std::string& name, const std::string& content) {
    const auto path = std::filesystem::temp_directory_path() / ("mnet_test_labels_" + name);
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
}

}  // namespace

TEST_CASE("labels: the ImageNet file numbers classes as the models do", "[labels]") {
    const Labels labels = read_labels(test::data_file("weights/labels/imagenet_1001.txt"));
    REQUIRE(labels.size() == 1001);
    CHECK(labels.name(0) == "background");
    CHECK(labels.name(968) == "espresso");
    CHECK(labels.name(89) == "macaw");
    CHECK(labels.name(1000) == "toilet tissue, toilet paper, bathroom tissue");
    // A 1001-output model keeps the file's numbering; a 1000-output one drops background.
    CHECK(labels.for_classes(1001).name(968) == "espresso");
    const Labels thousand = labels.for_classes(1000);
    REQUIRE(thousand.size() == 1000);
    CHECK(thousand.name(967) == "espresso");
    CHECK(thousand.name(0) == "tench, Tinca tinca");
    // And a 1000-line file given to a 1001-output model gets background in front.
    const Labels back = thousand.for_classes(1001);
    CHECK(back.name(0) == "background");
    CHECK(back.name(968) == "espresso");
}

TEST_CASE("labels: line endings", "[labels]") {
    CHECK(parse_labels("a\nb\nc\n", "x").size() == 3);
    CHECK(parse_labels("a\nb\nc", "x").size() == 3);
    const Labels crlf = parse_labels("cat\r\nhot dog\r\n", "crlf.txt");
    REQUIRE(crlf.size() == 2);
    CHECK(crlf.name(0) == "cat");
    CHECK(crlf.name(1) == "hot dog");
    const Labels blank = parse_labels("a\n\nc\n", "x");  // an empty label keeps its line
    REQUIRE(blank.size() == 3);
    CHECK(blank.name(1).empty());
    CHECK(blank.name(2) == "c");
    const Labels from_file = read_labels(temp_file("crlf.txt", "first\r\nsecond, with comma\r\n"));
    CHECK(from_file.name(1) == "second, with comma");
}

TEST_CASE("labels: errors", "[labels]") {
    try {
        read_labels("/nonexistent/mnet/labels.txt");
        FAIL("expected mnet::Error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::io);
        CHECK_THAT(e.what(), Contains("/nonexistent/mnet/labels.txt"));
    }
    try {
        read_labels(temp_file("empty.txt", ""));
        FAIL("expected mnet::Error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::format);
        CHECK_THAT(e.what(), Contains("empty"));
    }
    CHECK_THROWS_WITH(read_labels(test::data_file("weights/labels")), Contains("is a directory"));
    const Labels three = parse_labels("a\nb\nc\n", "three.txt");
    CHECK_THROWS_WITH(three.name(3), Contains("three.txt: no label for class 3"));
    CHECK_THROWS_AS(three.name(-1), Error);
    CHECK_THROWS_WITH(three.for_classes(1001), Contains("3 labels do not fit a model with 1001 classes"));
    CHECK(three.for_classes(3).name(2) == "c");
}
