// Features before the classifier: a Session with SessionOutput::features stops at
// the pooled features (the classifier's own input), unit_features normalises
// them, a feature extractor .tflite loads on its own, and a head attached to a
// model replaces its classifier (transfer/features.hpp, runtime/session.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "mnet/mnet.hpp"
#include "mnet/transfer/embed.hpp"
#include "mnet/transfer/features.hpp"
#include "support/data.hpp"
#include "support/errors.hpp"

using namespace mnet;

namespace {

std::vector<float> photo(const Model& model, const std::string& name) {
    return preprocess(read_image(test::data_file("images/" + name)), model.input_spec());
}

/// The classifier of `model` applied by hand (its own layer) to `features`.
std::vector<float> classify_features(const Model& model, std::span<const float> features) {
    const Graph& graph = model.graph();
    const auto& fc = std::get<Classifier>(graph.nodes().back().layer);
    std::vector<float> out(static_cast<std::size_t>(fc.out_channels()));
    fc.forward(features.data(), {1, 1, fc.in_channels()}, out.data(), nullptr, graph.padding());
    return out;
}

std::vector<float> to_vector(std::span<const float> v) { return {v.begin(), v.end()}; }

double norm(std::span<const float> v) {
    double s = 0;
    for (float x : v) s += static_cast<double>(x) * x;
    return std::sqrt(s);
}

}  // namespace

TEST_CASE("features: a session stops before the classifier; its logits are the classifier of them", "[transfer][features]") {
    const std::string file = GENERATE(as<std::string>{}, "mobilenet_v2_1.0_224.safetensors",
                                      "tflite/mobilenet_v2_1.0_224_quant.tflite",
                                      "tflite/mobilenet_v1_0.25_128_quant.tflite",
                                      "tflite/mobilenet_v1_0.5_160_quant.tflite");
    CAPTURE(file);
    const Model model = load(test::data_file("weights/" + file));
    const std::size_t width = model.info().arch == Arch::mobilenet_v2
                                  ? static_cast<std::size_t>(MobileNetV2::last_channels(model.info().width))
                                  : static_cast<std::size_t>(MobileNetV1::channels(1024, model.info().width));
    // Features are float: a quantized model's logits here come from its float graph too.
    Session logits_session(model, {.precision = Precision::float32});
    Session features_session(model, {.output = SessionOutput::features});
    Session unit_session(model, {.output = SessionOutput::unit_features});
    CHECK(logits_session.output_size() == static_cast<std::size_t>(model.num_classes()));
    REQUIRE(features_session.output_size() == width);
    CHECK(feature_size(model.graph()) == width);

    const std::vector<float> input = photo(model, "parrot.jpg");
    const std::vector<float> logits = to_vector(logits_session.run(input));
    const std::span<const float> f = features_session.run(input);
    REQUIRE(f.size() == width);
    const std::vector<float> by_hand = classify_features(model, f);
    REQUIRE(by_hand.size() == logits.size());
    for (std::size_t i = 0; i < logits.size(); ++i) CHECK(by_hand[i] == logits[i]);  // same kernel, same input

    const std::span<const float> u = unit_session.run(input);
    REQUIRE(u.size() == width);
    CHECK(norm(u) == Approx(1.0).epsilon(1e-6));
    const double n = norm(f);
    for (std::size_t i = 0; i < width; i += 37) CHECK(u[i] == Approx(f[i] / n).margin(1e-7));
}

TEST_CASE("features: a batch gives each image's features, rows in order", "[transfer][features]") {
    const Model model = load(test::data_file("weights/tflite/mobilenet_v1_0.25_128_quant.tflite"));
    Session one(model, {.output = SessionOutput::features});
    Session two(model, {.threads = 2, .max_batch = 2, .output = SessionOutput::features});
    std::vector<float> batch = photo(model, "parrot.jpg");
    const std::vector<float> second = photo(model, "coffee.jpg");
    const std::vector<float> a = to_vector(one.run(batch));
    const std::vector<float> b = to_vector(one.run(second));
    batch.insert(batch.end(), second.begin(), second.end());
    const std::span<const float> both = two.run(batch);
    REQUIRE(both.size() == a.size() + b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(both[i] == Approx(a[i]).margin(1e-6));
    for (std::size_t i = 0; i < b.size(); ++i) CHECK(both[a.size() + i] == Approx(b[i]).margin(1e-6));
}

TEST_CASE("features: the V1 embedding extractor loads alone, as the features of extractor + head", "[transfer][features]") {
    const std::string extractor = test::data_file("weights/tflite/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite");
    const std::string head = test::data_file("weights/tflite/mobilenet_quant_v1_224_head_layers.tflite");
    const Model alone = load(extractor);
    CHECK(alone.num_classes() == 0);
    CHECK(alone.info().arch == Arch::mobilenet_v1);
    CHECK(alone.info().width == 1.0f);
    CHECK(feature_node_count(alone.graph()) == alone.graph().nodes().size());  // no classifier node
    const Model chained = load(std::vector<std::string>{extractor, head});
    Session a(alone, {.precision = Precision::float32});  // logits of a model without classifier: its features
    Session b(chained, {.output = SessionOutput::features});
    REQUIRE(a.output_size() == 1024);
    REQUIRE(b.output_size() == 1024);
    const std::vector<float> input = photo(alone, "chelsea.jpg");
    const std::vector<float> fa = to_vector(a.run(input));
    const std::span<const float> fb = b.run(input);
    for (std::size_t i = 0; i < fa.size(); ++i) CHECK(fa[i] == fb[i]);
    // the chained model's classifier on the extractor's features gives its logits
    Session logits(chained, {.precision = Precision::float32});
    const std::span<const float> l = logits.run(input);
    const std::vector<float> by_hand = classify_features(chained, fa);
    for (std::size_t i = 0; i < by_hand.size(); ++i) CHECK(by_hand[i] == l[i]);
}

TEST_CASE("features: an attached head replaces the classifier", "[transfer][features][head]") {
    const Model base = load(test::data_file("weights/tflite/mobilenet_v1_0.25_128_quant.tflite"));
    const std::size_t k = feature_size(base.graph());
    REQUIRE(k == 256);
    // three classes: rows e_0 + e_1, −e_2, (1/K, …); bias (0.5, 0, −1)
    std::vector<float> w(3 * k, 0.0f);
    w[0] = 1.0f, w[1] = 1.0f, w[k + 2] = -1.0f;
    for (std::size_t j = 0; j < k; ++j) w[2 * k + j] = 1.0f / static_cast<float>(k);
    const std::vector<float> bias{0.5f, 0.0f, -1.0f};
    for (const bool normalize : {false, true}) {
        CAPTURE(normalize);
        const auto head = std::make_shared<const Head>(w, bias, std::vector<std::string>{"a", "b", "c"}, 3.0f, normalize);
        const Model model = attach_head(base, head);
        CHECK(model.num_classes() == 3);
        CHECK(base.num_classes() == 1001);  // the base is unchanged
        Session session(model);
        REQUIRE(session.output_size() == 3);
        Session features(base, {.output = normalize ? SessionOutput::unit_features : SessionOutput::features});
        const std::vector<float> input = photo(base, "parrot.jpg");
        const std::vector<float> f = to_vector(features.run(input));
        double mean = 0;
        for (float x : f) mean += x;
        mean /= static_cast<double>(k);
        const std::span<const float> logits = session.run(input);
        CHECK(logits[0] == Approx(3.0 * (f[0] + f[1]) + 0.5).epsilon(1e-5));
        CHECK(logits[1] == Approx(-3.0 * f[2]).epsilon(1e-5).margin(1e-6));
        CHECK(logits[2] == Approx(3.0 * mean - 1.0).epsilon(1e-5));
        // features are still there on request
        Session raw(model, {.output = SessionOutput::features});
        CHECK(raw.output_size() == k);
    }
    const auto narrow = std::make_shared<const Head>(std::vector<float>(10, 0.1f), std::vector<float>{0.0f},
                                                     std::vector<std::string>{"x"}, 1.0f, true);
    test::require_error([&] { attach_head(base, narrow); }, ErrorKind::shape,
                        {"0.25_128_quant.tflite", "the head reads 10 features, the model pools 256"});
}

TEST_CASE("features: embed_files gives one row per photo", "[transfer][features]") {
    const Model model = load(test::data_file("weights/tflite/mobilenet_v1_0.25_128_quant.tflite"));
    Session session(model, {.output = SessionOutput::features});
    const std::vector<std::string> paths{test::data_file("images/parrot.jpg"), test::data_file("images/coffee.jpg")};
    const std::vector<float> rows = embed_files(session, paths);
    REQUIRE(rows.size() == 2 * 256);
    const std::span<const float> second = session.run(photo(model, "coffee.jpg"));
    for (std::size_t i = 0; i < 256; ++i) CHECK(rows[256 + i] == second[i]);
}
