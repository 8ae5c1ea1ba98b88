// mnet-fuzz-seeds OUT_DIR: writes the small valid files the fuzz corpora grow
// from (make_seeds.py then truncates, flips and edits them). Models are tiny on
// purpose (α 0.05, 16x16 input, 3 classes: 25-250 kB files), so a fuzzer
// spends its time in headers, tables and indices, not in megabytes of floats.
//   OUT_DIR/safetensors/*.safetensors   V1/V2, F32/F16/BF16/F64, BN folded or not; a classifier head
//   OUT_DIR/tflite/*.tflite             synthetic V1 graphs (tests/io/test_tflite_builder.hpp) and
//                                       DeepLabv3 α 0.25 at output stride 16 and 8
//                                       (tests/io/test_tflite_deeplab_builder.hpp)
//   OUT_DIR/image/*                     PNG (every colour type, 8/16 bit), JPEG, BMP, GIF, PNM
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <stb_image_write.h>

#include "io/test_tflite_builder.hpp"
#include "io/test_tflite_deeplab_builder.hpp"
#include "mnet/io/safetensors_model.hpp"
#include "mnet/io/tflite.hpp"
#include "mnet/transfer/head_file.hpp"
#include "support/image_files.hpp"
#include "support/torchvision_checkpoint.hpp"

namespace fs = std::filesystem;
using namespace mnet;

namespace {

void write(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    require(out.good(), ErrorKind::io, path.string() + ": cannot write");
}

/// float32 values as a safetensors tensor of `dtype` (F32, F16, BF16 or F64).
io::RawTensor encode(const std::string& name, std::vector<std::int64_t> shape, const std::vector<float>& v,
                     const std::string& dtype) {
    io::RawTensor t{name, dtype, std::move(shape), {}};
    for (float x : v) {
        if (dtype == "F64") {
            const double d = x;
            const auto* p = reinterpret_cast<const std::uint8_t*>(&d);
            t.bytes.insert(t.bytes.end(), p, p + 8);
        } else if (dtype == "BF16") {
            const auto bits = static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(x) >> 16);
            t.bytes.push_back(static_cast<std::uint8_t>(bits));
            t.bytes.push_back(static_cast<std::uint8_t>(bits >> 8));
        } else if (dtype == "F16") {
            const std::uint16_t h = test::synthetic_detail::float_to_half(x);
            t.bytes.push_back(static_cast<std::uint8_t>(h));
            t.bytes.push_back(static_cast<std::uint8_t>(h >> 8));
        } else {
            const auto* p = reinterpret_cast<const std::uint8_t*>(&x);
            t.bytes.insert(t.bytes.end(), p, p + 4);
        }
    }
    return t;
}

/// A state dict for the graph `info` describes, named and shaped as mnet's loader expects.
std::vector<io::RawTensor> state_dict(const ModelInfo& info, const std::string& dtype, bool bn_folded) {
    Graph graph = build_graph(info);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
    auto values = [&](std::size_t n, float offset) {
        std::vector<float> v(n);
        for (float& x : v) x = dist(rng) + offset;
        return v;
    };
    std::vector<io::RawTensor> out;
    for (const WeightSlot& slot : graph.weight_slots()) {
        const std::vector<std::int64_t> shape = io::detail::expected_shape(slot);
        const std::vector<std::int64_t> per_channel{static_cast<std::int64_t>(slot.out_channels())};
        out.push_back(encode(slot.weight + ".weight", shape, values(slot.weight_count(), 0), dtype));
        if (slot.batchnorm.empty() || bn_folded) {
            out.push_back(encode(slot.weight + ".bias", per_channel, values(slot.out_channels(), 0), dtype));
        } else {
            out.push_back(encode(slot.batchnorm + ".weight", per_channel, values(slot.out_channels(), 1), dtype));
            out.push_back(encode(slot.batchnorm + ".bias", per_channel, values(slot.out_channels(), 0), dtype));
            out.push_back(encode(slot.batchnorm + ".running_mean", per_channel, values(slot.out_channels(), 0), dtype));
            out.push_back(encode(slot.batchnorm + ".running_var", per_channel, values(slot.out_channels(), 1), dtype));
        }
    }
    return out;
}

std::map<std::string, std::string> metadata(const ModelInfo& info, const std::string& width) {
    return {{"arch", to_string(info.arch)},
            {"width_multiplier", width},
            {"resolution", std::to_string(info.resolution)},
            {"num_classes", std::to_string(info.num_classes)},
            {"padding", info.padding == Padding::tf_same ? "tf_same" : "symmetric"},
            {"bn_eps", "0.001"}};
}

void safetensors_seeds(const fs::path& dir) {
    ModelInfo v1{Arch::mobilenet_v1, 0.05f, 16, 3, Padding::tf_same, Preprocess::tf_inception, ""};
    ModelInfo v2{Arch::mobilenet_v2, 0.05f, 16, 3, Padding::symmetric, Preprocess::torchvision, ""};
    write(dir / "v1_tiny_f32.safetensors", io::to_safetensors(state_dict(v1, "F32", false), metadata(v1, "0.05")));
    write(dir / "v1_tiny_f16.safetensors", io::to_safetensors(state_dict(v1, "F16", false), metadata(v1, "0.05")));
    auto folded = metadata(v1, "0.05");
    folded["bn_folded"] = "true";
    write(dir / "v1_tiny_folded_bf16.safetensors", io::to_safetensors(state_dict(v1, "BF16", true), folded));
    write(dir / "v2_tiny_f32.safetensors", io::to_safetensors(state_dict(v2, "F32", false), metadata(v2, "0.05")));
    write(dir / "v2_tiny_f64.safetensors", io::to_safetensors(state_dict(v2, "F64", false), metadata(v2, "0.05")));
    // No metadata at all, as torch.save writes it: α inferred from the shapes (published α only).
    write(dir / "v2_torchvision_0.35.safetensors", io::to_safetensors(test::to_raw(test::random_v2_state_dict(0.35, 2, 3))));
    ModelInfo v1_quarter = v1;
    v1_quarter.width = 0.25f;
    write(dir / "v1_0.25_nometa.safetensors", io::to_safetensors(state_dict(v1_quarter, "F16", false)));
    // A classifier head (transfer/head_file.hpp): 3 classes over 8 features.
    std::vector<float> w(24);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::sin(static_cast<float>(i));
    write(dir / "head_3x8.safetensors",
          head_to_safetensors(Head(w, {0.0f, 0.5f, -0.5f}, {"cat", "dog", "hot dog"}, 16.0f, true)));
}

void tflite_seeds(const fs::path& dir) {
    using W = test::SyntheticOptions::Weights;
    const std::pair<const char*, W> kinds[] = {{"u8", W::uint8}, {"i8pc", W::int8_per_channel}, {"f16", W::float16},
                                               {"f32", W::float32}};
    for (const auto& [name, weights] : kinds) {
        test::SyntheticOptions opt;
        opt.width = 0.05f;
        opt.resolution = 16;
        opt.classes = 3;
        opt.weights = weights;
        write(dir / (std::string("v1_") + name + ".tflite"), test::make_synthetic_v1(opt).bytes);
        opt.fully_connected = true;
        opt.quantize_io = true;
        write(dir / (std::string("v1_") + name + "_fc_qio.tflite"), test::make_synthetic_v1(opt).bytes);
    }
    test::SyntheticOptions opt;
    opt.width = 0.05f;
    opt.resolution = 16;
    opt.classes = 3;
    opt.weights = W::uint8;
    opt.stop_after_pool = true;  // an extractor: the chain-related paths
    write(dir / "v1_u8_extractor.tflite", test::make_synthetic_v1(opt).bytes);
    // Segmentation: the dataflow importer, CONCATENATION, RESIZE_BILINEAR, ARG_MAX. The
    // ASPP head's fixed 256 channels make these the largest seeds (run.sh's max_len).
    test::SyntheticDeepLabOptions deeplab;
    deeplab.resolution = 17;
    write(dir / "deeplab_os16.tflite", test::make_synthetic_deeplab(deeplab));
    deeplab.output_stride = 8;
    write(dir / "deeplab_os8.tflite", test::make_synthetic_deeplab(deeplab));
}

void image_seeds(const fs::path& dir) {
    std::vector<std::uint16_t> samples(64 * 4);
    for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<std::uint16_t>(i * 2654435761u >> 7);
    auto bytes8 = [&](std::size_t n) {
        std::vector<std::uint16_t> v(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(n));
        for (auto& s : v) s &= 0xFF;
        return v;
    };
    write(dir / "gray8.png", test::make_png(5, 3, 0, 8, bytes8(15)));
    write(dir / "rgb8.png", test::make_png(4, 4, 2, 8, bytes8(48)));
    write(dir / "ga8.png", test::make_png(3, 2, 4, 8, bytes8(12)));
    write(dir / "rgba8.png", test::make_png(2, 3, 6, 8, bytes8(24)));
    write(dir / "gray16.png", test::make_png(3, 3, 0, 16, std::vector<std::uint16_t>(samples.begin(), samples.begin() + 9)));
    write(dir / "rgb16.png", test::make_png(2, 2, 2, 16, std::vector<std::uint16_t>(samples.begin(), samples.begin() + 12)));
    write(dir / "one.png", test::make_png(1, 1, 2, 8, {9, 99, 199}));

    Image image;
    image.width = 13;
    image.height = 9;
    for (int i = 0; i < 13 * 9 * 3; ++i) image.rgb.push_back(static_cast<std::uint8_t>(i * 37));
    write(dir / "rgb.jpg", test::jpeg_of(image, 90));
    Image one{1, 1, {200, 100, 50}};
    write(dir / "one.jpg", test::jpeg_of(one));

    std::vector<std::uint8_t> bmp;
    auto sink = [](void* context, void* data, int size) {
        auto* out = static_cast<std::vector<std::uint8_t>*>(context);
        out->insert(out->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
    };
    stbi_write_bmp_to_func(sink, &bmp, image.width, image.height, 3, image.rgb.data());
    write(dir / "rgb.bmp", bmp);

    // The classic 1x1 GIF89a (one palette entry, one LZW-coded pixel).
    write(dir / "one.gif", {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0xFF, 0xFF, 0xFF, 0, 0, 0, '!', 0xF9,
                            4, 1, 0, 0, 0, 0, ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 'D', 1, 0, ';'});
    std::string p6 = "P6\n3 2\n255\n";
    for (int i = 0; i < 18; ++i) p6 += static_cast<char>(i * 13);
    write(dir / "rgb.ppm", std::vector<std::uint8_t>(p6.begin(), p6.end()));
    // 8-bit only: mnet refuses 16-bit PNM (stb 2.27 mishandles it; README "Hostile input"),
    // and every seed must load.
    std::string p5 = "P5 2 2 255\n";
    for (int i = 0; i < 4; ++i) p5 += static_cast<char>(i * 61);
    write(dir / "gray.pgm", std::vector<std::uint8_t>(p5.begin(), p5.end()));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: mnet-fuzz-seeds OUT_DIR\n");
        return 2;
    }
    try {
        const fs::path out = argv[1];
        safetensors_seeds(out / "safetensors");
        tflite_seeds(out / "tflite");
        image_seeds(out / "image");
        // Every seed must be valid, or the corpus starts from the error paths only.
        for (const auto& entry : fs::directory_iterator(out / "safetensors")) {
            const io::SafetensorsFile file(entry.path().string());
            if (is_head_file(file)) detail::head_from(file);
            else io::load_safetensors(file);
        }
        for (const auto& entry : fs::directory_iterator(out / "tflite"))
            if (entry.path().string().find("extractor") == std::string::npos) io::load_tflite(entry.path().string());
        for (const auto& entry : fs::directory_iterator(out / "image")) read_image(entry.path().string());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mnet-fuzz-seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
