//===- Conv.cpp - Reference 2-D convolution -------------------------------===//
//
// F.conv2d in double: cross-correlation with stride, asymmetric zero padding,
// dilation, feature groups (depthwise included) and an optional bias, on NCHW
// input with an OIHW filter or NHWC input with an HWIO filter. Each output
// element gathers its taps directly; nothing is blocked or reordered.
//
//===----------------------------------------------------------------------===//

#include "test/reference/Reference.h"

#include <stdexcept>
#include <string>

using namespace normc::ref;

namespace {
[[noreturn]] void fail(const std::string &message) {
  throw std::invalid_argument("normc::ref: conv2d: " + message);
}
} // namespace

Tensor normc::ref::conv2d(const std::vector<double> &x, const Shape &xShape,
                          const std::vector<double> &w, const Shape &wShape,
                          const std::vector<double> *bias,
                          const ConvOptions &options) {
  if (xShape.size() != 4 || wShape.size() != 4)
    fail("input and filter must have rank 4");
  bool nhwc = options.layout == ConvLayout::NHWC;
  int64_t n = xShape[0];
  int64_t c = nhwc ? xShape[3] : xShape[1];
  int64_t h = nhwc ? xShape[1] : xShape[2];
  int64_t wd = nhwc ? xShape[2] : xShape[3];
  int64_t o = nhwc ? wShape[3] : wShape[0];
  int64_t cg = nhwc ? wShape[2] : wShape[1];
  int64_t kh = nhwc ? wShape[0] : wShape[2];
  int64_t kw = nhwc ? wShape[1] : wShape[3];
  auto [sh, sw] = options.stride;
  auto [pt, pl, pb, pr] = options.padding;
  auto [dh, dw] = options.dilation;
  int64_t groups = options.groups;
  if (groups <= 0 || c % groups != 0 || o % groups != 0)
    fail("groups must divide the input and output channels");
  if (cg != c / groups)
    fail("filter has " + std::to_string(cg) + " input channels, expected " +
         std::to_string(c / groups));
  if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0)
    fail("stride and dilation must be positive");
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0)
    fail("padding must be non-negative");
  if (static_cast<int64_t>(x.size()) != numElements(xShape) ||
      static_cast<int64_t>(w.size()) != numElements(wShape))
    fail("input or filter size does not match its shape");
  if (bias && static_cast<int64_t>(bias->size()) != o)
    fail("bias must have one entry per output channel");
  int64_t oh = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1;
  int64_t ow = (wd + pl + pr - dw * (kw - 1) - 1) / sw + 1;
  if (h + pt + pb - dh * (kh - 1) - 1 < 0 ||
      wd + pl + pr - dw * (kw - 1) - 1 < 0)
    fail("kernel larger than the padded input");

  auto xAt = [&](int64_t ni, int64_t ci, int64_t hi, int64_t wi) {
    return nhwc ? x[((ni * h + hi) * wd + wi) * c + ci]
                : x[((ni * c + ci) * h + hi) * wd + wi];
  };
  auto wAt = [&](int64_t oi, int64_t ci, int64_t khi, int64_t kwi) {
    return nhwc ? w[((khi * kw + kwi) * cg + ci) * o + oi]
                : w[((oi * cg + ci) * kh + khi) * kw + kwi];
  };

  Tensor out;
  out.shape = nhwc ? Shape{n, oh, ow, o} : Shape{n, o, oh, ow};
  out.data.assign(numElements(out.shape), 0.0);
  int64_t outPerGroup = o / groups;
  for (int64_t ni = 0; ni < n; ++ni)
    for (int64_t oi = 0; oi < o; ++oi)
      for (int64_t ohi = 0; ohi < oh; ++ohi)
        for (int64_t owi = 0; owi < ow; ++owi) {
          int64_t firstChannel = oi / outPerGroup * cg;
          double sum = 0.0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t khi = 0; khi < kh; ++khi) {
              int64_t hi = ohi * sh - pt + khi * dh;
              if (hi < 0 || hi >= h)
                continue;
              for (int64_t kwi = 0; kwi < kw; ++kwi) {
                int64_t wi = owi * sw - pl + kwi * dw;
                if (wi < 0 || wi >= wd)
                  continue;
                sum +=
                    xAt(ni, firstChannel + ci, hi, wi) * wAt(oi, ci, khi, kwi);
              }
            }
          int64_t index = nhwc ? ((ni * oh + ohi) * ow + owi) * o + oi
                               : ((ni * o + oi) * oh + ohi) * ow + owi;
          out.data[index] = bias ? sum + (*bias)[oi] : sum;
        }
  return out;
}
