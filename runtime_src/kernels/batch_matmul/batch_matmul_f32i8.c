/* batch_matmul.f32i8: dynamic-range batched matmul, out[..., M, N] =
 * a[..., M, K] (float, adj_x: stored [..., K, M]) x b, b a constant
 * symmetric int8 tensor re-laid by the converter to [..., N, K] (rows of K
 * contiguous, whatever adj_y was) with one float scale (LiteRT's hybrid
 * batch matmul uses the per-tensor scale). Batch dims as batch_matmul.f32:
 * up to 4 output dims with per-operand element strides, 0 = broadcast.
 * Each row of a (K values, strided when adj_x) is quantized on the fly into
 * the int8 scratch output [K] (symmetric or asymmetric per
 * asymmetric_quantize_inputs, shared/hybrid.h), then out = acc * (row_scale
 * * scale), no bias, no activation: LiteRT's reference arithmetic. */
#include "selrt_kernel.h"
#include "../shared/bmm.h"
#include "../shared/hybrid.h"

#define SELRT_BATCH_MATMUL_F32I8_IP(name) SELRT_batch_matmul_f32i8_IP_##name

selrt_status selrt_batch_matmul_f32i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *a = selrt_pin(p, n, 0), *b = selrt_pin(p, n, 1), *sc = selrt_pin(p, n, 2);
  const selrt_tensor *y = selrt_pout(p, n, 0), *qx = selrt_pout(p, n, 1);
  const int32_t *ip = n->ip;
  const int32_t ax = ip[SELRT_BATCH_MATMUL_F32I8_IP(adj_x)], asym = ip[SELRT_BATCH_MATMUL_F32I8_IP(asymmetric)];
  if (a->dtype != SELRT_F32 || b->dtype != SELRT_I8 || !b->data || y->dtype != SELRT_F32 || qx->dtype != SELRT_I8 ||
      a->rank < 2 || b->rank < 2 || y->rank < 2 || (ax & ~1) || (asym & ~1))
    return SELRT_ERR_UNSUPPORTED;
  const int32_t M = ax ? a->dims[a->rank - 1] : a->dims[a->rank - 2];
  const int32_t K = ax ? a->dims[a->rank - 2] : a->dims[a->rank - 1];
  const int32_t N = b->dims[b->rank - 2];
  if (b->dims[b->rank - 1] != K || y->dims[y->rank - 2] != M || y->dims[y->rank - 1] != N ||
      selrt_numel(qx) != (size_t)K || selrt_shared_hybrid_scales_check(sc, 1) != SELRT_OK ||
      selrt_shared_hybrid_acc_check((size_t)K) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_bmm_batches_check(ip + SELRT_BATCH_MATMUL_F32I8_IP(batch0),
                                        ip + SELRT_BATCH_MATMUL_F32I8_IP(a_stride0),
                                        ip + SELRT_BATCH_MATMUL_F32I8_IP(b_stride0), M, K, N, a, b, y);
}

selrt_status selrt_batch_matmul_f32i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *at = selrt_in(s, n, 0), *bt = selrt_in(s, n, 1);
  const int32_t *ip = n->ip;
  const int32_t ax = ip[SELRT_BATCH_MATMUL_F32I8_IP(adj_x)], asym = ip[SELRT_BATCH_MATMUL_F32I8_IP(asymmetric)];
  const size_t M = (size_t)(ax ? at->dims[at->rank - 1] : at->dims[at->rank - 2]);
  const size_t K = (size_t)(ax ? at->dims[at->rank - 2] : at->dims[at->rank - 1]);
  const size_t N = (size_t)bt->dims[bt->rank - 2];
  const float *A = (const float *)at->data, ws = ((const float *)selrt_in(s, n, 2)->data)[0];
  const int8_t *B = (const int8_t *)bt->data;
  int8_t *q = (int8_t *)selrt_out(s, n, 1)->data;
  float *Y = (float *)selrt_out(s, n, 0)->data;
  int32_t d[4];
  size_t as[4], bs[4];
  for (int i = 0; i < 4; i++) {
    d[i] = ip[SELRT_BATCH_MATMUL_F32I8_IP(batch0) + i];
    as[i] = (size_t)ip[SELRT_BATCH_MATMUL_F32I8_IP(a_stride0) + i];
    bs[i] = (size_t)ip[SELRT_BATCH_MATMUL_F32I8_IP(b_stride0) + i];
  }
  for (int32_t i0 = 0; i0 < d[0]; i0++)
    for (int32_t i1 = 0; i1 < d[1]; i1++)
      for (int32_t i2 = 0; i2 < d[2]; i2++)
        for (int32_t i3 = 0; i3 < d[3]; i3++) {
          const float *a = A + i0 * as[0] + i1 * as[1] + i2 * as[2] + i3 * as[3];
          const int8_t *b = B + i0 * bs[0] + i1 * bs[1] + i2 * bs[2] + i3 * bs[3];
          for (size_t m = 0; m < M; m++, Y += N) {
            float rs;
            int32_t zp;
            /* Row m: a[m][0..K) or, with adj_x, a[0..K)[m]. */
            selrt_shared_hybrid_quantize(ax ? a + m : a + m * K, K, ax ? M : 1, asym, q, &rs, &zp);
            const float scale = rs * ws;
            for (size_t o = 0; o < N; o++) {
              const int8_t *br = b + o * K;
              int32_t acc = 0; /* bounded by check (hybrid.h) */
              for (size_t k = 0; k < K; k++) acc += (int32_t)br[k] * ((int32_t)q[k] - zp);
              Y[o] = (float)acc * scale;
            }
          }
        }
  return SELRT_OK;
}

SELRT_KERNEL(batch_matmul_f32i8, "batch_matmul.f32i8");
