/* resize_bilinear.i8: NHWC [N,H,W,C] -> [N,OH,OW,C] bilinear resize of int8
 * values (input and output quantized alike), in TFLite's integer arithmetic:
 * source coordinates in 10-bit fixed point (scale_h10/scale_w10 precomputed by
 * the converter, align_corners folded in), four int64 products weighted by
 * 10-bit fractions, rounded half away from zero from 20 fractional bits. */
#include "selrt_kernel.h"

#define SELRT_RESIZE_BILINEAR_I8_MAXS (1 << 20)

/* Source position (10-bit fixed point) and the two neighbours of output o. */
static void selrt_resize_bilinear_i8_src(int32_t o, int32_t scale10, int32_t hp, int32_t size, int32_t *pos,
                                         int32_t *lo, int32_t *hi) {
  int32_t v = hp ? o * scale10 + scale10 / 2 - (1 << 9) : o * scale10;
  int32_t l = v / (1 << 10), h = (v + (1 << 10) - 1) / (1 << 10);
  /* A scale the converter computed keeps l <= size - 1; any other stops at
   * the last pixel (weight 0 for the upper neighbour), as the float kernel's
   * clamped coordinate does. */
  if (l > size - 1) {
    l = size - 1;
    v = l * (1 << 10);
  }
  *pos = v;
  *lo = l < 0 ? 0 : l;
  *hi = h > size - 1 ? size - 1 : h;
}

selrt_status selrt_resize_bilinear_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);
  const int32_t sh = n->ip[SELRT_resize_bilinear_i8_IP_scale_h10], sw = n->ip[SELRT_resize_bilinear_i8_IP_scale_w10];
  if (x->dtype != SELRT_I8 || y->dtype != SELRT_I8 || x->rank != 4 || y->rank != 4 ||
      x->dims[0] != y->dims[0] || x->dims[3] != y->dims[3] ||
      (n->ip[SELRT_resize_bilinear_i8_IP_half_pixel_centers] & ~1) || sh < 0 || sw < 0 ||
      sh > SELRT_RESIZE_BILINEAR_I8_MAXS || sw > SELRT_RESIZE_BILINEAR_I8_MAXS)
    return SELRT_ERR_UNSUPPORTED;
  /* Source positions must fit int32 and stay inside the image: o*scale < 2^31. */
  if ((int64_t)y->dims[1] * sh + sh >= INT32_MAX || (int64_t)y->dims[2] * sw + sw >= INT32_MAX)
    return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

selrt_status selrt_resize_bilinear_i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);
  const int8_t *x = (const int8_t *)xt->data;
  int8_t *y = (int8_t *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t OH = yt->dims[1], OW = yt->dims[2];
  const int32_t hp = n->ip[SELRT_resize_bilinear_i8_IP_half_pixel_centers];
  const int32_t sh = n->ip[SELRT_resize_bilinear_i8_IP_scale_h10], sw = n->ip[SELRT_resize_bilinear_i8_IP_scale_w10];
  for (int32_t b = 0; b < N; b++)
    for (int32_t oy = 0; oy < OH; oy++) {
      int32_t py, y0, y1;
      selrt_resize_bilinear_i8_src(oy, sh, hp, H, &py, &y0, &y1);
      const int64_t fy = py - (1 << 10) * y0; /* weight of row y1, 10 bits */
      for (int32_t ox = 0; ox < OW; ox++) {
        int32_t px, x0, x1;
        selrt_resize_bilinear_i8_src(ox, sw, hp, W, &px, &x0, &x1);
        const int64_t fx = px - (1 << 10) * x0;
        const int8_t *r0 = x + ((size_t)b * H + (size_t)y0) * W * C, *r1 = x + ((size_t)b * H + (size_t)y1) * W * C;
        int8_t *yp = y + (((size_t)b * OH + oy) * OW + ox) * C;
        for (int32_t c = 0; c < C; c++) {
          const int64_t v = r0[(size_t)x0 * C + c] * ((1 << 10) - fy) * ((1 << 10) - fx) +
                            r1[(size_t)x0 * C + c] * fy * ((1 << 10) - fx) +
                            r0[(size_t)x1 * C + c] * ((1 << 10) - fy) * fx + r1[(size_t)x1 * C + c] * fy * fx;
          const int64_t r = (v + (v > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20);
          yp[c] = (int8_t)(r < -128 ? -128 : r > 127 ? 127 : r);
        }
      }
    }
  return SELRT_OK;
}

SELRT_KERNEL(resize_bilinear_i8, "resize_bilinear.i8");
