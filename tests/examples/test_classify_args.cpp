// mnet-classify's argument parser: what it accepts, and that everything else is
// an Error(argument) naming the option (never a crash: a fuzzer will drive it).
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../../examples/classify_args.hpp"

using mnet::cli::ClassifyArgs;
using mnet::cli::parse_classify_args;
using Catch::Matchers::Contains;

namespace {

ClassifyArgs parse(std::vector<std::string> args) { return parse_classify_args(args); }

std::string error_of(std::vector<std::string> args) {
    try {
        parse_classify_args(args);
    } catch (const mnet::Error& e) {
        CHECK(e.kind() == mnet::ErrorKind::argument);
        return e.what();
    }
    FAIL("expected an argument error");
    return {};
}

}  // namespace

TEST_CASE("classify args: full command line", "[cli]") {
    const ClassifyArgs a = parse({"--model", "a.tflite", "--model=b.tflite", "--labels", "l.txt", "--top", "3",
                                  "--threads=4", "--preset", "torchvision", "--dump-logits", "out.f32", "--bench",
                                  "20", "x.jpg", "y.png"});
    CHECK(a.models == std::vector<std::string>{"a.tflite", "b.tflite"});
    CHECK(a.labels == "l.txt");
    CHECK(a.top == 3);
    CHECK(a.threads == 4);
    REQUIRE(a.preset.has_value());
    CHECK(*a.preset == mnet::Preprocess::torchvision);
    CHECK(a.dump_logits == "out.f32");
    CHECK(a.bench == 20);
    CHECK(a.images == std::vector<std::string>{"x.jpg", "y.png"});
    CHECK_FALSE(a.help);
    CHECK_FALSE(a.profile);
}

TEST_CASE("classify args: --profile is a flag", "[cli]") {
    const ClassifyArgs a = parse({"--profile", "--model", "m.tflite", "--threads", "2", "x.jpg"});
    CHECK(a.profile);
    CHECK(a.threads == 2);
    CHECK(a.images == std::vector<std::string>{"x.jpg"});
    CHECK(parse({"--model", "m.tflite", "x.jpg", "--profile"}).profile);
    CHECK_THAT(error_of({"--profile=yes", "--model", "m", "x.jpg"}), Contains("--profile takes no value"));
    CHECK_THAT(error_of({"--profile", "--profile", "--model", "m", "x.jpg"}), Contains("--profile given twice"));
    const ClassifyArgs image = parse({"--model", "m", "--", "--profile"});  // after --, an image name
    CHECK_FALSE(image.profile);
    CHECK(image.images == std::vector<std::string>{"--profile"});
}

TEST_CASE("classify args: --precision int8|float", "[cli]") {
    auto parse = [](std::vector<std::string> args) { return parse_classify_args(args); };
    CHECK(parse({"--model", "m", "x.jpg"}).precision == mnet::Precision::automatic);
    CHECK(parse({"--model", "m", "--precision", "int8", "x.jpg"}).precision == mnet::Precision::integer);
    CHECK(parse({"--model", "m", "--precision=float", "x.jpg"}).precision == mnet::Precision::float32);
    CHECK(parse({"--model", "m", "--precision=float", "--profile", "x.jpg"}).profile);
    CHECK_THAT(error_of({"--model", "m", "--precision", "uint8", "x.jpg"}),
               Contains("--precision expects int8 or float, got 'uint8'"));
    CHECK_THAT(error_of({"--model", "m", "--precision", "int8", "--precision", "int8", "x.jpg"}),
               Contains("--precision given twice"));
    CHECK(parse({"--model", "m", "--precision", "int8", "--profile", "x.jpg"}).profile);
}

TEST_CASE("classify args: defaults, --help and --", "[cli]") {
    const ClassifyArgs a = parse({"x.jpg", "--model", "m.safetensors"});
    CHECK(a.top == 5);
    CHECK(a.threads == 1);
    CHECK_FALSE(a.preset.has_value());
    CHECK(a.labels.empty());
    CHECK(a.dump_logits.empty());
    CHECK(a.bench == 0);
    CHECK(parse({"--help"}).help);
    CHECK(parse({"-h", "--top", "2"}).help);
    const ClassifyArgs dashed = parse({"--model", "m", "--", "--odd-name.jpg", "-"});
    CHECK(dashed.images == std::vector<std::string>{"--odd-name.jpg", "-"});
}

TEST_CASE("classify args: errors name the option", "[cli]") {
    CHECK_THAT(error_of({}), Contains("--model is required"));
    CHECK_THAT(error_of({"--model", "m"}), Contains("no image"));
    CHECK_THAT(error_of({"--model"}), Contains("missing value after --model"));
    CHECK_THAT(error_of({"--model", "m", "x", "--frobnicate", "1"}), Contains("unknown option '--frobnicate'"));
    CHECK_THAT(error_of({"--model", "m", "x", "--top", "0"}), Contains("--top expects an integer"));
    CHECK_THAT(error_of({"--model", "m", "x", "--top", "5x"}), Contains("'5x'"));
    CHECK_THAT(error_of({"--model", "m", "x", "--top", "-3"}), Contains("--top"));
    CHECK_THAT(error_of({"--model", "m", "x", "--top", "99999999999999999999"}), Contains("--top"));
    CHECK_THAT(error_of({"--model", "m", "x", "--threads", ""}), Contains("--threads needs a non-empty value"));
    CHECK_THAT(error_of({"--model", "m", "x", "--threads", "2000"}), Contains("[1, 1024]"));
    CHECK_THAT(error_of({"--model", "m", "x", "--bench", " 5"}), Contains("--bench"));
    CHECK_THAT(error_of({"--model", "m", "x", "--preset", "caffe"}), Contains("tf_inception or torchvision"));
    CHECK_THAT(error_of({"--model", "m", "x", "--top", "1", "--top", "2"}), Contains("--top given twice"));
    CHECK_THAT(error_of({"--model=", "x"}), Contains("--model needs a non-empty value"));
    CHECK_THAT(error_of({"--model", "m", ""}), Contains("empty image path"));
}
