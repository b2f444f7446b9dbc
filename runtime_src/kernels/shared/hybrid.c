/* See hybrid.h. */
#include "hybrid.h"

#include <math.h>

/* NaN (a NaN input) lands on lo: the cast stays defined. */
static int32_t selrt_hybrid_clamp(float t, float lo, float hi) {
  if (t > hi) t = hi;
  if (!(t >= lo)) t = lo;
  return (int32_t)t;
}

void selrt_shared_hybrid_quantize(const float *x, size_t n, size_t stride, int32_t asymmetric, int8_t *q,
                                  float *scale, int32_t *zp) {
  float mn = n ? x[0] : 0.0f, mx = mn;
  for (size_t i = 1; i < n; i++) {
    if (x[i * stride] < mn) mn = x[i * stride];
    if (x[i * stride] > mx) mx = x[i * stride];
  }
  *zp = 0;
  *scale = 1.0f;
  if (!asymmetric) {
    const float range = fabsf(mn) > fabsf(mx) ? fabsf(mn) : fabsf(mx);
    if (range == 0.0f) {
      for (size_t i = 0; i < n; i++) q[i] = 0;
      return;
    }
    *scale = range / 127.0f;
    const float inv = 127.0f / range;
    for (size_t i = 0; i < n; i++) q[i] = (int8_t)selrt_hybrid_clamp(roundf(x[i * stride] * inv), -127.0f, 127.0f);
    return;
  }
  const double rmin = mn < 0.0f ? (double)mn : 0.0, rmax = mx > 0.0f ? (double)mx : 0.0;
  if (rmin == rmax) {
    for (size_t i = 0; i < n; i++) q[i] = 0;
    return;
  }
  const double s = (rmax - rmin) / 255.0;
  /* The zero point from whichever end loses less precision, nudged into range. */
  const double from_min = -128.0 - rmin / s, from_max = 127.0 - rmax / s;
  const double zd = 128.0 + fabs(rmin / s) < 127.0 + fabs(rmax / s) ? from_min : from_max;
  const int32_t z = zd <= -128.0 ? -128 : zd >= 127.0 ? 127 : (int32_t)round(zd);
  *scale = (float)s;
  *zp = z;
  const float inv = 1.0f / *scale;
  /* zp + x * inv with one rounding, as LiteRT's build computes it (a fused
   * multiply-add): in double the product is exact and the sum rounds once
   * more, to float below; the same on every target, FMA or not. */
  for (size_t i = 0; i < n; i++)
    q[i] = (int8_t)selrt_hybrid_clamp(roundf((float)((double)z + (double)x[i * stride] * (double)inv)), -128.0f,
                                      127.0f);
}

selrt_status selrt_shared_hybrid_acc_check(size_t taps) {
  return taps >= 1 && taps <= (size_t)SELRT_SHARED_HYBRID_MAX_TAPS ? SELRT_OK : SELRT_ERR_UNSUPPORTED;
}

selrt_status selrt_shared_hybrid_node_check(int32_t asymmetric, const selrt_tensor *scales, size_t channels,
                                            size_t taps) {
  if ((asymmetric != 0 && asymmetric != 1) || selrt_shared_hybrid_scales_check(scales, channels) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_hybrid_acc_check(taps);
}

selrt_status selrt_shared_hybrid_scales_check(const selrt_tensor *scales, size_t channels) {
  if (!scales || scales->dtype != SELRT_F32 || !scales->data) return SELRT_ERR_UNSUPPORTED;
  const size_t c = selrt_numel(scales);
  if (c != 1 && c != channels) return SELRT_ERR_UNSUPPORTED;
  const float *v = (const float *)scales->data;
  for (size_t i = 0; i < c; i++)
    if (!(v[i] > 0.0f && v[i] <= 3.4e38f)) return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}
