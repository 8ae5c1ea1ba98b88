// mnet-segment's argument parser: what it accepts, and that everything else is an
// Error(argument) naming the option (never a crash).
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../../examples/segment_args.hpp"

using mnet::cli::SegmentArgs;
using mnet::cli::parse_segment_args;
using Catch::Matchers::Contains;

namespace {

SegmentArgs parse_segment(std::vector<std::string> args) { return parse_segment_args(args); }

std::string segment_error_of(std::vector<std::string> args) {
    try {
        parse_segment_args(args);
    } catch (const mnet::Error& e) {
        CHECK(e.kind() == mnet::ErrorKind::argument);
        return e.what();
    }
    FAIL("expected an argument error");
    return {};
}

}  // namespace

TEST_CASE("segment args: full command line", "[cli]") {
    const SegmentArgs a = parse_segment({"--model", "d.tflite", "--threads=2", "--out", "masks", "--dump-logits", "l.f32",
                                 "--dump-mask=m.u8", "--precision", "float", "--labels", "voc.txt", "a/bird.png",
                                 "b/cat.jpg"});
    CHECK(a.model == "d.tflite");
    CHECK(a.threads == 2);
    CHECK(a.out == "masks");
    CHECK(a.dump_logits == "l.f32");
    CHECK(a.dump_mask == "m.u8");
    CHECK(a.precision == mnet::Precision::float32);
    CHECK(a.labels == "voc.txt");
    CHECK(a.images == std::vector<std::string>{"a/bird.png", "b/cat.jpg"});
    CHECK_FALSE(a.help);
}

TEST_CASE("segment args: defaults", "[cli]") {
    const SegmentArgs a = parse_segment({"--model", "d.tflite", "x.png"});
    CHECK(a.threads == 1);
    CHECK(a.out == ".");
    CHECK(a.dump_logits.empty());
    CHECK(a.dump_mask.empty());
    CHECK(a.precision == mnet::Precision::automatic);
    CHECK(parse_segment({"--model", "d.tflite", "--precision=int8", "x.png"}).precision == mnet::Precision::integer);
    CHECK(a.labels.empty());
    CHECK(parse_segment({"--help"}).help);
}

TEST_CASE("segment args: output names", "[cli]") {
    CHECK(mnet::cli::output_stem("../shared/images/segmentation/bird_513.png") == "bird_513");
    CHECK(mnet::cli::output_stem("photo.tar.gz") == "photo.tar");
    CHECK(mnet::cli::output_stem("noext") == "noext");
    CHECK_THAT(segment_error_of({"--model", "m", "a/bird.png", "b/bird.jpg"}), Contains("bird.mask.png"));
    CHECK_THAT(segment_error_of({"--model", "m", "dir/.."}), Contains("no file name"));
    const SegmentArgs dashed = parse_segment({"--model", "m", "--", "--out"});  // after --, an image name
    CHECK(dashed.images == std::vector<std::string>{"--out"});
    CHECK(dashed.out == ".");
}

TEST_CASE("segment args: errors name the option", "[cli]") {
    CHECK_THAT(segment_error_of({"x.png"}), Contains("--model is required"));
    CHECK_THAT(segment_error_of({"--model", "m"}), Contains("no image given"));
    CHECK_THAT(segment_error_of({"--model", "m", "--model", "n", "x.png"}), Contains("--model given twice"));
    CHECK_THAT(segment_error_of({"--model", "m", "--threads", "0", "x.png"}), Contains("--threads expects an integer"));
    CHECK_THAT(segment_error_of({"--model", "m", "--threads", "2x", "x.png"}), Contains("--threads"));
    CHECK_THAT(segment_error_of({"--model", "m", "--precision", "uint8", "x.png"}), Contains("--precision expects int8 or float, got 'uint8'"));
    CHECK_THAT(segment_error_of({"--model", "m", "--top", "3", "x.png"}), Contains("unknown option '--top'"));
    CHECK_THAT(segment_error_of({"--model", "m", "x.png", "--out"}), Contains("missing value after --out"));
    CHECK_THAT(segment_error_of({"--model", "m", "--out=", "x.png"}), Contains("--out needs a non-empty value"));
    CHECK_THAT(segment_error_of({"--model", "m", "--dump-logits", "o", "--dump-mask", "o", "x.png"}),
               Contains("same file"));
    CHECK_THAT(segment_error_of({"--model", "m", ""}), Contains("empty image path"));
}
