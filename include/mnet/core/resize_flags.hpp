// ResizeFlags: how a bilinear resize maps output pixels onto input pixels, as
// TFLite's RESIZE_BILINEAR options say (align_corners, half_pixel_centers).
// The ResizeBilinear layer takes them, and a segmentation model says with them how
// its logits reach the input size (ModelInfo::upsample()).
#pragma once

namespace mnet {

/// TFLite RESIZE_BILINEAR's two flags. Output pixel d of an out-long axis reads input
/// coordinate d·(in − 1)/(out − 1) with align_corners (out > 1), (d + ½)·in/out − ½ with
/// half_pixel_centers, else d·in/out. TFLite forbids both at once.
struct ResizeFlags {
    bool align_corners = false;       ///< corners of input and output coincide
    bool half_pixel_centers = false;  ///< pixel centres at +½ (TF2's resize)
    constexpr bool operator==(const ResizeFlags&) const = default;  ///< Same two flags.
};

}  // namespace mnet
