// Weight imprinting and head fine-tuning (transfer/imprint.hpp): the imprinted
// rows against plain loops, the errors, L-BFGS's determinism and progress, and on
// photos: heads imprinted from ../shared/images/imprinting name cat and hot-dog
// photos they have not seen, with the V2 float model and the V1 embedding
// extractor. "[.kshot]" (hidden) prints the k-shot table of the README.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mnet/mnet.hpp"
#include "mnet/transfer/embed.hpp"
#include "mnet/transfer/head_file.hpp"
#include "mnet/transfer/imprint.hpp"
#include "support/data.hpp"
#include "support/errors.hpp"

using namespace mnet;

namespace {

/// Deterministic pseudo-random embeddings around one centre per class.
LabelledEmbeddings clustered(std::size_t classes, std::size_t per_class, std::size_t dim, float spread,
                             std::uint32_t seed = 7) {
    std::uint32_t state = seed;
    const auto uniform = [&] {
        state = state * 1664525u + 1013904223u;
        return static_cast<float>(state >> 8) / static_cast<float>(1u << 24) - 0.5f;
    };
    std::vector<std::vector<float>> centres(classes, std::vector<float>(dim));
    for (auto& c : centres)
        for (float& v : c) v = uniform() + 0.5f;  // positive, like post-ReLU6 features
    LabelledEmbeddings data;
    for (std::size_t i = 0; i < per_class; ++i)
        for (std::size_t c = 0; c < classes; ++c) {
            std::vector<float> e(dim);
            for (std::size_t j = 0; j < dim; ++j) e[j] = std::max(0.0f, centres[c][j] + spread * uniform());
            data.add(e, static_cast<int>(c));
        }
    return data;
}

std::vector<std::string> names(std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back("class " + std::to_string(i));
    return out;
}

/// Logits of `head` for embedding row i of `data`, by plain loops.
std::vector<double> head_logits(const Head& head, const LabelledEmbeddings& data, std::size_t i) {
    const std::size_t k = head.in_features();
    double norm = 0;
    for (std::size_t j = 0; j < k; ++j) norm += static_cast<double>(data.rows[i * k + j]) * data.rows[i * k + j];
    norm = head.normalize() ? std::sqrt(norm) : 1.0;
    std::vector<double> z(head.num_classes());
    for (std::size_t c = 0; c < z.size(); ++c) {
        double dot = 0;
        for (std::size_t j = 0; j < k; ++j) dot += static_cast<double>(head.weight()[c * k + j]) * data.rows[i * k + j];
        z[c] = head.scale() * dot / norm + head.bias()[c];
    }
    return z;
}

std::size_t argmax(const std::vector<double>& v) {
    return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

double accuracy(const Head& head, const LabelledEmbeddings& data) {
    std::size_t right = 0;
    for (std::size_t i = 0; i < data.count(); ++i)
        right += argmax(head_logits(head, data, i)) == static_cast<std::size_t>(data.labels[i]);
    return static_cast<double>(right) / static_cast<double>(data.count());
}

}  // namespace

TEST_CASE("imprint: each row is the normalised mean of the class's normalised embeddings", "[transfer][imprint]") {
    const LabelledEmbeddings data = clustered(3, 4, 19, 0.8f);
    ImprintOptions options;
    options.scale = 10.0f;
    const Head head = imprint(data, names(3), options);
    REQUIRE(head.num_classes() == 3);
    REQUIRE(head.in_features() == 19);
    CHECK(head.normalize());
    CHECK(head.scale() == 10.0f);
    for (std::size_t c = 0; c < 3; ++c) {
        std::vector<double> mean(19, 0.0);
        for (std::size_t i = 0; i < data.count(); ++i) {
            if (data.labels[i] != static_cast<int>(c)) continue;
            double n = 0;
            for (std::size_t j = 0; j < 19; ++j) n += static_cast<double>(data.rows[i * 19 + j]) * data.rows[i * 19 + j];
            for (std::size_t j = 0; j < 19; ++j) mean[j] += data.rows[i * 19 + j] / std::sqrt(n);
        }
        double n = 0;
        for (double v : mean) n += v * v;
        for (std::size_t j = 0; j < 19; ++j) CHECK(head.weight()[c * 19 + j] == Approx(mean[j] / std::sqrt(n)).margin(1e-6));
        CHECK(head.bias()[c] == 0.0f);
    }
    // a logit is scale × the cosine of the embedding and the class direction
    const std::vector<double> z = head_logits(head, data, 0);
    for (double v : z) CHECK(std::abs(v) <= 10.0 + 1e-4);
    CHECK(accuracy(head, data) == 1.0);
}

TEST_CASE("imprint: bad labelled data is refused", "[transfer][imprint][bad]") {
    using K = ErrorKind;
    LabelledEmbeddings data = clustered(2, 2, 5, 0.1f);
    test::require_error([&] { imprint(data, names(3)); }, K::argument, {"class 'class 2' has no embedding"});
    test::require_error([&] { imprint(data, {"cat", "dog\nhotdog"}); }, K::argument, {"class 1 name", "line breaks"});
    test::require_error([&] { imprint(data, {}); }, K::argument, {"no class"});
    test::require_error([&] { imprint(LabelledEmbeddings{}, names(1)); }, K::argument, {"no embeddings"});
    LabelledEmbeddings bad_label = data;
    bad_label.labels[1] = 7;
    test::require_error([&] { imprint(bad_label, names(2)); }, K::argument, {"embedding 1 has label 7"});
    LabelledEmbeddings nan = data;
    nan.rows[3] = std::nanf("");
    test::require_error([&] { imprint(nan, names(2)); }, K::argument, {"embedding 0 has a non-finite value"});
    test::require_error([&] { data.add(std::vector<float>(4, 1.0f), 0); }, K::shape, {"embedding of 4 floats, expected 5"});
    const Head head = imprint(data, names(2));
    const LabelledEmbeddings wider = clustered(2, 2, 6, 0.1f);
    test::require_error([&] { fine_tune(head, wider); }, K::shape, {"embeddings of 6 floats, the head reads 5"});
}

TEST_CASE("fine_tune: deterministic, lowers the loss, and separates what imprinting confuses", "[transfer][imprint][finetune]") {
    // Overlapping classes: imprinting (class means) gets some wrong, logistic regression fewer.
    const LabelledEmbeddings data = clustered(4, 12, 23, 3.0f, 11);
    const Head imprinted = imprint(data, names(4));
    FineTuneReport report;
    const Head tuned = fine_tune(imprinted, data, {}, &report);
    const Head again = fine_tune(imprinted, data);
    CHECK(tuned.weight() == again.weight());  // bit for bit
    CHECK(tuned.bias() == again.bias());
    CHECK(report.iterations > 0);
    CHECK(report.final_loss < report.initial_loss);
    CHECK(accuracy(tuned, data) >= accuracy(imprinted, data));
    CHECK(accuracy(tuned, data) == 1.0);
    CHECK(tuned.names() == imprinted.names());
    CHECK(tuned.scale() == imprinted.scale());

    // At the optimum the gradient vanishes: the loss along ±ε of a coordinate is no lower.
    const auto loss = [&](const Head& h) {
        double total = 0, w2 = 0;
        for (std::size_t i = 0; i < data.count(); ++i) {
            const std::vector<double> z = head_logits(h, data, i);
            const double top = *std::max_element(z.begin(), z.end());
            double s = 0;
            for (double v : z) s += std::exp(v - top);
            total += std::log(s) + top - z[static_cast<std::size_t>(data.labels[i])];
        }
        for (float w : h.weight()) w2 += static_cast<double>(w) * w;
        return total / static_cast<double>(data.count()) + 0.5 * 1e-3 * w2;
    };
    const double at = loss(tuned);
    CHECK(at == Approx(report.final_loss).epsilon(1e-4));
    for (std::size_t j : {0u, 5u, 40u}) {
        for (float eps : {-1e-2f, 1e-2f}) {
            std::vector<float> w = tuned.weight();
            w[j] += eps;
            CHECK(loss(Head(w, tuned.bias(), tuned.names(), tuned.scale(), tuned.normalize())) >= at - 1e-7);
        }
    }
}

namespace {

struct Photos {
    std::vector<std::string> train_paths;
    std::vector<int> train_labels;
};

/// Google's imprinting examples: cat, dog, hotdog (x2).
Photos imprinting_train() {
    const std::string dir = "images/imprinting/";
    return {{test::data_file(dir + "cat_train_0.bmp"), test::data_file(dir + "dog_train_0.bmp"),
             test::data_file(dir + "hotdog_train_0.bmp"), test::data_file(dir + "hotdog_train_1.bmp")},
            {0, 1, 2, 2}};
}

}  // namespace

TEST_CASE("imprint: a head from the imprinting photos names unseen cat and hot-dog photos", "[transfer][imprint][photos]") {
    const std::vector<std::vector<std::string>> bases{
        {test::data_file("weights/mobilenet_v2_1.0_224.safetensors")},
        {test::data_file("weights/tflite/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite")}};
    for (const std::vector<std::string>& base_files : bases) {
        CAPTURE(base_files.front());
        const Model base = load(base_files);
        Session session(base, {.output = SessionOutput::features});
        const Photos train = imprinting_train();
        const std::vector<float> rows = embed_files(session, train.train_paths);
        LabelledEmbeddings data;
        for (std::size_t i = 0; i < train.train_paths.size(); ++i)
            data.add({rows.data() + i * session.output_size(), session.output_size()}, train.train_labels[i]);
        for (const bool tune : {false, true}) {
            CAPTURE(tune);
            Head head = imprint(data, {"cat", "dog", "hotdog"});
            if (tune) head = fine_tune(head, data);
            // through the file and mnet::load({base, head}), as mnet-classify does
            const std::string file = (std::filesystem::temp_directory_path() / "mnet_test_imprint.safetensors").string();
            write_head(file, head);
            std::vector<std::string> files = base_files;
            files.push_back(file);
            const Model model = load(files);
            std::filesystem::remove(file);
            Session classify(model);
            const auto top1 = [&](const std::string& path) {
                const std::vector<float> input = preprocess(read_image(path), model.input_spec());
                const std::span<const float> logits = classify.run(input);
                REQUIRE(logits.size() == 3);
                return model.head()->names()[top_k(logits, 1).front().index];
            };
            CHECK(top1(test::data_file("images/chelsea.jpg")) == "cat");  // unseen
            CHECK(top1(test::data_file("images/segmentation/chelsea_513.png")) == "cat");
            CHECK(top1(test::data_file("images/hot_dog.jpg")) == "hotdog");  // unseen
            for (std::size_t i = 0; i < train.train_paths.size(); ++i)  // and the photos it learned from
                CHECK(top1(train.train_paths[i]) == head.names()[static_cast<std::size_t>(train.train_labels[i])]);
        }
    }
}

TEST_CASE("imprint: keep_base appends new classes to the base model's", "[transfer][imprint][photos]") {
    const Model base = load(test::data_file("weights/mobilenet_v2_1.0_224.safetensors"));
    Session session(base, {.output = SessionOutput::features});
    const Photos train = imprinting_train();
    const std::vector<float> rows = embed_files(session, train.train_paths);
    LabelledEmbeddings data;
    for (std::size_t i = 0; i < train.train_paths.size(); ++i)
        data.add({rows.data() + i * 1280, 1280}, train.train_labels[i]);
    ImprintOptions options;
    options.keep_base = &base;
    const Labels labels = read_labels(test::data_file("weights/labels/imagenet_1001.txt")).for_classes(1001);
    for (int i = 0; i < 1001; ++i) options.base_names.push_back(labels.name(i));
    const Head head = imprint(data, {"my cat", "my dog", "my hotdog"}, options);
    REQUIRE(head.num_classes() == 1004);
    CHECK(head.names()[1001] == "my cat");
    const Model model = attach_head(base, std::make_shared<const Head>(head));
    Session classify(model);
    Session plain(base);
    const auto run = [&](Session& s, const std::string& photo) {
        const std::vector<float> input = preprocess(read_image(test::data_file(photo)), base.input_spec());
        const std::span<const float> logits = s.run(input);
        return std::vector<float>(logits.begin(), logits.end());
    };
    // the parrot stays a macaw (89), and the base rows rank like the base model's
    const std::vector<float> with_head = run(classify, "images/parrot.jpg");
    const std::vector<float> without = run(plain, "images/parrot.jpg");
    CHECK(top_k(with_head, 1).front().index == 89);
    const std::vector<float> base_rows(with_head.begin(), with_head.begin() + 1001);
    CHECK(top_k(base_rows, 1).front().index == top_k(without, 1).front().index);
    CHECK(top_k(run(classify, "images/chelsea.jpg"), 1).front().index == 1001);  // "my cat"
    CHECK(top_k(run(classify, "images/hot_dog.jpg"), 1).front().index == 1003);  // "my hotdog"
}

namespace {

/// 10 views of a photo: the 4 corner and the centre crops of 80 % side, each also mirrored.
std::vector<Image> views(const Image& image) {
    std::vector<Image> out;
    const int h = image.height * 4 / 5, w = image.width * 4 / 5;
    const int dy = image.height - h, dx = image.width - w;
    for (const Window win : {Window{0, 0, h, w}, Window{0, dx, h, w}, Window{dy, 0, h, w}, Window{dy, dx, h, w},
                             Window{dy / 2, dx / 2, h, w}}) {
        Image c = crop(image, win);
        Image m = c;
        for (int y = 0; y < c.height; ++y)
            for (int x = 0; x < c.width; ++x)
                for (int ch = 0; ch < 3; ++ch)
                    m.rgb[(static_cast<std::size_t>(y) * c.width + x) * 3 + ch] =
                        c.rgb[(static_cast<std::size_t>(y) * c.width + (c.width - 1 - x)) * 3 + ch];
        out.push_back(std::move(c));
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace

TEST_CASE("imprint: k-shot accuracy, imprinting against fine-tuning (README table)", "[.kshot]") {
    // Photo groups (a group = one photo and its other crops); the first group of each
    // class is the train group, the others the test groups.
    struct Class {
        std::string name;
        std::vector<std::vector<std::string>> groups;
    };
    const std::vector<Class> classes{
        {"cat", {{"imprinting/cat_train_0.bmp"}, {"chelsea.jpg", "segmentation/chelsea_513.png"}}},
        {"dog", {{"imprinting/dog_train_0.bmp"}}},
        {"hotdog", {{"imprinting/hotdog_train_0.bmp"}, {"imprinting/hotdog_train_1.bmp"}, {"hot_dog.jpg"}}},
        {"bird", {{"parrot.jpg", "segmentation/parrot_513.png"}, {"segmentation/bird_513.png"}}},
        {"person", {{"grace_hopper.jpg", "segmentation/grace_hopper_513.png"}}},
        {"coffee", {{"coffee.jpg"}}},
    };
    std::vector<std::string> class_names;
    for (const Class& c : classes) class_names.push_back(c.name);
    for (const std::string base_file : {"mobilenet_v2_1.0_224.safetensors",
                                        "tflite/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite"}) {
        const Model base = load(test::data_file("weights/" + base_file));
        Session session(base, {.output = SessionOutput::features});
        const std::size_t k = session.output_size();
        // embeddings of every view: train[c] = views of the train group, test = the rest
        std::vector<std::vector<std::vector<float>>> train(classes.size());
        LabelledEmbeddings test;
        for (std::size_t c = 0; c < classes.size(); ++c)
            for (std::size_t g = 0; g < classes[c].groups.size(); ++g)
                for (const std::string& photo : classes[c].groups[g])
                    for (const Image& v : views(read_image(test::data_file("images/" + photo)))) {
                        const std::span<const float> e = session.run(preprocess(v, base.input_spec()));
                        if (g == 0) train[c].emplace_back(e.begin(), e.end());
                        else test.add(e, static_cast<int>(c));
                    }
        std::printf("kshot base=%s features=%zu test_views=%zu\n", base_file.c_str(), k, test.count());
        for (const std::size_t shots : {1u, 2u, 5u, 10u}) {
            LabelledEmbeddings data;
            for (std::size_t c = 0; c < classes.size(); ++c)
                for (std::size_t i = 0; i < shots && i < train[c].size(); ++i) data.add(train[c][i], static_cast<int>(c));
            const auto start = std::chrono::steady_clock::now();
            const Head imprinted = imprint(data, class_names);
            const double imprint_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            FineTuneReport report;
            const auto tune_start = std::chrono::steady_clock::now();
            const Head tuned = fine_tune(imprinted, data, {}, &report);
            const double tune_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - tune_start).count();
            std::printf("k=%zu train=%zu imprint_acc=%.3f fine_tuned_acc=%.3f imprint_ms=%.3f fine_tune_ms=%.1f "
                        "iterations=%d\n",
                        shots, data.count(), accuracy(imprinted, test), accuracy(tuned, test), imprint_ms, tune_ms,
                        report.iterations);
        }
    }
}
