// Transfer learning on the device: a new classifier head from a few labelled
// photos' embeddings (the pooled features a Session returns with
// SessionOutput::features), with Eigen for the small dense algebra. Not part of
// <mnet/mnet.hpp>: a TU that includes this header pays for Eigen (README,
// "Transfer learning", has the compile-time figures); link Eigen3::Eigen.
//
// imprint (weight imprinting, Qi, Brown & Lowe, CVPR 2018): each class's weight is
// the normalised mean of its normalised embeddings, so a logit is a scaled cosine
// scale · cos(w_c, f). The default scale 16 turns the cosine gap seen between a
// photo's own class and the others (about 0.3 on the imprinting photos, README)
// into a logit gap of about 5: confident, but not saturated, softmax scores.
//
// fine_tune: multinomial logistic regression of the head's rows on the
// embeddings (cross-entropy, weight decay λ/2·‖W‖²), by L-BFGS from the given
// head (the imprinted one), deterministic (fixed start, no randomness, one thread).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mnet/core/error.hpp"
#include "mnet/models/model.hpp"
#include "mnet/transfer/features.hpp"
#include "mnet/transfer/head.hpp"

namespace mnet {

/// Labelled embeddings: `count` rows of `dim` floats (as a Session with
/// SessionOutput::features returns them, normalised or not), class index per row.
struct LabelledEmbeddings {
    std::size_t dim = 0;       ///< K: floats per embedding
    std::vector<float> rows;   ///< count × dim, row-major
    std::vector<int> labels;   ///< the class of each row, 0-based
    std::size_t count() const noexcept { return labels.size(); }  ///< Number of embeddings.
    /// Appends one embedding of class `label` (its size must be dim, or set dim if first).
    void add(std::span<const float> embedding, int label) {
        if (dim == 0) dim = embedding.size();
        if (embedding.size() != dim || dim == 0)
            detail::fail(ErrorKind::shape, {"LabelledEmbeddings: embedding of ", embedding.size(),
                                            " floats, expected ", dim});
        rows.insert(rows.end(), embedding.begin(), embedding.end());
        labels.push_back(label);
    }
};

/// How imprint builds a head.
struct ImprintOptions {
    float scale = 16.0f;  ///< logits = scale · cosine (see the top of this header)
    /// Keep the classes of this model (its classifier, with `base_names`) ahead of the new
    /// ones; null: only the new classes. The embeddings must then be the raw features.
    const Model* keep_base = nullptr;
    std::vector<std::string> base_names;  ///< one name per class of keep_base
};

namespace detail {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The examples as an n × K matrix (rows L2-normalised when `normalize`), after the
/// checks every transfer function makes: sizes, finite values, labels in [0, classes).
inline RowMatrix example_matrix(const LabelledEmbeddings& data, std::size_t classes, bool normalize,
                                const char* who) {
    if (data.count() == 0 || data.dim == 0) fail(ErrorKind::argument, {who, ": no embeddings"});
    if (data.rows.size() != data.count() * data.dim)
        fail(ErrorKind::shape, {who, ": ", data.rows.size(), " floats for ", data.count(), " embeddings of ", data.dim});
    RowMatrix x(static_cast<Eigen::Index>(data.count()), static_cast<Eigen::Index>(data.dim));
    for (std::size_t i = 0; i < data.count(); ++i) {
        const int label = data.labels[i];
        if (label < 0 || static_cast<std::size_t>(label) >= classes)
            fail(ErrorKind::argument, {who, ": embedding ", i, " has label ", label, ", expected 0..", classes - 1});
        for (std::size_t j = 0; j < data.dim; ++j) {
            const float v = data.rows[i * data.dim + j];
            if (!std::isfinite(v)) fail(ErrorKind::argument, {who, ": embedding ", i, " has a non-finite value"});
            x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v;
        }
        if (normalize) {
            const double norm = x.row(static_cast<Eigen::Index>(i)).norm();
            if (norm > 0) x.row(static_cast<Eigen::Index>(i)) /= norm;
        }
    }
    return x;
}

/// The classifier of `model` as [N][K] weights and N biases, read back through its
/// forward pass (bias = f(0), column k = f(e_k) − bias): the packed layout stays private.
inline void classifier_weights(const Model& model, RowMatrix& w, Eigen::VectorXd& b) {
    const Graph& graph = model.graph();
    if (feature_node_count(graph) == graph.nodes().size())
        fail(ErrorKind::argument, {model.info().source, ": keep_base needs a model with a classifier"});
    const Node& node = graph.nodes().back();
    const auto& fc = std::get<Classifier>(node.layer);
    const auto k = static_cast<std::size_t>(fc.in_channels()), n = static_cast<std::size_t>(fc.out_channels());
    const Shape in_shape{1, 1, fc.in_channels()};
    std::vector<float> in(k, 0.0f), out(n);
    fc.forward(in.data(), in_shape, out.data(), nullptr, graph.padding());
    b = Eigen::Map<const Eigen::VectorXf>(out.data(), static_cast<Eigen::Index>(n)).cast<double>();
    w.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(k));
    for (std::size_t j = 0; j < k; ++j) {
        in[j] = 1.0f;
        fc.forward(in.data(), in_shape, out.data(), nullptr, graph.padding());
        in[j] = 0.0f;
        for (std::size_t r = 0; r < n; ++r)
            w(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = double{out[r]} - b(static_cast<Eigen::Index>(r));
    }
}

inline std::vector<float> to_floats(const RowMatrix& m) {
    std::vector<float> out(static_cast<std::size_t>(m.size()));
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            out[static_cast<std::size_t>(i * m.cols() + j)] = static_cast<float>(m(i, j));
    return out;
}

}  // namespace detail

/// A head for `names.size()` new classes from labelled embeddings (labels index
/// `names`): row c is the normalised mean of class c's normalised embeddings, bias 0,
/// the head L2-normalises its input and multiplies by options.scale. With
/// options.keep_base the base classifier's rows come first (labels then still index
/// `names`; the new classes follow the base ones): each base row becomes m·W_j on
/// unit features (m the embeddings' mean norm, so base logits stay about what the
/// base model gives), and each new row gets the base rows' mean norm and bias.
/// Error(argument): a class without embedding, a label out of range, a non-finite
/// value, a bad name (empty, a line break); Error(shape): embeddings whose width is
/// not the base model's features.
inline Head imprint(const LabelledEmbeddings& data, std::vector<std::string> names, const ImprintOptions& options = {}) {
    if (names.empty()) detail::fail(ErrorKind::argument, {"imprint: no class"});
    for (std::size_t c = 0; c < names.size(); ++c) Head::check_class_name(names[c], c);
    const detail::RowMatrix x = detail::example_matrix(data, names.size(), true, "imprint");
    const auto k = static_cast<Eigen::Index>(data.dim);
    const auto classes = static_cast<Eigen::Index>(names.size());

    detail::RowMatrix sums = detail::RowMatrix::Zero(classes, k);
    std::vector<std::size_t> counts(names.size(), 0);
    for (std::size_t i = 0; i < data.count(); ++i) {
        sums.row(data.labels[i]) += x.row(static_cast<Eigen::Index>(i));
        ++counts[static_cast<std::size_t>(data.labels[i])];
    }
    for (std::size_t c = 0; c < names.size(); ++c) {
        if (counts[c] == 0) detail::fail(ErrorKind::argument, {"imprint: class '", names[c], "' has no embedding"});
        const double norm = sums.row(static_cast<Eigen::Index>(c)).norm();
        if (!(norm > 0)) detail::fail(ErrorKind::argument, {"imprint: class '", names[c], "' has a zero mean embedding"});
        sums.row(static_cast<Eigen::Index>(c)) /= norm;
    }
    if (!options.keep_base) {
        std::vector<float> zero(names.size(), 0.0f);
        return Head(detail::to_floats(sums), std::move(zero), std::move(names), options.scale, true);
    }

    const Model& base = *options.keep_base;
    if (feature_size(base.graph()) != data.dim)
        detail::fail(ErrorKind::shape, {"imprint: embeddings of ", data.dim, " floats, ", base.info().source,
                                        " pools ", feature_size(base.graph())});
    detail::RowMatrix w;
    Eigen::VectorXd b;
    detail::classifier_weights(base, w, b);
    if (options.base_names.size() != static_cast<std::size_t>(w.rows()))
        detail::fail(ErrorKind::argument, {"imprint: ", options.base_names.size(), " base names for ", w.rows(),
                                           " base classes"});
    double mean_norm = 0;
    for (std::size_t i = 0; i < data.count(); ++i) {
        Eigen::Map<const Eigen::VectorXf> row(data.rows.data() + i * data.dim, k);
        mean_norm += static_cast<double>(row.norm()) / static_cast<double>(data.count());
    }
    const double row_norm = w.rowwise().norm().mean();
    detail::RowMatrix all(w.rows() + classes, k);
    all.topRows(w.rows()) = mean_norm * w;
    all.bottomRows(classes) = (mean_norm * row_norm) * sums;
    std::vector<float> bias(static_cast<std::size_t>(all.rows()), static_cast<float>(b.mean()));
    for (Eigen::Index r = 0; r < w.rows(); ++r) bias[static_cast<std::size_t>(r)] = static_cast<float>(b(r));
    std::vector<std::string> all_names = options.base_names;
    all_names.insert(all_names.end(), names.begin(), names.end());
    return Head(detail::to_floats(all), std::move(bias), std::move(all_names), 1.0f, true);
}

/// How fine_tune optimises.
struct FineTuneOptions {
    double weight_decay = 1e-3;  ///< λ of λ/2·‖W‖² over the trained rows
    int max_iterations = 200;    ///< L-BFGS iterations at most
    int history = 10;            ///< L-BFGS correction pairs
    double tolerance = 1e-7;     ///< stop when the gradient's largest entry is below this
};

/// What fine_tune did.
struct FineTuneReport {
    int iterations = 0;        ///< L-BFGS iterations run
    double initial_loss = 0;   ///< regularised cross-entropy at the start
    double final_loss = 0;     ///< ... and at the end
};

/// `start` (an imprinted head) refined by multinomial logistic regression on `data`
/// (labels index the head's rows): minimises the mean cross-entropy of
/// softmax(scale · W·φ(x) + b) plus λ/2·‖W‖², over the rows that have embeddings;
/// rows without any (a kept base model's classes) stay fixed but still take part in
/// the softmax. L-BFGS with a backtracking (Armijo) line search, in double precision;
/// the same inputs give the same head. Errors as imprint.
inline Head fine_tune(const Head& start, const LabelledEmbeddings& data, const FineTuneOptions& options = {},
                      FineTuneReport* report = nullptr) {
    using Eigen::Index;
    if (data.dim != start.in_features())
        detail::fail(ErrorKind::shape, {"fine_tune: embeddings of ", data.dim, " floats, the head reads ",
                                        start.in_features()});
    if (!(options.weight_decay >= 0) || options.max_iterations < 0 || options.history < 1)
        detail::fail(ErrorKind::argument, {"fine_tune: weight_decay >= 0, max_iterations >= 0, history >= 1"});
    const detail::RowMatrix x = detail::example_matrix(data, start.num_classes(), start.normalize(), "fine_tune");
    const auto n = static_cast<Index>(data.count()), k = static_cast<Index>(data.dim);
    const auto classes = static_cast<Index>(start.num_classes());
    const double scale = start.scale(), lambda = options.weight_decay;

    std::vector<Index> trained;  // rows with examples, in order
    {
        std::vector<bool> seen(static_cast<std::size_t>(classes), false);
        for (int label : data.labels) seen[static_cast<std::size_t>(label)] = true;
        for (Index r = 0; r < classes; ++r)
            if (seen[static_cast<std::size_t>(r)]) trained.push_back(r);
    }
    const auto t = static_cast<Index>(trained.size());
    detail::RowMatrix w0 = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                               start.weight().data(), classes, k)
                               .cast<double>();
    const Eigen::VectorXd b0 = Eigen::Map<const Eigen::VectorXf>(start.bias().data(), classes).cast<double>();
    // Logits of every row; the fixed rows' never change.
    const detail::RowMatrix fixed_logits = (scale * x * w0.transpose()).rowwise() + b0.transpose();

    // θ = [W_T row-major (t·k), b_T (t)].
    const Index size = t * k + t;
    Eigen::VectorXd theta(size);
    for (Index r = 0; r < t; ++r) {
        theta.segment(r * k, k) = w0.row(trained[static_cast<std::size_t>(r)]).transpose();
        theta(t * k + r) = b0(trained[static_cast<std::size_t>(r)]);
    }
    const auto evaluate = [&](const Eigen::VectorXd& p, Eigen::VectorXd& grad) {
        const Eigen::Map<const detail::RowMatrix> wt(p.data(), t, k);
        detail::RowMatrix z = fixed_logits;
        const detail::RowMatrix zt = (scale * x * wt.transpose()).rowwise() + p.tail(t).transpose();
        for (Index r = 0; r < t; ++r) z.col(trained[static_cast<std::size_t>(r)]) = zt.col(r);
        double loss = 0;
        detail::RowMatrix g(n, t);  // ∂loss/∂z of the trained rows, × n
        for (Index i = 0; i < n; ++i) {
            const double top = z.row(i).maxCoeff();
            const Eigen::RowVectorXd e = (z.row(i).array() - top).exp().matrix();
            const double sum = e.sum();
            loss += std::log(sum) + top - z(i, data.labels[static_cast<std::size_t>(i)]);
            for (Index r = 0; r < t; ++r) {
                const Index row = trained[static_cast<std::size_t>(r)];
                g(i, r) = e(row) / sum - (data.labels[static_cast<std::size_t>(i)] == row ? 1.0 : 0.0);
            }
        }
        loss = loss / static_cast<double>(n) + 0.5 * lambda * p.head(t * k).squaredNorm();
        grad.resize(size);
        Eigen::Map<detail::RowMatrix> gw(grad.data(), t, k);
        gw = (scale / static_cast<double>(n)) * g.transpose() * x + lambda * wt;
        grad.tail(t) = g.colwise().sum().transpose() / static_cast<double>(n);
        return loss;
    };

    Eigen::VectorXd grad;
    double loss = evaluate(theta, grad);
    FineTuneReport rep;
    rep.initial_loss = loss;
    std::vector<Eigen::VectorXd> s_hist, y_hist;
    std::vector<double> rho;
    int it = 0;
    for (; it < options.max_iterations && grad.lpNorm<Eigen::Infinity>() > options.tolerance; ++it) {
        // Two-loop recursion: direction = −H·grad.
        Eigen::VectorXd q = grad;
        std::vector<double> alpha(s_hist.size());
        for (std::size_t j = s_hist.size(); j-- > 0;) {
            alpha[j] = rho[j] * s_hist[j].dot(q);
            q -= alpha[j] * y_hist[j];
        }
        if (!s_hist.empty()) q *= s_hist.back().dot(y_hist.back()) / y_hist.back().squaredNorm();
        else q /= std::max(1.0, grad.norm());
        for (std::size_t j = 0; j < s_hist.size(); ++j) q += s_hist[j] * (alpha[j] - rho[j] * y_hist[j].dot(q));
        Eigen::VectorXd direction = -q;
        double slope = grad.dot(direction);
        if (!(slope < 0)) {  // not a descent direction: restart from steepest descent
            s_hist.clear(), y_hist.clear(), rho.clear();
            direction = -grad / std::max(1.0, grad.norm());
            slope = grad.dot(direction);
        }
        double step = 1.0;
        Eigen::VectorXd next, next_grad;
        double next_loss = 0;
        bool moved = false;
        for (int tries = 0; tries < 40; ++tries, step *= 0.5) {
            next = theta + step * direction;
            next_loss = evaluate(next, next_grad);
            if (std::isfinite(next_loss) && next_loss <= loss + 1e-4 * step * slope) {
                moved = true;
                break;
            }
        }
        if (!moved) break;
        Eigen::VectorXd s = next - theta, y = next_grad - grad;
        const double sy = s.dot(y);
        if (sy > 1e-12) {
            if (static_cast<int>(s_hist.size()) == options.history) {
                s_hist.erase(s_hist.begin()), y_hist.erase(y_hist.begin()), rho.erase(rho.begin());
            }
            s_hist.push_back(std::move(s)), y_hist.push_back(std::move(y)), rho.push_back(1.0 / sy);
        }
        const double change = loss - next_loss;
        theta = std::move(next), grad = std::move(next_grad), loss = next_loss;
        if (change <= 1e-12 * std::max(1.0, std::abs(loss))) {
            ++it;
            break;
        }
    }
    rep.iterations = it;
    rep.final_loss = loss;
    if (report) *report = rep;

    detail::RowMatrix w = w0;
    Eigen::VectorXd b = b0;
    for (Index r = 0; r < t; ++r) {
        w.row(trained[static_cast<std::size_t>(r)]) = theta.segment(r * k, k).transpose();
        b(trained[static_cast<std::size_t>(r)]) = theta(t * k + r);
    }
    std::vector<float> bias(static_cast<std::size_t>(classes));
    for (Index r = 0; r < classes; ++r) bias[static_cast<std::size_t>(r)] = static_cast<float>(b(r));
    return Head(detail::to_floats(w), std::move(bias), start.names(), start.scale(), start.normalize());
}

}  // namespace mnet
