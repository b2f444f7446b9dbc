/* fully_connected.f32i8: dynamic-range fully connected layer (float input and
 * output, constant symmetric int8 weights [N, K] as TFLite stores them).
 * Each input row [K] is quantized on the fly into the int8 scratch output
 * (symmetric or asymmetric as the op's asymmetric_quantize_inputs says,
 * shared/hybrid.h), dotted with every weight row in int32, then
 * y = bias + acc * (row_scale * weight_scale[n]) and the fused activation:
 * LiteRT's reference hybrid arithmetic in its order. Weight scales are one
 * (per tensor) or N (per unit) floats. */
#include "selrt_kernel.h"
#include "../shared/hybrid.h"

selrt_status selrt_fully_connected_f32i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *sc = selrt_pin(p, n, 2);
  const selrt_tensor *b = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0), *qx = selrt_pout(p, n, 1);
  if (x->dtype != SELRT_F32 || w->dtype != SELRT_I8 || !w->data || y->dtype != SELRT_F32 || qx->dtype != SELRT_I8 ||
      w->rank != 2 || y->rank < 1 || y->dims[y->rank - 1] != w->dims[0])
    return SELRT_ERR_UNSUPPORTED;
  const size_t N = (size_t)w->dims[0], K = (size_t)w->dims[1], nx = selrt_numel(x);
  if (K == 0 || nx % K != 0 || nx / K > INT32_MAX || (nx / K) * N != selrt_numel(y) || selrt_numel(qx) != nx)
    return SELRT_ERR_UNSUPPORTED;
  if (b && (b->dtype != SELRT_F32 || selrt_numel(b) != N)) return SELRT_ERR_UNSUPPORTED;
  const int32_t asym = n->ip[SELRT_fully_connected_f32i8_IP_asymmetric];
  return selrt_shared_hybrid_node_check(asym, sc, N, K);
}

selrt_status selrt_fully_connected_f32i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *st = selrt_in(s, n, 2);
  const selrt_tensor *bt = selrt_in(s, n, 3), *yt = selrt_out(s, n, 0);
  const float *x = (const float *)xt->data, *ws = (const float *)st->data;
  const float *bias = bt ? (const float *)bt->data : (const float *)0;
  const int8_t *w = (const int8_t *)wt->data;
  int8_t *q = (int8_t *)selrt_out(s, n, 1)->data;
  float *y = (float *)yt->data;
  const size_t N = (size_t)wt->dims[0], K = (size_t)wt->dims[1], rows = selrt_numel(xt) / K;
  const size_t per_unit = selrt_numel(st) == N ? 1 : 0;
  const int32_t asym = n->ip[SELRT_fully_connected_f32i8_IP_asymmetric];
  const float lo = n->fp[SELRT_fully_connected_f32i8_FP_act_min], hi = n->fp[SELRT_fully_connected_f32i8_FP_act_max];
  for (size_t r = 0; r < rows; r++) {
    float rs;
    int32_t zp;
    int8_t *qr = q + r * K;
    selrt_shared_hybrid_quantize(x + r * K, K, 1, asym, qr, &rs, &zp);
    for (size_t o = 0; o < N; o++) {
      const int8_t *wr = w + o * K;
      int32_t acc = 0; /* bounded by check (hybrid.h) */
      for (size_t k = 0; k < K; k++) acc += (int32_t)wr[k] * ((int32_t)qr[k] - zp);
      y[r * N + o] = selrt_shared_hybrid_out(acc, rs, ws[per_unit * o], bias, (size_t)o, lo, hi);
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(fully_connected_f32i8, "fully_connected.f32i8");
