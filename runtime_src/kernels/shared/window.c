#include "window.h"

static selrt_status selrt_shared_window_check(const selrt_program *p, int32_t in, int32_t out, int32_t k,
                                             int32_t s, int32_t d, int32_t pad) {
  if (k < 1) return SELRT_REJECT(p, "filter size % is below 1", k, 0);
  if (s < 1) return SELRT_REJECT(p, "stride % is below 1", s, 0);
  if (d < 1) return SELRT_REJECT(p, "dilation % is below 1", d, 0);
  /* in, out >= 1 (the core refuses empty dims). The padding the windows need
   * is total = (out - 1) * s + (k - 1) * d + 1 - in; VALID has -s < total <= 0
   * and no padding, SAME has ceil(in / s) outputs and total / 2 before, and
   * in both pad is max(total, 0) / 2. No division (a libgcc call on armv7);
   * a product past int32 is no real window (and `run` computes positions
   * in int64, so anything that fits int32 here is safe there). */
  int32_t first, span, total;
  if (__builtin_mul_overflow(out - 1, s, &first) || __builtin_mul_overflow(k - 1, d, &span) ||
      __builtin_add_overflow(first, span + (1 - in), &total))
    return SELRT_REJECT(p, "window positions exceed int32 (% outputs, stride %)", out, s);
  if (pad != (total > 0 ? total >> 1 : 0))
    return SELRT_REJECT(p, "padding % is neither VALID's nor SAME's (%)", pad, total > 0 ? total >> 1 : 0);
  if ((first < in && in - first <= s) || (total <= 0 && total > -s)) return SELRT_OK;
  return SELRT_REJECT(p, "% outputs do not fit input extent % with this window", out, in);
}

/* One function for 2-D and 3-D (the header's wrappers): its one caller of
 * selrt_shared_window_check inlines it, so a build with only 2-D windows is
 * as small as before 3-D ones existed. */
selrt_status selrt_shared_window_nd_check(const selrt_program *p, const selrt_tensor *x, const selrt_tensor *y,
                                          int nd, const int32_t *k, const int32_t *stride, const int32_t *dilation,
                                          const int32_t *pad) {
  for (int i = 0; i < nd; i++) {
    selrt_status st = selrt_shared_window_check(p, x->dims[1 + i], y->dims[1 + i], k[i], stride[i],
                                                dilation ? dilation[i] : 1, pad[i]);
    if (st != SELRT_OK) return st;
  }
  return SELRT_OK;
}

selrt_status selrt_shared_conv3d_check(const selrt_program *p, const selrt_tensor *x, const selrt_tensor *w,
                                       const selrt_tensor *b, const selrt_tensor *y, int wci, int wco, float lo,
                                       float hi) {
  if (x->dtype != SELRT_F32 || w->dtype != SELRT_F32 || y->dtype != SELRT_F32)
    return SELRT_REJECT(p, "input, filter or output is not float32", 0, 0);
  if (x->rank != 5 || w->rank != 5 || y->rank != 5)
    return SELRT_REJECT(p, "input rank % / output rank % are not 5 (NDHWC) or the filter's is not", x->rank, y->rank);
  if (x->dims[0] != y->dims[0]) return SELRT_REJECT(p, "batch % of the input differs from the output's %", x->dims[0], y->dims[0]);
  if (w->dims[wci] != x->dims[4]) return SELRT_REJECT(p, "filter depth % differs from input channels %", w->dims[wci], x->dims[4]);
  if (w->dims[wco] != y->dims[4]) return SELRT_REJECT(p, "filter outputs % differ from output channels %", w->dims[wco], y->dims[4]);
  if (b && (b->dtype != SELRT_F32 || selrt_numel(b) != (size_t)y->dims[4]))
    return SELRT_REJECT(p, "bias is not % float32 values", y->dims[4], 0);
  if (selrt_numel(x) > INT32_MAX || selrt_numel(y) > INT32_MAX || selrt_numel(w) > INT32_MAX)
    return SELRT_REJECT(p, "a tensor exceeds int32 elements", 0, 0);
  if (!(lo <= hi)) return SELRT_REJECT(p, "activation bounds are not an interval", 0, 0);
  return SELRT_OK;
}

selrt_status selrt_shared_pool_check(const selrt_program *p, const selrt_tensor *x, const selrt_tensor *y,
                                     selrt_dtype dtype, const int32_t *window) {
  if (x->dtype != dtype || y->dtype != dtype) return SELRT_REJECT(p, "input or output dtype is not the kernel's", 0, 0);
  if (x->rank != 4 || y->rank != 4) return SELRT_REJECT(p, "ranks % / % are not 4 (NHWC)", x->rank, y->rank);
  if (x->dims[0] != y->dims[0]) return SELRT_REJECT(p, "batch % of the input differs from the output's %", x->dims[0], y->dims[0]);
  if (x->dims[3] != y->dims[3]) return SELRT_REJECT(p, "% input channels but % output channels", x->dims[3], y->dims[3]);
  return selrt_shared_window2d_check(p, x, y, window, window + 2, 0, window + 4);
}

void selrt_shared_pool_span(int64_t off, int64_t I, int64_t T, int32_t *lo, int32_t *hi) {
  int64_t l = off >= 0 ? 0 : -off;
  int64_t h = I - off;
  if (h > T) h = T;
  if (l > h) l = h;
  *lo = (int32_t)l;
  *hi = (int32_t)h;
}
