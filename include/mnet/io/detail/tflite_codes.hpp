// Names and sizes of the TFLite enum values mnet meets: builtin operator codes
// (for "unsupported op MAX_POOL_2D" messages and for dispatch) and tensor types
// (element size for buffer-size checks). Values are facts of the .tflite format;
// anything unknown is reported by number rather than rejected blindly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace mnet::io::tflite_codes {

// The builtin operators mnet's importer understands.
inline constexpr int add = 0;
inline constexpr int average_pool_2d = 1;
inline constexpr int concatenation = 2;
inline constexpr int conv_2d = 3;
inline constexpr int depthwise_conv_2d = 4;
inline constexpr int dequantize = 6;
inline constexpr int fully_connected = 9;
inline constexpr int reshape = 22;
inline constexpr int resize_bilinear = 23;
inline constexpr int softmax = 25;
inline constexpr int mean = 40;
inline constexpr int squeeze = 43;
inline constexpr int arg_max = 56;
inline constexpr int quantize = 114;
inline constexpr int custom = 32;

/// "CONV_2D", or "builtin op #N" for a code this table does not know.
inline std::string op_name(int code) {
    static constexpr std::array<const char*, 133> names{
        "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE",
        "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D",
        "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU",
        "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH",
        "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
        "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB",
        "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP",
        "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM",
        "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE",
        "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT",
        "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR",
        "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE",
        "ZEROS_LIKE", "FILL", "FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
        "MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK",
        "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF",
        "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY",
        "SEGMENT_SUM", "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO",
        "RFFT2D", "CONV_3D"};
    if (code >= 0 && static_cast<std::size_t>(code) < names.size()) return names[static_cast<std::size_t>(code)];
    return "builtin op #" + std::to_string(code);
}

// Tensor element types (TensorType).
inline constexpr int float32 = 0;
inline constexpr int float16 = 1;
inline constexpr int int32 = 2;
inline constexpr int uint8 = 3;
inline constexpr int int64 = 4;
inline constexpr int int16 = 7;
inline constexpr int int8 = 9;

/// "FLOAT32", "INT8", ... or "type #N".
inline std::string type_name(int type) {
    static constexpr std::array<const char*, 18> names{
        "FLOAT32", "FLOAT16", "INT32", "UINT8",   "INT64",  "STRING", "BOOL",   "INT16",  "COMPLEX64",
        "INT8",    "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16", "INT4"};
    if (type >= 0 && static_cast<std::size_t>(type) < names.size()) return names[static_cast<std::size_t>(type)];
    return "type #" + std::to_string(type);
}

/// Bytes per element of a fixed-size type; 0 for types without one (STRING,
/// RESOURCE, VARIANT, packed INT4, unknown), whose buffers mnet never reads.
constexpr std::size_t element_size(int type) noexcept {
    switch (type) {
        case 0: case 2: case 15: return 4;       // FLOAT32, INT32, UINT32
        case 1: case 7: case 16: return 2;       // FLOAT16, INT16, UINT16
        case 3: case 6: case 9: return 1;        // UINT8, BOOL, INT8
        case 4: case 8: case 10: case 12: return 8;  // INT64, COMPLEX64, FLOAT64, UINT64
        case 11: return 16;                      // COMPLEX128
        default: return 0;
    }
}

}  // namespace mnet::io::tflite_codes
