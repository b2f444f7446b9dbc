/* batch_matmul.i8: LiteRT's int8 batch matmul, out[..., M, N] =
 * clamp(mbqm(sum_k (a[m, k] - a_zp) * (b[k, n] - b_zp), multiplier, shift)
 * + out_zp), with adj_x / adj_y transposing the last two dims of a / b and
 * the batch dims broadcast as for batch_matmul.f32 (shared/bmm.h);
 * multiplier/shift encode s_a * s_b / s_out (the converter, as LiteRT's
 * Prepare). K is bounded at load so the int32 accumulator cannot overflow. */
#include "selrt_kernel.h"
#include "../shared/bmm.h"
#include "../shared/qi8.h"

#define SELRT_BATCH_MATMUL_I8_IP(name) SELRT_batch_matmul_i8_IP_##name
_Static_assert(SELRT_BATCH_MATMUL_I8_IP(adj_x) == SELRT_SHARED_BMM_ADJ_X &&
                   SELRT_BATCH_MATMUL_I8_IP(adj_y) == SELRT_SHARED_BMM_ADJ_Y &&
                   SELRT_BATCH_MATMUL_I8_IP(batch0) == SELRT_SHARED_BMM_BATCH0 &&
                   SELRT_BATCH_MATMUL_I8_IP(a_stride0) == SELRT_SHARED_BMM_A_STRIDE0 &&
                   SELRT_BATCH_MATMUL_I8_IP(b_stride0) == SELRT_SHARED_BMM_B_STRIDE0,
               "batch_matmul.i8 iparams must keep the shared/bmm.h layout");

selrt_status selrt_batch_matmul_i8_check(const selrt_program *p, const selrt_node *n) {
  const int32_t *ip = n->ip;
  selrt_status st = selrt_shared_bmm_check(p, n, SELRT_I8);
  if (st != SELRT_OK) return st;
  const selrt_tensor *a = selrt_pin(p, n, 0);
  const int32_t K = ip[SELRT_BATCH_MATMUL_I8_IP(adj_x)] ? a->dims[a->rank - 2] : a->dims[a->rank - 1];
  if (K > 32767) return SELRT_REJECT(p, "inner dim % can overflow the int32 accumulator (at most 32767)", K, 0);
  if (ip[SELRT_BATCH_MATMUL_I8_IP(multiplier)] < 0 || ip[SELRT_BATCH_MATMUL_I8_IP(shift)] < -31 ||
      ip[SELRT_BATCH_MATMUL_I8_IP(shift)] > 30)
    return SELRT_REJECT(p, "multiplier % / shift % out of range", ip[SELRT_BATCH_MATMUL_I8_IP(multiplier)],
                        ip[SELRT_BATCH_MATMUL_I8_IP(shift)]);
  if (selrt_shared_qi8_range_check(ip[SELRT_BATCH_MATMUL_I8_IP(a_zp)], ip[SELRT_BATCH_MATMUL_I8_IP(b_zp)], -128, 127) ||
      selrt_shared_qi8_range_check(ip[SELRT_BATCH_MATMUL_I8_IP(out_zp)], 0, -128, 127))
    return SELRT_REJECT(p, "zero points outside int8 (a %, b %)", ip[SELRT_BATCH_MATMUL_I8_IP(a_zp)],
                        ip[SELRT_BATCH_MATMUL_I8_IP(b_zp)]);
  return SELRT_OK;
}

selrt_status selrt_batch_matmul_i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *at = selrt_in(s, n, 0), *bt = selrt_in(s, n, 1);
  const int32_t *ip = n->ip;
  const int32_t ax = ip[SELRT_BATCH_MATMUL_I8_IP(adj_x)], ay = ip[SELRT_BATCH_MATMUL_I8_IP(adj_y)];
  const int32_t za = ip[SELRT_BATCH_MATMUL_I8_IP(a_zp)], zb = ip[SELRT_BATCH_MATMUL_I8_IP(b_zp)];
  const int32_t zo = ip[SELRT_BATCH_MATMUL_I8_IP(out_zp)];
  const int32_t mult = ip[SELRT_BATCH_MATMUL_I8_IP(multiplier)], sh = ip[SELRT_BATCH_MATMUL_I8_IP(shift)];
  int32_t M, K, N;
  selrt_shared_bmm_dims(at, bt, ax, ay, &M, &K, &N);
  const int8_t *A = (const int8_t *)at->data, *B = (const int8_t *)bt->data;
  int8_t *Y = (int8_t *)selrt_out(s, n, 0)->data;
  /* element steps along m and k of a, along k and n of b */
  const size_t am = ax ? 1 : (size_t)K, ak = ax ? (size_t)M : 1;
  const size_t bk = ay ? 1 : (size_t)N, bn = ay ? (size_t)K : 1;
  int32_t i[4] = {0, 0, 0, 0};
  do {
    size_t ao, bo;
    selrt_shared_bmm_offsets(ip, i, &ao, &bo);
    for (int32_t m = 0; m < M; m++)
      for (int32_t c = 0; c < N; c++) {
        const int8_t *ar = A + ao + (size_t)m * am, *bc = B + bo + (size_t)c * bn;
        int32_t acc = 0;
        for (int32_t k = 0; k < K; k++) acc += (ar[(size_t)k * ak] - za) * (bc[(size_t)k * bk] - zb);
        Y[(size_t)m * N + c] = (int8_t)selrt_shared_qi8_clamp_zp(selrt_shared_qi8_mbqm(acc, mult, sh), zo, -128, 127);
      }
    Y += (size_t)M * N;
  } while (selrt_shared_bmm_next(ip, i));
  return SELRT_OK;
}

SELRT_KERNEL(batch_matmul_i8, "batch_matmul.i8");
