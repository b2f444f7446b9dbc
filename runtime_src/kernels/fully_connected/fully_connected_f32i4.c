/* fully_connected.f32i4: fully_connected.f32i8 with int4 weights (TFLite's
 * dynamic-range int4 FULLY_CONNECTED), which stay 4-bit in the program: the
 * converter packs each weight row [K] into ceil(K/2) bytes (a U8 tensor
 * [N, ceil(K/2)], low nibble = even k, a row's odd last nibble 0; TFLite
 * packs the flat tensor, so rows of odd K would straddle bytes) and passes
 * K as `depth`. Values are sign-extended nibbles in [-8, 7]; everything else
 * (row quantization, int32 dot products, scales, bias, activation) is the
 * int8 kernel's arithmetic. */
#include "selrt_kernel.h"
#include "../shared/hybrid.h"

selrt_status selrt_fully_connected_f32i4_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *sc = selrt_pin(p, n, 2);
  const selrt_tensor *b = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0), *qx = selrt_pout(p, n, 1);
  const int32_t K = n->ip[SELRT_fully_connected_f32i4_IP_depth];
  if (x->dtype != SELRT_F32 || w->dtype != SELRT_U8 || !w->data || y->dtype != SELRT_F32 || qx->dtype != SELRT_I8 ||
      w->rank != 2 || y->rank < 1 || y->dims[y->rank - 1] != w->dims[0] || K < 1 ||
      w->dims[1] != (int32_t)(((int64_t)K + 1) / 2))
    return SELRT_ERR_UNSUPPORTED;
  const size_t N = (size_t)w->dims[0], nx = selrt_numel(x);
  if (nx % (size_t)K != 0 || nx / (size_t)K > INT32_MAX || (nx / (size_t)K) * N != selrt_numel(y) ||
      selrt_numel(qx) != (size_t)K)
    return SELRT_ERR_UNSUPPORTED;
  if (b && (b->dtype != SELRT_F32 || selrt_numel(b) != N)) return SELRT_ERR_UNSUPPORTED;
  const int32_t asym = n->ip[SELRT_fully_connected_f32i4_IP_asymmetric];
  return selrt_shared_hybrid_node_check(asym, sc, N, (size_t)K);
}

selrt_status selrt_fully_connected_f32i4_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *st = selrt_in(s, n, 2);
  const selrt_tensor *bt = selrt_in(s, n, 3), *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data, *ws = (const float *)st->data;
  const float *bias = bt ? (const float *)bt->data : (const float *)0;
  const uint8_t *w = (const uint8_t *)wt->data;
  int8_t *q = (int8_t *)selrt_out(s, n, 1)->data;
  float *y = (float *)yt->data;
  const size_t K = (size_t)n->ip[SELRT_fully_connected_f32i4_IP_depth], KB = (size_t)wt->dims[1];
  const size_t N = (size_t)wt->dims[0], rows = selrt_numel(xt) / K;
  const size_t per_unit = selrt_numel(st) == N ? 1 : 0;
  const int32_t asym = n->ip[SELRT_fully_connected_f32i4_IP_asymmetric];
  const float lo = n->fp[SELRT_fully_connected_f32i4_FP_act_min], hi = n->fp[SELRT_fully_connected_f32i4_FP_act_max];
  for (size_t r = 0; r < rows; r++) {
    float rs;
    int32_t zp;
    selrt_shared_hybrid_quantize(x + r * K, K, 1, asym, q, &rs, &zp);
    for (size_t o = 0; o < N; o++) {
      const uint8_t *wr = w + o * KB;
      int32_t acc = 0; /* bounded by check (hybrid.h) */
      for (size_t k = 0; k < K; k++) {
        const int32_t nib = (k & 1) ? wr[k >> 1] >> 4 : wr[k >> 1] & 0x0F;
        acc += ((nib ^ 8) - 8) * ((int32_t)q[k] - zp); /* sign-extended nibble */
      }
      y[r * N + o] = selrt_shared_hybrid_out(acc, rs, ws[per_unit * o], bias, (size_t)o, lo, hi);
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(fully_connected_f32i4, "fully_connected.f32i4");
