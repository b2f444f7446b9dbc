/* Sliding windows of the convolution and pooling kernels (f32 and i8): the
 * load-time proof that a window's parameters fit the tensors' shapes, and the
 * clipping of a window to the image.
 *
 * The converter resolves TFLite's SAME and VALID padding (and PyTorch's,
 * which it rewrites as a pad node plus VALID) into one pad_before per
 * spatial dim, so a program's window parameters must give exactly SAME's or
 * VALID's output size and padding: anything else (stride 65536 over five
 * outputs, negative padding, a window wider than the padded image) is a
 * program no converter wrote, and its outputs would be silently wrong. */
#ifndef SELRT_SHARED_WINDOW_H
#define SELRT_SHARED_WINDOW_H

#include "selrt_kernel.h"

/* SELRT_OK when both spatial dims of rank-4 NHWC x (input) and y (output)
 * fit a window of k[0] x k[1] taps, strides stride[0..1], dilations
 * dilation[0..1] (NULL: 1), pad[0..1] cells of padding before (top, left):
 * TFLite's VALID (no padding, every window inside) or SAME (ceil(in / s)
 * outputs, half the needed padding, rounded down, before), with k, s, d >= 1
 * and every window position within int32; otherwise the reason (SELRT_REJECT). A transposed convolution passes its output as x and its input
 * as y: its windows are those of the forward convolution. */
selrt_status selrt_shared_window_nd_check(const selrt_program *p, const selrt_tensor *x, const selrt_tensor *y,
                                          int nd, const int32_t *k, const int32_t *stride, const int32_t *dilation,
                                          const int32_t *pad);
static inline selrt_status selrt_shared_window2d_check(const selrt_program *p, const selrt_tensor *x,
                                                       const selrt_tensor *y, const int32_t *k, const int32_t *stride,
                                                       const int32_t *dilation, const int32_t *pad) {
  return selrt_shared_window_nd_check(p, x, y, 2, k, stride, dilation, pad);
}

/* The same for the three spatial dims of rank-5 NDHWC x and y (conv3d and
 * conv3d_transpose): k, stride, dilation and pad hold depth, height, width. */
static inline selrt_status selrt_shared_window3d_check(const selrt_program *p, const selrt_tensor *x,
                                                       const selrt_tensor *y, const int32_t *k, const int32_t *stride,
                                                       const int32_t *dilation, const int32_t *pad) {
  return selrt_shared_window_nd_check(p, x, y, 3, k, stride, dilation, pad);
}

/* conv3d / conv3d_transpose.f32: x (input), w (filter), b (optional bias),
 * y (output) float32, rank 5, equal batch; w->dims[wci] is x's channels and
 * w->dims[wco] y's (and the bias length); every tensor within int32
 * elements; lo <= hi. The window proof is left to the caller (it differs). */
selrt_status selrt_shared_conv3d_check(const selrt_program *p, const selrt_tensor *x, const selrt_tensor *w,
                                       const selrt_tensor *b, const selrt_tensor *y, int wci, int wco, float lo,
                                       float hi);

/* Pooling: x and y are rank-4 `dtype` tensors with equal batch and channels,
 * and `window` (the kernel's iparams filter_h, filter_w, stride_h, stride_w,
 * pad_top, pad_left, in that order, as every pooling entry of kernels.yaml
 * declares them) fits them as selrt_shared_window_check says. */
selrt_status selrt_shared_pool_check(const selrt_program *p, const selrt_tensor *x, const selrt_tensor *y,
                                     selrt_dtype dtype, const int32_t *window);

/* [*lo, *hi): the taps t in [0, T) whose input index t + off is in [0, I). */
void selrt_shared_pool_span(int64_t off, int64_t I, int64_t T, int32_t *lo, int32_t *hi);

#endif
