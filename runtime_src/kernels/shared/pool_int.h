/* Integer max and average pooling over NHWC windows, by element type (int8,
 * int16). Input and output share one quantization (the converter checks), so
 * both work on the raw values: the maximum of the in-bounds cells, or their
 * mean rounded half away from zero by integer division as TFLite's reference
 * kernels do (average pooling's iparam ties_up = 1: ties rounded up, which is
 * what LiteRT's uint8 kernel gives on the never negative uint8 sums of a
 * legacy uint8 model shifted to int8); then the clamp to act_min..act_max. The window itself is
 * checked by shared/window.c (selrt_shared_pool_check).
 *
 *   SELRT_MAXPOOL(op, dt, T, D, LO, HI)          LO..HI: the type's range
 *   SELRT_AVGPOOL(op, dt, T, D, LO, HI, CELLS)   CELLS: most cells a window may
 *                                                have with int32 sums exact
 * (op is max_pool2d / average_pool2d: tests/test_catalogue.py finds a
 * kernel's descriptor as SELRT_<FAMILY>(<op>, <dtype>, ...).) */
#ifndef SELRT_SHARED_POOL_INT_H
#define SELRT_SHARED_POOL_INT_H

#include "selrt_kernel.h"
#include "window.h"

#define SELRT_POOL_INT_CHECK(op, dt, D, LO, HI, CELLS, BAD)                                                \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                     \
    selrt_status st = selrt_shared_pool_check(p, selrt_pin(p, n, 0), selrt_pout(p, n, 0), D,                \
                                              n->ip + SELRT_##op##_##dt##_IP_filter_h);                     \
    if (st != SELRT_OK) return st;                                                                           \
    if ((int64_t)n->ip[SELRT_##op##_##dt##_IP_filter_h] * n->ip[SELRT_##op##_##dt##_IP_filter_w] > (CELLS))  \
      return SELRT_ERR_UNSUPPORTED;                                                                          \
    int32_t lo = n->ip[SELRT_##op##_##dt##_IP_act_min], hi = n->ip[SELRT_##op##_##dt##_IP_act_max];         \
    if (lo < (LO) || hi > (HI) || lo > hi || (BAD)) return SELRT_ERR_UNSUPPORTED;                           \
    return SELRT_OK;                                                                                         \
  }

/* The loop over output cells shared by both: the window's in-bounds rows ys..ye
 * and columns xs..xe, `yp` the output pixel; CELL is the per-channel body. */
#define SELRT_POOL_INT_RUN(op, dt, T, CELL)                                                                 \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                             \
    const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);                                   \
    const T *x = (const T *)xt->data;                                                                        \
    T *y = (T *)yt->data;                                                                                    \
    const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];                        \
    const int32_t OH = yt->dims[1], OW = yt->dims[2];                                                        \
    const int32_t fh = n->ip[SELRT_##op##_##dt##_IP_filter_h], fw = n->ip[SELRT_##op##_##dt##_IP_filter_w];  \
    const int32_t sh = n->ip[SELRT_##op##_##dt##_IP_stride_h], sw = n->ip[SELRT_##op##_##dt##_IP_stride_w];  \
    const int32_t pt = n->ip[SELRT_##op##_##dt##_IP_pad_top], pl = n->ip[SELRT_##op##_##dt##_IP_pad_left];   \
    const int32_t lo = n->ip[SELRT_##op##_##dt##_IP_act_min], hi = n->ip[SELRT_##op##_##dt##_IP_act_max];   \
    for (int32_t b = 0; b < N; b++)                                                                          \
      for (int32_t oy = 0; oy < OH; oy++) {                                                                  \
        const int64_t y0 = (int64_t)oy * sh - pt;                                                            \
        const int64_t ys = y0 < 0 ? 0 : y0, ye = y0 + fh > H ? H : y0 + fh;                                  \
        for (int32_t ox = 0; ox < OW; ox++) {                                                                \
          const int64_t x0 = (int64_t)ox * sw - pl;                                                          \
          const int64_t xs = x0 < 0 ? 0 : x0, xe = x0 + fw > W ? W : x0 + fw;                                \
          T *yp = y + (((size_t)b * OH + oy) * OW + ox) * C;                                                 \
          CELL                                                                                               \
        }                                                                                                    \
      }                                                                                                      \
    return SELRT_OK;                                                                                         \
  }

#define SELRT_POOL_INT_AT(iy, ix) x[(((size_t)b * H + (size_t)(iy)) * W + (size_t)(ix)) * C + c]

#define SELRT_MAXPOOL(op, dt, T, D, LO, HI)                                                                 \
  SELRT_POOL_INT_CHECK(op, dt, D, LO, HI, INT64_MAX, 0)                                                      \
  SELRT_POOL_INT_RUN(op, dt, T,                                                                              \
    for (int32_t c = 0; c < C; c++) {                                                                        \
      int32_t m = lo; /* the clamp's floor doubles as the empty-window value */                            \
      for (int64_t iy = ys; iy < ye; iy++)                                                                   \
        for (int64_t ix = xs; ix < xe; ix++) {                                                               \
          const int32_t v = SELRT_POOL_INT_AT(iy, ix);                                                       \
          m = v > m ? v : m;                                                                                 \
        }                                                                                                    \
      yp[c] = (T)(m > hi ? hi : m);                                                                          \
    })                                                                                                       \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#define SELRT_AVGPOOL(op, dt, T, D, LO, HI, CELLS)                                                          \
  SELRT_POOL_INT_CHECK(op, dt, D, LO, HI, CELLS, (uint32_t)n->ip[SELRT_##op##_##dt##_IP_ties_up] > 1)       \
  SELRT_POOL_INT_RUN(op, dt, T,                                                                              \
    const int32_t count = ye > ys && xe > xs ? (int32_t)((ye - ys) * (xe - xs)) : 0;                         \
    const int32_t up = n->ip[SELRT_##op##_##dt##_IP_ties_up];                                                \
    for (int32_t c = 0; c < C; c++) {                                                                        \
      int32_t acc = 0;                                                                                       \
      for (int64_t iy = ys; iy < ye; iy++)                                                                   \
        for (int64_t ix = xs; ix < xe; ix++) acc += SELRT_POOL_INT_AT(iy, ix);                               \
      if (count && up) { /* floor((acc + count / 2) / count) */                                              \
        const int32_t v = acc + count / 2;                                                                   \
        acc = v / count - (v % count < 0);                                                                   \
      } else if (count) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;               \
      acc = acc < lo ? lo : acc;                                                                             \
      yp[c] = (T)(acc > hi ? hi : acc);                                                                      \
    })                                                                                                       \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif
