/* max_pool2d.i16: maximum of the in-bounds cells of each window (input and
 * output share one quantization), clamped to act_min..act_max. */
#include "selrt_kernel.h"
#include "../shared/window.h"

selrt_status selrt_max_pool2d_i16_check(const selrt_program *p, const selrt_node *n) {
  selrt_status st = selrt_shared_pool_check(p, selrt_pin(p, n, 0), selrt_pout(p, n, 0), SELRT_I16,
                                            n->ip + SELRT_max_pool2d_i16_IP_filter_h);
  if (st != SELRT_OK) return st;
  int32_t lo = n->ip[SELRT_max_pool2d_i16_IP_act_min], hi = n->ip[SELRT_max_pool2d_i16_IP_act_max];
  if (lo < -32768 || hi > 32767 || lo > hi) return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

selrt_status selrt_max_pool2d_i16_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);
  const int16_t *x = (const int16_t *)xt->data;
  int16_t *y = (int16_t *)yt->data;
  const int32_t N = xt->dims[0], H = xt->dims[1], W = xt->dims[2], C = xt->dims[3];
  const int32_t OH = yt->dims[1], OW = yt->dims[2];
  const int32_t fh = n->ip[SELRT_max_pool2d_i16_IP_filter_h], fw = n->ip[SELRT_max_pool2d_i16_IP_filter_w];
  const int32_t sh = n->ip[SELRT_max_pool2d_i16_IP_stride_h], sw = n->ip[SELRT_max_pool2d_i16_IP_stride_w];
  const int32_t pt = n->ip[SELRT_max_pool2d_i16_IP_pad_top], pl = n->ip[SELRT_max_pool2d_i16_IP_pad_left];
  const int32_t lo = n->ip[SELRT_max_pool2d_i16_IP_act_min], hi = n->ip[SELRT_max_pool2d_i16_IP_act_max];
  for (int32_t b = 0; b < N; b++)
    for (int32_t oy = 0; oy < OH; oy++) {
      const int64_t y0 = (int64_t)oy * sh - pt;
      const int64_t ys = y0 < 0 ? 0 : y0, ye = y0 + fh > H ? H : y0 + fh;
      for (int32_t ox = 0; ox < OW; ox++) {
        const int64_t x0 = (int64_t)ox * sw - pl;
        const int64_t xs = x0 < 0 ? 0 : x0, xe = x0 + fw > W ? W : x0 + fw;
        int16_t *yp = y + (((size_t)b * OH + oy) * OW + ox) * C;
        for (int32_t c = 0; c < C; c++) {
          int32_t m = lo; /* the clamp's floor doubles as the empty-window value */
          for (int64_t iy = ys; iy < ye; iy++)
            for (int64_t ix = xs; ix < xe; ix++) {
              const int32_t v = x[(((size_t)b * H + (size_t)iy) * W + (size_t)ix) * C + c];
              m = v > m ? v : m;
            }
          yp[c] = (int16_t)(m > hi ? hi : m);
        }
      }
    }
  return SELRT_OK;
}

SELRT_KERNEL(max_pool2d_i16, "max_pool2d.i16");
