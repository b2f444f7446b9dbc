/* fully_connected.i8: TFLite full-integer fully connected layer. The input
 * is flattened to [rows, K]; weights (symmetric int8, per tensor or per
 * output unit) re-laid by the converter from [N, K] to [K, N]; int32 bias
 * with the zero-point term folded in (bias'[n] = bias[n] - input_zp *
 * sum(weights[n])), so the accumulation is a plain int8 multiply-add;
 * A weight zero point (legacy uint8 models: filter_zp != 0) makes that
 *   sum((x - input_zp) * (w - filter_zp)) + b
 *     = sum(x * w) - filter_zp * sum(x) + (b - input_zp * sum(w) + K * input_zp * filter_zp)
 * with the bracket folded by the converter: the kernel subtracts
 * filter_zp * sum(x) per row, only then.
 * Requantized per unit with one rounding (LiteRT's fully connected, unlike
 * its convolutions: shared/qi8.h selrt_shared_qi8_requant1) (requant[2][N]), + output_zp, clamped.
 * Blocks of up to 4 rows x 64 units in a stack accumulator: the inner loop
 * runs over contiguous units and each weight load serves 4 rows. */
#include "selrt_kernel.h"
#include "../shared/qi8.h"

#define SELRT_FULLY_CONNECTED_I8_RB 4
#define SELRT_FULLY_CONNECTED_I8_CH 64

selrt_status selrt_fully_connected_i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *b = selrt_pin(p, n, 2);
  const selrt_tensor *q = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0);
  const int32_t wz = n->ip[SELRT_fully_connected_i8_IP_filter_zp];
  if (wz < -255 || wz > 255) return SELRT_REJECT(p, "filter zero point % is outside -255..255", wz, 0);
  if (x->dtype != SELRT_I8 || w->dtype != SELRT_I8 || y->dtype != SELRT_I8 || b->dtype != SELRT_I32 ||
      w->rank != 2 || y->rank < 1 || y->dims[y->rank - 1] != w->dims[1] || selrt_numel(b) != (size_t)w->dims[1])
    return SELRT_ERR_UNSUPPORTED;
  if (selrt_numel(x) % (size_t)w->dims[0] || selrt_numel(x) / (size_t)w->dims[0] * (size_t)w->dims[1] != selrt_numel(y))
    return SELRT_ERR_UNSUPPORTED;
  if (!q->data || selrt_shared_qi8_requant_check(q, w->dims[1]) != SELRT_OK ||
      selrt_shared_qi8_acc_check(w, b, w->dims[1], 128, wz, 128) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  if (selrt_numel(x) > INT32_MAX || selrt_numel(y) > INT32_MAX) return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_qi8_range_check(n->ip[SELRT_fully_connected_i8_IP_output_zp],
                                      n->ip[SELRT_fully_connected_i8_IP_output_zp],
                                      n->ip[SELRT_fully_connected_i8_IP_act_min],
                                      n->ip[SELRT_fully_connected_i8_IP_act_max]);
}

selrt_status selrt_fully_connected_i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *yt = selrt_out(s, n, 0);
  const int8_t *x = (const int8_t *)xt->data, *w = (const int8_t *)wt->data;
  const int32_t *bias = (const int32_t *)selrt_in(s, n, 2)->data;
  const int32_t *q = (const int32_t *)selrt_in(s, n, 3)->data;
  int8_t *y = (int8_t *)yt->data;
  const int32_t K = wt->dims[0], N = wt->dims[1];
  const int32_t rows = (int32_t)(selrt_numel(xt) / (size_t)K);
  const int32_t zout = n->ip[SELRT_fully_connected_i8_IP_output_zp];
  const int32_t lo = n->ip[SELRT_fully_connected_i8_IP_act_min], hi = n->ip[SELRT_fully_connected_i8_IP_act_max];
  const int32_t wz = n->ip[SELRT_fully_connected_i8_IP_filter_zp];
  int32_t acc[SELRT_FULLY_CONNECTED_I8_RB][SELRT_FULLY_CONNECTED_I8_CH];
  int32_t xsum[SELRT_FULLY_CONNECTED_I8_RB];
  for (int32_t r0 = 0; r0 < rows; r0 += SELRT_FULLY_CONNECTED_I8_RB) {
    const int32_t nr = rows - r0 < SELRT_FULLY_CONNECTED_I8_RB ? rows - r0 : SELRT_FULLY_CONNECTED_I8_RB;
    const int8_t *xr = x + (size_t)r0 * K;
    for (int32_t r = 0; wz && r < nr; r++) { /* |sum| <= 128 * K: bounded with the accumulator */
      xsum[r] = 0;
      for (int32_t k = 0; k < K; k++) xsum[r] += xr[(size_t)r * K + k];
    }
    for (int32_t o0 = 0; o0 < N; o0 += SELRT_FULLY_CONNECTED_I8_CH) {
      const int32_t oc = N - o0 < SELRT_FULLY_CONNECTED_I8_CH ? N - o0 : SELRT_FULLY_CONNECTED_I8_CH;
      for (int32_t r = 0; r < nr; r++)
        for (int32_t o = 0; o < oc; o++) acc[r][o] = bias[o0 + o];
      if (nr == SELRT_FULLY_CONNECTED_I8_RB) {
        for (int32_t k = 0; k < K; k++) {
          const int8_t *wr = w + (size_t)k * N + o0;
          const int16_t x0 = xr[k], x1 = xr[K + k], x2 = xr[2 * (size_t)K + k], x3 = xr[3 * (size_t)K + k];
          for (int32_t o = 0; o < oc; o++) { /* 16-bit products, see conv2d_i8.c */
            const int16_t wv = wr[o];
            acc[0][o] += (int16_t)(x0 * wv);
            acc[1][o] += (int16_t)(x1 * wv);
            acc[2][o] += (int16_t)(x2 * wv);
            acc[3][o] += (int16_t)(x3 * wv);
          }
        }
      } else {
        for (int32_t r = 0; r < nr; r++)
          for (int32_t k = 0; k < K; k++) {
            const int8_t *wr = w + (size_t)k * N + o0;
            const int16_t xv = xr[(size_t)r * K + k];
            for (int32_t o = 0; o < oc; o++) acc[r][o] += (int16_t)(xv * wr[o]);
          }
      }
      for (int32_t r = 0; wz && r < nr; r++)
        for (int32_t o = 0; o < oc; o++) acc[r][o] -= wz * xsum[r];
      for (int32_t r = 0; r < nr; r++)
        selrt_shared_qi8_requant1(acc[r], y + (size_t)(r0 + r) * N + o0, oc, q + o0, q + N + o0, zout, lo, hi);
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(fully_connected_i8, "fully_connected.i8");
